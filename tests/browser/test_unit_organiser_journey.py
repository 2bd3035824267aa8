"""A unit organiser's journey (issue 15 item 1), on a phone (360×740) and a desktop
(1280×800): the demo's organiser of «Phường Tân Phong» signs in; the dashboard names their
unit and shows only the cards of their pages; the participants list holds only their
people; the not-taken-part page of the open round gives them the full phones to call;
«Kết quả của đơn vị» lists their people of the published result; a province page answers
with the Vietnamese 403 page leading back. axe (WCAG 2.1 AA, serious and critical) runs on
each of those pages at that size, as tests/browser/test_accessibility.py does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import a11y

pytestmark = pytest.mark.browser

UNIT = "Phường Tân Phong"
LOGIN = "donvi@hoithi.example.vn"
# The cards of the pages open to a unit organiser, and some of the province's.
OWN_CARDS = (
    "/ban-to-chuc/thi-sinh",
    "/ban-to-chuc/thi-sinh/nhap",
    "/ban-to-chuc/ket-qua/thong-ke",
    "/ban-to-chuc/ket-qua/cua-don-vi",
)
PROVINCE_CARDS = ("/ban-to-chuc/cuoc-thi/", "/ban-to-chuc/don-vi", "/ban-to-chuc/ngan-hang/")


@pytest.fixture(scope="module")
def demo(live_app):
    """The demo (idempotent), its open and closed rounds, and a participant of another unit."""
    from contest.db import utcnow
    from contest.demo import DEMO_PASSWORD, load_demo
    from contest.demo.quiz import DEMO_CONTEST_TITLE
    from contest.extensions import db
    from contest.models import Contest, Role, Round, Unit, User
    from contest.services import result_pages

    now = utcnow()
    with live_app.app_context():
        load_demo(now=now)
        db.session.commit()
        contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
        rounds = db.session.scalars(select(Round).where(Round.contest_id == contest.id)).all()
        open_ = next(r for r in rounds if r.opens_at <= now < r.closes_at)
        closed = next(
            r for r in rounds if r.closes_at < now and result_pages.published_result(r.id)
        )
        unit = db.session.scalar(select(Unit).where(Unit.name == UNIT))
        stranger = db.session.scalars(
            select(User)
            .where(User.role == Role.participant, User.unit_id != unit.id)
            .order_by(User.id)
        ).first()
        return {
            "password": DEMO_PASSWORD,
            "open": open_.id,
            "closed": closed.id,
            "stranger": stranger.full_name,
        }


def _sign_in(page, password: str) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại hoặc email").fill(LOGIN)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_url(re.compile(r"/ban-to-chuc/$"))


def _axe(page, source: str, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    found = a11y.describe(a11y.axe_violations(page, source))
    problems += [f"{page.url}: {line}" for line in found]


@pytest.mark.parametrize("size", [a11y.PHONE, a11y.DESKTOP], ids=["360px", "1280px"])
def test_a_unit_organiser_sees_their_own_people_only(browser, live_server, demo, size):
    source = a11y.axe_source()
    context = browser.new_context(viewport=size, locale="vi-VN", base_url=live_server)
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    try:
        _sign_in(page, demo["password"])

        # The dashboard: the unit's notice, only their cards.
        notice = page.locator("#unit-scope")
        expect(notice).to_contain_text(f"Bạn là Ban Tổ chức của «Tỉnh Lai Châu / {UNIT}»")
        cards = page.locator("main a.card")
        hrefs = {cards.nth(i).get_attribute("href") for i in range(cards.count())}
        assert set(OWN_CARDS) <= hrefs and not hrefs & set(PROVINCE_CARDS), hrefs
        _axe(page, source, problems)

        # Participants: only the unit's people; a stranger's name finds nobody.
        page.goto("/ban-to-chuc/thi-sinh")
        rows = page.locator("main table tbody tr")
        assert rows.count() > 10
        assert all(UNIT in text for text in rows.all_inner_texts())
        assert page.get_by_text("Nguyễn Văn An", exact=True).count() >= 1
        _axe(page, source, problems)
        page.get_by_label("Tìm theo họ tên, số điện thoại hoặc số CCCD").fill(demo["stranger"])
        page.get_by_role("button", name="Tìm", exact=True).click()
        expect(page.get_by_text("Không có thí sinh nào phù hợp.")).to_be_visible()

        # Not yet taken part in the open round: full phones, to call.
        page.goto(f"/ban-to-chuc/ket-qua/chua-tham-gia?round_id={demo['open']}")
        calls = page.locator('#absent a[href^="tel:"]')
        assert calls.count() > 0
        assert re.fullmatch(r"0\d{9}", calls.first.inner_text())
        assert calls.first.get_attribute("href") == f"tel:{calls.first.inner_text()}"
        expect(page.locator("main")).to_contain_text("mỗi lần xem trang")
        assert all(UNIT in text for text in page.locator("#absent tbody tr").all_inner_texts())
        _axe(page, source, problems)

        # The unit's people in the published result of the closed round.
        page.goto(f"/ban-to-chuc/ket-qua/cua-don-vi?round_id={demo['closed']}")
        expect(page.locator("h1")).to_contain_text(f"Kết quả của đơn vị: Tỉnh Lai Châu / {UNIT}")
        ranked = page.locator("#unit-results tbody tr")
        assert ranked.count() > 0
        assert all(UNIT in text for text in ranked.all_inner_texts())
        expect(
            page.get_by_role("link", name="Tải danh sách (Excel, có số điện thoại)")
        ).to_be_visible()
        _axe(page, source, problems)

        # A province page: the Vietnamese 403, and the way back.
        response = page.goto("/ban-to-chuc/don-vi")
        assert response.status == 403
        expect(page.locator("h1")).to_have_text("Không có quyền truy cập")
        expect(page.locator("main")).to_contain_text("Trang này dành cho Ban Tổ chức cấp tỉnh")
        _axe(page, source, problems)
        page.get_by_role("link", name="Về trang Ban Tổ chức").click()
        page.wait_for_url(re.compile(r"/ban-to-chuc/$"))

        # Nothing on a phone-width page runs past the screen.
        if size == a11y.PHONE:
            for path in (
                "/ban-to-chuc/thi-sinh",
                f"/ban-to-chuc/ket-qua/chua-tham-gia?round_id={demo['open']}",
                f"/ban-to-chuc/ket-qua/cua-don-vi?round_id={demo['closed']}",
            ):
                page.goto(path)
                assert a11y.horizontal_overflow(page) == [], path
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
