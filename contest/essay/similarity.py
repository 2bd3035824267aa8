"""The organisers' similarity pages of an essay stage: the pairs of entries whose texts
share long runs of words, and one pair side by side with the shared passages marked. The
comparison runs as a job (``contest.jobs.similarity_kind``); the page queues a fresh one by
itself when entries changed since the stored run. Organisers only (the blueprint's guard):
judges see entries by code and never these pages."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from contest import jobs
from contest.db import utcnow
from contest.essay.forms import SimilarityForm
from contest.essay.organiser import bp
from contest.extensions import db
from contest.jobs import similarity_kind
from contest.services import essay_contests, essay_similarity
from contest.web.forms import save_form


def _stage(contest_id: int, stage_id: int):
    contest = essay_contests.get_essay_contest(contest_id)
    return contest, essay_similarity.stage_of(contest.id, stage_id)


def _queue(contest, stage, settings: essay_similarity.Settings):
    return jobs.enqueue(
        similarity_kind.KIND,
        {"contest_id": contest.id, "stage_id": stage.id, **settings.to_params()},
        actor=current_user._get_current_object(),
        now=utcnow(),
    )


def recompute_changed(contest) -> None:
    """After entries changed (one disqualified or restored): queue a fresh comparison of
    each stage of ``contest`` that has one and whose entries it no longer matches."""
    for stage in essay_contests.stages_of(contest):
        run = essay_similarity.latest_run(stage)
        if run is not None and essay_similarity.is_stale(stage, run):
            _queue(contest, stage, essay_similarity.settings_of(run))


@bp.route("/<int:contest_id>/vong/<int:stage_id>/giong-nhau", methods=["GET", "POST"])
def similarity(contest_id: int, stage_id: int):
    contest, stage = _stage(contest_id, stage_id)
    run = essay_similarity.latest_run(stage)
    form = SimilarityForm()
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: essay_similarity.check_settings(
                form.threshold_pct.data, form.shingle_words.data, form.fold_diacritics.data
            ),
        )
        if saved.ok:
            return redirect(url_for("jobs.show", job_id=_queue(contest, stage, saved.value).id))
    elif not form.errors:
        settings = essay_similarity.settings_of(run) if run else essay_similarity.Settings()
        form.threshold_pct.data = settings.threshold_pct
        form.shingle_words.data = settings.shingle_words
        form.fold_diacritics.data = settings.fold_diacritics
    job = None
    if not form.errors and essay_similarity.is_stale(stage, run):  # entries changed: again
        settings = essay_similarity.settings_of(run) if run else essay_similarity.Settings()
        job = _queue(contest, stage, settings)
        db.session.expire_all()
        run = essay_similarity.latest_run(stage)
        if run is not None and not essay_similarity.is_stale(stage, run):
            job = None  # done already (a job run in this process)
    return render_template(
        "essay_admin/similarity.html",
        contest=contest,
        stage=stage,
        run=run,
        pairs=essay_similarity.run_pairs(run) if run else [],
        job=job,
        form=form,
    ), 422 if form.errors else 200


@bp.get("/<int:contest_id>/vong/<int:stage_id>/giong-nhau/<int:pair_id>")
def similar_pair(contest_id: int, stage_id: int, pair_id: int):
    contest, stage = _stage(contest_id, stage_id)
    return render_template(
        "essay_admin/similar_pair.html",
        contest=contest,
        stage=stage,
        view=essay_similarity.pair_view(stage, pair_id),
        run=essay_similarity.latest_run(stage),
    )
