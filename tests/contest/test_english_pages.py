"""Every page in English (``?lang=en``) shows no Vietnamese that comes from the code.

The demo data is loaded (it is Vietnamese, as a real contest's is); every GET page of the
app's url map is visited as each kind of visitor, with its ids filled from the demo; what
the database holds (names, titles, questions, units…) is taken out of the page, and what
remains must have no Vietnamese letter. The list of pages comes from the routes, so a new
page is not forgotten: a route this test cannot fill must be named in ``NOT_PAGES``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import JSON, String, Text, select

from contest.extensions import db as _db
from tests.conftest import NOW

VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
ATTRIBUTE = re.compile(r'\b(?:title|aria-label|placeholder|alt|content|value)="([^"]*)"')
# The language switch names each language in itself.
ALWAYS_ALLOWED = ("Tiếng Việt",)

# Routes that are not pages: downloads, JSON, redirects, static files.
NOT_PAGES = {
    "static",
    "certificates_admin.image",  # a PNG
    "certificates_admin.sample",  # a PDF (official Vietnamese document)
    "certificates.own",  # a PDF
    "certificates.verify",  # needs a code; tests/contest/certificates checks it
    "question_images.show",  # a question's picture (tests/contest/banks checks it)
    "bootstrap.static",
    "public.set_language",
    "api.get_attempt",
    "api.me",
    "api.list_categories",
    "api.openapi",
    "api.list_units",
    "essay.download",
    "essay_admin.download",
    "essay_admin.export_entries",
    "essay_admin.export_scores",
    "essay_admin.similar_pair",  # no similar pair in the demo; tests/contest/essay renders it
    "judge.download",
    "organiser.units_template",
    "organiser.download_passwords",
    "organiser.participants_template",
    "organiser.export_participants",
    "results_admin.unit_results_xlsx",
    "jobs.show",  # no job in the demo; tests/contest/jobs visits the job pages
    "jobs.status",
    "jobs.download",
    "results_admin.dashboard_xlsx",
    "results_admin.absent_xlsx",
    "results_admin.targets_xlsx",
    "results.winners_xlsx",
    "banks.export_bank",
    "banks.download_template",
    "banks.preview_import",  # needs a staged upload; tests/contest/banks covers it
}

# The demo's essay contest is open for submissions: no entry is judged yet, so these pages
# (covered in Vietnamese by tests/contest/essay) have no id to visit here.
NOT_IN_DEMO = {"essay_admin.entry", "judge.sheet", "essay.edit_entry"}

# Pages that explain a file to upload quote the file's own Vietnamese words (its columns and
# the values it accepts: product.md §5), which stay Vietnamese in every language.
IMPORT_PAGES = {"organiser.import_units", "organiser.import_participants", "banks.upload_file"}
# A certificate is an official Vietnamese document whatever the page's language: the
# certificate template's hints give Vietnamese examples of what it prints.
# The template's defaults (the form's values) and its hints' examples.
DOCUMENT_WORDS = {
    "certificates_admin.contest": (
        "UBND TỈNH BẮC NINH",
        "BAN TỔ CHỨC HỘI THI TÌM HIỂU PHÁP LUẬT",
        "TM. BAN TỔ CHỨC",
        "TRƯỞNG BAN",
        "Đã đạt",
        "Đã tham gia và hoàn thành phần thi",
        "12/QĐ-BTC",
        "BAN TỔ CHỨC",
    )
}


def _file_contract_words() -> list[str]:
    import question_bank
    from contest.services import participants, unit_import, units, user_import

    words = [c.label for c in (*unit_import.COLUMNS, *user_import.COLUMNS)]
    words += [c.label for c in question_bank.bank.COLUMNS]
    words += list(question_bank.DIFFICULTY_LABELS.values())
    words += list(question_bank.docx_reader.FORM_WORDS)
    words += [label.message for label in units.UNIT_KIND_LABELS.values()]
    words += [label.message for label in participants.GENDER_LABELS.values()]
    return sorted(set(words), key=len, reverse=True)


PARTICIPANT_PAGES = ("quiz.", "results.winners", "essay.", "participant.", "auth.change")
JUDGE_PAGES = ("judge.", "auth.change")


@dataclass
class Demo:
    ids: dict[str, int | str] = field(default_factory=dict)
    data: list[str] = field(default_factory=list)
    words: set[str] = field(default_factory=set)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _database_strings(db) -> tuple[list[str], set[str]]:
    strings: set[str] = set()
    for table in _db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                strings.update(s for s in _strings(value) if VIETNAMESE.search(s or ""))
    words = {w for s in strings for w in re.split(r"[\s,.;:()/«»\"'–-]+", s) if w}
    return sorted(strings, key=len, reverse=True), words


@pytest.fixture
def demo(app, db, client):
    from contest.demo import load_demo
    from contest.models import Contest, ContestKind, Round, User
    from contest.models.essay import Assignment, Entry, Stage
    from contest.services import password_reset

    load_demo(now=NOW)
    db.session.commit()
    participant = db.session.scalar(select(User).where(User.phone == "0912345678"))
    quiz = db.session.scalars(select(Contest).where(Contest.kind == ContestKind.quiz)).first()
    essay = db.session.scalars(select(Contest).where(Contest.kind == ContestKind.essay)).first()
    rounds = db.session.scalars(select(Round).order_by(Round.id)).all()
    closed = next(r for r in rounds if r.closes_at < NOW)
    open_ = next(r for r in rounds if r.opens_at <= NOW < r.closes_at)
    entry = db.session.scalars(select(Entry).order_by(Entry.id)).first()
    stage = db.session.scalars(select(Stage).order_by(Stage.id)).first()
    assignment = db.session.scalars(select(Assignment).order_by(Assignment.id)).first()
    first_user = db.session.scalars(select(User).order_by(User.id)).first()
    found = Demo()
    found.ids = {
        "participant": participant.id,
        "slug:quiz": quiz.slug,
        "slug:essay": essay.slug,
        "contest_id:quiz": quiz.id,
        "contest_id:essay": essay.id,
        "round_id": closed.id,
        "round_id:start": open_.id,
        "entry_id": entry.id if entry else 0,
        "stage_id": stage.id if stage else 0,
        "assignment_id": assignment.id if assignment else 0,
        "user_id": first_user.id,
        "participant_id": participant.id,
        # A live reset link of the participant (the page to choose a new password).
        "token": password_reset.make_token(participant, secret=app.config["SECRET_KEY"], now=NOW),
    }
    found.data, found.words = _database_strings(db)
    return found


def _fill(rule, demo: Demo) -> str | None:
    from contest.models import Category, Question, QuestionBank, Unit

    values = {}
    for arg in rule.arguments:
        essay = rule.endpoint.startswith(("essay", "judge"))
        if arg == "slug":
            values[arg] = demo.ids["slug:essay" if essay else "slug:quiz"]
        elif arg == "contest_id":
            values[arg] = demo.ids["contest_id:essay" if essay else "contest_id:quiz"]
        elif arg == "round_id":
            values[arg] = demo.ids["round_id:start" if rule.endpoint == "quiz.start" else arg]
        elif arg in demo.ids:
            values[arg] = demo.ids[arg]
        elif arg == "bank_id":
            values[arg] = _db.session.scalars(select(QuestionBank.id)).first()
        elif arg == "question_id":
            values[arg] = _db.session.scalars(select(Question.id).order_by(Question.id)).first()
        elif arg == "unit_id":
            values[arg] = _db.session.scalars(select(Unit.id)).first()
        elif arg == "category_id":
            values[arg] = _db.session.scalars(select(Category.id)).first()
        else:
            return None
    if rule.endpoint == "banks.edit_question":
        values["bank_id"] = _db.session.get(Question, values["question_id"]).bank_id
    return rule.build(values, append_unknown=False)[1]


def _is_data_word(word: str, demo: Demo) -> bool:
    """A word of the data, or a piece of one (a chart cuts a long unit name)."""
    return word in demo.words or any(word in value for value in demo.data)


def _leftover_vietnamese(page: str, demo: Demo, app, allowed=()) -> list[str]:
    page = SCRIPT.sub(" ", page)
    text = html.unescape(" ".join([TAG.sub(" ", page), *ATTRIBUTE.findall(page)]))
    config = (str(v) for v in app.config.values())
    for value in (*demo.data, *ALWAYS_ALLOWED, *allowed, *config):
        if isinstance(value, str) and len(value) > 1 and VIETNAMESE.search(value):
            text = text.replace(value, " ")
    left = []
    for line in text.splitlines():
        words = [w for w in re.split(r"\s+", line) if w and VIETNAMESE.search(w)]
        words = [w for w in words if not _is_data_word(w.strip(",.;:()«»\"'…"), demo)]
        if words:
            left.append(line.strip()[:160])
    return left


def _pages(app, roles: tuple[str, ...] | None, demo: Demo):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if roles is not None and not rule.endpoint.startswith(roles):
            continue
        path = _fill(rule, demo)
        assert path is not None, f"cannot fill {rule.rule}: add its ids here or to NOT_PAGES"
        if "/0/" in path + "/":  # the demo has none of these yet (see NOT_IN_DEMO)
            assert rule.endpoint in NOT_IN_DEMO, (rule.endpoint, path)
            continue
        yield rule.endpoint, path


def _visit_all(client, app, demo, roles, expect_ok=True) -> dict[str, list[str]]:
    problems = {}
    for endpoint, path in _pages(app, roles, demo):
        join = "&" if "?" in path else "?"
        response = client.get(f"{path}{join}lang=en")
        if expect_ok:
            assert response.status_code == 200, (endpoint, path, response.status_code)
        if "text/html" not in response.content_type:
            continue
        allowed = _file_contract_words() if endpoint in IMPORT_PAGES else ()
        allowed = (*allowed, *DOCUMENT_WORDS.get(endpoint, ()))
        left = _leftover_vietnamese(response.get_data(as_text=True), demo, app, allowed)
        if left:
            problems[f"{endpoint} {path}"] = left[:5]
    return problems


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n    " + "\n    ".join(lines) for page, lines in problems.items())


@pytest.fixture
def english(compiled_catalogue):
    return compiled_catalogue


def test_organiser_and_admin_pages_in_english(client, app, demo, login, english):
    from contest.demo import DEMO_PASSWORD

    login("admin@hoithi.example.vn", DEMO_PASSWORD)
    # Signing in and registering redirect a signed-in visitor: test_public_pages visits them.
    skip = PARTICIPANT_PAGES + JUDGE_PAGES + ("auth.login", "auth.register")
    roles = tuple(r.endpoint for r in app.url_map.iter_rules() if not r.endpoint.startswith(skip))
    problems = _visit_all(client, app, demo, roles)
    assert not problems, "Vietnamese left on English pages:\n" + _report(problems)


def test_participant_pages_in_english(client, app, demo, login, english):
    from contest.demo import DEMO_PASSWORD

    login("0912345678", DEMO_PASSWORD)
    started = client.post(
        f"/api/rounds/{demo.ids['round_id:start']}/attempts", headers=login.headers, json={}
    )
    assert started.status_code in (200, 201), started.get_json()
    demo.ids["attempt_id"] = started.get_json()["id"]
    problems = _visit_all(client, app, demo, PARTICIPANT_PAGES + ("public.",), expect_ok=False)
    assert not problems, "Vietnamese left on English pages:\n" + _report(problems)


def test_judge_pages_in_english(client, app, demo, login, english):
    from contest.demo import DEMO_PASSWORD

    login("giamkhao1@hoithi.example.vn", DEMO_PASSWORD)
    problems = _visit_all(client, app, demo, JUDGE_PAGES, expect_ok=False)
    assert not problems, "Vietnamese left on English pages:\n" + _report(problems)


def test_public_pages_in_english(client, app, demo, english):
    problems = _visit_all(client, app, demo, ("public.", "auth.login", "auth.register"))
    assert not problems, "Vietnamese left on English pages:\n" + _report(problems)
