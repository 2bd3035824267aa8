"""Unit organisers (issue 15 item 1): an organiser account whose ``scope_unit`` names a
unit (a school, a commune, a department) sees and manages only the people of that unit's
subtree. Province organisers (no scope unit) and admins see everyone.

``scope_of`` is the one answer to "which units may this account see": the organiser pages
pass it to the services that take ``scope: set[int] | None`` (``participation``,
``stats``, ``accounts.search_users``, ``user_import``); None means every unit. Which pages
a unit organiser may open at all is decided in ``contest.web.security`` (deny by default).
"""

from __future__ import annotations

from datetime import datetime

from contest.extensions import db
from contest.models import Role, Unit, User
from contest.services import accounts, audit, units
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _


def scope_of(user: User | None) -> set[int] | None:
    """The unit ids ``user`` may see: None (every unit) for a province organiser, an admin
    or anyone without a scope unit; the scope unit and every unit below it otherwise."""
    if user is None or user.role is not Role.organiser or user.scope_unit_id is None:
        return None
    unit = db.session.get(Unit, user.scope_unit_id)
    if unit is None:  # its unit was deleted: it may see nothing rather than everything
        return set()
    return {unit.id} | units.descendant_ids(unit)


def in_scope(scope: set[int] | None, unit_id: int | None) -> bool:
    """Whether a person or a figure of ``unit_id`` is within ``scope`` (None: everything;
    someone without a unit is outside every unit's scope)."""
    return scope is None or (unit_id is not None and unit_id in scope)


def check_person(scope: set[int] | None, user: User) -> User:
    """``user`` when within ``scope``; raises NotFound otherwise (a unit organiser is never
    told that someone of another unit exists)."""
    if not in_scope(scope, user.unit_id):
        raise NotFound(_("Không tìm thấy tài khoản."))
    return user


def set_scope(user: User, unit_id: int | None, *, actor: User | None, now: datetime) -> bool:
    """Make ``user`` (an organiser) the organiser of ``unit_id``'s subtree, or a province
    organiser (None); audited ``user.set_scope``; signs them out everywhere, as a role
    change does. Returns False when nothing changed. Raises ValidationFailed (not an
    organiser, or no such unit)."""
    if user.role is not Role.organiser:
        raise ValidationFailed(
            {
                "scope_unit_id": _(
                    "Chỉ tài khoản Ban Tổ chức mới có phạm vi đơn vị. Hãy đổi vai trò thành "
                    "«Ban Tổ chức» trước."
                )
            }
        )
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise ValidationFailed({"scope_unit_id": _("Vui lòng chọn một đơn vị trong danh sách.")})
    if user.scope_unit_id == unit_id:
        return False
    old = user.scope_unit_id
    user.scope_unit_id = unit_id
    accounts.revoke_sessions(user)
    audit.record(actor, "user.set_scope", "user", user.id, now=now, old=old, new=unit_id)
    return True


def unit_tree_in(scope: set[int] | None, *, active_only: bool = False):
    """``units.unit_tree`` limited to ``scope`` (the whole tree for None)."""
    return [(u, d) for u, d in units.unit_tree(active_only) if scope is None or u.id in scope]
