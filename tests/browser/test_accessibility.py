"""WCAG 2.1 AA on every page (issue 16, docs/accessibility.md).

axe-core runs inside Debian's Chromium on every GET page of the app's url map, as each
kind of visitor (public, participant, judge, organiser, admin), at 360×740 and 1280×800,
and fails on any serious or critical violation. The list of pages is built from the
routes with their ids filled from the demo data, so a new page is checked as soon as it
exists: a route that is not a page (a download, JSON) must be named in ``NOT_PAGES`` with
its reason. The same visit checks that the page does not scroll sideways at 320 px
(400 % zoom) nor with text at 200 %, and that the first controls show a focus ring.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import a11y

pytestmark = pytest.mark.browser

PASSWORD = "a11y-matkhau-2026"
PARTICIPANT_PHONE = "0966716016"

# Routes that are not pages, with the reason.
NOT_PAGES = {
    "static": "static files",
    "bootstrap.static": "Bootstrap's static files",
    "public.set_language": "redirects back to the page it came from",
    "api.get_attempt": "JSON",
    "api.me": "JSON",
    "api.list_categories": "JSON",
    "api.list_units": "JSON",
    "api.openapi": "JSON",
    "essay.download": "file download",
    "essay_admin.download": "file download",
    "essay_admin.export_entries": "xlsx download",
    "essay_admin.export_scores": "xlsx download",
    "exclusions_admin.export": "xlsx download",
    "exclusions_admin.template": "xlsx download",
    "judge.download": "file download",
    "organiser.units_template": "xlsx download",
    "organiser.download_passwords": "xlsx download",
    "organiser.participants_template": "xlsx download",
    "organiser.export_participants": "xlsx download",
    "results_admin.unit_results_xlsx": "xlsx download",
    "results_admin.dashboard_xlsx": "xlsx download",
    "results_admin.absent_xlsx": "xlsx download",
    "results_admin.targets_xlsx": "xlsx download",
    "answer_keys.items_xlsx": "xlsx download",
    "results.winners_xlsx": "xlsx download",
    "banks.export_bank": "xlsx download",
    "banks.export_bank_docx": "docx download",
    "banks.download_template": "xlsx download",
    "banks.download_docx_template": "docx download",
    "jobs.status": "JSON",
    "quiz_admin.live": "JSON (the live counts the round page polls)",
    "jobs.download": "file download",
    "jobs.show": "no job in the demo (tests/contest/jobs renders it)",
    "banks.preview_import": "needs a staged upload (tests/contest/banks renders it)",
    # The demo's essay contest is open for submissions: no entry, nothing to judge yet.
    "essay.edit_entry": "no entry in the demo",
    "essay_admin.entry": "no entry in the demo",
    "judge.sheet": "no assignment in the demo",
    "essay_admin.similar_pair": "no similar pair in the demo (tests/contest/essay renders it)",
    "public.card_contest": "PNG share card",
    "public.card_round": "PNG share card",
    "public.card_result": "PNG share card",
    "question_images.show": "a question's picture",
    "certificates.own": "PDF download",
    "certificates.verify": "needs a certificate's code (tests/contest/certificates checks it)",
    "certificates_admin.image": "PNG (the signature or seal)",
    "certificates_admin.sample": "PDF download",
}

# Who visits which pages: endpoint prefixes, first match wins.
JOURNEYS = {
    "public": (
        "public.",
        "auth.login",
        "auth.register",
        "password_reset.",
        "certificates.verify_form",
    ),
    "participant": ("quiz.", "essay.", "participant.", "results.winners", "auth.change"),
    "judge": ("judge.", "auth.change"),
    "admin": ("admin.",),
    "organiser": (
        "organiser.",
        "banks.",
        "quiz_admin.",
        "results_admin.",
        "essay_admin.",
        "exclusions_admin.",
        "jobs.",
        "answer_keys.",
        "certificates_admin.",
    ),
}
# Pages a signed-out visitor sees too (contest pages, winners): visited signed out as well.
PUBLIC_TOO = ("quiz.contest_page", "essay.contest_page", "essay.winners", "results.winners")


@dataclass
class World:
    ids: dict[str, int | str] = field(default_factory=dict)
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)


def _participant(now):
    from contest.extensions import db
    from contest.models import Category, Gender, Role, Unit, UnitKind, User
    from contest.services.passwords import hash_password
    from question_bank.text import fold

    user = db.session.scalar(select(User).where(User.phone == PARTICIPANT_PHONE))
    if user is not None:
        return user
    unit = db.session.scalars(select(Unit).where(Unit.kind == UnitKind.commune)).first()
    user = User(
        role=Role.participant,
        full_name="Lò Văn Tiếp Cận",
        name_key=fold("Lò Văn Tiếp Cận"),
        birth_date=date(1956, 3, 2),
        gender=Gender.male,
        id_number="012056716016",
        phone=PARTICIPANT_PHONE,
        unit_id=unit.id,
        category_id=db.session.scalars(select(Category.id)).first(),
        password_hash=hash_password(PASSWORD),
        created_at=now,
        consent_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _attempts(user, open_round, now) -> tuple[int, int]:
    """A finished attempt (its result page) and one in progress (the quiz page)."""
    from contest.models import AttemptStatus
    from contest.services import attempts

    done = attempts.begin_attempt(open_round, user, now=now).attempt
    if done.status is AttemptStatus.in_progress:
        attempts.finalise(done, now, AttemptStatus.submitted)
    running = attempts.begin_attempt(open_round, user, now=now).attempt
    return done.id, running.id


def _reviewer(closed_round):
    """A simulated participant of the demo's closed round: its result shows the review."""
    from contest.extensions import db
    from contest.models import Attempt
    from contest.services.passwords import hash_password

    attempt = db.session.scalars(
        select(Attempt).where(Attempt.round_id == closed_round.id).order_by(Attempt.id)
    ).first()
    attempt.participant.password_hash = hash_password(PASSWORD)
    return attempt.participant.id, attempt.participant.phone, attempt.id


