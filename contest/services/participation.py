"""Who has not yet taken part, and participation against a target (issue 15 item 2).

*Not yet taken part* in a round: registered participants (role participant, account
active; staff never count) of a unit's subtree with no finished ranked attempt in it
(submitted or expired; practice attempts don't count). An attempt started but not finished
still counts as not taken part.

*Targets* (chỉ tiêu) are set per contest, per unit and/or in total; a unit's figure is the
participants of its whole subtree (a district counts its communes) who finished a ranked
attempt in any round of the contest. Figures are computed on each call (the pages are
"live" on every load).

Every query takes ``scope``: the set of unit ids the actor may see (None: every unit); the
views pass a unit organiser's subtree (``unit_scope.scope_of``, issue 15 item 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import and_, delete, exists, func, select

from contest.extensions import db
from contest.models import Attempt, AttemptStatus, Contest, Role, Round, Unit, User
from contest.models.participation import ParticipationTarget
from contest.services import audit, funnel, result_pages
from contest.services.errors import ValidationFailed
from contest.services.formatting import format_datetime_vn
from contest.services.i18n import _
from contest.services.vn import mask_phone
from contest.services.xlsx_stream import Col, XlsxWriter, vietnamese

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)
# The page lists this many; the .xlsx has everyone.
PAGE_LIMIT = 500
# The biggest target accepted (a typo guard, not a rule of the contest).
MAX_TARGET = 10_000_000


# --- units and subtrees ----------------------------------------------------------------------


def _children() -> dict[int | None, list[int]]:
    below: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        below.setdefault(parent_id, []).append(unit_id)
    return below


def subtree(unit_id: int, below: Mapping[int | None, list[int]] | None = None) -> set[int]:
    """``unit_id`` and every unit below it."""
    below = below if below is not None else _children()
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(below.get(current, []))
    return found


def _units_in(unit_id: int | None, scope: set[int] | None) -> set[int] | None:
    """The unit ids to look at: ``unit_id``'s subtree (None: all) within ``scope``."""
    units = subtree(unit_id) if unit_id is not None else None
    if scope is None:
        return units
    return scope if units is None else units & scope


# --- who has not yet taken part ------------------------------------------------------------


@dataclass(frozen=True)
class Absent:
    """One registered participant who has not finished an attempt in the round."""

    user_id: int
    full_name: str
    unit_id: int | None
    unit: str
    phone: str | None
    started: bool  # an attempt started, not finished

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


@dataclass
class AbsentList:
    round: Round
    unit_id: int | None
    registered: int
    finished: int
    people: list[Absent]
    total: int  # people not yet taken part (people may hold fewer: the limit)
    by_unit: list[dict]  # per unit: name, registered, not yet


def _registered(units: set[int] | None):
    """The condition on User of a registered participant in ``units``."""
    condition = and_(User.role == Role.participant, User.is_active_account.is_(True))
    if units is not None:
        condition = and_(condition, User.unit_id.in_(units))
    return condition


def _done_in(round_ids: list[int]):
    """Exists: a finished ranked attempt of User in these rounds."""
    return exists().where(
        Attempt.participant_id == User.id,
        Attempt.round_id.in_(round_ids),
        Attempt.is_practice.is_(False),
        Attempt.status.in_(FINISHED),
    )


