"""The organisers' participation pages (issue 15 item 2), on ``results_admin``'s blueprint
(its organiser guard applies): who has not yet taken part in a round, by unit, with its
.xlsx (the full phones: audited, never cached); the contest's participation targets, their
form, table, chart and .xlsx. The figures come from ``contest.services.participation``,
computed on each load.

The pages marked ``unit_scoped`` are open to unit organisers (issue 15 item 1) and show
only their subtree (``security.current_scope``): the not-taken-part list with the full
phones (each view audited), its .xlsx, the targets table and its .xlsx. Setting targets
stays with the province organisers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from contest.db import utcnow
from contest.extensions import db
from contest.models import ContestKind, Unit
from contest.results.charts import horizontal_chart
from contest.results.organiser import bp
from contest.services import participation, result_pages, rounds, unit_scope, units
from contest.services.errors import ValidationFailed
from contest.web.responses import send_xlsx
from contest.web.security import current_scope, is_unit_organiser, unit_scoped


def _scope() -> set[int] | None:
    """The unit ids the signed-in organiser may see (None: all)."""
    return current_scope()


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 10 else None


def _contest_and_round():
    """The quiz contests, the chosen contest (?contest_id, else the newest) and round
    (?round_id of that contest, else its first round)."""
    contests = rounds.list_contests(published_only=False, kind=ContestKind.quiz)
    round_id = _int_arg("round_id")
    if round_id:
        round_ = rounds.get_round_any(round_id)
        return contests, round_.contest, round_
    contest_id = _int_arg("contest_id")
    contest = next((c for c in contests if c.id == contest_id), None) or (
        contests[0] if contests else None
    )
    round_ = contest.rounds[0] if contest is not None and contest.rounds else None
    return contests, contest, round_


def _unit_arg() -> int | None:
    unit_id = _int_arg("unit_id")
    scope = _scope()
    if unit_id is not None and (
        db.session.get(Unit, unit_id) is None or (scope is not None and unit_id not in scope)
    ):
        abort(404)
    return unit_id


@bp.route("/chua-tham-gia")
@unit_scoped
def absent():
    contests, contest, round_ = _contest_and_round()
    unit_id = _unit_arg()
    scope = _scope()
    found = (
        participation.not_taken_part(round_, unit_id=unit_id, scope=scope)
        if round_ is not None
        else None
    )
    # A unit organiser calls their own people: the page shows them the full phones, and
    # each such view is audited (the province sees them masked, in full in the .xlsx).
    full_phones = is_unit_organiser(current_user)
    if full_phones and found is not None:
        participation.record_absent_view(
            found, actor=current_user._get_current_object(), now=utcnow()
        )
        db.session.commit()
    return render_template(
        "results_admin/absent.html",
        contests=contests,
        contest=contest,
        round=round_,
        unit_id=unit_id,
        unit_tree=unit_scope.unit_tree_in(scope),
        found=found,
        limit=participation.PAGE_LIMIT,
        full_phones=full_phones,
    )


@bp.route("/chua-tham-gia.xlsx")
@unit_scoped
def absent_xlsx():
    _contests, _contest, round_ = _contest_and_round()
    if round_ is None:
        abort(404)
    unit_id = _unit_arg()
    found = participation.not_taken_part(round_, unit_id=unit_id, scope=_scope(), limit=None)
    now = utcnow()
    actor = current_user._get_current_object()
    name = f"chua-tham-gia-dot-{round_.id}{'-don-vi-' + str(unit_id) if unit_id else ''}.xlsx"
    response = send_xlsx(
        lambda out: participation.write_absent_xlsx(found, out, actor=actor, now=now),
        name,
        private=True,
    )
    db.session.commit()  # the audit entry
    return response


def _target_chart(rows: list[participation.TargetRow]):
    items = [
        (
            str(r.name),
            min(r.percent, 100) if r.percent is not None else 100,
            (f"{r.percent:.1f}".replace(".", ",") + " %" if r.percent is not None else "—")
            + (" " + _("(chưa đạt)") if r.below else ""),
        )
        for r in rows
    ]
    return horizontal_chart(_("Tỉ lệ đạt chỉ tiêu theo đơn vị (%)"), items) if items else None


@bp.route("/chi-tieu")
@unit_scoped
def targets():
    contests, contest, _round = _contest_and_round()
    rows = participation.progress(contest, scope=_scope()) if contest is not None else []
    return render_template(
        "results_admin/targets.html",
        contests=contests,
        contest=contest,
        rows=rows,
        chart=_target_chart(rows),
    )


@bp.route("/chi-tieu.xlsx")
@unit_scoped
def targets_xlsx():
    _contests, contest, _round = _contest_and_round()
    if contest is None:
        abort(404)
    rows = participation.progress(contest, scope=_scope())
    now = utcnow()
    return send_xlsx(
        lambda out: participation.write_targets_xlsx(contest, rows, out, now=now),
        f"chi-tieu-{contest.id}.xlsx",
        private=True,
    )


@bp.route("/chi-tieu/<int:contest_id>/dat", methods=["GET", "POST"])
def edit_targets(contest_id: int):
    contest = rounds.get_contest(contest_id)
    scope = _scope()
    tree = [(u, d) for u, d in units.unit_tree(active_only=True) if scope is None or u.id in scope]
    unit_ids = [u.id for u, _d in tree]
    form = FlaskForm()
    values = {
        k: str(v)
        for k, v in participation.targets_of(contest).items()
        if k is None or k in unit_ids
    }
    raw = {
        participation.field_name(k) if k else participation.TOTAL_FIELD: v
        for k, v in values.items()
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        raw = {k: v for k, v in request.form.items() if k != "csrf_token"}
        if not form.validate_on_submit():
            flash(_("Yêu cầu không hợp lệ. Vui lòng tải lại trang."), "danger")
            status = 400
        else:
            try:
                parsed = participation.parse_targets(raw, unit_ids)
            except ValidationFailed as exc:
                errors = exc.fields
                status = 422
                flash(
                    _("Chưa lưu: có ô chỉ tiêu chưa hợp lệ, hãy sửa các ô được đánh dấu."), "danger"
                )
            else:
                participation.save_targets(
                    contest, parsed, actor=current_user._get_current_object(), now=utcnow()
                )
                db.session.commit()
                flash(_("Đã lưu chỉ tiêu tham gia."), "success")
                return redirect(url_for("results_admin.targets", contest_id=contest.id))
    return (
        render_template(
            "results_admin/targets_form.html",
            contest=contest,
            tree=tree,
            raw=raw,
            errors=errors,
            form=form,
            field_name=participation.field_name,
            total_field=participation.TOTAL_FIELD,
            unit_paths=result_pages.unit_paths(),
        ),
        status,
    )
