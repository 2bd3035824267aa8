"""No answer silently lost (issue 10, item 7), in Chromium on a 360×740 phone with the
browser's clock under the test's control (``page.clock``):

- the quiz bar counts the answers not yet saved, and the last two minutes warn that they
  will not count;
- offline at time-up, the answers that never reached the server are listed on the result
  page, from the server's record of the page's report;
- two phones on one attempt: the later save wins, whatever the phones' clocks say.

Screenshots go to ``$QUIZ_SHOTS`` when it is set (to look at the pages, not to test them).
"""

from __future__ import annotations

import itertools
import os
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Account

pytestmark = pytest.mark.browser

PASSWORD = "thi-khong-mat-cau"
QUESTIONS = 6
_phones = itertools.count(1)


@pytest.fixture
def quiz_round(live_app):
    """A published round open now: 6 questions (each with an explanation), 10 minutes,
    review right after submitting, a 10 s grace."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Contest, Option, Question, QuestionBank, ReviewPolicy, Round
    from question_bank.text import fold

    now = utcnow()
    with live_app.app_context():
        bank = QuestionBank(name=f"Ngân hàng mất mạng {now.timestamp()}", created_at=now)
        db.session.add(bank)
        db.session.flush()
        for i in range(QUESTIONS):
            q = Question(
                bank_id=bank.id,
                topic="Lịch sử",
                text=f"Câu hỏi mất mạng số {i + 1}?",
                explanation=f"Giải thích của câu {i + 1}.",
                search_key=fold(f"cau hoi {i}"),
                key=f"unsent-{bank.id}-{i}",
                created_at=now,
                updated_at=now,
            )
            db.session.add(q)
            db.session.flush()
            db.session.add_all(
                Option(
                    question_id=q.id, position=p, text=f"Phương án {'ABCD'[p]}", is_correct=p == 1
                )
                for p in range(4)
            )
        contest = Contest(
            title="Tìm hiểu lịch sử Đảng bộ tỉnh",
            slug=f"mat-mang-{bank.id}",
            is_published=True,
            rules_text="Thể lệ.",
            created_at=now,
        )
        db.session.add(contest)
        db.session.flush()
        r = Round(
            contest_id=contest.id,
            name="Tuần 1",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=2),
            question_count=QUESTIONS,
            time_limit_minutes=10,
            max_attempts=3,
            shuffle_questions=False,
            shuffle_options=False,
            review_policy=ReviewPolicy.after_submit,
            bank_ids=[bank.id],
            prediction_text="Có bao nhiêu người trả lời đúng tất cả?",
            created_at=now,
            published_at=now,
        )
        db.session.add(r)
        db.session.commit()
        return r.id


@pytest.fixture
def participant(live_app) -> Account:
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Gender, Role, Unit, User
    from contest.services.passwords import hash_password
    from tests.conftest import valid_cccd

    n = next(_phones)
    birth = date(1999, 3, 8)
    with live_app.app_context():
        unit = Unit(name=f"Xã Mường Tè {n}-{utcnow().timestamp()}", name_key=f"muong te {n}")
        db.session.add(unit)
        db.session.flush()
        phone = f"0966{n:02d}{int(utcnow().timestamp()) % 10000:04d}"
        db.session.add(
            User(
                role=Role.participant,
                full_name=f"Lò Văn Thử {n}",
                name_key="lo van thu",
                birth_date=birth,
                gender=Gender.male,
                id_number=valid_cccd(birth, "male"),
                phone=phone,
                unit_id=unit.id,
                password_hash=hash_password(PASSWORD),
                created_at=utcnow(),
            )
        )
        db.session.commit()
    return Account(phone, PASSWORD)


def shoot(page, name):
    folder = os.environ.get("QUIZ_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(
            path=os.path.join(folder, f"{name}.png"), full_page=name.startswith("result")
        )


def start(page, round_id) -> int:
    page.goto(f"/dot-thi/{round_id}/bat-dau")
    page.locator("main").get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    page.locator("#question-panel").wait_for()
    return int(page.url.rsplit("/", 1)[1])


def go_to(page, n):
    # The navigator's buttons are named "Câu 2 trên 6", then their state ("đã trả lời" …).
    page.get_by_role("button", name=re.compile(rf"^Câu {n} trên {QUESTIONS}\b")).click()


def pick(page, index):
    page.locator("#options .option").nth(index).click()


def attempt_state(live_app, attempt_id):
    from contest.extensions import db
    from contest.models import Attempt
    from contest.services import attempts

    with live_app.app_context():
        a = db.session.get(Attempt, attempt_id)
        return {
            "status": a.status.value,
            "score": a.score,
            "answers": attempts.answers_of(a),
            "unsent": a.unsent,
            "positions": {q.question_id: q.position + 1 for q in a.questions},
        }


def move_server_deadline(live_app, attempt_id, *, ago: timedelta):
    """The server's clock is the real one: where the test runs the browser's clock to
    time-up, it moves the attempt's deadline into the past by as much, so both agree."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Attempt

    with live_app.app_context():
        a = db.session.get(Attempt, attempt_id)
        a.deadline = utcnow() - ago
        db.session.commit()


