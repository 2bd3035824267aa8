"""Organiser pages (Ban Tổ chức): the dashboard, units, participants and their import.

The dashboard and the participants' pages are ``unit_scoped``: a unit organiser sees,
resets and imports only the people of their subtree; the units' pages stay with the
province."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from contest import jobs
from contest.admin.forms import ImportForm, SearchForm, UnitForm
from contest.db import utcnow
from contest.extensions import db
from contest.jobs import imports as job_imports
from contest.models import Role
from contest.services import (
    accounts,
    participant_export,
    unit_import,
    unit_scope,
    units,
    user_import,
)
from contest.services.errors import ImportFailed, ValidationFailed
from contest.services.vn import mask_phone
from contest.web import menu
from contest.web.forms import flash_refusal, save_form
from contest.web.responses import send_xlsx, xlsx_response
from contest.web.security import (
    current_scope,
    is_unit_organiser,
    may_open,
    role_required,
    unit_scoped,
)
from question_bank.safety import UnreadableFile

bp = Blueprint("organiser", __name__, url_prefix="/ban-to-chuc")

PER_PAGE = 50

menu.add(
    10,
    "organiser.list_units",
    _l("Đơn vị"),
    _l("Cây đơn vị, số người và số thí sinh đã đăng ký; thêm, sửa, nhập từ Excel."),
)
menu.add(
    20,
    "organiser.import_participants",
    _l("Nhập danh sách thí sinh"),
    _l("Tạo tài khoản hàng loạt từ danh sách Excel của trường, cơ quan, đơn vị."),
)
menu.add(
    30,
    "organiser.list_participants",
    _l("Thí sinh"),
    _l("Tìm thí sinh theo tên, số điện thoại, số CCCD; đặt lại mật khẩu."),
)


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


@bp.context_processor
def links():
    return {
        # A unit organiser's cards are only those of the pages open to them.
        "organiser_links": [
            (endpoint, title, text)
            for _order, endpoint, title, text in menu.LINKS
            if may_open(endpoint)
        ],
        "mask_phone": mask_phone,
        "mask_id_number": accounts.mask_id_number,
    }


def _actor():
    return current_user._get_current_object()


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _scope_unit():
    """A unit organiser's unit (None for a province organiser), for the pages' notice."""
    user = _actor()
    return user.scope_unit if is_unit_organiser(user) else None


@bp.route("/")
@unit_scoped
def dashboard():
    return render_template("organiser/dashboard.html", scope_unit=_scope_unit())


# --- units ---------------------------------------------------------------------------------


@bp.route("/don-vi")
def list_units():
    return render_template(
        "organiser/units.html",
        tree=units.unit_tree(),
        counts=units.count_participants_by_unit(),
        kind_labels=units.UNIT_KIND_LABELS,
    )


def _fill_parent_choices(form: UnitForm, unit=None) -> None:
    excluded = {unit.id} | units.descendant_ids(unit) if unit is not None else set()
    choices = [SelectChoice(str(u.id), u.path) for u in units.list_units() if u.id not in excluded]
    if unit is not None and unit.parent is not None and not unit.parent.is_active:
        choices.append(SelectChoice(str(unit.parent.id), unit.parent.path))
    form.parent_id.choices = [SelectChoice("", _l("— Không có (đơn vị cấp cao nhất) —")), *choices]


def _save_unit_form(form: UnitForm, unit=None):
    """Validate and save the unit form; returns (saved unit or None, HTTP status)."""
    if not form.validate_on_submit():
        return None, 422 if form.errors else 200
    saved = save_form(
        form,
        lambda: units.save_unit(
            name=form.name.data,
            parent_id=_int_or_none(form.parent_id.data),
            kind=form.kind.data,
            headcount=form.headcount.data,
            actor=_actor(),
            now=utcnow(),
            unit=unit,
        ),
    )
    return (saved.value, 200) if saved.ok else (None, 422)


@bp.route("/don-vi/them", methods=["GET", "POST"])
def create_unit():
    form = UnitForm()
    _fill_parent_choices(form)
    if request.method == "GET":
        form.parent_id.data = request.args.get("cap_tren", "")
    saved, status = _save_unit_form(form)
    if saved is not None:
        flash(_("Đã thêm đơn vị «%(name)s».", name=saved.name), "success")
        return redirect(url_for(".list_units"))
    return render_template("organiser/unit_form.html", form=form, unit=None), status


@bp.route("/don-vi/<int:unit_id>/sua", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = units.get_unit(unit_id)
    form = UnitForm(obj=None if request.method == "POST" else unit)
    if request.method == "GET":
        form.parent_id.data = str(unit.parent_id or "")
        form.kind.data = unit.kind.value
    _fill_parent_choices(form, unit)
    saved, status = _save_unit_form(form, unit)
    if saved is not None:
        flash(_("Đã lưu đơn vị «%(name)s».", name=saved.name), "success")
        return redirect(url_for(".list_units"))
    return render_template("organiser/unit_form.html", form=form, unit=unit), status


@bp.post("/don-vi/<int:unit_id>/trang-thai")
def set_unit_active(unit_id: int):
    unit = units.get_unit(unit_id)
    active = request.form.get("active") == "1"
    try:
        units.set_unit_active(unit, active, actor=_actor(), now=utcnow())
    except ValidationFailed as exc:
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(
            _("Đã sử dụng lại đơn vị «%(name)s».", name=unit.name)
            if active
            else _(
                "Đã ngừng sử dụng đơn vị «%(name)s». Đơn vị không còn trong danh sách "
                "đăng ký; thí sinh đã đăng ký vẫn giữ nguyên.",
                name=unit.name,
            ),
            "success",
        )
    return redirect(url_for(".list_units"))


class _Upload(NamedTuple):
    """What an import page shows after a POST: the import's result (None when nothing
    was saved), the file's row errors and the status."""

    result: object = None
    errors: list | tuple = ()
    status: int = 200


