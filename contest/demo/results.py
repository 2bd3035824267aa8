"""Demo results: a finished, closed and published round ("Tuần 0 (đã kết thúc)") in the
demo quiz contest, with a few hundred simulated participants across the demo units, so
the winners page, the exports and the dashboard show real-looking data on a fresh
``make run``. Seeded, so every machine gets the same data; idempotent.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from contest.demo.bank import DEMO_BANK_NAME
from contest.demo.quiz import DEMO_CONTEST_TITLE
from contest.extensions import db
from contest.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Category,
    Contest,
    Gender,
    Role,
    Round,
    Unit,
    User,
)
from contest.services import grading, papers, result_closing, result_publishing, rounds
from contest.services.banks import get_bank_by_name
from contest.services.passwords import hash_password
from contest.services.vn import century_gender_digit
from question_bank.text import fold

DEMO_ROUND_NAME = "Tuần 0 (đã kết thúc)"
PARTICIPANTS = 320
SEED = 2026
# Simulated accounts: phones 0868xxxxxx and CCCDs of Lai Châu (062) with serials from
# 500000, far from real demo and test accounts.
PHONE_PREFIX = "0868"
CCCD_SERIAL_BASE = 500_000

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Lò",
    "Tòng",
    "Lường",
    "Giàng",
    "Vàng",
    "Sùng",
    "Đèo",
    "Hà",
    "Lý",
]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "A"]
MIDDLE_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Thị Hồng"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Chứ",
    "Pó",
    "Sính",
]
GIVEN_FEMALE = [
    "Anh",
    "Dung",
    "Giang",
    "Hà",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngọc",
    "Nhung",
    "Phương",
    "Thảo",
    "Trang",
    "Vân",
    "Xuân",
    "Sua",
    "Pàng",
]


def load_demo_results(*, now: datetime) -> Round | None:
    """Create the demo's closed and published round once; later calls change nothing.
    Returns the round (None when the demo contest or bank is missing). Flushes only."""
    contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
    bank = get_bank_by_name(DEMO_BANK_NAME)
    if contest is None or bank is None:
        return None
    existing = db.session.scalar(
        select(Round).where(Round.contest_id == contest.id, Round.name == DEMO_ROUND_NAME)
    )
    if existing is not None:
        return existing
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=10)
    round_ = rounds.save_round(
        contest,
        rounds.RoundInput(
            name=DEMO_ROUND_NAME,
            opens_at=start,
            closes_at=start + timedelta(days=7),
            question_count=20,
            time_limit_minutes=15,
            max_attempts=3,
            bank_ids=[bank.id],
            prize_tiers=[
                *[dict(t) for t in rounds.DEFAULT_PRIZE_TIERS],
                {"name": "Giải tập thể", "count": 3, "collective": True},
            ],
            prize_options={"max_share": 0.5, "collective_method": "points"},
        ),
        actor=None,
        now=now,
    )
    # Published while it was running (the demo writes its attempts afterwards).
    round_.published_at = start
    rng = random.Random(SEED)
    people = _participants(rng, now)
    _attempts(round_, people, rng)
    outcome = result_closing.close_round(round_, actor=None, now=now)
    result_publishing.publish_result(round_, outcome.result.id, actor=None, now=now, early=True)
    return round_


@dataclass
class _Person:
    """A simulated participant, before their account exists."""

    name: str
    born: date
    gender: Gender
    phone: str
    ability: float  # the chance of a right answer
    unit: Unit | None
    category: Category | None


def _participants(rng: random.Random, now: datetime) -> list[tuple[User, float]]:
    """The simulated participants with their "ability" (chance of a right answer)."""
    units = list(
        db.session.scalars(
            select(Unit)
            .where(Unit.parent_id.is_not(None), Unit.is_active.is_(True))
            .order_by(Unit.id)
        )
    )
    categories = list(
        db.session.scalars(
            select(Category)
            .where(Category.is_active.is_(True))
            .order_by(Category.position, Category.id)
        )
    )
    # Bigger units send more people.
    weights = [max(u.headcount or 100, 100) ** 0.5 for u in units]
    existing = {
        u.phone: u
        for u in db.session.scalars(select(User).where(User.phone.like(PHONE_PREFIX + "%")))
    }
    # One hash for everyone: Argon2 is slow on purpose. Nobody knows this password.
    password = hash_password(secrets.token_urlsafe(16))
    people: list[tuple[User, float]] = []
    for i in range(PARTICIPANTS):
        person = _person(rng, i, now, units, weights, categories)
        user = existing.get(person.phone)
        if user is None:
            user = _account(person, i, password, now)
            db.session.add(user)
        people.append((user, person.ability))
    db.session.flush()
    return people


def _person(
    rng: random.Random,
    i: int,
    now: datetime,
    units: list[Unit],
    weights: list[float],
    categories: list[Category],
) -> _Person:
    """The ``i``-th simulated participant (the draws in a fixed order: seeded data)."""
    gender = Gender.female if rng.random() < 0.52 else Gender.male
    born = date(rng.randint(1965, 2009), rng.randint(1, 12), rng.randint(1, 28))
    family = rng.choice(FAMILY)
    if gender is Gender.female:
        name = f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
    else:
        name = f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    ability = min(0.99, max(0.35, rng.gauss(0.78, 0.14)))
    unit = rng.choices(units, weights)[0] if units else None
    age = now.year - born.year
    category = (
        categories[min(1, len(categories) - 1)]
        if age <= 22 and categories
        else rng.choice(categories)
        if categories
        else None
    )
    return _Person(name, born, gender, f"{PHONE_PREFIX}{i:06d}", ability, unit, category)


def _account(person: _Person, i: int, password_hash: str, now: datetime) -> User:
    """The ``i``-th simulated participant's account, with a CCCD of Lai Châu."""
    born, gender = person.born, person.gender
    cccd = (
        f"062{century_gender_digit(born.year, gender.value)}{born.year % 100:02d}"
        f"{CCCD_SERIAL_BASE + i:06d}"
    )
    return User(
        role=Role.participant,
        full_name=person.name,
        name_key=fold(person.name),
        birth_date=born,
        gender=gender,
        id_number=cccd,
        phone=person.phone,
        unit_id=person.unit.id if person.unit else None,
        category_id=person.category.id if person.category else None,
        password_hash=password_hash,
        consent_at=now,
        consent_version="demo",
        created_at=now,
    )


