"""File sizes on pages are written as the page's language writes numbers."""

from flask_babel import force_locale

from contest.web.filters import file_size


def test_file_sizes_use_the_pages_decimal_mark(app):
    with app.test_request_context("/"):
        assert file_size(6 * 1024) == "6,0 KB"
        assert file_size(int(1.25 * 1024 * 1024)) == "1,2 MB"
        assert file_size(None) == "0,0 KB"
        with force_locale("en"):
            assert file_size(6 * 1024) == "6.0 KB"
