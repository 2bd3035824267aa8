"""Public results pages: the winners of a round, once published, with masked personal data
(L3), and a participant's own rank."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from contest.db import utcnow
from contest.models import Role
from contest.services import exports, ranking, results, rounds
from contest.services.errors import NotFound
from contest.services.vn import mask_phone
from contest.web.responses import send_xlsx

bp = Blueprint("results", __name__)


def _published(round_id: int):
    round_ = rounds.get_round_any(round_id)
    if not round_.contest.is_published:
        raise NotFound("Không tìm thấy đợt thi.")
    return round_, results.published_result(round_id)


@bp.route("/dot-thi/<int:round_id>/ket-qua")
def winners(round_id: int):
    round_, result = _published(round_id)
    own = None
    if (
        result is not None
        and current_user.is_authenticated
        and current_user.role is Role.participant
    ):
        own = results.row_of(result, current_user.id)
    rows = results.winners(result) if result is not None else []
    return render_template(
        "results/winners.html",
        round=round_,
        contest=round_.contest,
        result=result,
        rows=rows,
        own=own,
        units=results.unit_paths() if result else {},
        chain=results.chain_text(result.tie_break) if result else [],
        target_text=ranking.target_text(round_.prediction_target.value),
        explain=results.explain,
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
    result = results.published_result(round_id)
    if result is None:
        return None
    row = None
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role is Role.participant
    ):
        row = results.row_of(result, user.id)
    return {"result": result, "row": row}