def not_taken_part(
    round_: Round,
    *,
    unit_id: int | None = None,
    scope: set[int] | None = None,
    limit: int | None = PAGE_LIMIT,
) -> AbsentList:
    """The round's registered participants of ``unit_id``'s subtree (None: every unit)
    within ``scope`` with no finished ranked attempt, by unit path then name."""
    units = _units_in(unit_id, scope)
    registered = _registered(units)
    if round_.qualified_only:  # a funnel's higher round: only its list may take part
        registered = and_(registered, funnel.listed_condition(round_.id, User.id))
    done = _done_in([round_.id])
    paths = result_pages.unit_paths()
    counts: dict[int | None, list[int]] = {}
    for uid, is_done, n in db.session.execute(
        select(User.unit_id, done.label("done"), func.count(User.id))
        .where(registered)
        .group_by(User.unit_id, "done")
    ):
        counts.setdefault(uid, [0, 0])[0 if is_done else 1] += n
    finished = sum(c[0] for c in counts.values())
    total = sum(c[1] for c in counts.values())
    by_unit = sorted(
        (
            {
                "unit_id": uid,
                "name": paths.get(uid, "—") if uid is not None else "—",
                "registered": c[0] + c[1],
                "absent": c[1],
            }
            for uid, c in counts.items()
        ),
        key=lambda r: vietnamese(r["name"]),
    )
    started = (
        exists()
        .where(
            Attempt.participant_id == User.id,
            Attempt.round_id == round_.id,
            Attempt.is_practice.is_(False),
            Attempt.status == AttemptStatus.in_progress,
        )
        .label("started")
    )
    query = (
        select(User.id, User.full_name, User.unit_id, User.phone, started)
        .where(registered, ~done)
        .order_by(User.unit_id, User.name_key, User.id)
    )
    if limit is not None:
        query = query.limit(limit)
    people = [
        Absent(uid, name, unit, paths.get(unit, "") if unit else "", phone, bool(s))
        for uid, name, unit, phone, s in db.session.execute(query)
    ]
    people.sort(key=lambda a: (vietnamese(a.unit), vietnamese(a.full_name)))
    return AbsentList(round_, unit_id, finished + total, finished, people, total, by_unit)


ABSENT_COLUMNS = [
    Col("STT", "int", 6),
    Col("Họ và tên", "text", 30),
    Col("Đơn vị", "text", 45),
    Col("Số điện thoại", "code", 14),
    Col("Đã bắt đầu, chưa nộp", "text", 12),
]


def write_absent_xlsx(absent: AbsentList, out: IO[bytes], *, actor: User, now: datetime) -> None:
    """The whole list with the full phone numbers (organisers only); audited without
    personal data (the round, the unit filter, how many rows)."""
    r = absent.round
    unit = result_pages.unit_paths().get(absent.unit_id, "") if absent.unit_id else ""
    title = [
        r.contest.title,
        f"Danh sách chưa tham gia — {r.name}" + (f" — {unit}" if unit else ""),
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')}: {absent.total} người "
        f"chưa có lượt thi chính thức đã nộp, trên {absent.registered} người đã đăng ký.",
    ]
    with XlsxWriter(out) as book:
        book.sheet("Chưa tham gia", ABSENT_COLUMNS, title).rows_from(
            (i, a.full_name, a.unit, a.phone or "", "Có" if a.started else "")
            for i, a in enumerate(absent.people, 1)
        )
    audit.record(
        actor,
        "participation.export_absent",
        "round",
        r.id,
        now=now,
        unit_id=absent.unit_id,
        rows=len(absent.people),
    )


def record_absent_view(absent: AbsentList, *, actor: User, now: datetime) -> None:
    """Audit a page of the list shown with the full phones (to a unit organiser): the
    round, the unit filter, how many people were on it — never a name or a phone."""
    audit.record(
        actor,
        "participation.view_absent",
        "round",
        absent.round.id,
        now=now,
        unit_id=absent.unit_id,
        rows=len(absent.people),
    )


# --- targets --------------------------------------------------------------------------------

TOTAL_FIELD = "total"


def field_name(unit_id: int) -> str:
    return f"unit-{unit_id}"


def targets_of(contest: Contest) -> dict[int | None, int]:
    """unit id (None: the total) → target."""
    return dict(
        db.session.execute(
            select(ParticipationTarget.unit_id, ParticipationTarget.target).where(
                ParticipationTarget.contest_id == contest.id
            )
        ).all()
    )


def parse_targets(raw: Mapping[str, str], unit_ids: list[int]) -> dict[int | None, int]:
    """The form's text fields (``total``, ``unit-<id>``) → targets; a blank field is no
    target. Raises ValidationFailed (field → Vietnamese message) for anything but a whole
    number from 0 to MAX_TARGET; nothing is kept then."""
    values: dict[int | None, int] = {}
    errors: dict[str, str] = {}
    for key, name in [(None, TOTAL_FIELD), *((u, field_name(u)) for u in unit_ids)]:
        text = (raw.get(name) or "").strip().replace(".", "").replace(" ", "")
        if not text:
            continue
        if not text.isdecimal() or not text.isascii():
            errors[name] = _(
                "Chỉ tiêu phải là số nguyên không âm (0, 1, 2…), không có dấu phẩy hay "
                "chữ. Hãy sửa hoặc để trống nếu không đặt chỉ tiêu."
            )
        elif int(text) > MAX_TARGET:
            errors[name] = _("Chỉ tiêu quá lớn: tối đa %(n)s người. Hãy kiểm tra lại số.") % {
                "n": f"{MAX_TARGET:,}".replace(",", ".")
            }
        else:
            values[key] = int(text)
    if errors:
        raise ValidationFailed(errors)
    return values