def _attempts(round_: Round, people: list[tuple[User, float]], rng: random.Random) -> None:
    """1–3 finished attempts each, answered by ability, in bulk."""
    planned = []
    window = int((round_.closes_at - round_.opens_at).total_seconds()) - 3600
    for user, ability in people:
        count = rng.choices([1, 2, 3], [0.55, 0.25, 0.2])[0]
        for number in range(1, count + 1):
            started = round_.opens_at + timedelta(seconds=rng.randint(0, window))
            planned.append((user, ability, number, started, rng.getrandbits(52)))
    sat = [_sit(round_, rng, *plan) for plan in planned]
    db.session.add_all(attempt for attempt, *_rest in sat)
    db.session.flush()
    _store_papers(sat)


def _answers(paper: list[dict], ability: float, rng: random.Random) -> dict[int, list[int]]:
    """Right with chance ``ability``; else mostly a wrong option, sometimes no answer."""
    answers: dict[int, list[int]] = {}
    for item in paper:
        roll = rng.random()
        if roll < ability:
            answers[item["question_id"]] = list(item["correct_option_ids"])
        elif roll < ability + (1 - ability) * 0.9:
            wrong = [o["id"] for o in item["options"] if o["id"] not in item["correct_option_ids"]]
            answers[item["question_id"]] = [rng.choice(wrong)]
    return answers


def _sit(
    round_: Round,
    rng: random.Random,
    user: User,
    ability: float,
    number: int,
    started: datetime,
    seed: int,
) -> tuple[Attempt, list[dict], dict[int, list[int]], datetime]:
    """One submitted attempt, graded: (attempt, paper, answers, submission time)."""
    paper = papers.build_paper(round_, seed)
    answers = _answers(paper, ability, rng)
    grade = grading.grade(
        [grading.PaperItem(i["question_id"], frozenset(i["correct_option_ids"])) for i in paper],
        answers,
    )
    duration_ms = int(min(15 * 60_000, max(90_000, rng.gauss(420_000, 150_000))))
    submitted = started + timedelta(milliseconds=duration_ms)
    prediction = None if rng.random() < 0.08 else max(0, int(rng.gauss(34, 10)))
    attempt = Attempt(
        round_id=round_.id,
        participant_id=user.id,
        number=number,
        is_practice=False,
        seed=seed,
        status=AttemptStatus.submitted,
        started_at=started,
        deadline=grading.attempt_deadline(started, round_.time_limit_minutes, round_.closes_at),
        submitted_at=submitted,
        score=grade.score,
        total=grade.total,
        duration_ms=duration_ms,
        prediction=prediction,
        prediction_saved_at=submitted,
    )
    return attempt, paper, answers, submitted


def _store_papers(sat: list[tuple[Attempt, list[dict], dict[int, list[int]], datetime]]) -> None:
    """The questions served and the answers saved of the attempts, in two bulk inserts."""
    question_rows, answer_rows = [], []
    for attempt, paper, answers, submitted in sat:
        for item in paper:
            question_rows.append(
                {
                    "attempt_id": attempt.id,
                    "position": item["position"],
                    "question_id": item["question_id"],
                    "question_version": item["question_version"],
                    "text": item["text"],
                    "options": item["options"],
                    "correct_option_ids": item["correct_option_ids"],
                    "points": 1,
                }
            )
        for question_id, option_ids in answers.items():
            answer_rows.append(
                {
                    "attempt_id": attempt.id,
                    "question_id": question_id,
                    "option_ids": option_ids,
                    "saved_at": submitted,
                    "seq": 0,
                }
            )
    db.session.execute(insert(AttemptQuestion), question_rows)
    db.session.execute(insert(Answer), answer_rows)
    db.session.flush()
