"""Organiser pages for results: close and rank a round, disqualify, publish, prize options,
the collective ranking, Excel exports and the statistics dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from contest.db import utcnow
from contest.extensions import db
from contest.models import ContestKind, Role, User
from contest.results.forms import (
    CloseForm,
    ConfirmForm,
    DisqualifyForm,
    PrizeOptionsForm,
    PublishForm,
    parse_quotas,
)
from contest.services import exports, prizes, ranking, results, rounds, stats, units
from contest.services.errors import DomainError, NotFound
from contest.services.vn import mask_phone
from contest.web import menu
from contest.web.responses import send_xlsx
from contest.web.security import role_required

bp = Blueprint("results_admin", __name__, url_prefix="/ban-to-chuc/ket-qua")
menu.add(
    2,
    "results_admin.list_rounds",
    "Kết quả và giải thưởng",
    "Đóng đợt thi, xếp hạng, trao giải, truất quyền, công bố và xuất Excel.",
)
menu.add(
    3,
    "results_admin.dashboard",
    "Thống kê",
    "Người thi và lượt thi theo đợt, theo ngày, đơn vị, đối tượng; phổ điểm; câu sai nhiều.",
)

PER_PAGE = 100


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _actor():
    return current_user._get_current_object()


@dataclass
class Page:
    """What organiser/_pagination.html's pager needs."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@bp.route("/")
def list_rounds():
    contests = rounds.list_contests(published_only=False, kind=ContestKind.quiz)
    ids = [r.id for c in contests for r in c.rounds]
    return render_template(
        "results_admin/rounds.html",
        contests=contests,
        overview=results.round_results_overview(ids),
        counts=rounds.live_counts(ids),
        now=utcnow(),
        state_of=rounds.state_of,
    )


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


@bp.route("/dot-thi/<int:round_id>")
def show(round_id: int):
    round_ = rounds.get_round_any(round_id)
    now = utcnow()
    current = results.current_result(round_id)
    published = results.published_result(round_id)
    unit_id, category_id = _int_arg("unit_id"), _int_arg("category_id")
    winners_only = request.args.get("winners") == "1"
    page = max(_int_arg("page") or 1, 1)
    rows, total = [], 0
    if current is not None:
        unit_ids = None
        if unit_id:
            unit_ids = {unit_id} | units.descendant_ids(units.get_unit(unit_id))
        rows, total = results.list_rows(
            current,
            unit_ids=unit_ids,
            category_id=category_id,
            winners_only=winners_only,
            page=page,
            per_page=PER_PAGE,
        )
    changes = current.changes if current is not None else {}
    changed_ids = {c["participant_id"] for c in changes.get("prize_changes", [])}
    names = (
        dict(
            db.session.execute(
                select(User.id, User.full_name).where(User.id.in_(changed_ids))
            ).all()
        )
        if changed_ids
        else {}
    )
    close_form = CloseForm()
    if round_.actual_value is not None:
        close_form.actual.data = round_.actual_value
    return render_template(
        "results_admin/show.html",
        round=round_,
        contest=round_.contest,
        now=now,
        state=rounds.state_of(round_, now),
        current=current,
        published=published,
        rows=rows,
        pagination=Page(page, PER_PAGE, total),
        total=total,
        unit_id=unit_id,
        category_id=category_id,
        winners_only=winners_only,
        unit_choices=units.unit_tree(),
        categories=units.list_categories(active_only=False),
        unit_paths=results.unit_paths(),
        category_names=results.category_names(),
        disqualifications=results.list_disqualifications(round_id),
        changes=changes,
        names=names,
        close_form=close_form,
        publish_form=PublishForm(),
        confirm_form=ConfirmForm(),
        chain=results.chain_text(current.tie_break if current else round_.tie_break.value),
        target_text=ranking.target_text(round_.prediction_target.value),
        manual=round_.prediction_target.value == "manual",
        mask_phone=mask_phone,
        skip_text=results.skip_text,
        decided_text=ranking.decided_text,
    )