def test_offline_at_time_up_the_result_lists_the_answers_that_never_arrived(
    page, sign_in, quiz_round, participant, live_app
):
    page.clock.install()
    sign_in(participant)
    attempt_id = start(page, quiz_round)
    status = page.locator("#save-status")

    pick(page, 1)  # question 1, online: it reaches the server
    page.locator("#save-state", has_text="Đã lưu").wait_for()
    expect(status).to_have_text("✓ Mọi câu trả lời đều đã được gửi tới máy chủ")

    page.context.set_offline(True)
    go_to(page, 2)
    pick(page, 1)
    go_to(page, 5)
    pick(page, 2)
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(status).to_contain_text("2 câu trả lời chưa lưu lên máy chủ")
    expect(status).to_have_class(re.compile(r"\bpending\b"))
    expect(page.locator("#save-state")).to_have_text("Chưa lưu")
    expect(page.locator("#unsaved-warning")).to_be_hidden()  # eight minutes left: no alarm yet
    shoot(page, "quiz-unsaved")

    page.clock.run_for("08:30")  # 1:30 left
    warning = page.locator("#unsaved-warning")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(
        "Còn dưới 2 phút: 2 câu trả lời chưa lưu sẽ không được tính nếu không gửi được tới "
        "máy chủ trước khi hết giờ. Hãy kiểm tra kết nối mạng."
    )
    shoot(page, "quiz-last-two-minutes")

    # Time runs out on both clocks, and the grace passes, while the phone is offline.
    move_server_deadline(live_app, attempt_id, ago=timedelta(seconds=30))
    page.clock.run_for("02:00")
    expect(page.locator("#time-warning")).to_have_text("Hết giờ làm bài. Đang nộp bài…")
    page.context.set_offline(False)
    for _ in range(40):  # the page's retry timers run on the test's clock
        if "/ket-qua" in page.url:
            break
        page.clock.run_for(1000)
        page.wait_for_timeout(100)
    page.wait_for_url(re.compile(r"/ket-qua$"))

    unsent = page.locator("#unsent-list")
    expect(unsent).to_be_visible()
    items = unsent.locator("li")
    expect(items).to_have_text(
        [
            "Câu 2: câu trả lời chưa được gửi tới máy chủ trước khi hết giờ",
            "Câu 5: câu trả lời chưa được gửi tới máy chủ trước khi hết giờ",
        ]
    )
    expect(page.locator("#result-score")).to_have_text(f"1/{QUESTIONS}")  # only question 1
    expect(page.locator(".review-explanation").first).to_contain_text("Giải thích của câu 1.")
    shoot(page, "result-unsent")

    # The server's record: two answers it never got (reported after the end, not graded).
    state = attempt_state(live_app, attempt_id)
    assert state["status"] == "expired" and state["score"] == 1
    assert len(state["answers"]) == 1
    lost = {state["positions"][int(k)] for k in state["unsent"]["answers"]}
    assert lost == {2, 5}
    # The phone's queue is gone once the server has the report: a reload lists the same.
    page.reload()
    expect(page.locator("#unsent-list li")).to_have_count(2)


def test_two_phones_the_later_save_wins_whatever_their_clocks(
    browser, live_server, quiz_round, participant, live_app
):
    from contest.db import utcnow

    phones = []
    for skew in (timedelta(days=400), timedelta(0)):  # the first phone's clock is a year off
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.clock.install(time=utcnow() + skew)
        phones.append(page)
    try:
        fast, right = phones
        for page in phones:
            page.goto("/dang-nhap")
            page.get_by_label("Số điện thoại hoặc email").fill(participant.login)
            page.get_by_label("Mật khẩu").fill(participant.password)
            page.get_by_role("button", name="Đăng nhập").last.click()
            page.wait_for_url(lambda url: "/dang-nhap" not in url)
        attempt_id = start(fast, quiz_round)
        right.goto(f"/dot-thi/{quiz_round}/bat-dau")
        right.get_by_role("link", name="Tiếp tục làm bài").click()  # the same attempt
        right.wait_for_url(re.compile(rf"/luot-thi/{attempt_id}$"))
        right.locator("#question-panel").wait_for()

        pick(fast, 0)
        fast.locator("#save-state", has_text="Đã lưu").wait_for()
        pick(right, 3)
        right.locator("#save-state", has_text="Đã lưu").wait_for()
        state = attempt_state(live_app, attempt_id)
        qid = next(q for q, pos in state["positions"].items() if pos == 1)
        option_d = state["answers"][qid]
        assert len(option_d) == 1  # the second phone's choice is what the server holds

        # The first phone comes back to the page: it shows what the server holds.
        fast.reload()
        fast.locator("#question-panel").wait_for()
        expect(fast.locator("#options input").nth(3)).to_be_checked()
        expect(fast.locator("#options input").nth(0)).not_to_be_checked()
    finally:
        for page in phones:
            page.context.close()
