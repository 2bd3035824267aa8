"""Organiser pages for results: close and rank a round, disqualify, publish, prize options,
the collective ranking, Excel exports and the statistics dashboard. Only the statistics
(and participation.py's pages) are ``unit_scoped``: a unit organiser sees their subtree's
figures there; ranking, prizes and the result exports stay with the province."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from contest import jobs
from contest.db import utcnow
from contest.extensions import db
from contest.models import ContestKind, Role, User
from contest.results.charts import charts
from contest.results.forms import (
    CloseForm,
    ConfirmForm,
    DisqualifyForm,
    PrizeOptionsForm,
    PublishForm,
    parse_quotas,
)
from contest.services import (
    disputes,
    exclusions,
    exports,
    privacy,
    prizes,
    ranking,
    referrals,
    result_closing,
    result_pages,
    result_publishing,
    rounds,
    stats,
    units,
)
from contest.services.errors import DomainError, NotFound, ResultNotReady
from contest.services.unit_ranking import DEFAULT_UNIT_METHOD, POINT_CRITERIA, UNIT_METHODS
from contest.services.vn import mask_phone
from contest.web import menu
from contest.web.responses import send_xlsx
from contest.web.security import current_scope, role_required, unit_scoped

bp = Blueprint("results_admin", __name__, url_prefix="/ban-to-chuc/ket-qua")
menu.add(
    2,
    "results_admin.list_rounds",
    _l("Kết quả và giải thưởng"),
    _l("Đóng đợt thi, xếp hạng, trao giải, truất quyền, công bố và xuất Excel."),
)
menu.add(
    3,
    "results_admin.dashboard",
    _l("Thống kê"),
    _l("Người thi và lượt thi theo đợt, theo ngày, đơn vị, đối tượng; phổ điểm; câu sai nhiều."),
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
        overview=result_pages.round_results_overview(ids),
        counts=rounds.live_counts(ids),
        now=utcnow(),
        state_of=rounds.state_of,
    )


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


@dataclass
class _Filters:
    """The ranking table's filters, from the query string."""

    unit_id: int | None
    category_id: int | None
    winners_only: bool
    page: int

    @classmethod
    def from_args(cls) -> _Filters:
        return cls(
            _int_arg("unit_id"),
            _int_arg("category_id"),
            request.args.get("winners") == "1",
            max(_int_arg("page") or 1, 1),
        )


def _ranking_page(current, filters: _Filters) -> tuple[list, int]:
    """One page of the current result's ranking, filtered (a unit includes its subunits)."""
    if current is None:
        return [], 0
    unit_ids = None
    if filters.unit_id:
        unit_ids = {filters.unit_id} | units.descendant_ids(units.get_unit(filters.unit_id))
    return result_pages.list_rows(
        current,
        unit_ids=unit_ids,
        category_id=filters.category_id,
        winners_only=filters.winners_only,
        page=filters.page,
        per_page=PER_PAGE,
    )


@bp.route("/dot-thi/<int:round_id>")
def show(round_id: int):
    round_ = rounds.get_round_any(round_id)
    now = utcnow()
    current = result_pages.current_result(round_id)
    filters = _Filters.from_args()
    rows, total = _ranking_page(current, filters)
    changes = current.changes if current is not None else {}
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
        published=result_pages.published_result(round_id),
        rows=rows,
        pagination=Page(filters.page, PER_PAGE, total),
        total=total,
        unit_id=filters.unit_id,
        category_id=filters.category_id,
        winners_only=filters.winners_only,
        unit_choices=units.unit_tree(),
        categories=units.list_categories(active_only=False),
        unit_paths=result_pages.unit_paths(),
        category_names=result_pages.category_names(),
        disqualifications=result_pages.list_disqualifications(round_id),
        exclusion_summary=exclusions.summarise(round_.contest, round_),
        changes=changes,
        names=result_pages.participant_names(
            c["participant_id"] for c in changes.get("prize_changes", [])
        ),
        close_form=close_form,
        publish_form=PublishForm(),
        window=disputes.window_state(round_, now),
        window_ends=disputes.window_ends_at(round_),
        dispute_counts=disputes.counts([round_id]).get(round_id),
        confirm_form=ConfirmForm(),
        chain=ranking.chain_text(current.tie_break if current else round_.tie_break.value),
        target_text=ranking.target_text(round_.prediction_target.value),
        manual=round_.prediction_target.value == "manual",
        mask_phone=mask_phone,
        skip_text=prizes.skip_text,
        decided_text=ranking.decided_text,
        purged_winners=privacy.purged_winners(current.id) if current else set(),
        referral_prizes=referrals.prize_count(current) if current else 0,
        referral_board=referrals.round_board(current) if current else [],
    )


