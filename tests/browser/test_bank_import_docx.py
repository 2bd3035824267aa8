"""Journey: an organiser imports a question bank written in Word on a phone-sized screen."""

from __future__ import annotations

import re

import pytest

from tests.question_bank.docx_helpers import make_docx, question

pytestmark = pytest.mark.browser

GOOD = [
    "Chủ đề: Lịch sử Đảng",
    *question(1, "Đại hội I của Đảng họp năm nào?", options=("1930", "1935", "1945")),
    "Câu 2: Đại hội II của Đảng họp ở đâu?",
    [("A. Tuyên Quang", "b")],
    "B. Hà Nội",
]


def test_organiser_imports_a_word_bank(page, live_organiser, sign_in, tmp_path):
    from playwright.sync_api import expect

    bad = tmp_path / "cau-hoi-co-loi.docx"
    bad.write_bytes(make_docx([*GOOD, *question(3, "Thiếu đáp án?", answer=None)]))
    good = tmp_path / "cau-hoi.docx"
    good.write_bytes(make_docx(GOOD))
    sign_in(live_organiser)

    page.goto("/ban-to-chuc/ngan-hang/tao-moi")
    page.get_by_label("Tên ngân hàng").fill("Ngân hàng Word")
    page.get_by_role("button", name="Tạo ngân hàng").click()
    expect(page.get_by_role("heading", name="Nhập từ Excel hoặc Word")).to_be_visible()
    expect(page.get_by_role("link", name="Tải tệp mẫu Word")).to_be_visible()

    # A question without a key: listed by its number, nothing to confirm.
    page.get_by_label(re.compile("Word \\(\\.docx\\)")).set_input_files(str(bad))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url(re.compile(r"/nhap-excel/[\w-]+$"))
    first = page.locator("table.errors-table tbody tr").first
    expect(first.locator("td").nth(0)).to_have_text("3")
    expect(first.locator("td").nth(2)).to_contain_text("Không tìm thấy đáp án đúng")
    expect(page.get_by_role("button", name=re.compile("Xác nhận"))).to_have_count(0)

    page.get_by_role("link", name="Tải lên tệp đã sửa").click()
    page.get_by_label(re.compile("Word \\(\\.docx\\)")).set_input_files(str(good))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url(re.compile(r"/nhap-excel/[\w-]+$"))
    expect(page.get_by_test_id("to-import")).to_have_text("2")
    page.get_by_role("button", name="Xác nhận nhập 2 câu hỏi").click()
    page.wait_for_url(re.compile(r"/ngan-hang/\d+$"))
    expect(page.get_by_test_id("bank-total")).to_have_text("2")
    expect(page.get_by_role("link", name="Xuất Word")).to_be_visible()
