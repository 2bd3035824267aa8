"""The job that compares an essay stage's entries (``services/essay_similarity``), queued
from the organisers' similarity page; its result is the stored run the page reads."""

from __future__ import annotations

from datetime import datetime

from contest.extensions import db
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import Role, User
from contest.models.essay import Stage
from contest.services import essay_similarity
from contest.services.errors import NotFound
from contest.services.i18n import _, lazy_gettext

KIND = "essay_similarity"
COMPARING = lazy_gettext("Đang so sánh các bài dự thi")


def run_similarity(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    stage = db.session.get(Stage, params["stage_id"])
    if stage is None:
        raise NotFound(_("Không tìm thấy vòng chấm."))
    settings = essay_similarity.Settings.from_params(params)
    progress(1, COMPARING)
    run = essay_similarity.compute(
        stage,
        settings,
        actor=actor,
        now=now,
        progress=lambda done, total: progress(5 + 85 * done // max(total, 1), COMPARING),
    )
    return Outcome(
        summary={
            "entries": run.entries,
            "pairs": len(essay_similarity.run_pairs(run)),
            "threshold_pct": run.threshold_pct,
        }
    )


def _describe(summary: dict) -> list[str]:
    return [
        _(
            "Đã so sánh %(entries)s bài: %(pairs)s cặp giống nhau từ %(pct)s %% trở lên.",
            entries=summary["entries"],
            pairs=summary["pairs"],
            pct=summary["threshold_pct"],
        )
    ]


def _back(params: dict) -> tuple[str, dict]:
    return "essay_admin.similarity", {
        "contest_id": params["contest_id"],
        "stage_id": params["stage_id"],
    }


register(
    KIND,
    JobKind(
        lazy_gettext("So sánh bài dự thi giống nhau"),
        run_similarity,
        role=Role.organiser,
        describe=_describe,
        back=_back,
        timeout=1800,
    ),
)