def _flash_outcome(outcome: result_closing.CloseOutcome | None) -> None:
    if outcome is None:
        return
    result, changes = outcome.result, outcome.changes
    if not outcome.created:
        flash(
            _(
                "Dữ liệu không thay đổi: kết quả vẫn là phiên bản %(version)s.",
                version=result.version,
            ),
            "info",
        )
        return
    message = _(
        "Đã xếp hạng %(ranked)s người, %(winners)s người đoạt giải (phiên bản %(version)s).",
        ranked=result.participants,
        winners=result.winners,
        version=result.version,
    )
    if changes:
        message += " " + _(
            "So với phiên bản %(version)s: %(prizes)s thay đổi về giải, "
            "%(ranks)s người đổi thứ hạng.",
            version=changes["previous_version"],
            prizes=changes["prize_changes_total"],
            ranks=changes["rank_changes"],
        )
        if changes.get("previous_published"):
            message += " " + _(
                "Trang công khai vẫn hiện kết quả đã công bố cho đến khi bạn công bố lại."
            )
    flash(message, "success")


def _back_to_round(round_id: int, exc: DomainError):
    """Disqualifying and reinstating start from pages a conflict makes stale (the person
    is already, or no longer, disqualified; a concurrent close): every domain error is
    flashed on the round's results page, whose list shows the truth — where the global
    handler would send the organiser back to the stale form, or show a 404 page."""
    db.session.rollback()
    flash(str(exc.message), "danger")
    return redirect(url_for("results_admin.show", round_id=round_id))


@bp.post("/dot-thi/<int:round_id>/dong")
def close(round_id: int):
    round_ = rounds.get_round_any(round_id)
    form = CloseForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    actual = form.actual.data if round_.prediction_target.value == "manual" else None
    now = utcnow()
    result_closing.check_closable(round_, now=now, actual=actual)  # refused at once
    job = jobs.enqueue(
        "close_round", {"round_id": round_id, "actual": actual}, actor=_actor(), now=now
    )
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/dot-thi/<int:round_id>/cong-bo")
def publish(round_id: int):
    round_ = rounds.get_round_any(round_id)
    form = PublishForm()
    if not form.validate_on_submit() or not str(form.result_id.data).isdigit():
        flash(_("Yêu cầu công bố không hợp lệ. Vui lòng tải lại trang."), "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    result = result_publishing.publish_result(
        round_,
        int(form.result_id.data),
        actor=_actor(),
        now=utcnow(),
        early=bool(form.early.data),
    )
    db.session.commit()
    flash(_("Đã công bố kết quả (phiên bản %(version)s).", version=result.version), "success")
    return redirect(url_for("results_admin.show", round_id=round_id))


@bp.route("/dot-thi/<int:round_id>/truat-quyen/<int:participant_id>", methods=["GET", "POST"])
def disqualify(round_id: int, participant_id: int):
    round_ = rounds.get_round_any(round_id)
    person = db.session.get(User, participant_id)
    if person is None:
        raise NotFound(_("Không tìm thấy người dự thi."))
    current = result_pages.current_result(round_id)
    form = DisqualifyForm()
    if form.validate_on_submit():
        try:
            outcome = result_publishing.disqualify(
                round_, participant_id, form.reason.data, actor=_actor(), now=utcnow()
            )
        except DomainError as exc:
            return _back_to_round(round_id, exc)
        db.session.commit()
        flash(_("Đã truất quyền %(name)s.", name=person.full_name), "success")
        _flash_outcome(outcome)
        return redirect(url_for("results_admin.show", round_id=round_id))
    return render_template(
        "results_admin/disqualify.html",
        round=round_,
        person=person,
        row=result_pages.row_of(current, participant_id) if current else None,
        form=form,
        unit_paths=result_pages.unit_paths(),
        mask_phone=mask_phone,
    ), 422 if form.errors else 200


