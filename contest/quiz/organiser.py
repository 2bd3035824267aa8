"""Organiser pages for quiz contests and rounds."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from contest.db import utcnow
from contest.extensions import db
from contest.models import ContestKind, QuestionBank, Role
from contest.quiz.forms import ContestForm, CopyRoundForm, RoundForm, ScheduleRoundsForm
from contest.services import papers, round_copies, round_lifecycle, rounds, units
from contest.services.errors import NotFound, PoolTooSmall, ValidationFailed
from contest.services.formatting import local_to_utc, to_local
from contest.web import menu
from contest.web.forms import apply_errors
from contest.web.security import role_required
from question_bank import DIFFICULTY_LABELS, parse_difficulty
from question_bank.text import fold

bp = Blueprint("quiz_admin", __name__, url_prefix="/ban-to-chuc/cuoc-thi")
menu.add(
    1,
    "quiz_admin.list_contests",
    _l("Cuộc thi và đợt thi"),
    _l("Tạo cuộc thi, đợt thi, xem trước đề, theo dõi số người đang thi."),
)


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _save(form, save):
    """``(saved, status)``: ``save()`` committed, or its field errors put on the form (422)."""
    try:
        saved = save()
    except ValidationFailed as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return None, 422
    db.session.commit()
    return saved, 200


@bp.route("/")
def list_contests():
    contests = rounds.list_contests(published_only=False, kind=ContestKind.quiz)
    ids = [r.id for c in contests for r in c.rounds]
    return render_template(
        "quiz_admin/contests.html",
        contests=contests,
        counts=rounds.live_counts(ids),
        now=utcnow(),
        state_of=rounds.state_of,
    )


@bp.route("/moi", methods=["GET", "POST"])
@bp.route("/<int:contest_id>/sua", methods=["GET", "POST"])
def edit_contest(contest_id: int | None = None):
    contest = rounds.get_contest(contest_id) if contest_id else None
    form = ContestForm(obj=contest)
    status = 200
    if form.validate_on_submit():
        saved, status = _save(
            form,
            lambda: rounds.save_contest(
                rounds.ContestInput(
                    title=form.title.data,
                    summary=form.summary.data or "",
                    rules_text=form.rules_text.data or "",
                    complaint_days=form.complaint_days.data,
                    challenge_days=form.challenge_days.data,
                ),
                actor=current_user,
                now=utcnow(),
                contest=contest,
            ),
        )
        if saved is not None:
            flash(_("Đã lưu cuộc thi."), "success")
            return redirect(url_for("quiz_admin.list_contests"))
    elif form.errors:
        status = 422
    return render_template("quiz_admin/contest_form.html", form=form, contest=contest), status


@bp.post("/<int:contest_id>/cong-bo")
def toggle_publish(contest_id: int):
    contest = rounds.get_contest(contest_id)
    rounds.set_published(contest, not contest.is_published, actor=current_user, now=utcnow())
    db.session.commit()
    flash(_("Đã công bố cuộc thi.") if contest.is_published else _("Đã ẩn cuộc thi."), "success")
    return redirect(url_for("quiz_admin.list_contests"))


def _fill_round_choices(form) -> None:
    form.bank_ids.choices = [
        SelectChoice(b.id, b.name)
        for b in db.session.scalars(select(QuestionBank).order_by(QuestionBank.name))
    ]
    form.eligible_category_ids.choices = [
        SelectChoice(c.id, c.name) for c in units.list_categories()
    ]
    form.eligible_unit_ids.choices = [SelectChoice(u.id, u.path) for u in units.list_units()]


def _parse_lines(text: str, field: str, parts: int):
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != parts or not cells[-1].isdigit():
            raise ValidationFailed(
                {field: _("Dòng %(row)s chưa đúng dạng. Xem ví dụ bên dưới ô.", row=n)}
            )
        rows.append(cells)
    return rows


def _quota_level(level: str) -> str | None:
    """A quota line's level in the bank's words (``None``: any level)."""
    if not level:
        return None
    value = parse_difficulty(level)
    if value is None:
        raise ValidationFailed(
            {
                "quotas": _(
                    "Mức độ «%(level)s» không hợp lệ: dùng Dễ, Trung bình hoặc Khó.", level=level
                )
            }
        )
    return value


def _collective_word() -> str:
    return _("tập thể")


def _parse_tiers(text: str) -> list[dict]:
    """Prize lines ``name | count`` or ``name | count | tập thể`` (a collective tier)."""
    tiers = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        marked = len(cells) == 3 and fold(cells[2]) in {fold(_collective_word()), "collective"}
        if len(cells) not in (2, 3) or not cells[1].isdigit() or (len(cells) == 3 and not marked):
            raise ValidationFailed(
                {"prize_tiers": _("Dòng %(row)s chưa đúng dạng. Xem ví dụ bên dưới ô.", row=n)}
            )
        tiers.append({"name": cells[0], "count": int(cells[1]), "collective": marked})
    return tiers


def _tier_lines(tiers: list[dict]) -> str:
    return "\n".join(
        f"{t['name']} | {t['count']}" + (f" | {_collective_word()}" if t.get("collective") else "")
        for t in tiers
    )


def _same_minute(posted, stored):
    """The stored time when the form (which shows minutes) posts back the same minute."""
    if (
        posted is not None
        and stored is not None
        and posted == stored.replace(second=0, microsecond=0)
    ):
        return stored
    return posted


def _round_input(form, round_=None) -> rounds.RoundInput:
    quotas = [
        {"topic": topic or None, "difficulty": _quota_level(level), "count": int(count)}
        for topic, level, count in _parse_lines(form.quotas.data, "quotas", 3)
    ]
    tiers = _parse_tiers(form.prize_tiers.data)
    opens_at, closes_at = local_to_utc(form.opens_at.data), local_to_utc(form.closes_at.data)
    if round_ is not None:
        opens_at = _same_minute(opens_at, round_.opens_at)
        closes_at = _same_minute(closes_at, round_.closes_at)
    return rounds.RoundInput(
        name=form.name.data,
        opens_at=opens_at,
        closes_at=closes_at,
        question_count=form.question_count.data,
        time_limit_minutes=form.time_limit_minutes.data,
        max_attempts=form.max_attempts.data,
        allow_practice=form.allow_practice.data,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data,
        review_policy=form.review_policy.data,
        bank_ids=list(form.bank_ids.data or []),
        quotas=quotas,
        eligible_category_ids=list(form.eligible_category_ids.data or []),
        eligible_unit_ids=list(form.eligible_unit_ids.data or []),
        min_age=form.min_age.data,
        prediction_text=form.prediction_text.data or rounds.DEFAULT_PREDICTION_TEXT,
        prediction_target=form.prediction_target.data,
        tie_break=form.tie_break.data,
        prize_tiers=tiers,
        prize_options=_with_referral_prizes(form, round_),
        min_score=form.min_score.data,
    )


def _with_referral_prizes(form, round_) -> dict:
    """The round's prize options with the form's number of "giải lan tỏa" (0: none)."""
    options = dict(round_.prize_options or {}) if round_ is not None else {}
    options.pop("referral_prizes", None)
    if form.referral_prizes.data:
        options["referral_prizes"] = form.referral_prizes.data
    return options


def _level_word(value: str | None) -> str:
    return _(DIFFICULTY_LABELS[value]) if value in DIFFICULTY_LABELS else ""


def _load_round_into(form, round_) -> None:
    form.name.data = round_.name
    form.opens_at.data = to_local(round_.opens_at).replace(tzinfo=None)
    form.closes_at.data = to_local(round_.closes_at).replace(tzinfo=None)
    for attr in (
        "question_count",
        "time_limit_minutes",
        "max_attempts",
        "allow_practice",
        "shuffle_questions",
        "shuffle_options",
        "bank_ids",
        "eligible_category_ids",
        "eligible_unit_ids",
        "min_age",
        "prediction_text",
    ):
        getattr(form, attr).data = getattr(round_, attr)
    form.review_policy.data = round_.review_policy.value
    form.prediction_target.data = round_.prediction_target.value
    form.tie_break.data = round_.tie_break.value
    # The quota lines are typed in the bank's own words (Dễ / Trung bình / Khó), in the
    # page's language: both read back (question_bank.parse_difficulty).
    form.quotas.data = "\n".join(
        f"{q['topic'] or ''} | {_level_word(q['difficulty'])} | {q['count']}" for q in round_.quotas
    )
    form.prize_tiers.data = _tier_lines(round_.prize_tiers)
    form.min_score.data = (round_.prize_options or {}).get("min_score")
    form.referral_prizes.data = (round_.prize_options or {}).get("referral_prizes")


def _posted_values(field) -> list[str]:
    """What a browser would post for ``field`` as it is filled."""
    if field.type == "BooleanField":
        return ["y"] if field.data else []
    if field.type == "SelectMultipleField":
        return [str(v) for v in field.data or []]
    if field.type == "SelectField":
        return [] if field.data is None else [str(field.data)]
    return [field._value()]


def _round_form(round_, locked: set[str]) -> RoundForm:
    """The round form. A locked field is shown disabled, so the browser does not post it:
    it keeps the round's value. A forged value is passed on, and the service refuses it."""
    if request.method == "POST" and round_ is not None and locked:
        stored = RoundForm(formdata=None)
        _fill_round_choices(stored)
        _load_round_into(stored, round_)
        data = request.form.copy()
        for name in locked:
            if name not in data:
                data.setlist(name, _posted_values(getattr(stored, name)))
        form = RoundForm(formdata=data)
    else:
        form = RoundForm()
    _fill_round_choices(form)
    for name in locked:
        getattr(form, name).render_kw = {"disabled": True}
    return form


