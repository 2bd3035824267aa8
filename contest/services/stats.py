"""Participation statistics for organisers: per round and per day, by unit and category,
the score distribution, the average duration and the most-missed questions; the same
figures as .xlsx (a Vietnamese document, like the result exports). The dashboard's charts
are drawn by the results pages (``contest.results.charts``).

Only ranked attempts count (no practice). "Attempts" are finished attempts; the days are
Vietnam days (UTC+7, no daylight saving) of the attempts' start.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from sqlalchemy import Date, and_, cast, func, literal_column, select

from contest.extensions import db
from contest.models import Attempt, AttemptQuestion, AttemptStatus, Contest, Round, Unit, User
from contest.models.quiz import Answer
from contest.services import result_pages
from contest.services.formatting import format_datetime_vn
from contest.services.i18n import lazy_gettext
from contest.services.xlsx_stream import Col, XlsxWriter, vietnamese

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)
# The most-missed questions are counted over the latest finished attempts (a sample),
# so the dashboard stays fast on rounds with a million attempts.
MISSED_SAMPLE = 3000
MISSED_TOP = 10
# The names of a missing unit or category in the figures (translated on the pages,
# Vietnamese in the .xlsx).
NO_UNIT = lazy_gettext("(không có đơn vị)")
NO_CATEGORY = lazy_gettext("(chưa khai)")


@dataclass
class Figures:
    """Every figure of the dashboard, for a contest or one of its rounds."""

    contest: Contest
    round: Round | None
    participants: int = 0
    attempts: int = 0
    in_progress: int = 0
    average_duration_ms: int | None = None
    average_score: float | None = None
    per_round: list[dict] = field(default_factory=list)
    per_day: list[dict] = field(default_factory=list)
    by_unit: list[dict] = field(default_factory=list)
    by_category: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    missed: list[dict] = field(default_factory=list)
    missed_sample: int = 0
    # The most-missed questions quote the bank's questions and keys: the province's only
    # (a unit organiser could read the key of a round still open and pass it on).
    missed_shown: bool = True


def _scope(contest: Contest, round_: Round | None, units: set[int] | None = None):
    ids = [round_.id] if round_ is not None else [r.id for r in contest.rounds]
    condition = and_(Attempt.round_id.in_(ids), Attempt.is_practice.is_(False))
    if units is not None:  # a unit organiser's subtree (services/unit_scope.py)
        people = select(User.id).where(User.unit_id.in_(units))
        condition = and_(condition, Attempt.participant_id.in_(people))
    return condition


def _local_day():
    """The Vietnam date of Attempt.started_at (stored as naive UTC)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return func.date(Attempt.started_at, "+7 hours")
    return cast(Attempt.started_at + literal_column("interval '7 hours'"), Date)


def _average(value, digits: int | None = None):
    """An SQL average as an int (``digits`` None) or rounded float; None stays None."""
    if value is None:
        return None
    return int(value) if digits is None else round(float(value), digits)


def collect(
    contest: Contest, round_: Round | None = None, *, scope: set[int] | None = None
) -> Figures:
    """Every figure of the dashboard for a contest (all its rounds) or one round; only the
    attempts of people of the units in ``scope`` when given (None: everyone). With a
    ``scope`` (a unit organiser) the most-missed questions are left out: they quote the
    bank's questions and answer keys, which are the province's."""
    attempts = _scope(contest, round_, scope)
    done = and_(attempts, Attempt.status.in_(FINISHED))
    f = Figures(contest=contest, round=round_)
    f.participants = (
        db.session.scalar(select(func.count(func.distinct(Attempt.participant_id))).where(done))
        or 0
    )
    f.attempts, avg_duration, avg_score = db.session.execute(
        select(
            func.count(Attempt.id), func.avg(Attempt.duration_ms), func.avg(Attempt.score)
        ).where(done)
    ).one()
    f.average_duration_ms = _average(avg_duration)
    f.average_score = _average(avg_score, 2)
    f.in_progress = (
        db.session.scalar(
            select(func.count(Attempt.id)).where(
                attempts, Attempt.status == AttemptStatus.in_progress
            )
        )
        or 0
    )
    f.per_round = _per_round(contest, done)
    f.per_day = _per_day(done)
    f.by_unit = _by_unit(done)
    f.by_category = _by_category(done)
    f.scores = _scores(done)
    f.missed_shown = scope is None
    if f.missed_shown:
        f.missed, f.missed_sample = most_missed(done)
    return f


def _per_round(contest: Contest, done) -> list[dict]:
    """Participants, attempts and averages per round, in the contest's round order."""
    names = {r.id: r.name for r in contest.rounds}
    rows = [
        {
            "round_id": rid,
            "name": names.get(rid, str(rid)),
            "participants": p,
            "attempts": n,
            "average_duration_ms": _average(d),
            "average_score": _average(s, 2),
        }
        for rid, p, n, d, s in db.session.execute(
            select(
                Attempt.round_id,
                func.count(func.distinct(Attempt.participant_id)),
                func.count(Attempt.id),
                func.avg(Attempt.duration_ms),
                func.avg(Attempt.score),
            )
            .where(done)
            .group_by(Attempt.round_id)
        )
    ]
    order = {r.id: i for i, r in enumerate(contest.rounds)}
    rows.sort(key=lambda r: order.get(r["round_id"], 0))
    return rows


