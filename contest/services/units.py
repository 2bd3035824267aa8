"""Units (đơn vị) and participant categories (đối tượng)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Category, Unit, UnitKind, User
from contest.services import audit
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _, lazy_gettext
from question_bank.text import fold, normalise_text

# The unit types' names, in the order the unit form lists them.
UNIT_KIND_LABELS = {
    UnitKind.province: lazy_gettext("Tỉnh"),
    UnitKind.commune: lazy_gettext("Xã, phường"),
    UnitKind.department: lazy_gettext("Cơ quan, sở, ban, ngành"),
    UnitKind.school: lazy_gettext("Trường học"),
    UnitKind.organisation: lazy_gettext("Tổ chức, đoàn thể"),
    UnitKind.other: lazy_gettext("Khác"),
}

DEFAULT_CATEGORIES = (
    "Cán bộ, công chức, viên chức",
    "Đảng viên",
    "Học sinh, sinh viên",
    "Đoàn viên, thanh niên",
    "Lực lượng vũ trang",
    "Nhân dân",
)


def list_units(active_only: bool = True) -> list[Unit]:
    """Every unit, ordered as a tree (parents before children), by path."""
    stmt = select(Unit)
    if active_only:
        stmt = stmt.where(Unit.is_active.is_(True))
    units = list(db.session.scalars(stmt))
    return sorted(units, key=lambda u: fold(u.path))


def list_categories(active_only: bool = True) -> list[Category]:
    """The participant categories in their display order."""
    stmt = select(Category).order_by(Category.position, Category.id)
    if active_only:
        stmt = stmt.where(Category.is_active.is_(True))
    return list(db.session.scalars(stmt))


def get_unit(unit_id: int) -> Unit:
    """The unit with ``unit_id``. Raises NotFound."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("Không tìm thấy đơn vị."))
    return unit


def _cycle_problem(unit: Unit | None, parent: Unit | None) -> str | None:
    """A message when ``parent`` is ``unit`` itself or one of the units below it."""
    node = parent if unit is not None else None
    while node is not None:
        if node.id == unit.id:
            return _("Không thể chọn chính đơn vị này hoặc đơn vị cấp dưới của nó làm cấp trên.")
        node = node.parent
    return None


def _name_taken(key: str, parent: Unit | None, unit: Unit | None) -> bool:
    """Whether another unit under the same parent has the name folded to ``key``."""
    clash = select(Unit.id).where(
        Unit.name_key == key,
        Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id,
    )
    if unit is not None:
        clash = clash.where(Unit.id != unit.id)
    return db.session.scalar(clash) is not None


def _check_unit(name: str, parent_id, kind: str, headcount, unit: Unit | None):
    """(name, kind, parent) checked, and {field: message} for what is wrong."""
    errors = {}
    if not name:
        errors["name"] = _("Vui lòng nhập tên đơn vị.")
    elif len(name) > 200:
        errors["name"] = _("Tên đơn vị dài tối đa 200 ký tự.")
    try:
        kind_value = UnitKind(kind or "other")
    except ValueError:
        errors["kind"] = _("Loại đơn vị không hợp lệ.")
        kind_value = UnitKind.other
    if headcount is not None and headcount < 0:
        errors["headcount"] = _("Số người phải là số không âm.")
    parent = db.session.get(Unit, parent_id) if parent_id else None
    if parent_id and parent is None:
        errors["parent_id"] = _("Đơn vị cấp trên không tồn tại.")
    if problem := _cycle_problem(unit, parent):
        errors["parent_id"] = problem
    if not errors and _name_taken(fold(name), parent, unit):
        errors["name"] = _("Đã có đơn vị cùng tên trong cùng cấp trên.")
    return kind_value, parent, errors


def save_unit(
    *,
    name: str,
    parent_id: int | None,
    kind: str,
    headcount: int | None,
    actor: User,
    now: datetime,
    unit: Unit | None = None,
) -> Unit:
    """Create (``unit`` None) or edit a unit; returns it. Raises ValidationFailed (empty
    name, sibling with the same name, a parent that would make a cycle, negative
    headcount)."""
    name = normalise_text(name)
    kind_value, parent, errors = _check_unit(name, parent_id, kind, headcount, unit)
    if errors:
        raise ValidationFailed(errors)
    created = unit is None
    if created:
        unit = Unit()
        db.session.add(unit)
    unit.name, unit.name_key, unit.kind = name, fold(name), kind_value
    unit.parent_id = parent.id if parent else None
    unit.headcount = headcount
    db.session.flush()
    audit.record(
        actor, "unit.create" if created else "unit.update", "unit", unit.id, now=now, name=name
    )
    return unit


def ensure_default_categories() -> None:
    """Add the usual categories when there are none yet (a new installation)."""
    if db.session.scalar(select(Category.id).limit(1)) is None:
        for position, name in enumerate(DEFAULT_CATEGORIES):
            db.session.add(Category(name=name, position=position))
        db.session.flush()


