"""An essay contest in a real browser (Debian's Chromium, 360 px wide): a participant writes
and submits with autosave and a live word count, two judges score blind, their totals
differ so a third judge is assigned, the organiser closes the stage and publishes the
winners. Script payloads in the title and the text stay inert on every page (a dialog
listener fails the test)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import PASSWORD, Account

pytestmark = pytest.mark.browser

XSS_TITLE = '<img src=x onerror=alert("tieu-de")><script>alert("tieu-de-2")</script>'
XSS_TEXT = (
    "Thanh niên học tập và làm theo văn kiện Đại hội Đảng bộ tỉnh. "
    '"><svg onload=alert("noi-dung")> <script>alert("noi-dung-2")</script> '
    "Tuổi trẻ Lai Châu tiếp bước truyền thống cách mạng vẻ vang của quê hương."
)
AUTHOR_NAME = "Sùng Thị Mỷ"


@pytest.fixture(scope="module")
def essay_world(live_app, live_organiser):
    """Three judges from three units, a participant from a fourth, an essay contest with one
    stage, two judges per entry and a threshold of 20 points."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Role, Unit
    from contest.services import accounts, essay_contests, rounds
    from question_bank.text import fold

    now = utcnow()
    with live_app.app_context():
        units = []
        for name in ("Sở Nội vụ thử", "Sở Tư pháp thử", "Sở Y tế thử", "Xã Bum Tở thử"):
            unit = Unit(name=name, name_key=fold(name))
            db.session.add(unit)
            units.append(unit)
        db.session.flush()
        judges = {}
        for n in range(3):
            judge = accounts.create_account(
                role=Role.judge,
                email=f"gk{n}@live.example.vn",
                password=PASSWORD,
                full_name=f"Giám khảo {n}",
                now=now,
            )
            judge.unit_id = units[n].id
            judges[judge.id] = Account(judge.email, PASSWORD)
        author = accounts.create_account(
            role=Role.participant,
            email="mysung@live.example.vn",
            password=PASSWORD,
            full_name=AUTHOR_NAME,
            now=now,
        )
        author.unit_id = units[3].id
        contest = essay_contests.save_essay_contest(
            essay_contests.EssayContestInput(
                title="Cuộc thi viết trong trình duyệt",
                rules_text="Thể lệ.",
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=1),
                min_words=10,
                stages=[{"name": "Chung khảo", "rule": None, "value": None}],
                prize_tiers=[{"name": "Giải Nhất", "count": 1}],
                judge_ids=list(judges),
            ),
            actor=None,
            now=now,
        )
        rounds.set_published(contest, True, actor=None, now=now)
        db.session.commit()
        return {
            "slug": contest.slug,
            "contest_id": contest.id,
            "judges": judges,
            "author": Account("mysung@live.example.vn", PASSWORD),
        }


@pytest.fixture
def open_as(browser, live_server):
    """``open_as(account)``: a new phone-sized signed-in page with a dialog listener."""
    contexts, dialogs = [], []

    def open_as(account: Account):
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto("/dang-nhap")
        page.get_by_label("Số điện thoại hoặc email").fill(account.login)
        page.get_by_label("Mật khẩu").fill(account.password)
        page.get_by_role("button", name="Đăng nhập").last.click()
        page.wait_for_url(lambda url: "/dang-nhap" not in url)
        return page

    open_as.dialogs = dialogs
    yield open_as
    for context in contexts:
        context.close()
    assert dialogs == [], f"a script payload ran: {dialogs}"


def assignments(live_app, contest_id):
    from contest.extensions import db
    from contest.models.essay import Assignment, Stage

    with live_app.app_context():
        rows = db.session.scalars(
            select(Assignment)
            .join(Stage)
            .where(Stage.contest_id == contest_id)
            .order_by(Assignment.id)
        ).all()
        return [(a.id, a.judge_id, a.is_extra, a.status.value) for a in rows]