def _new_round_defaults(form) -> None:
    form.question_count.data, form.time_limit_minutes.data = 20, 20
    form.max_attempts.data = 3
    form.prediction_text.data = rounds.DEFAULT_PREDICTION_TEXT
    form.prize_tiers.data = _tier_lines(rounds.DEFAULT_PRIZE_TIERS)
    form.min_score.data = rounds.default_min_score(form.question_count.data)


def _round_of(contest, round_id: int | None):
    if round_id is None:
        return None
    round_ = rounds.get_round_any(round_id)
    if round_.contest_id != contest.id:
        raise NotFound(_("Không tìm thấy đợt thi."))
    return round_


@bp.route("/<int:contest_id>/dot-thi/moi", methods=["GET", "POST"])
@bp.route("/<int:contest_id>/dot-thi/<int:round_id>/sua", methods=["GET", "POST"])
def edit_round(contest_id: int, round_id: int | None = None):
    contest = rounds.get_contest(contest_id)
    round_ = _round_of(contest, round_id)
    now = utcnow()
    names = [f.name for f in RoundForm(formdata=None) if f.name != "csrf_token"]
    locked = round_lifecycle.locked_form_fields(round_, now, names)
    form = _round_form(round_, locked)
    if request.method == "GET":
        if round_ is not None:
            _load_round_into(form, round_)
        else:
            _new_round_defaults(form)
    status = 200
    if form.validate_on_submit():
        saved, status = _save(
            form,
            lambda: rounds.save_round(
                contest, _round_input(form, round_), actor=current_user, now=now, round_=round_
            ),
        )
        if saved is not None:
            flash(_("Đã lưu đợt thi."), "success")
            return redirect(url_for("quiz_admin.preview", round_id=saved.id))
    elif form.errors:
        status = 422
    return render_template(
        "quiz_admin/round_form.html",
        form=form,
        contest=contest,
        round=round_,
        locked=locked,
        closed=round_ is not None and round_lifecycle.is_closed(round_, now),
        state=round_lifecycle.state(round_, now) if round_ is not None else None,
        state_labels=round_lifecycle.STATE_LABELS,
    ), status