@pytest.fixture(scope="module")
def world(live_app) -> World:
    from contest.db import utcnow
    from contest.demo import DEMO_PASSWORD, load_demo
    from contest.demo.essay import DEMO_ESSAY_TITLE
    from contest.demo.quiz import DEMO_CONTEST_TITLE
    from contest.extensions import db
    from contest.models import Contest, Round, User
    from contest.services import password_reset

    now = utcnow()
    with live_app.app_context():
        load_demo(now=now)
        # The demo's own contests (other browser tests add theirs to the same database).
        quiz = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
        essay = db.session.scalar(select(Contest).where(Contest.title == DEMO_ESSAY_TITLE))
        rounds = db.session.scalars(
            select(Round).where(Round.contest_id == quiz.id).order_by(Round.id)
        ).all()
        closed = next(r for r in rounds if r.closes_at < now)
        open_ = next(r for r in rounds if r.opens_at <= now < r.closes_at)
        user = _participant(now)
        done_id, running_id = _attempts(user, open_, now)
        reviewer_id, reviewer_phone, reviewed_id = _reviewer(closed)
        demo_participant = db.session.scalar(select(User).where(User.phone == "0912345678"))
        world = World()
        world.ids = {
            "slug:quiz": quiz.slug,
            "slug:essay": essay.slug,
            "contest_id:quiz": quiz.id,
            "contest_id:essay": essay.id,
            "round_id": closed.id,
            "round_id:start": open_.id,
            "attempt_id": running_id,
            "user_id": user.id,
            "participant_id": reviewer_id,
            "token": password_reset.make_token(
                demo_participant, secret=live_app.config["SECRET_KEY"], now=now
            ),
        }
        world.accounts = {
            "participant": (PARTICIPANT_PHONE, PASSWORD),
            "judge": ("giamkhao1@hoithi.example.vn", DEMO_PASSWORD),
            "organiser": ("bantochuc@hoithi.example.vn", DEMO_PASSWORD),
            "admin": ("admin@hoithi.example.vn", DEMO_PASSWORD),
            "reviewer": (reviewer_phone, PASSWORD),
        }
        world.extra = {
            "participant": [f"/luot-thi/{done_id}/ket-qua"],
            "reviewer": [f"/luot-thi/{reviewed_id}/ket-qua"],
        }
        db.session.commit()
        _fill_db_ids(world)
    return world


def _fill_db_ids(world: World) -> None:
    from contest.extensions import db
    from contest.models import Attempt, AttemptQuestion, Category, Question, QuestionBank, Unit
    from contest.models.essay import Stage

    # A question the closed round served (its decision page), else the first question.
    served = db.session.scalars(
        select(AttemptQuestion.question_id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.round_id == world.ids["round_id"])
        .order_by(AttemptQuestion.id)
    ).first()
    first_question = db.session.get(Question, served) if served else None
    first_question = (
        first_question or db.session.scalars(select(Question).order_by(Question.id)).first()
    )
    world.ids.update(
        bank_id=first_question.bank_id,
        question_id=first_question.id,
        unit_id=db.session.scalars(select(Unit.id).order_by(Unit.id)).first(),
        category_id=db.session.scalars(select(Category.id).order_by(Category.id)).first(),
        stage_id=db.session.scalars(select(Stage.id).order_by(Stage.id)).first(),
    )
    assert db.session.get(QuestionBank, first_question.bank_id) is not None