@bp.post("/dot-thi/<int:round_id>/khoi-phuc/<int:participant_id>")
def reinstate(round_id: int, participant_id: int):
    round_ = rounds.get_round_any(round_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Yêu cầu không hợp lệ. Vui lòng tải lại trang."), "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    try:
        outcome = result_publishing.reinstate(round_, participant_id, actor=_actor(), now=utcnow())
    except DomainError as exc:
        return _back_to_round(round_id, exc)
    db.session.commit()
    flash(_("Đã huỷ quyết định truất quyền."), "success")
    _flash_outcome(outcome)
    if outcome is not None and participant_id in privacy.purged_winners(outcome.result.id):
        person = db.session.get(User, participant_id)
        flash(privacy.purged_winner_warning(person.full_name), "warning")
    return redirect(url_for("results_admin.show", round_id=round_id))


def _fill_prize_form(form: PrizeOptionsForm, options: prizes.PrizeOptions) -> None:
    """Show the stored options in the form (the share as a percentage)."""
    form.min_score.data = options.min_score
    form.max_share.data = None if options.max_share is None else round(options.max_share * 100, 2)
    form.once_per_contest.data = options.once_per_contest
    form.other_quota.data = options.other_quota
    form.collective_method.data = options.collective_method


def _prize_options_of(form: PrizeOptionsForm, quotas: dict[int, int]) -> prizes.PrizeOptions:
    """The options a valid form asks for."""
    return prizes.PrizeOptions(
        min_score=form.min_score.data,
        max_share=None if form.max_share.data is None else float(form.max_share.data) / 100,
        once_per_contest=bool(form.once_per_contest.data),
        category_quotas=quotas,
        other_quota=form.other_quota.data,
        collective_method=form.collective_method.data,
    )


@bp.route("/dot-thi/<int:round_id>/giai-thuong", methods=["GET", "POST"])
def prize_options(round_id: int):
    round_ = rounds.get_round_any(round_id)
    categories = units.list_categories(active_only=False)
    try:
        current = prizes.PrizeOptions.from_dict(round_.prize_options)
    except prizes.InvalidPrizeOptions:
        current = prizes.PrizeOptions()
    form = PrizeOptionsForm()
    quotas, quota_errors, status = dict(current.category_quotas), {}, 200
    if request.method == "GET":
        _fill_prize_form(form, current)
    else:
        quotas, quota_errors = parse_quotas(request.form, [c.id for c in categories])
        status = 422
        if form.validate_on_submit() and not quota_errors:
            options = _prize_options_of(form, quotas)
            result_publishing.save_prize_options(round_, options, actor=_actor(), now=utcnow())
            db.session.commit()
            message = _("Đã lưu cài đặt giải thưởng.")
            if round_.closed_at is not None:
                message += " " + _("Bấm «Tính lại kết quả» để áp dụng cho đợt thi đã đóng.")
            flash(message, "success")
            return redirect(url_for("results_admin.show", round_id=round_id))
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
    current = result_pages.current_result(round_id)
    method = (
        current.settings.get("options", {}).get("collective_method", DEFAULT_UNIT_METHOD)
        if current
        else DEFAULT_UNIT_METHOD
    )
    return render_template(
        "results_admin/units.html",
        round=round_,
        current=current,
        unit_paths=result_pages.unit_paths(),
        method_text=UNIT_METHODS[method].text if method in UNIT_METHODS else method,
        point_words=[str(word) for word in POINT_CRITERIA.values()],
    )


@bp.post("/dot-thi/<int:round_id>/xuat/<kind>")
def export(round_id: int, kind: str):
    """Organiser exports run as a job; its page gives the file (audited, never cached:
    E3). The job writes the version shown on the page when the button was pressed."""
    if kind not in exports.EXPORT_KINDS:
        raise NotFound()
    rounds.get_round_any(round_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Yêu cầu không hợp lệ. Vui lòng tải lại trang."), "danger")
        return redirect(url_for("results_admin.show", round_id=round_id))
    result = result_pages.current_result(round_id)
    if result is None:
        raise ResultNotReady()
    params = {"round_id": round_id, "kind": kind, "result_id": result.id}
    job = jobs.enqueue(f"export:{kind}", params, actor=_actor(), now=utcnow())
    return redirect(url_for("jobs.show", job_id=job.id))


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
@unit_scoped
def dashboard():
    contests, contest, round_ = _stats_scope()
    figures = stats.collect(contest, round_, scope=current_scope()) if contest is not None else None
    return render_template(
        "results_admin/dashboard.html",
        contests=contests,
        contest=contest,
        round=round_,
        figures=figures,
        charts=charts(figures) if figures else {},
    )


@bp.route("/thong-ke.xlsx")
@unit_scoped
def dashboard_xlsx():
    _contests, contest, round_ = _stats_scope()
    if contest is None:
        raise NotFound(_("Chưa có cuộc thi trắc nghiệm nào."))
    now = utcnow()
    figures = stats.collect(contest, round_, scope=current_scope())
    name = f"thong-ke-{contest.id}{'-dot-' + str(round_.id) if round_ else ''}.xlsx"
    return send_xlsx(lambda out: stats.write_xlsx(figures, out, now=now), name, private=True)


# Their pages are on this blueprint.
from contest.results import participation, unit_results  # noqa: E402, F401
