"""A participant on a phone: register, sign out and in, take a timed quiz that survives a
reload, a lost connection and time-up (Playwright driving Debian's Chromium, 360×740)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

PHONE = "0977123456"
PASSWORD = "thi-thu-2026"


@pytest.fixture(scope="module")
def demo(live_app):
    """Units, categories, the demo bank and the demo quiz with a round open now."""
    from contest.db import utcnow
    from contest.demo import load_demo
    from contest.extensions import db
    from contest.models import Contest

    with live_app.app_context():
        load_demo(now=utcnow())
        db.session.commit()
        from contest.demo.quiz import DEMO_CONTEST_TITLE

        contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
        round_ = next(r for r in contest.rounds if r.name == "Tuần 1")
        return {"slug": contest.slug, "round_id": round_.id}


def saved_answers(live_app, attempt_id):
    from contest.extensions import db
    from contest.models import Attempt
    from contest.services import attempts

    with live_app.app_context():
        return attempts.answers_of(db.session.get(Attempt, attempt_id))


def attempt_row(live_app, attempt_id):
    from contest.extensions import db
    from contest.models import Attempt

    with live_app.app_context():
        a = db.session.get(Attempt, attempt_id)
        return {
            "status": a.status.value,
            "score": a.score,
            "total": a.total,
            "prediction": a.prediction,
        }


def register(page):
    from tests.conftest import valid_cccd

    birth = date(2004, 8, 19)
    page.goto("/dang-ky")
    page.get_by_label("Họ và tên").fill("Vàng Thị Dung")
    page.get_by_label("Ngày sinh").fill(birth.isoformat())
    page.get_by_label("Nữ").check()
    page.get_by_label("Số CCCD (12 số)").fill(valid_cccd(birth, "female"))
    page.get_by_label("Số điện thoại di động").fill(PHONE)
    page.get_by_label("Đơn vị").select_option(label="Tỉnh Lai Châu / Xã Sìn Hồ")
    page.get_by_label("Đối tượng").select_option(label="Học sinh, sinh viên")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(PASSWORD)
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Đăng ký tài khoản").last.click()


def test_register_with_a_mistake_then_log_out_and_in(page, demo):
    page.goto("/dang-ky")
    page.get_by_role("button", name="Đăng ký tài khoản").last.click()
    expect(page.get_by_text("Vui lòng nhập họ và tên.")).to_be_visible()
    expect(page.get_by_text("Bạn cần đồng ý")).to_be_visible()
    register(page)
    page.wait_for_url(lambda url: "/dang-ky" not in url)
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()
    page.get_by_role("button", name="Mở menu").click()
    page.locator("#menu.show").wait_for()  # the phone menu has finished opening
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại hoặc email").fill("+84 977 123 456")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    expect(page.get_by_text("Xin chào Vàng Thị Dung")).to_be_visible()


def start_quiz(page, demo):
    page.goto(f"/cuoc-thi/{demo['slug']}")
    page.get_by_role("link", name="Bắt đầu làm bài").first.click()
    expect(page.get_by_text("Thời gian làm bài: 15 phút")).to_be_visible()
    page.locator("main").get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    page.locator("#question-panel").wait_for()
    return int(page.url.rsplit("/", 1)[1])


def answer_current(page, index=0):
    page.locator("#options .option").nth(index).click()
    page.get_by_text("Đã lưu").wait_for()


def test_quiz_survives_reload_and_lost_connection(page, sign_in, demo, live_app):
    from tests.browser.conftest import Account

    sign_in(Account("0912345678", "demo12345"))
    attempt_id = start_quiz(page, demo)
    answer_current(page, 1)
    page.get_by_role("button", name="Câu sau →").click()
    answer_current(page, 2)
    page.reload()
    page.locator("#question-panel").wait_for()
    assert page.locator("#question-number").inner_text() == "Câu 2/20"  # the current question
    assert page.locator("#options input").nth(2).is_checked()  # and its answer
    assert len(saved_answers(live_app, attempt_id)) == 2

    page.context.set_offline(True)
    page.get_by_role("button", name="Câu sau →").click()
    page.locator("#options .option").nth(0).click()
    banner = page.get_by_text("Mất kết nối mạng. Câu trả lời sẽ được lưu khi có mạng trở lại.")
    banner.wait_for()
    assert len(saved_answers(live_app, attempt_id)) == 2
    page.context.set_offline(False)
    # (no wait_for_function: the page's CSP forbids evaluating strings)
    page.locator("#offline-banner").wait_for(state="hidden")
    page.get_by_text("Đã lưu").wait_for()
    assert len(saved_answers(live_app, attempt_id)) == 3

    page.locator("#navigator .nav-prediction").click()
    page.get_by_label("Số bạn dự đoán").fill("1250")
    page.get_by_label("Số bạn dự đoán").blur()
    page.locator("#prediction-state", has_text="Đã lưu").wait_for()
    page.get_by_role("button", name="Nộp bài").last.click()
    expect(page.get_by_text("Còn 17 câu chưa trả lời")).to_be_visible()
    page.locator("#confirm-yes").click()
    page.wait_for_url(re.compile(r"/ket-qua$"))
    expect(
        page.get_by_text(re.compile(r"Kết quả của bạn: đúng \d+/20 câu, thời gian \d\d:\d\d"))
    ).to_be_visible()
    row = attempt_row(live_app, attempt_id)
    assert row["status"] == "submitted" and row["prediction"] == 1250 and row["total"] == 20
    # Reopening the finished attempt shows the result, never a running timer (T6).
    page.goto(f"/luot-thi/{attempt_id}")
    page.wait_for_url(re.compile(r"/ket-qua$"))


def test_time_up_submits_automatically_with_what_is_on_screen(page, sign_in, demo, live_app):
    from tests.browser.conftest import Account

    page.clock.install()
    sign_in(Account(PHONE, PASSWORD))
    attempt_id = start_quiz(page, demo)
    answer_current(page, 0)
    page.clock.fast_forward("14:05")
    page.get_by_text("Còn dưới 1 phút").wait_for()
    page.get_by_role("button", name="Câu sau →").click()
    page.locator("#options .option").nth(3).click()  # chosen in the last seconds
    page.clock.fast_forward("01:00")
    page.wait_for_url(re.compile(r"/ket-qua$"))
    row = attempt_row(live_app, attempt_id)
    assert row["status"] in ("submitted", "expired")
    assert len(saved_answers(live_app, attempt_id)) == 2  # both answers reached the server
