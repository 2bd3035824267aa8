"""The English catalogue: complete, well-formed, compilable and used by the pages."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

from babel import support
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "contest" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]")
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)


def _catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _messages():
    return [m for m in _catalog() if m.id]


def test_every_message_has_an_english_translation():
    messages = _messages()
    assert messages, "the English catalogue is empty"
    untranslated = [
        m.id
        for m in messages
        if not all(s.strip() for s in (m.string if isinstance(m.string, tuple) else (m.string,)))
    ]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:10]}"


def test_placeholders_are_kept():
    wrong = []
    for message in _messages():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        wrong += [
            (ids[0], s)
            for s in strings
            if set(PLACEHOLDER.findall(s)) != expected or s.count("%%") != ids[0].count("%%")
        ]
    assert not wrong, f"placeholders differ: {wrong[:10]}"


def test_catalogue_compiles(tmp_path):
    """``pybabel compile``, as ``make setup`` runs it, on a copy of the catalogues."""
    target = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, target, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "compile",
            "-d",
            str(target),
            "-D",
            "messages",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error" not in output.lower(), output
    compiled = support.Translations.load(str(target), ["en"], "messages")
    assert compiled.gettext("Đăng nhập") == "Sign in"


def test_login_page_in_english(client, compiled_catalogue):
    response = client.get("/dang-nhap?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    heading = H1.search(html)
    assert heading, "no <h1> on the login page"
    assert "Sign in" in heading.group(1)
    assert "Đăng nhập" not in heading.group(1)
    assert "<title>Sign in" in html


def test_login_page_still_vietnamese_by_default(client, compiled_catalogue):
    html = client.get("/dang-nhap").get_data(as_text=True)
    heading = H1.search(html)
    assert heading and "Đăng nhập" in heading.group(1)


def _extracted_ids() -> set[str]:
    """Every message the sources mark (Python and templates), as ``make messages`` finds
    them: the same extraction as scripts/i18n_merge.py."""
    spec = importlib.util.spec_from_file_location("i18n_merge", ROOT / "scripts" / "i18n_merge.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in module.extracted() if m.id}


def test_every_marked_message_in_the_code_is_in_the_catalogue():
    """Python strings too (flash messages, form labels, validation and JSON messages): a
    message marked in the code but missing from messages.po would show in Vietnamese."""
    catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in _messages()}
    missing = sorted(_extracted_ids() - catalogue)
    assert not missing, f"{len(missing)} not in messages.po (run make messages): {missing[:10]}"


def test_python_code_marks_messages():
    """The extraction does reach the Python sources (not only the templates)."""
    ids = _extracted_ids()
    assert "Yêu cầu không hợp lệ." in ids  # contest/services/errors.py
    assert "nhiều câu trả lời đúng hơn" in ids  # contest/services/ranking.py
