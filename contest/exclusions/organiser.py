"""Organiser pages for an exclusion list: a quiz round's (with its contest's contest-wide
rows), a quiz contest's or an essay contest's. See it, add one person by phone or CCCD,
add a list from Excel, remove someone, download it. Every change is audited and
recomputes the closed rounds it touches (``services/exclusions.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.db import utcnow
from contest.exclusions.forms import AddForm, ImportForm, RemoveForm
from contest.extensions import db
from contest.models import Contest, ContestKind, Role, Round
from contest.services import exclusion_import, exclusions, rounds
from contest.services.errors import (
    AlreadyExcluded,
    ImportFailed,
    StaffNeverRanks,
    ValidationFailed,
)
from contest.services.vn import mask_phone
from contest.web.forms import apply_errors
from contest.web.responses import xlsx_response
from contest.web.security import role_required
from question_bank.safety import UnreadableFile

bp = Blueprint("exclusions_admin", __name__, url_prefix="/ban-to-chuc/khong-xet-giai")


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _actor():
    return current_user._get_current_object()


@dataclass
class Scope:
    """Whose list a page shows: a quiz round's, or a contest's as a whole."""

    contest: Contest
    round: Round | None

    @property
    def args(self) -> dict[str, int]:
        if self.round is not None:
            return {"round_id": self.round.id}
        return {"contest_id": self.contest.id}

    @property
    def is_essay(self) -> bool:
        return self.contest.kind is ContestKind.essay

    def target(self, contest_wide: bool) -> Round | None:
        """The round a change applies to: none when the organiser ticked "every round"."""
        return None if contest_wide else self.round


def _scope(round_id: int | None, contest_id: int | None) -> Scope:
    if round_id is not None:
        round_ = rounds.get_round_any(round_id)
        return Scope(round_.contest, round_)
    return Scope(rounds.get_contest(contest_id), None)


def _render(scope: Scope, add_form, import_form, *, errors=(), status: int = 200):
    return render_template(
        "exclusions/list.html",
        scope=scope,
        contest=scope.contest,
        round=scope.round,
        rows=exclusions.list_exclusions(scope.contest, scope.round),
        summary=exclusions.summarise(scope.contest, scope.round),
        add_form=add_form,
        import_form=import_form,
        remove_form=RemoveForm(),
        errors=errors,
        mask_phone=mask_phone,
        max_rows=exclusion_import.WEB_MAX_ROWS,
    ), status


def _forms():
    return AddForm(prefix="add"), ImportForm(prefix="file")


def _back(scope: Scope):
    return redirect(url_for("exclusions_admin.show", **scope.args), 303)


def _flash_recomputed(outcomes) -> None:
    for outcome in outcomes:
        name = outcome.result.round.name
        if not outcome.created:
            flash(_("Kết quả «%(name)s» không thay đổi.", name=name), "info")
            continue
        flash(
            _(
                "Đã tính lại kết quả «%(name)s»: phiên bản %(version)s, %(ranked)s người được "
                "xếp hạng, %(winners)s người đoạt giải. Phiên bản mới chưa được công bố: "
                "hãy xem lại rồi công bố trên trang kết quả.",
                name=name,
                version=outcome.result.version,
                ranked=outcome.result.participants,
                winners=outcome.result.winners,
            ),
            "warning",
        )


@bp.get("/dot-thi/<int:round_id>")
@bp.get("/cuoc-thi/<int:contest_id>")
def show(round_id: int | None = None, contest_id: int | None = None):
    scope = _scope(round_id, contest_id)
    return _render(scope, *_forms())


@bp.post("/dot-thi/<int:round_id>/them")
@bp.post("/cuoc-thi/<int:contest_id>/them")
def add(round_id: int | None = None, contest_id: int | None = None):
    scope = _scope(round_id, contest_id)
    form, import_form = _forms()
    if not form.validate_on_submit():
        return _render(scope, form, import_form, status=422)
    try:
        user = exclusions.find_by_number(form.number.data)
        change = exclusions.add_exclusion(
            scope.contest,
            user,
            form.reason.data,
            round_=scope.target(form.contest_wide.data),
            actor=_actor(),
            now=utcnow(),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _render(scope, form, import_form, status=422)
    except (AlreadyExcluded, StaffNeverRanks) as exc:
        db.session.rollback()
        form.number.errors = [str(exc.message)]
        return _render(scope, form, import_form, status=409)
    db.session.commit()
    flash(_("Đã thêm %(name)s vào danh sách không xét giải.", name=user.full_name), "success")
    _flash_recomputed(change.recomputed)
    return _back(scope)


def _import_message(outcome: exclusion_import.ImportOutcome) -> str:
    message = _("Đã thêm %(n)s người vào danh sách không xét giải.", n=len(outcome.added))
    skipped = [
        (outcome.already, _("đã có trong danh sách")),
        (outcome.staff, _("tài khoản Ban Tổ chức, giám khảo hoặc quản trị (luôn không xét giải)")),
        (outcome.repeated, _("lặp lại một dòng trước")),
    ]
    for rows, why in skipped:
        if rows:
            message += " " + _(
                "Bỏ qua %(n)s dòng %(why)s: dòng %(rows)s.",
                n=len(rows),
                why=why,
                rows=", ".join(str(r) for r in rows[:30]) + ("…" if len(rows) > 30 else ""),
            )
    return message


@bp.post("/dot-thi/<int:round_id>/nhap")
@bp.post("/cuoc-thi/<int:contest_id>/nhap")
def import_file(round_id: int | None = None, contest_id: int | None = None):
    scope = _scope(round_id, contest_id)
    add_form, form = _forms()
    if not form.validate_on_submit():
        return _render(scope, add_form, form, status=422)
    try:
        outcome = exclusion_import.import_exclusions(
            form.file.data.read(),
            scope.contest,
            round_=scope.target(form.contest_wide.data),
            reason=form.reason.data or "",
            actor=_actor(),
            now=utcnow(),
        )
    except UnreadableFile as exc:
        db.session.rollback()
        form.file.errors = [exc.message]
        return _render(scope, add_form, form, status=422)
    except ImportFailed as exc:
        db.session.rollback()
        return _render(scope, add_form, form, errors=exc.errors, status=422)
    db.session.commit()
    flash(_import_message(outcome), "success" if outcome.added else "info")
    _flash_recomputed(outcome.recomputed)
    return _back(scope)


@bp.post("/dot-thi/<int:round_id>/<int:exclusion_id>/bo")
@bp.post("/cuoc-thi/<int:contest_id>/<int:exclusion_id>/bo")
def remove(exclusion_id: int, round_id: int | None = None, contest_id: int | None = None):
    scope = _scope(round_id, contest_id)
    if not RemoveForm().validate_on_submit():
        flash(_("Yêu cầu không hợp lệ. Vui lòng tải lại trang."), "danger")
        return _back(scope)
    row = exclusions.get_exclusion(scope.contest, scope.round, exclusion_id)
    name = row.user.full_name
    change = exclusions.remove_exclusion(row, actor=_actor(), now=utcnow())
    db.session.commit()
    flash(_("Đã bỏ %(name)s khỏi danh sách không xét giải.", name=name), "success")
    _flash_recomputed(change.recomputed)
    return _back(scope)


@bp.get("/dot-thi/<int:round_id>/danh-sach.xlsx")
@bp.get("/cuoc-thi/<int:contest_id>/danh-sach.xlsx")
def export(round_id: int | None = None, contest_id: int | None = None):
    scope = _scope(round_id, contest_id)
    title = _("Danh sách không xét giải — %(name)s", name=scope.contest.title)
    if scope.round is not None:
        title += f" — {scope.round.name}"
    data = exclusion_import.export_bytes(
        scope.contest, scope.round, title=title, now=utcnow(), actor=_actor()
    )
    db.session.commit()
    name = "-".join(f"{k.split('_')[0]}-{v}" for k, v in scope.args.items())
    return xlsx_response(data, f"khong-xet-giai-{name}.xlsx", private=True)


@bp.get("/mau-danh-sach-khong-xet-giai.xlsx")
def template():
    return xlsx_response(exclusion_import.template_bytes(), "mau-danh-sach-khong-xet-giai.xlsx")