def close_submissions(live_app, contest_id):
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models.essay import EssaySettings

    with live_app.app_context():
        settings = db.session.scalar(
            select(EssaySettings).where(EssaySettings.contest_id == contest_id)
        )
        settings.closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def score(page, assignment_id, points):
    page.goto(f"/cham-bai/{assignment_id}")
    expect(page.locator("article h2")).to_have_text(XSS_TITLE)  # shown as text, inert
    for label, value in zip(
        ("Nội dung (tối đa 60)", "Hình thức (tối đa 20)", "Sáng tạo (tối đa 20)"),
        points,
        strict=True,
    ):
        page.get_by_label(label).fill(str(value))
    page.get_by_label("Nhận xét").fill('<script>alert("nhan-xet")</script> Bài khá.')
    page.get_by_role("button", name="Nộp phiếu chấm").click()
    expect(page.get_by_text("Đã nộp phiếu chấm")).to_be_visible()


def test_submit_blind_judging_third_judge_close_and_publish(live_app, essay_world, open_as):
    world = essay_world
    # The participant writes, autosaves, reloads, submits.
    author = open_as(world["author"])
    author.goto("/")
    author.get_by_role("link", name="Cuộc thi viết trong trình duyệt").click()
    author.get_by_role("button", name="Viết bài dự thi").click()
    author.wait_for_url(re.compile(r"/bai-du-thi/\d+$"))
    author.get_by_label("Tên bài dự thi").fill(XSS_TITLE)
    author.get_by_label("Nội dung bài viết", exact=True).fill(XSS_TEXT)
    expect(author.locator("#word-count")).not_to_have_text("0")
    expect(author.locator("#save-status")).to_have_text("Đã lưu")
    author.reload()
    expect(author.get_by_label("Nội dung bài viết", exact=True)).to_have_value(XSS_TEXT)
    author.get_by_label(re.compile("Tôi cam kết bài viết là của chính tôi")).check()
    author.get_by_role("button", name="Nộp bài").click()
    expect(author.get_by_text("Đã nộp bài dự thi.")).to_be_visible()
    expect(author.locator("h1")).to_have_text(XSS_TITLE)

    # Time passes; the organiser assigns judges automatically.
    close_submissions(live_app, world["contest_id"])
    organiser = open_as(Account("bantochuc@live.example.vn", PASSWORD))
    organiser.goto(f"/ban-to-chuc/cuoc-thi-viet/{world['contest_id']}")
    expect(organiser.get_by_text(XSS_TITLE)).to_be_visible()
    organiser.get_by_role("button", name="Phân công chấm tự động").click()
    expect(organiser.get_by_text("Đã phân công 2 phiếu chấm.")).to_be_visible()

    # Two judges score far apart (80 and 45): a third judge is assigned automatically.
    first, second = assignments(live_app, world["contest_id"])
    for (assignment_id, judge_id, _extra, _status), points in zip(
        (first, second), ((50, 15, 15), (25, 10, 10)), strict=True
    ):
        judge = open_as(world["judges"][judge_id])
        judge.goto("/cham-bai/")
        expect(judge.get_by_text(AUTHOR_NAME)).to_have_count(0)
        score(judge, assignment_id, points)
        assert AUTHOR_NAME not in judge.content()
    third = [a for a in assignments(live_app, world["contest_id"]) if a[2]]
    assert len(third) == 1 and third[0][1] not in {first[1], second[1]}
    judge = open_as(world["judges"][third[0][1]])
    judge.goto("/cham-bai/")
    expect(judge.get_by_text("Chấm thứ ba")).to_be_visible()
    score(judge, third[0][0], (45, 15, 10))  # 70: the official score

    # The organiser closes the stage and publishes the winners.
    organiser.goto(f"/ban-to-chuc/cuoc-thi-viet/{world['contest_id']}")
    organiser.get_by_role("link", name="Tiến độ, khối lượng chấm").click()
    organiser.get_by_role("button", name="Kết thúc vòng chấm").click()
    expect(organiser.get_by_text("Đã kết thúc vòng Chung khảo.")).to_be_visible()
    organiser.get_by_role("button", name="Công bố kết quả").click()
    expect(organiser.get_by_text("Đã công bố kết quả.")).to_be_visible()

    author.goto(f"/cuoc-thi-viet/{world['slug']}/ket-qua")
    row = author.locator("tbody tr").first
    expect(row).to_contain_text("Giải Nhất")
    expect(row).to_contain_text(AUTHOR_NAME)
    expect(row).to_contain_text(XSS_TITLE)
    expect(row).to_contain_text("70")
    author.goto("/bai-du-thi-cua-toi")
    expect(author.get_by_text("Giải Nhất")).to_be_visible()