def _import_upload(form: ImportForm, run) -> _Upload:
    """Validate the upload form and run ``run(file bytes)`` (an import service).

    An unreadable file or a file with row errors is shown on the page again (the session
    rolled back, nothing saved): its message beside the file field, or the list of rows.
    The caller commits a result.
    """
    if not form.validate_on_submit():
        return _Upload(status=422 if form.errors else 200)
    try:
        return _Upload(run(form.file.data.read()))
    except UnreadableFile as exc:
        db.session.rollback()
        form.file.errors = [exc.message]
        return _Upload(status=422)
    except ImportFailed as exc:
        db.session.rollback()
        return _Upload(errors=exc.errors, status=422)


@bp.route("/don-vi/nhap", methods=["GET", "POST"])
def import_units():
    form = ImportForm()
    upload = _import_upload(
        form, lambda data: unit_import.import_units(data, actor=_actor(), now=utcnow())
    )
    if upload.result is not None:
        db.session.commit()
        result = upload.result
        flash(
            _(
                "Đã nhập danh sách đơn vị: thêm mới %(created)s, cập nhật "
                "%(updated)s, không thay đổi %(unchanged)s.",
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            "success",
        )
        return redirect(url_for(".list_units"))
    return render_template(
        "organiser/import_units.html", form=form, errors=upload.errors
    ), upload.status


@bp.route("/don-vi/mau-nhap-don-vi.xlsx")
def units_template():
    return xlsx_response(unit_import.template_bytes(), "mau-nhap-don-vi.xlsx")


# --- participants --------------------------------------------------------------------------


@bp.route("/thi-sinh")
@unit_scoped
def list_participants():
    form = SearchForm(formdata=request.args)
    query = form.q.data if form.validate() and form.q.data else ""
    pagination = accounts.search_users(
        query,
        role=Role.participant,
        scope=current_scope(),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return render_template(
        "organiser/participants.html", form=form, q=query, pagination=pagination
    ), 200 if not form.errors else 422


@bp.route("/thi-sinh.xlsx")
@unit_scoped
def export_participants():
    """The search's participants with full personal data (audited, never cached: E3)."""
    form = SearchForm(formdata=request.args)
    query = form.q.data if form.validate() and form.q.data else ""
    actor, now, scope = _actor(), utcnow(), current_scope()
    response = send_xlsx(
        lambda out: participant_export.write_participants(
            out, query=query, scope=scope, actor=actor, now=now
        ),
        "danh-sach-thi-sinh.xlsx",
        private=True,
    )
    db.session.commit()  # the audit entry
    return response


@bp.post("/thi-sinh/<int:user_id>/dat-lai-mat-khau")
@unit_scoped
def reset_password(user_id: int):
    user = unit_scope.check_person(current_scope(), accounts.get_user(user_id))
    if user.role is not Role.participant:
        # Staff passwords are the admin's business: an organiser must not take over one.
        abort(403)
    temporary = accounts.reset_password(user, actor=_actor(), now=utcnow())
    db.session.commit()
    # Shown once, in this response only: never in the (signed, unencrypted) session cookie.
    back = url_for(
        ".list_participants",
        q=request.form.get("q") or None,
        page=_int_or_none(request.form.get("page")),
    )
    return render_template(
        "organiser/temporary_password.html", user=user, temporary=temporary, back=back
    )


def _sheets_dir() -> Path:
    configured = current_app.config.get("PASSWORD_SHEETS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "password-sheets"


def _store_password_sheet(generated, *, actor, now) -> str:
    """Keep the generated passwords' sheet for an hour (outside static/); its token."""
    sheet = user_import.password_sheet_bytes(generated, now=now)
    return user_import.store_password_sheet(sheet, directory=_sheets_dir(), owner_id=actor.id)


class _Queued(NamedTuple):
    job_id: int


@bp.route("/thi-sinh/nhap", methods=["GET", "POST"])
@unit_scoped
def import_participants():
    form = ImportForm()
    actor, now = _actor(), utcnow()
    min_age = current_app.config["MIN_AGE"]

    def run(data: bytes):
        """A big list becomes a job (its page follows the hashing); a small one runs here."""
        if user_import.runs_as_job(data):
            params = job_imports.params_for(data, owner=actor, min_age=min_age)
            return _Queued(jobs.enqueue(job_imports.KIND, params, actor=actor, now=now).id)
        return user_import.import_participants(data, actor=actor, now=now, min_age=min_age)

    upload = _import_upload(form, run)
    if isinstance(upload.result, _Queued):
        return redirect(url_for("jobs.show", job_id=upload.result.job_id))
    if upload.result is not None:
        generated = upload.result.generated
        token = _store_password_sheet(generated, actor=actor, now=now) if generated else None
        db.session.commit()
        flash(_("Đã tạo %(n)s tài khoản thí sinh.", n=upload.result.created), "success")
        if generated:
            # Bound to the scope it was made in: people of every unit may be on it.
            session["password_sheet"] = {
                "token": token,
                "rows": len(generated),
                "scope": actor.scope_unit_id,
            }
            flash(
                _(
                    "%(n)s tài khoản dùng mật khẩu tạm do hệ thống tạo. Hãy tải "
                    "danh sách mật khẩu ngay (tệp chỉ giữ trong 1 giờ).",
                    n=len(generated),
                ),
                "warning",
            )
        return redirect(url_for(".import_participants"))
    return render_template(
        "organiser/import_participants.html",
        form=form,
        scope_unit=_scope_unit(),
        errors=upload.errors,
        sheet=_own_sheet(actor),
        max_rows=user_import.JOB_MAX_ROWS,
        inline_rows=user_import.WEB_MAX_ROWS,
    ), upload.status


@bp.route("/thi-sinh/mau-danh-sach-thi-sinh.xlsx")
@unit_scoped
def participants_template():
    return xlsx_response(user_import.template_bytes(), "mau-danh-sach-thi-sinh.xlsx")


def _own_sheet(actor) -> dict | None:
    """The session's temporary passwords sheet, if made in ``actor``'s present scope (an
    organiser narrowed to a unit since, signed in again, no longer gets a sheet that may
    hold people of every unit)."""
    sheet = session.get("password_sheet")
    if not sheet or sheet.get("scope") != actor.scope_unit_id:
        return None
    return sheet


@bp.route("/thi-sinh/mat-khau-tam.xlsx")
@unit_scoped
def download_passwords():
    actor = _actor()
    sheet = _own_sheet(actor)
    if not sheet:
        abort(404)
    data = user_import.load_password_sheet(
        sheet["token"], directory=_sheets_dir(), owner_id=actor.id
    )
    user_import.record_password_export(actor, rows=sheet["rows"], now=utcnow())
    db.session.commit()
    return xlsx_response(data, "mat-khau-tam-thi-sinh.xlsx", private=True)