def _fill(rule, world: World) -> str | None:
    values = {}
    essay = rule.endpoint.startswith(("essay", "judge"))
    for arg in rule.arguments:
        if arg in ("slug", "contest_id"):
            values[arg] = world.ids[f"{arg}:{'essay' if essay else 'quiz'}"]
        elif arg == "round_id" and rule.endpoint == "quiz.start":
            values[arg] = world.ids["round_id:start"]
        elif arg in world.ids:
            values[arg] = world.ids[arg]
        else:
            return None
    return rule.build(values, append_unknown=False)[1]


def _journey_of(endpoint: str) -> str | None:
    for journey, prefixes in JOURNEYS.items():
        if endpoint.startswith(prefixes):
            return journey
    return None


def pages_of(app, world: World, journey: str) -> list[str]:
    """Every GET page of the url map that ``journey`` visits, ids filled from the demo."""
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        owner = _journey_of(rule.endpoint)
        assert owner is not None, f"{rule.endpoint}: add it to a journey or to NOT_PAGES"
        if owner != journey and not (journey == "public" and rule.endpoint in PUBLIC_TOO):
            continue
        path = _fill(rule, world)
        assert path is not None, f"cannot fill {rule.rule}: add its ids or name it in NOT_PAGES"
        paths.append(path)
    return paths + world.extra.get(journey, [])


def test_every_route_is_in_a_journey_or_named(live_app, world):
    """A new route fails here until it is visited by a journey or named in NOT_PAGES."""
    total = sum(len(pages_of(live_app, world, j)) for j in JOURNEYS)
    assert total >= 50


def _sign_in(page, login: str, password: str) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại hoặc email").fill(login)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_url(lambda url: "/dang-nhap" not in url)


def _ready(page, path: str) -> None:
    response = page.goto(path)
    kind = response.headers.get("content-type", "")
    assert "text/html" in kind, f"{path} is {kind}, not a page: name its route in NOT_PAGES"
    assert response.status < 500, f"{path}: {response.status}"
    page.wait_for_load_state("load")
    if path.startswith("/luot-thi/") and not path.endswith("/ket-qua"):
        page.locator("#question-panel").wait_for()


def check_page(page, path: str, source: str) -> list[str]:
    """axe at 360 and 1280 px, reflow at 320 px, 200 % text, the focus ring."""
    problems = []
    for size in (a11y.PHONE, a11y.DESKTOP):
        page.set_viewport_size(size)
        _ready(page, path)
        found = a11y.describe(a11y.axe_violations(page, source))
        problems += [f"{size['width']}px {v}" for v in found]
    problems += [f"focus ring missing: {w}" for w in a11y.focus_ring_problems(page)]
    problems += [f"text not in the middle: {w}" for w in a11y.off_centre_buttons(page)]
    page.set_viewport_size(a11y.REFLOW)
    _ready(page, path)
    problems += [f"320px scrolls sideways: {w}" for w in a11y.horizontal_overflow(page)]
    page.set_viewport_size(a11y.DESKTOP)
    a11y.set_text_size(page, 200)
    problems += [f"200% text scrolls sideways: {w}" for w in a11y.horizontal_overflow(page)]
    return problems


def run_journey(browser, live_server, live_app, world, journey: str, account: str | None):
    source = a11y.axe_source()
    context = browser.new_context(viewport=a11y.PHONE, locale="vi-VN", base_url=live_server)
    context.set_default_timeout(20_000)
    page = context.new_page()
    found = {}
    try:
        if account:
            _sign_in(page, *world.accounts[account])
        paths = pages_of(live_app, world, journey) if journey else world.extra[account]
        for path in paths:
            problems = check_page(page, path, source)
            if problems:
                found[path] = problems
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    report = "\n".join(f"{p}:\n    " + "\n    ".join(lines) for p, lines in found.items())
    assert not found, f"accessibility problems ({journey or account}):\n{report}"


@pytest.mark.parametrize("journey", ["public", "participant", "judge", "organiser", "admin"])
def test_every_page_of_the_journey_meets_wcag_aa(journey, browser, live_server, live_app, world):
    account = None if journey == "public" else journey
    run_journey(browser, live_server, live_app, world, journey, account)


def test_the_review_of_a_closed_round_meets_wcag_aa(browser, live_server, live_app, world):
    run_journey(browser, live_server, live_app, world, None, "reviewer")


