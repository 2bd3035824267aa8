"""Copying a round ("Nhân bản đợt thi") and scheduling weekly copies of it."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from contest.extensions import db
from contest.models import User
from contest.models.exclusion import Exclusion
from contest.models.quiz import Round
from contest.services import audit, exclusions
from contest.services.errors import ValidationFailed
from contest.services.i18n import _
from question_bank.text import normalise_text

# What a copy does not take from its source: its identity, its own dates and name, and
# what only happens to a round once it runs (the frozen actual value, closing, publishing);
# nor whether only a lower round's qualified may enter (no rule feeds the copy).
NOT_COPIED = frozenset(
    {
        "qualified_only",
        "id",
        "name",
        "opens_at",
        "closes_at",
        "actual_value",
        "closed_at",
        "created_at",
        "published_at",
    }
)
MAX_WEEKS = 52


def copied_settings() -> list[str]:
    """Every column of a round a copy takes over (new columns are copied by default)."""
    return [c.key for c in Round.__mapper__.column_attrs if c.key not in NOT_COPIED]


def next_name(name: str, step: int = 1) -> str:
    """'Tuần 1' → 'Tuần 2'; a name without a number at its end gets ' (bản sao)'."""
    match = re.fullmatch(r"(.*?)(\d+)", name)
    if match:
        return f"{match.group(1)}{int(match.group(2)) + step}"
    return f"{name} ({_('bản sao')} {step})" if step > 1 else f"{name} ({_('bản sao')})"


def _checked(name: str, opens_at: datetime | None, closes_at: datetime | None) -> str:
    errors = {}
    name = normalise_text(name)
    if not name:
        errors["name"] = _("Vui lòng nhập tên đợt thi.")
    elif len(name) > 200:
        errors["name"] = _("Tên đợt thi dài tối đa 200 ký tự.")
    if opens_at is None:
        errors["opens_at"] = _("Vui lòng chọn thời điểm mở.")
    if closes_at is None:
        errors["closes_at"] = _("Vui lòng chọn thời điểm đóng.")
    elif opens_at is not None and closes_at <= opens_at:
        errors["closes_at"] = _("Thời điểm đóng phải sau thời điểm mở.")
    if errors:
        raise ValidationFailed(errors)
    return name


def copy_round(
    source: Round,
    *,
    name: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    actor: User | None,
    now: datetime,
) -> Round:
    """A draft copy of ``source`` with every setting (prize options included), its own
    exclusion list copied, and the given name and dates (audited). Raises ValidationFailed."""
    name = _checked(name, opens_at, closes_at)
    new = Round(
        name=name,
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=now,
        published_at=None,
        **{key: copy.deepcopy(getattr(source, key)) for key in copied_settings()},
    )
    db.session.add(new)
    db.session.flush()
    rows = db.session.scalars(
        select(Exclusion).where(Exclusion.round_id == source.id).order_by(Exclusion.id)
    ).all()
    for row in rows:
        exclusions.insert(
            source.contest, new, row.user, row.reason, actor=actor, now=now, copied_from=source.id
        )
    db.session.flush()
    audit.record(
        actor,
        "round.copy",
        "round",
        new.id,
        now=now,
        name=name,
        source=source.id,
        exclusions=len(rows),
    )
    return new


def schedule_rounds(
    source: Round,
    *,
    weeks: int,
    first_opens_at: datetime | None = None,
    length: timedelta | None = None,
    gap: timedelta = timedelta(days=7),
    actor: User | None,
    now: datetime,
) -> list[Round]:
    """``weeks`` draft copies of ``source``, one ``gap`` apart (from one start to the next),
    each ``length`` long (default: the source's own), the first opening at
    ``first_opens_at`` (default: one gap after the source opens), named on from the
    source ('Tuần 1' → 'Tuần 2', 'Tuần 3' …). Raises ValidationFailed."""
    length = length if length is not None else source.closes_at - source.opens_at
    first = first_opens_at if first_opens_at is not None else source.opens_at + gap
    errors = {}
    if not 1 <= weeks <= MAX_WEEKS:
        errors["weeks"] = _("Số đợt phải từ 1 đến %(high)s.", high=MAX_WEEKS)
    if length <= timedelta(0):
        errors["length_days"] = _("Mỗi đợt phải dài ít nhất một ngày.")
    if gap < length:
        errors["gap_days"] = _(
            "Khoảng cách giữa hai đợt phải ít nhất bằng độ dài một đợt, để các đợt không "
            "chồng lên nhau."
        )
    if errors:
        raise ValidationFailed(errors)
    made = []
    for n in range(weeks):
        opens_at = first + n * gap
        made.append(
            copy_round(
                source,
                name=next_name(source.name, n + 1),
                opens_at=opens_at,
                closes_at=opens_at + length,
                actor=actor,
                now=now,
            )
        )
    return made
