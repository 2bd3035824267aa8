"""Admin pages (Quản trị): users and roles, participant categories, the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from contest.admin.forms import AuditFilterForm, CategoryForm, RoleForm, ScopeForm, UserSearchForm
from contest.db import utcnow
from contest.extensions import db
from contest.models import Role
from contest.services import accounts, unit_scope, units
from contest.services import audit as audit_log
from contest.services.accounts import ROLE_LABELS
from contest.services.errors import ValidationFailed
from contest.services.participants import GENDER_LABELS
from contest.web.forms import flash_refusal, save_form
from contest.web.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")

PER_PAGE = 50


@bp.before_request
@role_required(Role.admin)
def guard():
    return None


@bp.context_processor
def helpers():
    return {
        "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        "gender_labels": {gender.value: label for gender, label in GENDER_LABELS.items()},
    }


def _actor():
    return current_user._get_current_object()


# --- users ---------------------------------------------------------------------------------


@bp.route("/nguoi-dung")
def users():
    form = UserSearchForm(formdata=request.args)
    valid = form.validate()
    query = form.q.data if valid and form.q.data else ""
    role = form.role.data if form.role.data in {r.value for r in Role} else None
    pagination = accounts.search_users(
        query,
        role=Role(role) if role else None,
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return render_template(
        "admin/users.html", form=form, q=query, role=role or "", pagination=pagination
    ), 200 if valid else 422


def _scope_form(user, form=None) -> ScopeForm:
    form = form or ScopeForm(formdata=None, scope_unit_id=str(user.scope_unit_id or ""))
    form.scope_unit_id.choices = [
        SelectChoice("", _l("— Cả tỉnh (không giới hạn đơn vị) —")),
        *(SelectChoice(str(u.id), u.path) for u in units.list_units()),
    ]
    return form


def _render_user(user, role_form=None, status=200, scope_form=None):
    role_form = role_form or RoleForm(formdata=None, role=user.role.value)
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        scope_form=_scope_form(user, scope_form),
        mask_id_number=accounts.mask_id_number,
    ), status


@bp.route("/nguoi-dung/<int:user_id>")
def user_detail(user_id: int):
    return _render_user(accounts.get_user(user_id))


@bp.post("/nguoi-dung/<int:user_id>/vai-tro")
def set_role(user_id: int):
    user = accounts.get_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_user(user, form, 422)
    saved = save_form(
        form, lambda: accounts.change_role(user, Role(form.role.data), actor=_actor(), now=utcnow())
    )
    if not saved.ok:
        return _render_user(user, form, 422)
    if saved.value:
        flash(
            _(
                "Đã đổi vai trò của %(name)s thành «%(role)s». Người này "
                "đã được đăng xuất khỏi mọi thiết bị.",
                name=user.full_name,
                role=str(ROLE_LABELS[user.role]),
            ),
            "success",
        )
    else:
        flash(_("Vai trò không thay đổi."), "info")
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.post("/nguoi-dung/<int:user_id>/pham-vi")
def set_scope(user_id: int):
    """Make an organiser a unit organiser (of a unit's subtree) or a province organiser."""
    user = accounts.get_user(user_id)
    form = _scope_form(user, ScopeForm())
    if not form.validate_on_submit():
        return _render_user(user, status=422, scope_form=form)
    unit_id = int(form.scope_unit_id.data) if form.scope_unit_id.data else None
    saved = save_form(
        form, lambda: unit_scope.set_scope(user, unit_id, actor=_actor(), now=utcnow())
    )
    if not saved.ok:
        return _render_user(user, status=422, scope_form=form)
    if not saved.value:
        flash(_("Phạm vi không thay đổi."), "info")
    elif user.scope_unit is not None:
        flash(
            _(
                "%(name)s giờ là Ban Tổ chức của «%(unit)s»: chỉ xem và quản lý thí sinh, số "
                "liệu của đơn vị này và các đơn vị trực thuộc. Người này đã được đăng xuất "
                "khỏi mọi thiết bị.",
                name=user.full_name,
                unit=user.scope_unit.path,
            ),
            "success",
        )
    else:
        flash(
            _(
                "%(name)s giờ là Ban Tổ chức cấp tỉnh (không giới hạn đơn vị). Người này đã "
                "được đăng xuất khỏi mọi thiết bị.",
                name=user.full_name,
            ),
            "success",
        )
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.post("/nguoi-dung/<int:user_id>/trang-thai")
def set_active(user_id: int):
    user = accounts.get_user(user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(user, active, actor=_actor(), now=utcnow())
    except ValidationFailed as exc:
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(
            _("Đã mở khoá tài khoản của %(name)s.", name=user.full_name)
            if active
            else _(
                "Đã khoá tài khoản của %(name)s. Người này không đăng nhập được nữa.",
                name=user.full_name,
            ),
            "success",
        )
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.post("/nguoi-dung/<int:user_id>/dat-lai-mat-khau")
def reset_password(user_id: int):
    user = accounts.get_user(user_id)
    if user.id == current_user.id:
        flash(_("Để đổi mật khẩu của chính bạn, hãy dùng trang Đổi mật khẩu."), "warning")
        return redirect(url_for("auth.change_password"))
    temporary = accounts.reset_password(user, actor=_actor(), now=utcnow())
    db.session.commit()
    # Shown once, in this response only: never in the (signed, unencrypted) session cookie.
    return render_template(
        "organiser/temporary_password.html",
        user=user,
        temporary=temporary,
        back=url_for(".user_detail", user_id=user.id),
    )


# --- categories ----------------------------------------------------------------------------


def _save_category(form: CategoryForm, category=None):
    """Validate and save; returns (saved category or None, HTTP status)."""
    if not form.validate_on_submit():
        return None, 422 if form.errors else 200
    saved = save_form(
        form,
        lambda: units.save_category(
            name=form.name.data,
            position=form.position.data or 0,
            active=form.is_active.data,
            actor=_actor(),
            now=utcnow(),
            category=category,
        ),
    )
    return (saved.value, 200) if saved.ok else (None, 422)


@bp.route("/doi-tuong", methods=["GET", "POST"])
def categories():
    form = CategoryForm()
    if request.method == "GET":
        existing = units.list_categories(active_only=False)
        form.position.data = max((c.position for c in existing), default=-1) + 1
    saved, status = _save_category(form)
    if saved is not None:
        flash(_("Đã thêm đối tượng «%(name)s».", name=saved.name), "success")
        return redirect(url_for(".categories"))
    return render_template(
        "admin/categories.html", form=form, categories=units.list_categories(active_only=False)
    ), status


@bp.route("/doi-tuong/<int:category_id>", methods=["GET", "POST"])
def edit_category(category_id: int):
    category = units.get_category(category_id)
    form = CategoryForm(obj=None if request.method == "POST" else category)
    saved, status = _save_category(form, category)
    if saved is not None:
        flash(_("Đã lưu đối tượng «%(name)s».", name=saved.name), "success")
        return redirect(url_for(".categories"))
    return render_template("admin/category_form.html", form=form, category=category), status


@bp.post("/doi-tuong/<int:category_id>/trang-thai")
def set_category_active(category_id: int):
    category = units.get_category(category_id)
    active = request.form.get("active") == "1"
    units.save_category(
        name=category.name,
        position=category.position,
        active=active,
        actor=_actor(),
        now=utcnow(),
        category=category,
    )
    db.session.commit()
    flash(
        _("Đã sử dụng lại đối tượng «%(name)s».", name=category.name)
        if active
        else _(
            "Đã ngừng sử dụng đối tượng «%(name)s». Đối tượng không còn trong danh sách "
            "đăng ký; thí sinh đã đăng ký vẫn giữ nguyên.",
            name=category.name,
        ),
        "success",
    )
    return redirect(url_for(".categories"))


# --- audit log -----------------------------------------------------------------------------


@bp.route("/nhat-ky")
def audit():
    form = AuditFilterForm(formdata=request.args)
    actions = audit_log.list_actions()
    form.action.choices = [SelectChoice("", _l("Tất cả thao tác"))] + [
        SelectChoice(action, audit_log.action_label(action)) for action in actions
    ]
    action = form.action.data if form.action.data in actions else None
    pagination = audit_log.list_entries(
        action=action, page=request.args.get("page", 1, type=int), per_page=PER_PAGE
    )
    return render_template(
        "admin/audit.html",
        form=form,
        action=action or "",
        pagination=pagination,
        action_label=audit_log.action_label,
        object_label=audit_log.object_label,
        safe_details=audit_log.safe_details,
    )