def _per_day(done) -> list[dict]:
    """Participants and attempts per Vietnam day, oldest first."""
    day = _local_day().label("day")
    return [
        {
            "day": d if isinstance(d, date) else date.fromisoformat(str(d)),
            "participants": p,
            "attempts": n,
        }
        for d, p, n in db.session.execute(
            select(day, func.count(func.distinct(Attempt.participant_id)), func.count(Attempt.id))
            .where(done)
            .group_by(day)
            .order_by(day)
        )
    ]


def _grouped(column, done) -> list[tuple]:
    """(value of the participant's ``column``, participants, attempts) per value."""
    return db.session.execute(
        select(column, func.count(func.distinct(Attempt.participant_id)), func.count(Attempt.id))
        .join(User, User.id == Attempt.participant_id)
        .where(done)
        .group_by(column)
    ).all()


def _most_first(rows: list[dict]) -> list[dict]:
    """More participants first, then by name (in Vietnamese, whatever the language)."""
    return sorted(rows, key=lambda r: (-r["participants"], vietnamese(r["name"])))


def _by_unit(done) -> list[dict]:
    """Participants, attempts and participation rate per unit (by its path)."""
    paths = result_pages.unit_paths()
    headcounts = dict(db.session.execute(select(Unit.id, Unit.headcount)).all())
    return _most_first(
        [
            {
                "unit_id": uid,
                "name": paths.get(uid, NO_UNIT),
                "participants": p,
                "attempts": n,
                "headcount": headcounts.get(uid),
                "rate": (p / headcounts[uid]) if headcounts.get(uid) else None,
            }
            for uid, p, n in _grouped(User.unit_id, done)
        ]
    )


def _by_category(done) -> list[dict]:
    """Participants and attempts per category."""
    categories = result_pages.category_names()
    return _most_first(
        [
            {
                "category_id": cid,
                "name": categories.get(cid, NO_CATEGORY),
                "participants": p,
                "attempts": n,
            }
            for cid, p, n in _grouped(User.category_id, done)
        ]
    )


def _scores(done) -> list[dict]:
    """Attempts per score, from 0 to the top score (none when there is no attempt)."""
    counts = dict(
        db.session.execute(
            select(Attempt.score, func.count(Attempt.id)).where(done).group_by(Attempt.score)
        ).all()
    )
    if not counts:
        return []
    top = max(max(k for k in counts if k is not None), 0)
    return [{"score": s, "attempts": counts.get(s, 0)} for s in range(top + 1)]


# --- the most-missed questions --------------------------------------------------------------


@dataclass
class _Tally:
    """Per question: times served, times answered right, the wrong choices made."""

    served: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    wrong_choice: dict[int, Counter] = field(default_factory=dict)


def most_missed(
    condition, *, sample: int = MISSED_SAMPLE, top: int = MISSED_TOP
) -> tuple[list[dict], int]:
    """The questions most often answered wrongly among the latest ``sample`` finished
    attempts matching ``condition``: served, correct, wrong share, the key and the wrong
    option chosen most (a wrong answer key shows up as a question nearly everyone
    "misses" with the same option). Returns (questions, attempts examined)."""
    attempt_ids = list(
        db.session.scalars(
            select(Attempt.id).where(condition).order_by(Attempt.id.desc()).limit(sample)
        )
    )
    if not attempt_ids:
        return [], 0
    tally = _tally(attempt_ids)
    served, right = tally.served, tally.right
    ranked = sorted(served, key=lambda q: (-(served[q] - right[q]) / served[q], -served[q], q))
    return [_missed_question(qid, tally, attempt_ids) for qid in ranked[:top]], len(attempt_ids)


def _tally(attempt_ids: list[int]) -> _Tally:
    """Count, over the attempts, each question served, answered right and how it was
    answered wrongly."""
    tally = _Tally()
    answers: dict[tuple[int, int], tuple[int, ...]] = {}
    for chunk in _chunks(attempt_ids, 900):
        for aid, qid, options in db.session.execute(
            select(Answer.attempt_id, Answer.question_id, Answer.option_ids).where(
                Answer.attempt_id.in_(chunk)
            )
        ):
            answers[(aid, qid)] = tuple(sorted(options or ()))
        for aid, qid, correct in db.session.execute(
            select(
                AttemptQuestion.attempt_id,
                AttemptQuestion.question_id,
                AttemptQuestion.correct_option_ids,
            ).where(AttemptQuestion.attempt_id.in_(chunk))
        ):
            tally.served[qid] += 1
            chosen = answers.get((aid, qid), ())
            if chosen and chosen == tuple(sorted(correct)):
                tally.right[qid] += 1
            elif chosen:
                tally.wrong_choice.setdefault(qid, Counter())[chosen] += 1
    return tally