def test_the_checks_catch_a_bad_page(browser, live_server, world):
    """The checks themselves: white on yellow text, a box wider than the window and a
    control without a focus ring are each reported."""
    source = a11y.axe_source()
    context = browser.new_context(viewport=a11y.REFLOW, locale="vi-VN", base_url=live_server)
    page = context.new_page()
    try:
        page.goto("/")
        page.evaluate(
            """() => {
              const p = document.createElement("p");
              p.textContent = "Chữ trắng trên nền vàng";
              p.style.cssText = "color:#fff;background:#ffc107";
              const wide = document.createElement("div");
              wide.style.cssText = "width:600px;height:10px";
              wide.id = "qua-rong";
              const link = document.querySelector("main a, main button");
              link.style.cssText = "outline:none !important;box-shadow:none !important";
              link.id = "khong-vien";
              document.querySelector("main").prepend(p, wide);
              document.querySelectorAll("a, button, input").forEach((n) => {
                if (n !== link) n.setAttribute("tabindex", "-1");
              });
            }"""
        )
        assert any(v["id"] == "color-contrast" for v in a11y.axe_violations(page, source))
        assert any("qua-rong" in line for line in a11y.horizontal_overflow(page))
        assert any('id="khong-vien"' in w for w in a11y.focus_ring_problems(page, presses=1))
    finally:
        context.close()


def _shot(page, tmp_path, name: str, at: str | None = None) -> None:
    """A screenshot of the window (scrolled to ``at``) and of the whole page, into
    $A11Y_SHOTS when set (to look at them), else tmp_path."""
    folder = os.environ.get("A11Y_SHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    if at:
        page.locator(at).first.scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(folder, name))
    page.screenshot(path=os.path.join(folder, name.replace(".png", "-full.png")), full_page=True)


def test_quiz_page_on_a_phone_targets_text_size_and_save_states(
    browser, live_server, world, tmp_path
):
    """The quiz page at 360 px: every tap target is 44×44 px or more; at 200 % text it
    still fits the width; a save waiting offline ("Chưa lưu") passes axe's contrast."""
    source = a11y.axe_source()
    context = browser.new_context(viewport=a11y.PHONE, locale="vi-VN", base_url=live_server)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        _sign_in(page, *world.accounts["participant"])
        path = f"/luot-thi/{world.ids['attempt_id']}"
        _ready(page, path)
        assert a11y.small_targets(page) == []
        bar = page.locator(".quiz-bar")
        expect(bar).to_have_class(re.compile(r"\bsticky-top\b"))
        context.set_offline(True)
        page.locator("#options .option label").first.click()
        page.locator("#save-state", has_text="Chưa lưu").wait_for()
        assert a11y.describe(a11y.axe_violations(page, source)) == []
        context.set_offline(False)
        page.locator("#save-state", has_text="Đã lưu").wait_for()
        a11y.set_text_size(page, 200)
        # Past a third of the window, the bar scrolls away rather than cover the question.
        expect(bar).not_to_have_class(re.compile(r"\bsticky-top\b"))
        assert a11y.horizontal_overflow(page) == []
        assert a11y.small_targets(page) == []
        _shot(page, tmp_path, "quiz-360px-text-200.png", "#question-panel")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()


@pytest.mark.parametrize(
    "account, path, name, at",
    [
        (None, "/dang-ky", "register-360px-text-200.png", "form"),
        ("reviewer", "review", "review-360px-text-200.png", ".review-item"),
        ("organiser", "/ban-to-chuc/", "organiser-360px-text-200.png", "main"),
    ],
)
def test_pages_at_200_percent_text_on_a_phone(
    account, path, name, at, browser, live_server, world, tmp_path
):
    context = browser.new_context(viewport=a11y.PHONE, locale="vi-VN", base_url=live_server)
    page = context.new_page()
    try:
        if account:
            _sign_in(page, *world.accounts[account])
        _ready(page, world.extra["reviewer"][0] if path == "review" else path)
        a11y.set_text_size(page, 200)
        assert a11y.horizontal_overflow(page) == []
        _shot(page, tmp_path, name, at)
    finally:
        context.close()


def test_the_review_says_right_and_wrong_in_words(browser, live_server, world):
    """Colour only repeats what the words say: each question says whether the answer was
    right, wrong or missing, the right option says "đáp án đúng", a wrong choice says so."""
    context = browser.new_context(viewport=a11y.PHONE, locale="vi-VN", base_url=live_server)
    page = context.new_page()
    try:
        _sign_in(page, *world.accounts["reviewer"])
        _ready(page, world.extra["reviewer"][0])
        items = page.locator(".review-item")
        assert items.count() == 20
        verdicts = page.locator(".review-verdict").all_inner_texts()
        allowed = {"✔ Bạn trả lời đúng", "✘ Bạn trả lời sai", "Chưa trả lời"}
        assert len(verdicts) == 20 and set(verdicts) <= allowed
        for i in range(20):
            item = items.nth(i)
            assert "(đáp án đúng" in item.inner_text()
            verdict = verdicts[i]
            if verdict != "Chưa trả lời":
                assert "bạn chọn" in item.inner_text()
            # The marks are decoration: hidden from screen readers, the words are not.
            assert item.locator(".review-mark[aria-hidden=true]").count() >= 2
    finally:
        context.close()
