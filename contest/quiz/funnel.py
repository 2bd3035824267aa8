"""The organiser's funnel page (docs/funnel.md): a contest's levels and rounds, each round's
rule, who took part, who goes on per unit; compute and confirm. On ``quiz_admin``'s
blueprint, behind its organiser guard."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.db import utcnow
from contest.extensions import db
from contest.models import UnitKind
from contest.quiz.forms import FunnelForm
from contest.quiz.organiser import bp
from contest.services import advancement, funnel, funnel_overview, ranking, rounds
from contest.services.errors import DomainError, ValidationFailed
from contest.services.units import UNIT_KIND_LABELS
from contest.web.forms import apply_errors


def _form(round_, contest, *, formdata=None) -> FunnelForm:
    rule = funnel.rule_of(round_.id)
    form = FunnelForm(
        formdata=formdata,
        prefix=f"r{round_.id}",
        level=round_.funnel_level or "",
        target_round_id=rule.target_round_id if rule else 0,
        group_kind=rule.group_kind if rule else advancement.OWN_UNIT,
        top_k=rule.top_k if rule else None,
        min_score=rule.min_score if rule else None,
        quotas=funnel_overview.quota_lines(rule),
    )
    form.level.choices = [("", _("Không thuộc cấp nào"))] + [
        (key, str(label)) for key, label in advancement.LEVELS.items()
    ]
    form.target_round_id.choices = [(0, _("Không chuyển (vòng cuối)"))] + [
        (r.id, r.name) for r in contest.rounds if r.id != round_.id
    ]
    form.group_kind.choices = [(advancement.OWN_UNIT, _("Đơn vị trực tiếp của người thi"))] + [
        (kind.value, _("Đơn vị cấp: %(kind)s", kind=UNIT_KIND_LABELS[kind])) for kind in UnitKind
    ]
    return form


def _render(contest, forms=None, status=200):
    forms = forms or {}
    levels = funnel_overview.overview(contest)
    for level in levels:
        for stage in level.stages:
            forms.setdefault(stage.round.id, _form(stage.round, contest))
    return (
        render_template(
            "quiz_admin/funnel.html",
            contest=contest,
            levels=levels,
            forms=forms,
            level_labels=advancement.LEVELS,
            decided_text=ranking.decided_text,
        ),
        status,
    )


@bp.route("/<int:contest_id>/cac-cap-thi")
def funnel_page(contest_id: int):
    return _render(rounds.get_contest(contest_id))


def _input(form: FunnelForm) -> funnel.FunnelInput:
    return funnel.FunnelInput(
        level=form.level.data or None,
        target_round_id=form.target_round_id.data or None,
        group_kind=form.group_kind.data,
        top_k=form.top_k.data,
        min_score=form.min_score.data,
        quotas=funnel.parse_quotas(form.quotas.data or "", form.group_kind.data),
    )


@bp.route("/dot-thi/<int:round_id>/cap-thi", methods=["POST"])
def save_funnel(round_id: int):
    round_ = rounds.get_round_any(round_id)
    contest = round_.contest
    form = _form(round_, contest, formdata=request.form)
    if form.validate():
        try:
            funnel.save_round_funnel(round_, _input(form), actor=current_user, now=utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc)
        except DomainError as exc:  # the next round already has attempts
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("quiz_admin.funnel_page", contest_id=contest.id))
        else:
            db.session.commit()
            flash(_("Đã lưu cấp và quy tắc chuyển của %(name)s.", name=round_.name), "success")
            return redirect(url_for("quiz_admin.funnel_page", contest_id=contest.id))
    return _render(contest, {round_.id: form}, 422)


@bp.route("/dot-thi/<int:round_id>/vong-sau/tinh", methods=["POST"])
def compute_funnel(round_id: int):
    round_ = rounds.get_round_any(round_id)
    try:
        done = funnel.compute(round_, actor=current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if done.unchanged:
            flash(_("Danh sách không thay đổi so với danh sách đang áp dụng."), "info")
        else:
            flash(_("Đã tính danh sách. Hãy xem thay đổi rồi bấm Xác nhận."), "warning")
    return redirect(
        url_for("quiz_admin.funnel_page", contest_id=round_.contest_id) + f"#r{round_.id}"
    )


@bp.route("/vong-sau/<int:advancement_id>/xac-nhan", methods=["POST"])
def confirm_funnel(advancement_id: int):
    made = funnel.get_advancement(advancement_id)
    source = rounds.get_round_any(made.source_round_id)
    try:
        count = funnel.confirm(made, actor=current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("Đã xác nhận: %(count)s người được vào vòng sau.", count=count), "success")
    return redirect(
        url_for("quiz_admin.funnel_page", contest_id=source.contest_id) + f"#r{source.id}"
    )
