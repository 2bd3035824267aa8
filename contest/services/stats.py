"""Participation statistics for organisers: per round and per day, by unit and category,
the score distribution, the average duration and the most-missed questions; bar charts
as plain geometry for server-side SVG (no script, no CDN); the same figures as .xlsx.

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
from contest.models import Attempt, AttemptQuestion, AttemptStatus, Contest, Round, User
from contest.models.quiz import Answer
from contest.services import results as results_service

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)
# The most-missed questions are counted over the latest finished attempts (a sample),
# so the dashboard stays fast on rounds with a million attempts.
MISSED_SAMPLE = 3000
MISSED_TOP = 10


@dataclass
class Figures:
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


def _scope(contest: Contest, round_: Round | None):
    ids = [round_.id] if round_ is not None else [r.id for r in contest.rounds]
    return and_(Attempt.round_id.in_(ids), Attempt.is_practice.is_(False))


def _local_day():
    """The Vietnam date of Attempt.started_at (stored as naive UTC)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return func.date(Attempt.started_at, "+7 hours")
    return cast(Attempt.started_at + literal_column("interval '7 hours'"), Date)


def collect(contest: Contest, round_: Round | None = None) -> Figures:
    """Every figure of the dashboard for a contest (all its rounds) or one round."""
    scope = _scope(contest, round_)
    done = and_(scope, Attempt.status.in_(FINISHED))
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
    f.average_duration_ms = None if avg_duration is None else int(avg_duration)
    f.average_score = None if avg_score is None else round(float(avg_score), 2)
    f.in_progress = (
        db.session.scalar(
            select(func.count(Attempt.id)).where(scope, Attempt.status == AttemptStatus.in_progress)
        )
        or 0
    )

    names = {r.id: r.name for r in contest.rounds}
    f.per_round = [
        {
            "round_id": rid,
            "name": names.get(rid, str(rid)),
            "participants": p,
            "attempts": n,
            "average_duration_ms": None if d is None else int(d),
            "average_score": None if s is None else round(float(s), 2),
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
    f.per_round.sort(key=lambda r: order.get(r["round_id"], 0))

    day = _local_day().label("day")
    f.per_day = [
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

    paths = results_service.unit_paths()
    from contest.models import Unit

    headcounts = dict(db.session.execute(select(Unit.id, Unit.headcount)).all())
    rows = db.session.execute(
        select(
            User.unit_id, func.count(func.distinct(Attempt.participant_id)), func.count(Attempt.id)
        )
        .join(User, User.id == Attempt.participant_id)
        .where(done)
        .group_by(User.unit_id)
    ).all()
    f.by_unit = sorted(
        (
            {
                "unit_id": uid,
                "name": paths.get(uid, "(không có đơn vị)"),
                "participants": p,
                "attempts": n,
                "headcount": headcounts.get(uid),
                "rate": (p / headcounts[uid]) if headcounts.get(uid) else None,
            }
            for uid, p, n in rows
        ),
        key=lambda r: (-r["participants"], r["name"]),
    )

    categories = results_service.category_names()
    rows = db.session.execute(
        select(
            User.category_id,
            func.count(func.distinct(Attempt.participant_id)),
            func.count(Attempt.id),
        )
        .join(User, User.id == Attempt.participant_id)
        .where(done)
        .group_by(User.category_id)
    ).all()
    f.by_category = sorted(
        (
            {
                "category_id": cid,
                "name": categories.get(cid, "(chưa khai)"),
                "participants": p,
                "attempts": n,
            }
            for cid, p, n in rows
        ),
        key=lambda r: (-r["participants"], r["name"]),
    )

    counts = dict(
        db.session.execute(
            select(Attempt.score, func.count(Attempt.id)).where(done).group_by(Attempt.score)
        ).all()
    )
    if counts:
        top = max(max(k for k in counts if k is not None), 0)
        f.scores = [{"score": s, "attempts": counts.get(s, 0)} for s in range(top + 1)]
    f.missed, f.missed_sample = most_missed(done)
    return f


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
    served: Counter = Counter()
    right: Counter = Counter()
    wrong_choice: dict[int, Counter] = {}
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
            served[qid] += 1
            chosen = answers.get((aid, qid), ())
            if chosen and chosen == tuple(sorted(correct)):
                right[qid] += 1
            elif chosen:
                wrong_choice.setdefault(qid, Counter())[chosen] += 1
    ranked = sorted(served, key=lambda q: (-(served[q] - right[q]) / served[q], -served[q], q))
    out = []
    for qid in ranked[:top]:
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
        common = wrong_choice.get(qid, Counter()).most_common(1)
        out.append(
            {
                "question_id": qid,
                "text": sample_row.text if sample_row else "",
                "served": served[qid],
                "correct": right[qid],
                "wrong_share": (served[qid] - right[qid]) / served[qid],
                "key": key,
                "common_wrong": " + ".join(texts.get(o, "?") for o in common[0][0])
                if common
                else "",
                "common_wrong_share": (common[0][1] / served[qid]) if common else 0.0,
            }
        )
    return out, len(attempt_ids)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- charts: plain geometry, drawn as SVG by templates/results_admin/_chart.html ---------


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: str
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    horizontal: bool
    baseline: tuple[float, float, float, float]


def vertical_chart(
    title: str, items: list[tuple[str, float, str]], *, width: int = 640, height: int = 220
) -> Chart:
    """Columns for (label, value, value text) items, left to right."""
    top, bottom, left, right = 18, 30, 8, 8
    n = max(len(items), 1)
    slot = (width - left - right) / n
    peak = max((v for _l, v, _t in items), default=0) or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        h = (height - top - bottom) * value / peak
        x = left + i * slot + slot * 0.15
        y = height - bottom - h
        bars.append(
            Bar(
                round(x, 1),
                round(y, 1),
                round(slot * 0.7, 1),
                round(h, 1),
                label,
                text,
                round(x + slot * 0.35, 1),
                height - bottom + 14,
                round(x + slot * 0.35, 1),
                round(y - 4, 1),
            )
        )
    return Chart(
        title, width, height, bars, False, (left, height - bottom, width - right, height - bottom)
    )


def horizontal_chart(
    title: str, items: list[tuple[str, float, str]], *, width: int = 640, bar_height: int = 22
) -> Chart:
    """Bars for (label, value, value text) items, top to bottom, labels on the left."""
    label_w, right, gap = 230, 60, 6
    height = max(len(items), 1) * (bar_height + gap) + gap
    peak = max((v for _l, v, _t in items), default=0) or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = gap + i * (bar_height + gap)
        w = (width - label_w - right) * value / peak
        short = label if len(label) <= 34 else "…" + label[-33:]
        bars.append(
            Bar(
                label_w,
                y,
                round(w, 1),
                bar_height,
                short,
                text,
                label_w - 6,
                y + bar_height * 0.7,
                round(label_w + w + 4, 1),
                y + bar_height * 0.7,
            )
        )
    return Chart(title, width, height, bars, True, (label_w, 0, label_w, height))


def charts(f: Figures) -> dict[str, Chart]:
    """The dashboard's charts from its figures."""
    out = {}
    if len(f.per_round) > 1:
        out["rounds"] = horizontal_chart(
            "Người thi theo đợt",
            [
                (r["name"], r["participants"], f"{r['participants']:,}".replace(",", "."))
                for r in f.per_round
            ],
        )
    if f.per_day:
        days = f.per_day[-31:]
        out["days"] = vertical_chart(
            "Lượt thi theo ngày",
            [(d["day"].strftime("%d/%m"), d["attempts"], str(d["attempts"])) for d in days],
        )
    if f.scores:
        out["scores"] = vertical_chart(
            "Phổ điểm (số lượt thi theo số câu đúng)",
            [(str(s["score"]), s["attempts"], str(s["attempts"])) for s in f.scores],
        )
    if f.by_unit:
        out["units"] = horizontal_chart(
            "Người thi theo đơn vị (15 đơn vị nhiều nhất)",
            [(u["name"], u["participants"], str(u["participants"])) for u in f.by_unit[:15]],
        )
    if f.by_category:
        out["categories"] = horizontal_chart(
            "Người thi theo đối tượng",
            [(c["name"], c["participants"], str(c["participants"])) for c in f.by_category],
        )
    return out


# --- the same figures as .xlsx -------------------------------------------------------------


def write_xlsx(f: Figures, out: IO[bytes], *, now: datetime) -> None:
    """Write the dashboard's figures, one sheet per table."""
    from contest.services.exports import Col, XlsxWriter
    from contest.services.formatting import format_datetime_vn

    scope = f.round.name if f.round is not None else "Tất cả các đợt"
    title = [
        f.contest.title,
        f"Thống kê — {scope}",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')}. Chỉ tính lượt thi "
        "chính thức (không tính thi thử).",
    ]
    with XlsxWriter(out) as book:
        sheet = book.sheet(
            "Theo đợt",
            [
                Col("Đợt thi", "text", 30),
                Col("Người thi", "int", 11),
                Col("Lượt thi", "int", 11),
                Col("Thời gian làm bài trung bình", "duration", 14),
                Col("Điểm trung bình", "num", 10),
            ],
            title,
        )
        for r in f.per_round:
            sheet.row(
                (
                    r["name"],
                    r["participants"],
                    r["attempts"],
                    r["average_duration_ms"],
                    r["average_score"],
                )
            )
        sheet.row(("Tổng", f.participants, f.attempts, f.average_duration_ms, f.average_score))
        sheet = book.sheet(
            "Theo ngày",
            [Col("Ngày", "date", 12), Col("Người thi", "int", 11), Col("Lượt thi", "int", 11)],
            title,
        )
        for d in f.per_day:
            sheet.row((d["day"], d["participants"], d["attempts"]))
        sheet = book.sheet(
            "Theo đơn vị",
            [
                Col("Đơn vị", "text", 45),
                Col("Người thi", "int", 11),
                Col("Lượt thi", "int", 11),
                Col("Số người của đơn vị", "int", 12),
                Col("Tỉ lệ tham gia", "percent", 11),
            ],
            title,
        )
        for u in f.by_unit:
            sheet.row((u["name"], u["participants"], u["attempts"], u["headcount"], u["rate"]))
        sheet = book.sheet(
            "Theo đối tượng",
            [Col("Đối tượng", "text", 35), Col("Người thi", "int", 11), Col("Lượt thi", "int", 11)],
            title,
        )
        for c in f.by_category:
            sheet.row((c["name"], c["participants"], c["attempts"]))
        sheet = book.sheet(
            "Phổ điểm", [Col("Số câu đúng", "int", 11), Col("Lượt thi", "int", 11)], title
        )
        for s in f.scores:
            sheet.row((s["score"], s["attempts"]))
        sheet = book.sheet(
            "Câu sai nhiều",
            [
                Col("Câu hỏi", "text", 60),
                Col("Số lần ra đề", "int", 11),
                Col("Trả lời đúng", "int", 11),
                Col("Tỉ lệ sai", "percent", 10),
                Col("Đáp án", "text", 30),
                Col("Phương án sai được chọn nhiều nhất", "text", 30),
                Col("Tỉ lệ chọn phương án đó", "percent", 12),
            ],
            [*title, f"Tính trên {f.missed_sample} lượt thi gần nhất."],
        )
        for q in f.missed:
            sheet.row(
                (
                    q["text"],
                    q["served"],
                    q["correct"],
                    q["wrong_share"],
                    q["key"],
                    q["common_wrong"],
                    q["common_wrong_share"],
                )
            )
