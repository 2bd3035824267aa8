"""The quiz page with a keyboard and a screen reader (issue 16, docs/accessibility.md).

A keyboard-only participant signs in, starts the demo quiz, answers all 20 questions, the
prediction and submits, never touching the mouse: each step is Tab, Space, Enter or
Escape. On the way: moving to a question puts focus on its heading, named "Câu 3 trên
20" and described by the question, which is also the options' legend; the submit dialog
keeps focus inside, closes on Escape and gives focus back; the time left is said at 5
minutes and at 1 minute, never every second.
"""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

PASSWORD = "phim-tat-2026"
_phones = itertools.count(716101)


@pytest.fixture(scope="module")
def demo_round(live_app):
    """The demo quiz (20 questions, 15 minutes, a prediction) with its round open now."""
    from contest.db import utcnow
    from contest.demo import load_demo
    from contest.demo.quiz import DEMO_CONTEST_TITLE
    from contest.extensions import db
    from contest.models import Contest

    with live_app.app_context():
        load_demo(now=utcnow())
        db.session.commit()
        contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
        round_ = next(r for r in contest.rounds if r.name == "Tuần 1")
        return {"slug": contest.slug, "round_id": round_.id}


@pytest.fixture
def participant(live_app):
    """A new participant of a demo commune (their own attempts): (phone, id)."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Category, Gender, Role, Unit, UnitKind, User
    from contest.services.passwords import hash_password
    from question_bank.text import fold

    n = next(_phones)
    with live_app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.kind == UnitKind.commune)).first()
        user = User(
            role=Role.participant,
            full_name="Hà Thị Bàn Phím",
            name_key=fold("Hà Thị Bàn Phím"),
            birth_date=date(1950, 5, 9),
            gender=Gender.female,
            id_number=f"012150{n:06d}",
            phone=f"0966{n:06d}",
            unit_id=unit.id,
            category_id=db.session.scalars(select(Category.id)).first(),
            password_hash=hash_password(PASSWORD),
            created_at=utcnow(),
        )
        db.session.add(user)
        db.session.commit()
        return user.phone, user.id


def focused(page) -> str:
    """The focused element, as a short description."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? e.tagName.toLowerCase() + '#' + e.id + ' ' + e.textContent.trim().slice(0, 30)"
        " : ''; }"
    )


def tab_to(page, selector: str, limit: int = 80, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until ``selector`` has focus: the keyboard reaches it."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector}; focus is on {focused(page)}")


def sign_in_by_keyboard(page, phone: str) -> None:
    page.goto("/dang-nhap")
    tab_to(page, "input[name=login]")
    page.keyboard.type(phone)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/dang-nhap" not in url)


def start_by_keyboard(page, demo_round) -> int:
    page.goto(f"/cuoc-thi/{demo_round['slug']}")
    tab_to(page, f"main a[href$='/dot-thi/{demo_round['round_id']}/bat-dau']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/bat-dau$"))
    tab_to(page, "main form:not(.mt-2) button[type=submit]")
    # The quiz page confirms the paper's receipt and re-syncs its clock from the answer;
    # wait for it, or a faked clock moved before it lands would be set back.
    with page.expect_response(lambda r: r.url.endswith("/received")):
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    page.locator("#question-panel").wait_for()
    return int(page.url.rsplit("/", 1)[1])


def test_a_whole_quiz_by_keyboard_only(page, live_app, demo_round, participant):
    from contest.extensions import db
    from contest.models import Attempt
    from contest.services import attempts

    sign_in_by_keyboard(page, participant[0])
    attempt_id = start_by_keyboard(page, demo_round)
    heading = page.locator("#question-number")
    for n in range(1, 21):
        expect(heading).to_have_accessible_name(f"Câu {n} trên 20")
        question = page.locator("#question-text").inner_text()
        assert question
        # The question is the legend of its options, and describes the focused heading.
        expect(page.get_by_role("group", name=question)).to_be_visible()
        expect(heading).to_have_accessible_description(re.compile(re.escape(question)))
        tab_to(page, "#options input")
        page.keyboard.press("Space")
        expect(page.locator("#save-state")).to_have_text("Đã lưu")
        tab_to(page, "#next")
        page.keyboard.press("Enter")
        if n < 20:
            expect(heading).to_be_focused()
    # After question 20: the prediction step, its heading focused.
    expect(page.locator("#prediction-title")).to_be_focused()
    tab_to(page, "#prediction")
    page.keyboard.type("1250")
    page.keyboard.press("Tab")
    expect(page.locator("#prediction-state")).to_have_text("Đã lưu")
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Nộp bài?")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-no")).to_be_focused()
    tab_to(page, "#confirm-yes", limit=5)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ket-qua$"))
    expect(page.get_by_text(re.compile(r"Kết quả của bạn: đúng \d+/20 câu"))).to_be_visible()
    with live_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status.value == "submitted" and attempt.prediction == 1250
        assert len(attempts.answers_of(attempt)) == 20


def test_the_submit_dialog_is_a_real_modal(page, demo_round, participant):
    sign_in_by_keyboard(page, participant[0])
    start_by_keyboard(page, demo_round)
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-submit")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(page.locator("#confirm-no")).to_be_focused()
    # Tab and Shift+Tab go round inside the dialog, never back to the page behind it.
    for key in ["Tab"] * 7 + ["Shift+Tab"] * 7:
        page.keyboard.press(key)
        inside = page.evaluate("() => !!document.activeElement.closest('#confirm-submit')")
        assert inside, f"{key} left the dialog: {focused(page)}"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#submit")).to_be_focused()
    # "Làm tiếp" closes it too, and focus comes back the same way.
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-no")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#submit")).to_be_focused()


def test_the_time_left_is_said_at_five_minutes_and_one_minute_only(page, demo_round, participant):
    """The clock ticks every second on screen but is no live region; the live region
    #time-announce changes twice in a 15-minute quiz: at 5:00 and at 1:00 left."""
    page.clock.install()
    sign_in_by_keyboard(page, participant[0])
    start_by_keyboard(page, demo_round)
    announce = page.locator("#time-announce")
    expect(announce).to_have_attribute("aria-live", "polite")
    assert page.locator("#timer").evaluate("(e) => e.closest('[aria-live=polite]')") is None
    expect(announce).to_have_text("")
    seen = []

    def step(seconds: int) -> None:
        for _ in range(seconds // 30):
            page.clock.run_for(30_000)
            text = announce.inner_text()
            if not seen or seen[-1] != text:
                seen.append(text)

    step(9 * 60 + 30)  # 5:30 left
    expect(announce).to_have_text("")
    step(60)  # 4:30 left
    expect(announce).to_have_text("Còn 5 phút làm bài.")
    # 0:30 left: sampled well past 1:00, since the clock counts from the paper's receipt,
    # a fraction of a second after the start.
    step(4 * 60)
    expect(announce).to_have_text("Còn 1 phút làm bài. Bài sẽ tự động nộp khi hết giờ.")
    assert seen == [
        "",
        "Còn 5 phút làm bài.",
        "Còn 1 phút làm bài. Bài sẽ tự động nộp khi hết giờ.",
    ]
    assert re.fullmatch(r"0[01]:\d\d", page.locator("#timer").inner_text())
