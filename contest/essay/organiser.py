"""Organiser pages for essay contests: settings, entries (with identity warnings), judge
assignment and workloads, judging progress, closing stages, results and exports."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from contest.db import utcnow
from contest.essay.forms import ActionForm, DisqualifyForm, EssayContestForm, ReassignForm
from contest.extensions import db
from contest.models import Role
from contest.models.essay import AssignmentStatus
from contest.services import (
    essay_contests,
    essay_entries,
    essay_judging,
    essay_stages,
    exclusions,
    judging,
)
from contest.services.errors import ValidationFailed
from contest.services.formatting import local_to_utc, to_local
from contest.web import menu
from contest.web.forms import flash_refusal, save_form
from contest.web.responses import send_essay_file, xlsx_response
from contest.web.security import role_required

bp = Blueprint("essay_admin", __name__, url_prefix="/ban-to-chuc/cuoc-thi-viet")
menu.add(
    2,
    "essay_admin.list_contests",
    _l("Cuộc thi viết"),
    _l(
        "Tạo cuộc thi viết, tiêu chí chấm, vòng chấm; phân công giám khảo, theo dõi chấm, "
        "công bố và xuất kết quả."
    ),
)


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _actor():
    return current_user._get_current_object()


def _lines(text: str, field: str, parts: int) -> list[list[str]]:
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > parts or not cells[0]:
            raise ValidationFailed(
                {field: _("Dòng %(n)s chưa đúng dạng. Xem ví dụ bên dưới ô.", n=n)}
            )
        rows.append(cells + [""] * (parts - len(cells)))
    return rows


# A stage line's rule: "10 bài" or "từ 70 điểm"; the English words ("10 entries", "from 70
# points") are read too, so the box can be written in the page's language.
_TOP = re.compile(r"^(?:top\s*)?(\d+)\s*(?:bài|entries|entry)?$", re.IGNORECASE)
_CUT = re.compile(r"^(?:từ|from|>=|≥)\s*([\d.,]+)\s*(?:điểm|points?)?$", re.IGNORECASE)


def _contest_input(form) -> essay_contests.EssayContestInput:
    criteria = []
    for name, points in _lines(form.criteria.data, "criteria", 2):
        if not (points.isascii() and points.isdigit()):  # never "٧" or "７"
            raise ValidationFailed(
                {"criteria": _("Điểm tối đa của «%(name)s» phải là số nguyên.", name=name)}
            )
        criteria.append((name, int(points)))
    stages = []
    rows = _lines(form.stages.data, "stages", 2)
    for index, (name, rule) in enumerate(rows):
        if index == len(rows) - 1:
            stages.append({"name": name, "rule": None, "value": None})
        elif match := _TOP.match(rule):
            stages.append({"name": name, "rule": "top_k", "value": int(match.group(1))})
        elif match := _CUT.match(rule):
            stages.append({"name": name, "rule": "cutoff", "value": match.group(1)})
        else:
            stages.append({"name": name, "rule": None, "value": None})
    tiers = []
    for name, count in _lines(form.prize_tiers.data, "prize_tiers", 2):
        if not count.isdigit():
            raise ValidationFailed(
                {"prize_tiers": _("Số lượng của «%(name)s» phải là số nguyên.", name=name)}
            )
        tiers.append({"name": name, "count": int(count)})
    return essay_contests.EssayContestInput(
        title=form.title.data,
        summary=form.summary.data or "",
        rules_text=form.rules_text.data or "",
        complaint_days=form.complaint_days.data,
        opens_at=local_to_utc(form.opens_at.data),
        closes_at=local_to_utc(form.closes_at.data),
        min_words=form.min_words.data,
        max_words=form.max_words.data,
        allow_online=form.allow_online.data,
        allow_docx=form.allow_docx.data,
        allow_pdf=form.allow_pdf.data,
        max_entries=form.max_entries.data,
        judges_per_entry=form.judges_per_entry.data,
        discrepancy=form.discrepancy.data,
        discrepancy_rule=form.discrepancy_rule.data,
        criteria=criteria,
        stages=stages,
        prize_tiers=tiers,
        judge_ids=list(form.judge_ids.data or []),
    )


def _stage_line(name: str, rule: str | None, value) -> str:
    """A stage as a line of the stages box, in the page's language (_TOP and _CUT read
    both): the name, then how many entries go on (``top_k``) or from which score
    (``cutoff``, hundredths); the last stage is its name alone."""
    if rule == "top_k":
        return _("%(name)s | %(n)s bài", name=name, n=value)
    if rule == "cutoff":
        return _("%(name)s | từ %(points)s điểm", name=name, points=judging.points_text(value))
    return name


def _load_into(form, contest) -> None:
    settings = contest.essay_settings
    form.title.data, form.summary.data = contest.title, contest.summary
    form.rules_text.data = contest.rules_text
    form.complaint_days.data = contest.complaint_days
    form.opens_at.data = to_local(settings.opens_at).replace(tzinfo=None)
    form.closes_at.data = to_local(settings.closes_at).replace(tzinfo=None)
    for attr in (
        "min_words",
        "max_words",
        "allow_online",
        "allow_docx",
        "allow_pdf",
        "max_entries",
        "judges_per_entry",
        "judge_ids",
    ):
        getattr(form, attr).data = getattr(settings, attr)
    form.discrepancy.data = judging.points_text(settings.discrepancy_x100)
    form.discrepancy_rule.data = settings.discrepancy_rule.value
    form.criteria.data = "\n".join(
        f"{c.name} | {c.max_points}" for c in essay_contests.criteria_of(contest)
    )
    form.stages.data = "\n".join(
        _stage_line(s.name, s.advance_rule and s.advance_rule.value, s.advance_value)
        for s in essay_contests.stages_of(contest)
    )
    form.prize_tiers.data = "\n".join(f"{t['name']} | {t['count']}" for t in settings.prize_tiers)


@bp.route("/")
def list_contests():
    return render_template(
        "essay_admin/contests.html",
        contests=essay_contests.list_essay_contests(published_only=False),
        now=utcnow(),
        state_of=essay_contests.submission_state,
        form=ActionForm(),
    )


@bp.route("/moi", methods=["GET", "POST"])
@bp.route("/<int:contest_id>/sua", methods=["GET", "POST"])
def edit_contest(contest_id: int | None = None):
    contest = essay_contests.get_essay_contest(contest_id) if contest_id else None
    form = EssayContestForm()
    form.judge_ids.choices = [
        SelectChoice(j.id, f"{j.full_name}" + (f" — {j.unit.name}" if j.unit else ""))
        for j in essay_contests.list_judges()
    ]
    if request.method == "GET":
        if contest is not None:
            _load_into(form, contest)
        else:
            form.max_entries.data, form.judges_per_entry.data = 1, 2
            form.discrepancy.data = "20"
            form.criteria.data = "\n".join(f"{n} | {m}" for n, m in essay_contests.DEFAULT_CRITERIA)
            form.stages.data = "\n".join(
                _stage_line(s["name"], s["rule"], s["value"]) for s in essay_contests.DEFAULT_STAGES
            )
            form.prize_tiers.data = "\n".join(
                f"{t['name']} | {t['count']}" for t in essay_contests.DEFAULT_PRIZE_TIERS
            )
    status = 200
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: essay_contests.save_essay_contest(
                _contest_input(form), actor=_actor(), now=utcnow(), contest=contest
            ),
        )
        if saved.ok:
            flash(_("Đã lưu cuộc thi viết."), "success")
            return redirect(url_for("essay_admin.overview", contest_id=saved.value.id), 303)
        status = 422
    elif form.errors:
        status = 422
    return render_template("essay_admin/contest_form.html", form=form, contest=contest), status


@bp.post("/<int:contest_id>/cong-bo")
def toggle_publish(contest_id: int):
    from contest.services import rounds

    contest = essay_contests.get_essay_contest(contest_id)
    rounds.set_published(contest, not contest.is_published, actor=_actor(), now=utcnow())
    db.session.commit()
    flash(_("Đã công bố cuộc thi.") if contest.is_published else _("Đã ẩn cuộc thi."), "success")
    return redirect(url_for("essay_admin.overview", contest_id=contest.id), 303)


@bp.route("/<int:contest_id>")
def overview(contest_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    entries = essay_entries.list_entries(contest)
    warnings = {}
    for e in entries:
        version = e.latest_version
        if version is not None:
            hits = essay_entries.identity_warnings(e, version.text, version.title)
            if hits:
                warnings[e.id] = hits
    stages = essay_contests.stages_of(contest)
    progress = {
        s.id: essay_judging.progress_counts(essay_judging.stage_progress(s)) for s in stages
    }
    return render_template(
        "essay_admin/overview.html",
        contest=contest,
        settings=contest.essay_settings,
        entries=entries,
        warnings=warnings,
        stages=stages,
        progress=progress,
        state=essay_contests.submission_state(contest.essay_settings, utcnow()),
        form=ActionForm(),
        ready=essay_stages.results_ready(contest),
    )


@bp.route("/<int:contest_id>/bai/<int:entry_id>")
def entry(contest_id: int, entry_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    item = essay_entries.get_entry(contest, entry_id)
    version = item.latest_version
    return render_template(
        "essay_admin/entry.html",
        contest=contest,
        entry=item,
        version=version,
        warnings=essay_entries.identity_warnings(item, version.text, version.title)
        if version
        else [],
        results=essay_stages.entry_results(item),
        form=DisqualifyForm(),
        action_form=ActionForm(),
    )


@bp.get("/<int:contest_id>/bai/<int:entry_id>/tep/<int:file_id>")
def download(contest_id: int, entry_id: int, file_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    item = essay_entries.get_entry(contest, entry_id)
    stored = next((f for f in item.files if f.id == file_id), None)
    if stored is None:
        return render_template(
            "errors/error.html",
            status=404,
            title=_("Không tìm thấy tệp"),
            message=_("Không tìm thấy tệp của bài dự thi."),
        ), 404
    return send_essay_file(stored, essay_entries.download_name(item, stored))


@bp.post("/<int:contest_id>/bai/<int:entry_id>/loai")
def disqualify(contest_id: int, entry_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    item = essay_entries.get_entry(contest, entry_id)
    form = DisqualifyForm()
    if not form.validate():
        flash(_("Vui lòng ghi lý do loại bài."), "danger")
        return redirect(url_for("essay_admin.entry", contest_id=contest.id, entry_id=item.id), 303)
    essay_entries.disqualify(item, form.reason.data, actor=_actor(), now=utcnow())
    db.session.commit()
    similarity.recompute_changed(contest)
    flash(_("Đã loại bài %(code)s.", code=item.code), "success")
    return redirect(url_for("essay_admin.entry", contest_id=contest.id, entry_id=item.id), 303)


@bp.post("/<int:contest_id>/bai/<int:entry_id>/khoi-phuc")
def restore(contest_id: int, entry_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    item = essay_entries.get_entry(contest, entry_id)
    essay_entries.restore(item, actor=_actor(), now=utcnow())
    db.session.commit()
    similarity.recompute_changed(contest)
    flash(
        _(
            "Đã khôi phục bài %(code)s. Hãy chạy lại phân công nếu bài cần giám khảo.",
            code=item.code,
        ),
        "success",
    )
    return redirect(url_for("essay_admin.entry", contest_id=contest.id, entry_id=item.id), 303)


@bp.post("/<int:contest_id>/vong/<int:stage_id>/phan-cong")
def assign(contest_id: int, stage_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    stage = essay_contests.get_stage(contest, stage_id)
    result = essay_judging.assign_stage(stage, actor=_actor(), now=utcnow())
    db.session.commit()
    flash(_("Đã phân công %(n)s phiếu chấm.", n=result.created), "success")
    if result.short:
        flash(
            _(
                "Không đủ giám khảo phù hợp (khác đơn vị tác giả) cho các bài: %(codes)s",
                codes=", ".join(result.short),
            ),
            "warning",
        )
    return redirect(url_for("essay_admin.stage", contest_id=contest.id, stage_id=stage.id), 303)


@bp.route("/<int:contest_id>/vong/<int:stage_id>")
def stage(contest_id: int, stage_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    item = essay_contests.get_stage(contest, stage_id)
    rows = essay_judging.stage_progress(item)
    judges = essay_contests.panel(contest.essay_settings)
    return render_template(
        "essay_admin/stage.html",
        contest=contest,
        stage=item,
        rows=rows,
        counts=essay_judging.progress_counts(rows),
        workload=essay_judging.workload(item),
        judges=judges,
        form=ActionForm(),
        submitted=AssignmentStatus.submitted,
        criteria=essay_contests.criteria_of(contest),
    )


@bp.post("/<int:contest_id>/phieu/<int:assignment_id>/chuyen")
def reassign(contest_id: int, assignment_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    assignment = essay_judging.get_assignment(contest, assignment_id)
    form = ReassignForm()
    form.judge_id.choices = [
        SelectChoice(j.id, j.full_name) for j in essay_contests.panel(contest.essay_settings)
    ]
    target = url_for("essay_admin.stage", contest_id=contest.id, stage_id=assignment.stage_id)
    if not form.validate():
        flash(_("Vui lòng chọn giám khảo."), "danger")
        return redirect(target, 303)
    try:
        essay_judging.reassign(assignment, form.judge_id.data, actor=_actor(), now=utcnow())
    except ValidationFailed as exc:
        # The judge list is a select in the table row: its messages go in the flash.
        flash_refusal(exc)
        return redirect(target, 303)
    db.session.commit()
    flash(_("Đã chuyển phiếu chấm bài %(code)s.", code=assignment.entry.code), "success")
    return redirect(target, 303)


@bp.post("/<int:contest_id>/vong/<int:stage_id>/ket-thuc")
def close_stage(contest_id: int, stage_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    item = essay_contests.get_stage(contest, stage_id)
    essay_stages.close_stage(item, actor=_actor(), now=utcnow())
    db.session.commit()
    flash(_("Đã kết thúc vòng %(name)s.", name=item.name), "success")
    return redirect(url_for("essay_admin.results", contest_id=contest.id), 303)


@bp.route("/<int:contest_id>/ket-qua")
def results(contest_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    stages = [
        (s, essay_judging.stage_entries(s))
        for s in essay_contests.stages_of(contest)
        if s.closed_at is not None
    ]
    return render_template(
        "essay_admin/results.html",
        contest=contest,
        stages=stages,
        settings=contest.essay_settings,
        ready=essay_stages.results_ready(contest),
        form=ActionForm(),
        exclusion_summary=exclusions.summarise(contest),
    )


@bp.post("/<int:contest_id>/cong-bo-ket-qua")
def publish_results(contest_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    if contest.essay_settings.results_published_at is None:
        essay_stages.publish_results(contest, actor=_actor(), now=utcnow())
        message = _("Đã công bố kết quả.")
    else:
        essay_stages.unpublish_results(contest, actor=_actor(), now=utcnow())
        message = _("Đã thôi công bố kết quả.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("essay_admin.results", contest_id=contest.id), 303)


@bp.get("/<int:contest_id>/xuat/danh-sach.xlsx")
def export_entries(contest_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    data = essay_stages.export_entries(contest, actor=_actor(), now=utcnow())
    db.session.commit()
    return xlsx_response(data, f"danh-sach-bai-du-thi-{contest.id}.xlsx", private=True)


@bp.get("/<int:contest_id>/xuat/phieu-cham.xlsx")
def export_scores(contest_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    data = essay_stages.export_scores(contest, actor=_actor(), now=utcnow())
    db.session.commit()
    return xlsx_response(data, f"phieu-cham-{contest.id}.xlsx", private=True)


from contest.essay import similarity  # noqa: E402, F401  (its pages are on this blueprint)
