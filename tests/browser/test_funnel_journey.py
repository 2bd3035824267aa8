"""The funnel in a browser (docs/funnel.md): the organiser, at 1280 px, changes the demo's
rule (Tuần 0 → Chung kết cấp tỉnh), computes, reads the per-unit table and its tie note,
confirms; then on a phone (360 × 740) a qualified participant sees that they may enter
and starts the final while one not on the list is refused with the reason. axe on each
page at both sizes.

Its own app on its own SQLite file: the journey opens the demo final now and changes the
demo's list, which the other browser tests (on the shared ``live_app``) must not see."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser import a11y

pytestmark = pytest.mark.browser

PASSWORD = "vao-chung-ket-2026"
DESKTOP = a11y.DESKTOP
PHONE = a11y.PHONE


def _tie_k(rows) -> int:
    """A K at which some unit's K-th and (K+1)-th share a score (the tie note shows)."""
    by_unit = defaultdict(list)
    for _rank, score, unit_id in sorted(rows):
        by_unit[unit_id].append(score)
    for k in (2, 1, 4, 5, 6):
        if any(len(s) > k and s[k - 1] == s[k] for s in by_unit.values()):
            return k
    raise AssertionError("the demo round has no tie at any K from 1 to 6")


@pytest.fixture(scope="module")
def funnel_site(tmp_path_factory):
    """The demo on a fresh database, its final open now; served from a thread."""
    from flask_migrate import upgrade

    from contest import create_app
    from contest.db import utcnow
    from contest.demo import load_demo
    from contest.demo.funnel import DEMO_FINAL_NAME
    from contest.demo.quiz import DEMO_CONTEST_TITLE
    from contest.demo.results import DEMO_ROUND_NAME
    from contest.extensions import db
    from contest.models import Contest
    from contest.models.results import ResultRow
    from contest.services import result_pages

    base = tmp_path_factory.mktemp("funnel")
    app = create_app(
        {
            "SECRET_KEY": "funnel-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'funnel.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        now = utcnow()
        load_demo(now=now)
        contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
        rounds = {r.name: r for r in contest.rounds}
        source, final = rounds[DEMO_ROUND_NAME], rounds[DEMO_FINAL_NAME]
        final.opens_at, final.closes_at = now - timedelta(hours=1), now + timedelta(days=7)
        result = result_pages.published_result(source.id)
        rows = db.session.execute(
            select(ResultRow.rank, ResultRow.score, ResultRow.unit_id).where(
                ResultRow.result_id == result.id
            )
        ).all()
        db.session.commit()
        site = {
            "contest_id": contest.id,
            "slug": contest.slug,
            "source_id": source.id,
            "final_id": final.id,
            "final_name": final.name,
            "k": _tie_k(rows),
        }
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="funnel-server", daemon=True)
    thread.start()
    try:
        yield {**site, "app": app, "url": f"http://127.0.0.1:{server.server_port}"}
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _context(browser, site, size):
    context = browser.new_context(viewport=size, locale="vi-VN", base_url=site["url"])
    context.set_default_timeout(20_000)
    return context


def _sign_in(page, login: str, password: str) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại hoặc email").fill(login)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_url(lambda url: "/dang-nhap" not in url)


def _axe_at_both_sizes(page, source: str) -> list[str]:
    """axe on the page as it is, at 360 and 1280 px (the page is reloaded at each size)."""
    problems = []
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.reload()
        page.wait_for_load_state("load")
        found = a11y.describe(a11y.axe_violations(page, source))
        problems += [f"{page.url} {size['width']}px {v}" for v in found]
    return problems


def _qualified_login(site) -> tuple[str, str]:
    """A participant on the final's list (after the journey's confirmation), with a known
    password: (their phone, the password)."""
    from contest.extensions import db
    from contest.models import User
    from contest.models.funnel import Qualifier
    from contest.services.passwords import hash_password

    with site["app"].app_context():
        user = db.session.scalar(
            select(User)
            .join(Qualifier, Qualifier.participant_id == User.id)
            .where(Qualifier.round_id == site["final_id"])
            .order_by(User.id)
            .limit(1)
        )
        user.password_hash = hash_password(PASSWORD)
        user.must_change_password = False
        db.session.commit()
        return user.phone, PASSWORD


def _listed(site) -> set[int]:
    from contest.extensions import db
    from contest.models.funnel import Qualifier

    with site["app"].app_context():
        return set(
            db.session.scalars(
                select(Qualifier.participant_id).where(Qualifier.round_id == site["final_id"])
            )
        )


def _organiser_sets_computes_confirms(page, site, source: str) -> list[str]:
    page.goto(f"/ban-to-chuc/cuoc-thi/{site['contest_id']}/cac-cap-thi")
    card = page.locator(f"#r{site['source_id']}")
    expect(card.get_by_text("Đang áp dụng", exact=True)).to_be_visible()
    card.get_by_text("Cấp và quy tắc chuyển lên vòng sau").click()
    card.get_by_label("Số người mỗi đơn vị (K)").fill(str(site["k"]))
    card.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu cấp và quy tắc chuyển")).to_be_visible()
    card = page.locator(f"#r{site['source_id']}")
    expect(card.get_by_text("Quy tắc đã đổi sau khi xác nhận: cần tính lại")).to_be_visible()
    card.get_by_role("button", name="Tính danh sách được vào vòng sau").click()
    expect(
        page.get_by_text("Đã tính danh sách. Hãy xem thay đổi rồi bấm Xác nhận.")
    ).to_be_visible()
    card = page.locator(f"#r{site['source_id']}")
    expect(card.get_by_text("Chờ xác nhận", exact=True)).to_be_visible()
    expect(card.get_by_role("columnheader", name="Được vào")).to_be_visible()
    expect(card.get_by_text("So với danh sách đang áp dụng")).to_be_visible()
    expect(card.get_by_text("Bằng điểm ở ngưỡng, phân định vì").first).to_be_visible()
    problems = _axe_at_both_sizes(page, source)
    page.set_viewport_size(DESKTOP)
    before = _listed(site)
    card.get_by_role("button", name="Xác nhận danh sách").click()
    expect(
        page.get_by_text(re.compile(r"Đã xác nhận: \d+ người được vào vòng sau\."))
    ).to_be_visible()
    card = page.locator(f"#r{site['source_id']}")
    expect(card.get_by_text("Đang áp dụng", exact=True)).to_be_visible()
    assert _listed(site) != before  # the new K changed who may enter
    return problems + _axe_at_both_sizes(page, source)


def _final_card(page, site):
    return page.locator(".card").filter(has_text=site["final_name"]).last


def test_the_organiser_confirms_and_only_the_list_enters_the_final(browser, funnel_site):
    site, source = funnel_site, a11y.axe_source()
    problems = []
    context = _context(browser, site, DESKTOP)
    try:
        page = context.new_page()
        _sign_in(page, "bantochuc@hoithi.example.vn", "demo12345")
        problems += _organiser_sets_computes_confirms(page, site, source)
    finally:
        context.close()

    # On a phone: someone on the list sees it and starts the final.
    context = _context(browser, site, PHONE)
    try:
        page = context.new_page()
        _sign_in(page, *_qualified_login(site))
        page.goto(f"/cuoc-thi/{site['slug']}")
        card = _final_card(page, site)
        expect(card.get_by_text("Bạn có tên trong danh sách được vào vòng này.")).to_be_visible()
        problems += _axe_at_both_sizes(page, source)
        page.set_viewport_size(PHONE)
        _final_card(page, site).get_by_role("link", name="Bắt đầu làm bài").click()
        page.wait_for_url(re.compile(rf"/dot-thi/{site['final_id']}/bat-dau$"))
        problems += _axe_at_both_sizes(page, source)
        page.set_viewport_size(PHONE)
        page.locator("main").get_by_role("button", name="Bắt đầu làm bài").click()
        page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
        page.locator("#question-panel").wait_for()
    finally:
        context.close()

    # And someone not on it (the demo participant did not take Tuần 0) is refused.
    context = _context(browser, site, PHONE)
    try:
        page = context.new_page()
        _sign_in(page, "thisinh@hoithi.example.vn", "demo12345")
        page.goto(f"/cuoc-thi/{site['slug']}")
        card = _final_card(page, site)
        expect(
            card.get_by_text("Bạn không có tên trong danh sách được vào vòng này.")
        ).to_be_visible()
        page.goto(f"/dot-thi/{site['final_id']}/bat-dau")
        alert = page.locator("main [role=alert]")
        expect(alert).to_contain_text("Vòng này chỉ dành cho người được vào từ vòng Tuần 0")
        expect(alert).to_contain_text("Bạn không có tên trong danh sách được vào vòng này.")
        expect(page.locator("main").get_by_role("button", name="Bắt đầu làm bài")).to_have_count(0)
        problems += _axe_at_both_sizes(page, source)
    finally:
        context.close()
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
