"""Judges' decimal scores in a real browser (issue 10, item 9): Chromium launched in
Vietnamese (``--lang=vi-VN``, context locale vi-VN), a judge types "7,25" and "5,5" with
the keyboard; the stored scores are 725 and 550 hundredths. A malformed box saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD

pytestmark = pytest.mark.browser

JUDGE_EMAIL = "gk-diem-thap-phan@live.example.vn"


@pytest.fixture(scope="module")
def vi_browser(browser):
    """A second Chromium from the shared Playwright, launched in Vietnamese."""
    instance = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--lang=vi-VN"]
    )
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="module")
def judged_entry(live_app):
    """A closed-for-submissions essay contest with one entry and one judge's empty sheet."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Role
    from contest.models.essay import Assignment
    from contest.services import accounts, essay_contests, essay_entries, essay_judging, rounds

    now = utcnow()
    with live_app.app_context():
        judge = accounts.create_account(
            role=Role.judge, email=JUDGE_EMAIL, password=PASSWORD, full_name="Giám khảo", now=now
        )
        author = accounts.create_account(
            role=Role.participant,
            email="tacgia-diem@live.example.vn",
            password=PASSWORD,
            full_name="Tác giả điểm thập phân",
            now=now,
        )
        contest = essay_contests.save_essay_contest(
            essay_contests.EssayContestInput(
                title="Cuộc thi viết chấm điểm lẻ",
                rules_text="Thể lệ.",
                opens_at=now - timedelta(days=2),
                closes_at=now + timedelta(days=1),
                judges_per_entry=1,
                stages=[{"name": "Chung khảo", "rule": None, "value": None}],
                judge_ids=[judge.id],
            ),
            actor=None,
            now=now,
        )
        rounds.set_published(contest, True, actor=None, now=now)
        db.session.commit()
        db.session.expire(contest)  # load its settings, written by the service
        entry = essay_entries.create_entry(contest, author, now=now)
        essay_entries.save_draft(
            entry,
            title="Tuổi trẻ Lai Châu",
            text="Tuổi trẻ Lai Châu học tập và làm theo văn kiện Đại hội Đảng bộ tỉnh.",
            now=now,
        )
        essay_entries.submit_entry(entry, declared=True, now=now)
        contest.essay_settings.closes_at = now - timedelta(seconds=1)
        stage = essay_contests.stages_of(contest)[0]
        essay_judging.assign_stage(stage, actor=None, now=now, seed=3)
        db.session.commit()
        assignment_id = db.session.scalar(
            select(Assignment.id).where(Assignment.stage_id == stage.id)
        )
        criteria = {c.name: c.id for c in essay_contests.criteria_of(contest)}
        return assignment_id, criteria


def stored(live_app, assignment_id):
    from contest.extensions import db
    from contest.models.essay import Assignment

    with live_app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        result = {s.criterion_id: s.points_x100 for s in assignment.scores}
        db.session.remove()
        return result


def type_into(box, text):
    box.fill("")
    box.press_sequentially(text)  # key by key, as a judge types on a Vietnamese keyboard


def test_a_judge_types_comma_decimals_in_vietnamese_chromium(
    live_app, live_server, live_organiser, vi_browser, judged_entry
):
    assignment_id, criteria = judged_entry
    context = vi_browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/dang-nhap")
        assert page.evaluate("navigator.language") == "vi-VN"
        assert page.evaluate("(7.25).toLocaleString()") == "7,25"  # a comma-decimal locale
        page.get_by_label("Số điện thoại hoặc email").fill(JUDGE_EMAIL)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").last.click()
        page.wait_for_url(lambda url: "/dang-nhap" not in url)

        page.goto(f"/cham-bai/{assignment_id}")
        content = page.get_by_label("Nội dung (tối đa 60)")
        form = page.get_by_label("Hình thức (tối đa 20)")
        creative = page.get_by_label("Sáng tạo (tối đa 20)")
        type_into(content, "7,25")
        type_into(form, "5,5")
        type_into(creative, "7.25")
        expect(content).to_have_value("7,25")  # the box keeps the comma as typed
        page.get_by_role("button", name="Lưu nháp").click()
        expect(page.get_by_text("Đã lưu nháp phiếu chấm.")).to_be_visible()
        assert stored(live_app, assignment_id) == {
            criteria["Nội dung"]: 725,
            criteria["Hình thức"]: 550,
            criteria["Sáng tạo"]: 725,
        }
        expect(content).to_have_value("7,25")
        expect(form).to_have_value("5,5")

        # A malformed box: a message naming the criterion, nothing of the sheet saved.
        type_into(content, "40,5")
        type_into(form, "7,2,5")
        page.get_by_role("button", name="Nộp phiếu chấm").click()
        expect(page.get_by_text("Điểm «Hình thức» chưa đúng dạng số.")).to_be_visible()
        expect(form).to_have_value("7,2,5")
        assert stored(live_app, assignment_id)[criteria["Nội dung"]] == 725

        type_into(form, "5,5")
        page.get_by_role("button", name="Nộp phiếu chấm").click()
        expect(page.get_by_text("Đã nộp phiếu chấm")).to_be_visible()
        assert stored(live_app, assignment_id) == {
            criteria["Nội dung"]: 4050,
            criteria["Hình thức"]: 550,
            criteria["Sáng tạo"]: 725,
        }
    finally:
        context.close()