def _missed_question(qid: int, tally: _Tally, attempt_ids: list[int]) -> dict:
    """One most-missed question: its text (from a served copy), its key, and the wrong
    choice made most."""
    sample_row = db.session.scalar(
        select(AttemptQuestion)
        .where(
            AttemptQuestion.question_id == qid,
            AttemptQuestion.attempt_id.in_(attempt_ids[:900]),
        )
        .limit(1)
    ) or db.session.scalar(
        select(AttemptQuestion).where(AttemptQuestion.question_id == qid).limit(1)
    )
    texts = {o["id"]: o["text"] for o in sample_row.options} if sample_row else {}
    key = " + ".join(
        texts.get(o, "?") for o in (sample_row.correct_option_ids if sample_row else [])
    )
    served, right = tally.served[qid], tally.right[qid]
    common = tally.wrong_choice.get(qid, Counter()).most_common(1)
    return {
        "question_id": qid,
        "text": sample_row.text if sample_row else "",
        "served": served,
        "correct": right,
        "wrong_share": (served - right) / served,
        "key": key,
        "common_wrong": " + ".join(texts.get(o, "?") for o in common[0][0]) if common else "",
        "common_wrong_share": (common[0][1] / served) if common else 0.0,
    }


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- the same figures as .xlsx (Vietnamese) --------------------------------------------------

ROUND_COLUMNS = [
    Col("Đợt thi", "text", 30),
    Col("Người thi", "int", 11),
    Col("Lượt thi", "int", 11),
    Col("Thời gian làm bài trung bình", "duration", 14),
    Col("Điểm trung bình", "num", 10),
]
DAY_COLUMNS = [Col("Ngày", "date", 12), Col("Người thi", "int", 11), Col("Lượt thi", "int", 11)]
UNIT_COLUMNS = [
    Col("Đơn vị", "text", 45),
    Col("Người thi", "int", 11),
    Col("Lượt thi", "int", 11),
    Col("Số người của đơn vị", "int", 12),
    Col("Tỉ lệ tham gia", "percent", 11),
]
CATEGORY_COLUMNS = [
    Col("Đối tượng", "text", 35),
    Col("Người thi", "int", 11),
    Col("Lượt thi", "int", 11),
]
SCORE_COLUMNS = [Col("Số câu đúng", "int", 11), Col("Lượt thi", "int", 11)]
MISSED_COLUMNS = [
    Col("Câu hỏi", "text", 60),
    Col("Số lần ra đề", "int", 11),
    Col("Trả lời đúng", "int", 11),
    Col("Tỉ lệ sai", "percent", 10),
    Col("Đáp án", "text", 30),
    Col("Phương án sai được chọn nhiều nhất", "text", 30),
    Col("Tỉ lệ chọn phương án đó", "percent", 12),
]


def write_xlsx(f: Figures, out: IO[bytes], *, now: datetime) -> None:
    """Write the dashboard's figures, one sheet per table."""
    scope = f.round.name if f.round is not None else "Tất cả các đợt"
    title = [
        f.contest.title,
        f"Thống kê — {scope}",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')}. Chỉ tính lượt thi "
        "chính thức (không tính thi thử).",
    ]
    with XlsxWriter(out) as book:
        for name, columns, rows, note in _sheets(f):
            book.sheet(name, columns, [*title, *note]).rows_from(rows)


def _sheets(f: Figures) -> list[tuple[str, list[Col], list[tuple], list[str]]]:
    """(sheet name, columns, rows, lines added to the title) of each table."""
    rounds = [
        (r["name"], r["participants"], r["attempts"], r["average_duration_ms"], r["average_score"])
        for r in f.per_round
    ]
    rounds.append(("Tổng", f.participants, f.attempts, f.average_duration_ms, f.average_score))
    missed = [
        (
            q["text"],
            q["served"],
            q["correct"],
            q["wrong_share"],
            q["key"],
            q["common_wrong"],
            q["common_wrong_share"],
        )
        for q in f.missed
    ]
    sheets = [
        ("Theo đợt", ROUND_COLUMNS, rounds, []),
        (
            "Theo ngày",
            DAY_COLUMNS,
            [(d["day"], d["participants"], d["attempts"]) for d in f.per_day],
            [],
        ),
        (
            "Theo đơn vị",
            UNIT_COLUMNS,
            [
                (vietnamese(u["name"]), u["participants"], u["attempts"], u["headcount"], u["rate"])
                for u in f.by_unit
            ],
            [],
        ),
        (
            "Theo đối tượng",
            CATEGORY_COLUMNS,
            [(vietnamese(c["name"]), c["participants"], c["attempts"]) for c in f.by_category],
            [],
        ),
        ("Phổ điểm", SCORE_COLUMNS, [(s["score"], s["attempts"]) for s in f.scores], []),
        (
            "Câu sai nhiều",
            MISSED_COLUMNS,
            missed,
            [f"Tính trên {f.missed_sample} lượt thi gần nhất."],
        ),
    ]
    return sheets if f.missed_shown else sheets[:-1]