@bp.post("/dot-thi/<int:round_id>/cong-bo")
def publish_round(round_id: int):
    round_ = rounds.get_round_any(round_id)
    round_lifecycle.publish_round(round_, actor=current_user, now=utcnow())
    db.session.commit()
    message = _("Đã công bố đợt thi. Người dự thi đã thấy đợt thi này.")
    if not round_.contest.is_published:
        message = _(
            "Đã công bố đợt thi. Cuộc thi chưa được công bố nên người dự thi chưa thấy đợt thi "
            "này; hãy bấm «Công bố» ở cuộc thi."
        )
    flash(message, "success")
    return redirect(url_for("quiz_admin.list_contests"))


@bp.route("/dot-thi/<int:round_id>/ket-thuc-som", methods=["GET", "POST"])
def end_early(round_id: int):
    round_ = rounds.get_round_any(round_id)
    if request.method == "POST":
        finalised = round_lifecycle.end_early(round_, actor=current_user, now=utcnow())
        db.session.commit()
        flash(
            _(
                "Đã kết thúc đợt thi. %(count)s lượt thi đang làm dở đã được chấm theo các câu "
                "đã lưu. Bây giờ bạn có thể đóng đợt thi và xếp giải.",
                count=finalised,
            ),
            "success",
        )
        return redirect(url_for("results_admin.show", round_id=round_.id))
    now = utcnow()
    return render_template(
        "quiz_admin/end_early.html",
        round=round_,
        running=round_lifecycle.state(round_, now) == round_lifecycle.RUNNING,
        in_progress=round_lifecycle.in_progress_count(round_.id),
    )


