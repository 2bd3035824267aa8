"""At 360 px a participant shares a result and a friend registers through the link
(issue 15): the share links carry the personal referral URL; a new browser opens it,
registers, finishes an attempt, and the referrer's count goes up."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

REFERRER_PHONE = "0977555111"
FRIEND_PHONE = "0977555222"
PASSWORD = "lan-toa-2026"


@pytest.fixture(scope="module")
def demo(live_app):
    from contest.db import utcnow
    from contest.demo import load_demo
    from contest.demo.quiz import DEMO_CONTEST_TITLE
    from contest.extensions import db
    from contest.models import Category, Contest, Gender, Role, Unit, User
    from contest.services.passwords import hash_password
    from question_bank.text import fold
    from tests.conftest import valid_cccd

    with live_app.app_context():
        load_demo(now=utcnow())
        contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
        unit = db.session.scalars(select(Unit)).first()
        name = "Giàng Thị Lan"
        born = date(1998, 2, 3)
        referrer = User(
            role=Role.participant,
            full_name=name,
            name_key=fold(name),
            birth_date=born,
            gender=Gender.female,
            id_number=valid_cccd(born, "female"),
            phone=REFERRER_PHONE,
            unit_id=unit.id,
            category_id=db.session.scalars(select(Category)).first().id,
            password_hash=hash_password(PASSWORD),
            created_at=utcnow(),
        )
        db.session.add(referrer)
        db.session.commit()
        return {"slug": contest.slug}


def finish_attempt(page, slug):
    """Start the contest's open round and submit at once; lands on the result page."""
    page.goto(f"/cuoc-thi/{slug}")
    page.get_by_role("link", name="Bắt đầu làm bài").first.click()
    page.locator("main").get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    page.locator("#question-panel").wait_for()
    page.get_by_role("button", name="Nộp bài").last.click()
    page.locator("#confirm-yes").click()
    page.wait_for_url(re.compile(r"/ket-qua$"))


def register_friend(page):
    from tests.conftest import valid_cccd

    birth = date(2005, 6, 7)
    page.get_by_label("Họ và tên").fill("Sùng Văn Tú")
    page.get_by_label("Ngày sinh").fill(birth.isoformat())
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Số CCCD (12 số)").fill(valid_cccd(birth, "male"))
    page.get_by_label("Số điện thoại di động").fill(FRIEND_PHONE)
    page.get_by_label("Đơn vị").select_option(label="Tỉnh Lai Châu / Xã Sìn Hồ")
    page.get_by_label("Đối tượng").select_option(label="Học sinh, sinh viên")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(PASSWORD)
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Đăng ký tài khoản").last.click()
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()


def test_share_a_result_and_register_through_the_link(page, browser, live_server, sign_in, demo):
    from tests.browser.conftest import Account

    sign_in(Account(REFERRER_PHONE, PASSWORD))
    finish_attempt(page, demo["slug"])
    box = page.locator("#share-box")
    expect(box).to_be_visible()
    link = page.locator("#share-url").input_value()
    assert re.fullmatch(rf"{live_server}/cuoc-thi/{demo['slug']}\?ref=[A-Za-z0-9_-]{{12}}", link)
    facebook = page.get_by_role("link", name="Chia sẻ lên Facebook").get_attribute("href")
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert parse_qs(urlsplit(facebook).query)["u"] == [link]
    zalo = page.get_by_role("link", name="Chia sẻ lên Zalo")
    assert zalo.get_attribute("href") == link == zalo.get_attribute("data-share-url")
    expect(page.locator("#share-count")).to_contain_text("Đã có 0 người đăng ký")
    # Nothing on the phone-width page runs past the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    friend = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server
    )
    friend.set_default_timeout(15_000)
    try:
        other = friend.new_page()
        other.goto(link)
        other.get_by_role("button", name="Mở menu").click()
        other.get_by_role("link", name="Đăng ký tài khoản").click()
        other.wait_for_url(re.compile(r"/dang-ky"))
        register_friend(other)
        finish_attempt(other, demo["slug"])
        expect(other.get_by_text(re.compile(r"Kết quả của bạn"))).to_be_visible()
    finally:
        friend.close()

    page.reload()
    expect(page.locator("#share-count")).to_contain_text(
        "Đã có 1 người đăng ký qua liên kết của bạn; 1 người trong số đó đã làm bài đợt này"
    )
