"""Journey: an organiser imports a question bank from Excel on a phone-sized screen."""

from __future__ import annotations

import re

import pytest

from tests.bank_files import GOOD, make_xlsx

pytestmark = pytest.mark.browser

# Row 4 names option D as correct, but option D is empty.
BAD = [GOOD[0], GOOD[1], [*GOOD[2][:7], "D", ""]]


def write_xlsx(path, rows):
    path.write_bytes(make_xlsx(rows))
    return str(path)


def test_organiser_imports_a_bank(page, live_organiser, sign_in, tmp_path):
    from playwright.sync_api import expect

    bad = write_xlsx(tmp_path / "cau-hoi-co-loi.xlsx", BAD)
    good = write_xlsx(tmp_path / "cau-hoi.xlsx", GOOD)
    sign_in(live_organiser)

    page.goto("/ban-to-chuc/")
    page.get_by_role("link", name="Ngân hàng câu hỏi").click()
    expect(page.get_by_role("heading", name="Ngân hàng câu hỏi", exact=True)).to_be_visible()
    page.get_by_role("link", name="Tạo ngân hàng mới").click()
    page.get_by_label("Tên ngân hàng").fill("Ngân hàng thử trên điện thoại")
    page.get_by_role("button", name="Tạo ngân hàng").click()

    # A file with a bad row: the preview lists it by row and column, and offers no confirm.
    expect(page.get_by_role("heading", name="Nhập từ Excel")).to_be_visible()
    page.get_by_label(re.compile("^Tệp Excel")).set_input_files(bad)
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url(re.compile(r"/nhap-excel/[\w-]+$"))
    table = page.locator("table.errors-table")
    expect(table).to_be_visible()
    first = table.locator("tbody tr").first
    expect(first.locator("td").nth(0)).to_have_text("4")
    expect(first.locator("td").nth(1)).to_have_text("Đáp án đúng")
    expect(first.locator("td").nth(2)).to_contain_text("Phương án D")
    expect(page.get_by_role("button", name=re.compile("Xác nhận"))).to_have_count(0)

    # The fixed file: counts per topic and difficulty, then confirm.
    page.get_by_role("link", name="Tải lên tệp đã sửa").click()
    page.get_by_label(re.compile("^Tệp Excel")).set_input_files(good)
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url(re.compile(r"/nhap-excel/[\w-]+$"))
    expect(page.get_by_test_id("to-import")).to_have_text("3")
    counts = page.locator("table.counts-table")
    expect(counts.locator("tbody tr", has_text="Lịch sử Đảng").locator("td")).to_have_text(
        ["1", "0", "1", "2"]
    )
    expect(counts.locator("tfoot")).to_contain_text("3")
    page.get_by_role("button", name="Xác nhận nhập 3 câu hỏi").click()

    page.wait_for_url(re.compile(r"/ngan-hang/\d+$"))
    expect(page.get_by_role("alert").filter(has_text="Đã nhập 3 câu hỏi")).to_be_visible()
    expect(page.get_by_test_id("bank-total")).to_have_text("3")
    expect(page.locator(".question-list > li")).to_have_count(3)