def save_targets(
    contest: Contest, values: dict[int | None, int], *, actor: User, now: datetime
) -> None:
    """Replace the contest's targets with ``values`` (audited: how many were set)."""
    db.session.execute(
        delete(ParticipationTarget).where(ParticipationTarget.contest_id == contest.id)
    )
    for unit_id, target in values.items():
        db.session.add(
            ParticipationTarget(
                contest_id=contest.id,
                unit_id=unit_id,
                target=target,
                updated_at=now,
                updated_by_id=actor.id,
            )
        )
    db.session.flush()
    audit.record(
        actor,
        "participation.set_targets",
        "contest",
        contest.id,
        now=now,
        units=sum(1 for k in values if k is not None),
        total=values.get(None),
    )


@dataclass(frozen=True)
class TargetRow:
    unit_id: int | None  # None: the whole contest
    name: str
    target: int
    finished: int

    @property
    def ratio(self) -> float | None:
        """finished ÷ target (None for a target of 0)."""
        return self.finished / self.target if self.target else None

    @property
    def percent(self) -> float | None:
        return None if self.ratio is None else round(self.ratio * 100, 1)

    @property
    def below(self) -> bool:
        return self.finished < self.target


def finished_by_unit(contest: Contest, *, scope: set[int] | None = None) -> dict[int, int]:
    """Participants (registered, active) who finished a ranked attempt in any of the
    contest's rounds, per their own unit."""
    round_ids = [r.id for r in contest.rounds]
    if not round_ids:
        return {}
    return dict(
        db.session.execute(
            select(User.unit_id, func.count(User.id))
            .where(_registered(scope), User.unit_id.is_not(None), _done_in(round_ids))
            .group_by(User.unit_id)
        ).all()
    )


def progress(contest: Contest, *, scope: set[int] | None = None) -> list[TargetRow]:
    """Per unit with a target (by path), its subtree's participants who finished; then
    the contest's total when one is set (only without a ``scope``: a unit organiser sees
    the targets of their own units)."""
    targets = targets_of(contest)
    direct = finished_by_unit(contest, scope=scope)
    below = _children()
    paths = result_pages.unit_paths()
    rows = [
        TargetRow(
            uid, paths.get(uid, str(uid)), t, sum(direct.get(u, 0) for u in subtree(uid, below))
        )
        for uid, t in targets.items()
        if uid is not None and (scope is None or uid in scope)
    ]
    rows.sort(key=lambda r: vietnamese(r.name))
    # The contest's total target is the province's: a unit's subtree is not measured by it.
    if None in targets and scope is None:
        rows.append(TargetRow(None, _("Toàn cuộc thi"), targets[None], sum(direct.values())))
    return rows


TARGET_COLUMNS = [
    Col("Đơn vị", "text", 45),
    Col("Chỉ tiêu", "int", 11),
    Col("Đã tham gia", "int", 12),
    Col("Tỉ lệ đạt", "percent", 11),
    Col("Chưa đạt chỉ tiêu", "text", 12),
]


def write_targets_xlsx(
    contest: Contest, rows: list[TargetRow], out: IO[bytes], *, now: datetime
) -> None:
    """The targets table (no personal data)."""
    title = [
        contest.title,
        "Tham gia so với chỉ tiêu",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')}. Đã tham gia: người đã "
        "nộp ít nhất một lượt thi chính thức của cuộc thi; một đơn vị tính cả các đơn vị "
        "trực thuộc.",
    ]
    with XlsxWriter(out) as book:
        book.sheet("Chỉ tiêu", TARGET_COLUMNS, title).rows_from(
            (
                vietnamese(r.name) if r.unit_id is not None else "Toàn cuộc thi",
                r.target,
                r.finished,
                r.ratio if r.ratio is not None else "",
                "Chưa đạt" if r.below else "",
            )
            for r in rows
        )
