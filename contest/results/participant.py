"""Public results pages: the winners of a round, once published, with masked personal data
(L3), and a participant's own rank."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from contest.db import utcnow
from contest.models import Role
from contest.models.results import ResultRow, RoundResult
from contest.services import exports, ranking, result_pages, rounds
from contest.services.errors import NotFound
from contest.services.formatting import format_duration
from contest.services.vn import mask_phone
from contest.web.responses import send_xlsx

bp = Blueprint("results", __name__)


def _published(round_id: int):
    round_ = rounds.get_round_any(round_id)
    if not round_.contest.is_published:
        raise NotFound(_("Không tìm thấy đợt thi."))
    return round_, result_pages.published_result(round_id)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def explain(row: ResultRow, result: RoundResult) -> str:
    """Why a row ranks where it does, in the request's language: its keys, and the first
    key of the chain that puts it above the next participant."""
    parts = [_("Đúng %(score)s/%(total)s câu", score=row.score, total=row.total)]
    chain = ranking.chain_of(result.tie_break)
    if "prediction" in chain:
        if row.prediction is None:
            parts.append(_("không trả lời câu dự đoán"))
        else:
            parts.append(
                _(
                    "dự đoán %(prediction)s (lệch %(distance)s)",
                    prediction=_thousands(row.prediction),
                    distance=_thousands(row.distance),
                )
            )
    if "duration" in chain or "prediction" not in chain:
        parts.append(_("thời gian làm bài %(duration)s", duration=format_duration(row.duration_ms)))
    if "attempts" in chain:
        parts.append(_("%(n)s lượt thi", n=row.attempts))
    text = "; ".join(parts) + "."
    if row.decided_by is not None:
        text += " " + _(
            "Xếp trên người hạng %(rank)s vì %(reason)s.",
            rank=row.rank + 1,
            reason=ranking.decided_text(row.decided_by),
        )
    return text


@bp.route("/dot-thi/<int:round_id>/ket-qua")
def winners(round_id: int):
    round_, result = _published(round_id)
    own = None
    if (
        result is not None
        and current_user.is_authenticated
        and current_user.role is Role.participant
    ):
        own = result_pages.row_of(result, current_user.id)
    rows = result_pages.winners(result) if result is not None else []
    return render_template(
        "results/winners.html",
        round=round_,
        contest=round_.contest,
        result=result,
        rows=rows,
        own=own,
        units=result_pages.unit_paths() if result else {},
        chain=ranking.chain_text(result.tie_break) if result else [],
        target_text=ranking.target_text(round_.prediction_target.value),
        explain=explain,
        mask_phone=mask_phone,
    )


@bp.route("/dot-thi/<int:round_id>/ket-qua.xlsx")
def winners_xlsx(round_id: int):
    """The masked public list; no personal data beyond the winners page (no audit needed)."""
    _round, result = _published(round_id)
    if result is None:
        abort(404)
    now = utcnow()
    return send_xlsx(
        lambda out: exports.write_public_winners(result, out, now=now),
        exports.export_filename(result, "public", now),
        private=False,
    )


@bp.app_template_global()
def published_rank(round_id: int, user) -> dict | None:
    """For templates: whether the round's result is published, and the signed-in
    participant's row in it (None when not published)."""
    result = result_pages.published_result(round_id)
    if result is None:
        return None
    row = None
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role is Role.participant
    ):
        row = result_pages.row_of(result, user.id)
    return {"result": result, "row": row}
