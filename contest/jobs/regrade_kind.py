"""The ``regrade`` job kind: after a key revision (``answer_keys``), grade again every
finished attempt of every round that served the question, and recompute the results of
those rounds as new versions (``regrade.regrade_round``)."""

from __future__ import annotations

from datetime import datetime

from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import User
from contest.services import regrade, rounds
from contest.services.i18n import _, lazy_gettext

REGRADING = lazy_gettext("Đang chấm lại các bài thi")


def run_regrade(params: dict, *, now: datetime, actor: User | None, progress: Progress) -> Outcome:
    """Regrade the rounds that served ``params['question_id']``."""
    progress(1, REGRADING)
    round_ids = regrade.rounds_serving(params["question_id"])
    done = []
    for n, round_id in enumerate(round_ids):
        outcome = regrade.regrade_round(rounds.get_round_any(round_id), actor=actor, now=now)
        close = outcome.close
        done.append(
            {
                "round_id": round_id,
                "regraded": outcome.regraded,
                "changed": outcome.changed,
                "version": close.result.version if close else None,
                "created": bool(close and close.created),
            }
        )
        progress(5 + 90 * (n + 1) // max(len(round_ids), 1), REGRADING)
    return Outcome(summary={"rounds": done, "round_id": params.get("round_id")})


def describe_regrade(summary: dict) -> list[str]:
    lines = []
    for r in summary["rounds"]:
        line = _(
            "Đợt thi #%(round)s: chấm lại %(n)s lượt thi, %(changed)s lượt đổi điểm.",
            round=r["round_id"],
            n=r["regraded"],
            changed=r["changed"],
        )
        if r["created"]:
            line += " " + _(
                "Kết quả mới: phiên bản %(version)s (chưa công bố).", version=r["version"]
            )
        lines.append(line)
    return lines or [_("Không có lượt thi nào cần chấm lại.")]


def _back(params: dict) -> tuple[str, dict] | None:
    if params.get("round_id"):
        return "answer_keys.changes", {"round_id": params["round_id"]}
    return None


register(
    "regrade",
    JobKind(
        lazy_gettext("Chấm lại sau khi sửa đáp án"),
        run_regrade,
        describe=describe_regrade,
        back=_back,
    ),
)