def _flash_outcome(outcome: results.CloseOutcome | None) -> None:
    if outcome is None:
        return
    result = outcome.result
    if not outcome.created:
        flash(f"Dữ liệu không thay đổi: kết quả vẫn là phiên bản {result.version}.", "info")
        return
    message = (
        f"Đã xếp hạng {result.participants} người, {result.winners} người đoạt giải "
        f"(phiên bản {result.version})."
    )
    if outcome.changes:
        message += (
            f" So với phiên bản {outcome.changes['previous_version']}: "
            f"{outcome.changes['prize_changes_total']} thay đổi về giải, "
            f"{outcome.changes['rank_changes']} người đổi thứ hạng."
        )
        if outcome.changes.get("previous_published"):
            message += " Trang công khai vẫn hiện kết quả đã công bố cho đến khi bạn công bố lại."
    flash(message, "success")


@bp.post("/dot-thi/<int:round_id>/dong")
def close(round_id: int):
    round_ = rounds.get_round_any(round_id)
    form = CloseForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    actual = form.actual.data if round_.prediction_target.value == "manual" else None
    try:
        outcome = results.close_round(round_, actor=_actor(), now=utcnow(), actual=actual)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    db.session.commit()
    _flash_outcome(outcome)
    return redirect(url_for("results_admin.show", round_id=round_id))