def save_category(
    *,
    name: str,
    position: int,
    active: bool,
    actor: User,
    now: datetime,
    category: Category | None = None,
) -> Category:
    """Create (``category`` None) or edit a category; returns it. Raises ValidationFailed
    (empty or too long name, a name already in the list)."""
    name = normalise_text(name)
    if not name:
        raise ValidationFailed({"name": _("Vui lòng nhập tên đối tượng.")})
    if len(name) > 120:
        raise ValidationFailed({"name": _("Tên đối tượng dài tối đa 120 ký tự.")})
    clash = select(Category.id).where(Category.name == name)
    if category is not None:
        clash = clash.where(Category.id != category.id)
    if db.session.scalar(clash) is not None:
        raise ValidationFailed({"name": _("Đối tượng này đã có trong danh sách.")})
    created = category is None
    if created:
        category = Category()
        db.session.add(category)
    category.name, category.position, category.is_active = name, position, active
    db.session.flush()
    audit.record(
        actor,
        "category.create" if created else "category.update",
        "category",
        category.id,
        now=now,
        name=name,
    )
    return category


# --- added for the organiser's unit pages and the imports -----------------------------------


def path_names(unit: Unit) -> list[str]:
    """Names from the root down to ``unit``."""
    names, node, seen = [], unit, set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        names.append(node.name)
        node = node.parent
    return names[::-1]


def _lookup_key(text: str) -> str:
    """Key of a unit name or path: each '/'-separated part folded, joined by ' / '."""
    return " / ".join(part for part in (fold(p) for p in str(text or "").split("/")) if part)


class UnitLookup:
    """Find units by name or by path ('Parent / Child', or any longer tail of the full path),
    ignoring case, diacritics and spacing. Entries are any objects: the imports also add
    units that exist only in the file being read."""

    def __init__(self, units: list[Unit] | None = None):
        self._by_key: dict[str, list] = {}
        for unit in units or ():
            self.add(unit, path_names(unit))

    def add(self, item, names: list[str]) -> None:
        """Register ``item`` under every tail of its path ``names`` (root first)."""
        for start in range(len(names)):
            key = _lookup_key(" / ".join(names[start:]))
            entries = self._by_key.setdefault(key, [])
            if item not in entries:
                entries.append(item)

    def count(self, text: str) -> int:
        """How many entries are named ``text``."""
        return len(self._by_key.get(_lookup_key(text), []))

    def find(self, text: str):
        """The one entry named ``text``. Raises LookupError with a translated message when
        there is none or several."""
        entries = self._by_key.get(_lookup_key(text), [])
        if len(entries) == 1:
            return entries[0]
        if not entries:
            raise LookupError(
                _(
                    "Không tìm thấy đơn vị «%(name)s». Vui lòng ghi đúng "
                    "tên như trong danh sách đơn vị.",
                    name=normalise_text(text),
                )
            )
        raise LookupError(
            _(
                "Có %(n)s đơn vị tên «%(name)s». Vui lòng ghi "
                "kèm đơn vị cấp trên, ví dụ «Xã A / Trường B».",
                n=len(entries),
                name=normalise_text(text),
            )
        )


def unit_tree(active_only: bool = False) -> list[tuple[Unit, int]]:
    """Every unit with its depth, depth-first: each parent followed by its children by name."""
    stmt = select(Unit)
    if active_only:
        stmt = stmt.where(Unit.is_active.is_(True))
    units = list(db.session.scalars(stmt))
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    stack = [
        (u, 0) for u in sorted(children.get(None, []), key=lambda u: fold(u.name), reverse=True)
    ]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend(
            (c, depth + 1)
            for c in sorted(children.get(unit.id, []), key=lambda u: fold(u.name), reverse=True)
        )
    return ordered


def descendant_ids(unit: Unit) -> set[int]:
    """Ids of every unit below ``unit`` (not ``unit`` itself)."""
    rows = db.session.execute(select(Unit.id, Unit.parent_id)).all()
    below: dict[int | None, list[int]] = {}
    for unit_id, parent_id in rows:
        below.setdefault(parent_id, []).append(unit_id)
    found: set[int] = set()
    stack = list(below.get(unit.id, []))
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(below.get(current, []))
    return found


def count_participants_by_unit() -> dict[int, int]:
    """Registered participants per unit id (units with none are absent)."""
    from sqlalchemy import func

    from contest.models import Role

    rows = db.session.execute(
        select(User.unit_id, func.count(User.id))
        .where(User.role == Role.participant, User.unit_id.is_not(None))
        .group_by(User.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


def set_unit_active(unit: Unit, active: bool, *, actor: User, now: datetime) -> None:
    """Deactivate a unit (it leaves the registration list) or bring it back.

    Raises ValidationFailed when deactivating a unit with active units below it, or
    reactivating one whose parent is inactive.
    """
    if not active and any(child.is_active for child in unit.children):
        raise ValidationFailed(
            {
                "unit": _(
                    "Đơn vị này còn đơn vị cấp dưới đang sử dụng. Vui lòng "
                    "ngừng sử dụng các đơn vị cấp dưới trước."
                )
            }
        )
    if active and unit.parent is not None and not unit.parent.is_active:
        raise ValidationFailed(
            {
                "unit": _(
                    "Đơn vị cấp trên đang ngừng sử dụng. Vui lòng sử dụng lại "
                    "đơn vị cấp trên trước."
                )
            }
        )
    unit.is_active = active
    db.session.flush()
    audit.record(
        actor,
        "unit.activate" if active else "unit.deactivate",
        "unit",
        unit.id,
        now=now,
        name=unit.name,
    )


def get_category(category_id: int) -> Category:
    """The category with ``category_id``. Raises NotFound."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_("Không tìm thấy đối tượng dự thi."))
    return category