def _local(value):
    return to_local(value).replace(tzinfo=None, second=0, microsecond=0)


@bp.route("/dot-thi/<int:round_id>/nhan-ban", methods=["GET", "POST"])
def copy_round(round_id: int):
    source = rounds.get_round_any(round_id)
    form = CopyRoundForm()
    if request.method == "GET":
        form.name.data = round_copies.next_name(source.name)
        form.opens_at.data = _local(source.opens_at + timedelta(days=7))
        form.closes_at.data = _local(source.closes_at + timedelta(days=7))
    status = 200
    if form.validate_on_submit():
        saved, status = _save(
            form,
            lambda: round_copies.copy_round(
                source,
                name=form.name.data,
                opens_at=local_to_utc(form.opens_at.data),
                closes_at=local_to_utc(form.closes_at.data),
                actor=current_user,
                now=utcnow(),
            ),
        )
        if saved is not None:
            flash(
                _("Đã tạo bản sao (bản nháp). Hãy kiểm tra rồi bấm «Công bố đợt thi»."), "success"
            )
            return redirect(
                url_for("quiz_admin.edit_round", contest_id=saved.contest_id, round_id=saved.id)
            )
    elif form.errors:
        status = 422
    return render_template("quiz_admin/copy_round.html", form=form, round=source), status


@bp.route("/dot-thi/<int:round_id>/len-lich", methods=["GET", "POST"])
def schedule_rounds(round_id: int):
    source = rounds.get_round_any(round_id)
    form = ScheduleRoundsForm()
    if request.method == "GET":
        form.weeks.data = 4
        form.first_opens_at.data = _local(source.opens_at + timedelta(days=7))
        form.length_days.data = max(1, round((source.closes_at - source.opens_at).days))
    status = 200
    if form.validate_on_submit():
        made, status = _save(
            form,
            lambda: round_copies.schedule_rounds(
                source,
                weeks=form.weeks.data,
                first_opens_at=local_to_utc(form.first_opens_at.data),
                length=timedelta(days=form.length_days.data),
                gap=timedelta(days=form.gap_days.data),
                actor=current_user,
                now=utcnow(),
            ),
        )
        if made is not None:
            flash(_("Đã tạo %(count)s đợt thi (bản nháp).", count=len(made)), "success")
            return redirect(url_for("quiz_admin.list_contests"))
    elif form.errors:
        status = 422
    return render_template("quiz_admin/schedule_rounds.html", form=form, round=source), status


@bp.route("/dot-thi/<int:round_id>/xem-truoc")
def preview(round_id: int):
    round_ = rounds.get_round_any(round_id)
    seed = request.args.get("seed", type=int) or int(utcnow().timestamp())
    try:
        paper = papers.build_paper(round_, seed)
        problem = None
    except PoolTooSmall as exc:  # shown on the preview page itself
        paper, problem = [], str(exc)
    return render_template(
        "quiz_admin/preview.html", round=round_, paper=paper, seed=seed, problem=problem
    )


@bp.route("/dot-thi/<int:round_id>/so-lieu")
def live(round_id: int):
    round_ = rounds.get_round_any(round_id)
    return jsonify(rounds.live_counts([round_.id])[round_.id])


from contest.quiz import funnel  # noqa: E402, F401  (its pages are on this blueprint)