@bp.post("/dot-thi/<int:round_id>/cong-bo")
def publish(round_id: int):
    round_ = rounds.get_round_any(round_id)
    form = PublishForm()
    if not form.validate_on_submit() or not str(form.result_id.data).isdigit():
        flash("Yêu cầu công bố không hợp lệ. Vui lòng tải lại trang.", "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    try:
        result = results.publish_result(
            round_, int(form.result_id.data), actor=_actor(), now=utcnow()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    db.session.commit()
    flash(f"Đã công bố kết quả (phiên bản {result.version}).", "success")
    return redirect(url_for("results_admin.show", round_id=round_id))


@bp.route("/dot-thi/<int:round_id>/truat-quyen/<int:participant_id>", methods=["GET", "POST"])
def disqualify(round_id: int, participant_id: int):
    round_ = rounds.get_round_any(round_id)
    person = db.session.get(User, participant_id)
    if person is None:
        raise NotFound("Không tìm thấy người dự thi.")
    current = results.current_result(round_id)
    row = results.row_of(current, participant_id) if current else None
    form = DisqualifyForm()
    status = 200
    if form.validate_on_submit():
        try:
            outcome = results.disqualify(
                round_, participant_id, form.reason.data, actor=_actor(), now=utcnow()
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("results_admin.show", round_id=round_id))
        db.session.commit()
        flash(f"Đã truất quyền {person.full_name}.", "success")
        _flash_outcome(outcome)
        return redirect(url_for("results_admin.show", round_id=round_id))
    if form.errors:
        status = 422
    return render_template(
        "results_admin/disqualify.html",
        round=round_,
        person=person,
        row=row,
        form=form,
        unit_paths=results.unit_paths(),
        mask_phone=mask_phone,
    ), status


@bp.post("/dot-thi/<int:round_id>/khoi-phuc/<int:participant_id>")
def reinstate(round_id: int, participant_id: int):
    round_ = rounds.get_round_any(round_id)
    if not ConfirmForm().validate_on_submit():
        flash("Yêu cầu không hợp lệ. Vui lòng tải lại trang.", "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    try:
        outcome = results.reinstate(round_, participant_id, actor=_actor(), now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    db.session.commit()
    flash("Đã huỷ quyết định truất quyền.", "success")
    _flash_outcome(outcome)
    return redirect(url_for("results_admin.show", round_id=round_id))


@bp.route("/dot-thi/<int:round_id>/giai-thuong", methods=["GET", "POST"])
def prize_options(round_id: int):
    round_ = rounds.get_round_any(round_id)
    categories = units.list_categories(active_only=False)
    try:
        current = prizes.PrizeOptions.from_dict(round_.prize_options)
    except prizes.InvalidPrizeOptions:
        current = prizes.PrizeOptions()
    form = PrizeOptionsForm()
    quotas = dict(current.category_quotas)
    quota_errors: dict[int, str] = {}
    status = 200
    if request.method == "GET":
        form.min_score.data = current.min_score
        form.max_share.data = (
            None if current.max_share is None else round(current.max_share * 100, 2)
        )
        form.once_per_contest.data = current.once_per_contest
        form.other_quota.data = current.other_quota
        form.collective_method.data = current.collective_method
    elif form.validate_on_submit():
        quotas, quota_errors = parse_quotas(request.form, [c.id for c in categories])
        if not quota_errors:
            options = prizes.PrizeOptions(
                min_score=form.min_score.data,
                max_share=None if form.max_share.data is None else float(form.max_share.data) / 100,
                once_per_contest=bool(form.once_per_contest.data),
                category_quotas=quotas,
                other_quota=form.other_quota.data,
                collective_method=form.collective_method.data,
            )
            results.save_prize_options(round_, options, actor=_actor(), now=utcnow())
            db.session.commit()
            message = "Đã lưu cài đặt giải thưởng."
            if round_.closed_at is not None:
                message += " Bấm «Tính lại kết quả» để áp dụng cho đợt thi đã đóng."
            flash(message, "success")
            return redirect(url_for("results_admin.show", round_id=round_id))
        status = 422
    else:
        quotas, quota_errors = parse_quotas(request.form, [c.id for c in categories])
        status = 422
    return render_template(
        "results_admin/prize_options.html",
        round=round_,
        form=form,
        categories=categories,
        quotas=quotas,
        quota_errors=quota_errors,
    ), status


@bp.route("/dot-thi/<int:round_id>/don-vi")
def collective(round_id: int):
    round_ = rounds.get_round_any(round_id)
    current = results.current_result(round_id)
    method = (
        current.settings.get("options", {}).get("collective_method", "participants")
        if current
        else "participants"
    )
    return render_template(
        "results_admin/units.html",
        round=round_,
        current=current,
        unit_paths=results.unit_paths(),
        method=method,
        method_text=exports.METHOD_TEXT,
    )


@bp.route("/dot-thi/<int:round_id>/xuat/<kind>.xlsx")
def export(round_id: int, kind: str):
    """Organiser exports. Full personal data: audited and never cached (E3)."""
    if kind not in exports.EXPORT_KINDS:
        raise NotFound()
    rounds.get_round_any(round_id)
    result = results.current_result(round_id)
    if result is None:
        raise results.ResultNotReady()
    now = utcnow()

    def write(out):
        rows = exports.write_export(kind, result, out, now=now)
        exports.record_export(_actor(), kind, result, rows=rows, now=now)
        db.session.commit()

    return send_xlsx(write, exports.export_filename(result, kind, now), private=True)


# --- statistics -----------------------------------------------------------------------------


def _stats_scope():
    contests = rounds.list_contests(published_only=False, kind=ContestKind.quiz)
    round_id = _int_arg("round_id")
    contest = None
    if round_id:
        round_ = rounds.get_round_any(round_id)
        contest = round_.contest
    else:
        round_ = None
        contest_id = _int_arg("contest_id")
        contest = next((c for c in contests if c.id == contest_id), None) or (
            contests[0] if contests else None
        )
    return contests, contest, round_


@bp.route("/thong-ke")
def dashboard():
    contests, contest, round_ = _stats_scope()
    figures = stats.collect(contest, round_) if contest is not None else None
    return render_template(
        "results_admin/dashboard.html",
        contests=contests,
        contest=contest,
        round=round_,
        figures=figures,
        charts=stats.charts(figures) if figures else {},
    )


@bp.route("/thong-ke.xlsx")
def dashboard_xlsx():
    _contests, contest, round_ = _stats_scope()
    if contest is None:
        raise NotFound("Chưa có cuộc thi trắc nghiệm nào.")
    now = utcnow()
    figures = stats.collect(contest, round_)
    name = f"thong-ke-{contest.id}{'-dot-' + str(round_.id) if round_ else ''}.xlsx"
    return send_xlsx(lambda out: stats.write_xlsx(figures, out, now=now), name, private=True)
