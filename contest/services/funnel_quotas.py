"""The quota lines of a funnel rule (docs/funnel.md): 'unit: n' a line, the unit by its
# code or exact name, and the check that every unit named is one the rule ranks by (a
quota for a unit outside the grouping would silently do nothing)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from contest.extensions import db
from contest.models import Unit, UnitKind
from contest.services.errors import ValidationFailed
from contest.services.i18n import _
from contest.services.units import UNIT_KIND_LABELS
from question_bank.text import fold

MAX_ID = 2**31 - 1  # a unit id beyond any integer column
OWN_UNIT = "unit"  # advancement.OWN_UNIT: any unit is a group of its own


def _refuse(message: str):
    raise ValidationFailed({"quotas": message})


def _unit_by_name(name: str, number: int) -> int:
    ids = db.session.scalars(select(Unit.id).where(Unit.name_key == fold(name))).all()
    if not ids:
        _refuse(_("Dòng %(n)s: không có đơn vị tên '%(name)s'.", n=number, name=name))
    if len(ids) > 1:
        _refuse(
            _("Dòng %(n)s: có nhiều đơn vị tên '%(name)s', hãy dùng mã #.", n=number, name=name)
        )
    return ids[0]


def kind_label(group_kind: str) -> str:
    try:
        return str(UNIT_KIND_LABELS[UnitKind(group_kind)])
    except ValueError:
        return group_kind


def outside_grouping(unit_ids, group_kind: str) -> dict[int, str | None]:
    """Of ``unit_ids``: those that are no group of ``group_kind`` → their name (None: no
    such unit). With the participant's own unit every existing unit is a group."""
    ids = set(unit_ids)
    if not ids:
        return {}
    found = {
        uid: (name, kind.value)
        for uid, name, kind in db.session.execute(
            select(Unit.id, Unit.name, Unit.kind).where(Unit.id.in_(ids))
        )
    }
    return {
        uid: found[uid][0] if uid in found else None
        for uid in ids
        if uid not in found or (group_kind != OWN_UNIT and found[uid][1] != group_kind)
    }


def _check_line(unit_id: int, number: int, group_kind: str) -> None:
    bad = outside_grouping([unit_id], group_kind)
    if unit_id not in bad:
        return
    if bad[unit_id] is None:
        _refuse(_("Dòng %(n)s: không có đơn vị mã %(id)s.", n=number, id=unit_id))
    _refuse(
        _(
            "Dòng %(n)s: %(name)s (#%(id)s) không phải đơn vị cấp '%(kind)s' mà quy tắc "
            "xếp hạng theo, nên chỉ tiêu này không có tác dụng. Hãy ghi mã của một đơn vị "
            "cấp đó (xem bảng đơn vị) hoặc đổi ô 'Xếp hạng riêng theo'.",
            n=number,
            name=bad[unit_id],
            id=unit_id,
            kind=kind_label(group_kind),
        )
    )


def parse_quotas(text: str, group_kind: str | None = None) -> dict[int, int]:
    """'12: 3' a line (or '#12 = 3', or a unit's exact name instead of its id) → {12: 3};
    blank lines are skipped. With ``group_kind``, every unit must exist and be a group of
    that kind. Raises ValidationFailed naming the first bad line."""
    quotas: dict[int, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        unit, sep, count = line.replace("=", ":").rpartition(":")
        unit = unit.strip()
        try:
            n = int(count.strip())
        except ValueError:
            n = None
        if not sep or not unit or n is None:
            _refuse(_("Dòng %(n)s: hãy viết 'mã đơn vị: số người'.", n=number))
        digits = unit.lstrip("#")
        if digits.isdigit() and not 0 < int(digits) <= MAX_ID:
            _refuse(_("Dòng %(n)s: không có đơn vị mã %(id)s.", n=number, id=digits))
        unit_id = int(digits) if digits.isdigit() else _unit_by_name(unit, number)
        if group_kind is not None:
            _check_line(unit_id, number, group_kind)
        quotas[unit_id] = n
    return quotas


def quota_problem(quotas: Mapping[int, int], group_kind: str) -> str | None:
    """Why a rule's quotas cannot be saved (for callers without the lines), or None."""
    if any(not 0 < unit_id <= MAX_ID for unit_id in quotas):
        return _("Có đơn vị không tồn tại trong chỉ tiêu.")
    if any(not 0 <= n <= 100_000 for n in quotas.values()):
        return _("Chỉ tiêu mỗi đơn vị phải từ 0 đến 100.000.")
    bad = outside_grouping(quotas, group_kind)
    if any(name is None for name in bad.values()):
        return _("Có đơn vị không tồn tại trong chỉ tiêu.")
    if bad:
        return _(
            "Chỉ tiêu cho đơn vị không thuộc cấp '%(kind)s' mà quy tắc xếp hạng theo: "
            "%(names)s. Hãy bỏ các dòng này hoặc đổi ô 'Xếp hạng riêng theo'.",
            kind=kind_label(group_kind),
            names=", ".join(f"{name} (#{uid})" for uid, name in sorted(bad.items())),
        )
    return None
