"""«Kết quả của đơn vị»: the published result's rows of the signed-in organiser's units
(a unit organiser's subtree; everyone for a province organiser), with the province-wide
rank and prize, and its .xlsx (full phones: audited, never cached). On ``results_admin``'s
blueprint (its organiser guard applies); both pages are ``unit_scoped``
(docs/unit-organisers.md)."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from contest.db import utcnow
from contest.extensions import db
from contest.results.organiser import bp
from contest.results.participation import _contest_and_round
from contest.services import result_pages
from contest.services import unit_results as unit_rows
from contest.web import menu
from contest.web.responses import send_xlsx
from contest.web.security import current_scope, is_unit_organiser, unit_scoped

menu.add(
    4,
    "results_admin.unit_results",
    _l("Kết quả của đơn vị"),
    _l("Người của đơn vị trong kết quả đã công bố: hạng, điểm, giải; tải Excel."),
)


def _unit_name() -> str | None:
    user = current_user._get_current_object()
    return user.scope_unit.path if is_unit_organiser(user) and user.scope_unit else None


@bp.route("/cua-don-vi")
@unit_scoped
def unit_results():
    contests, contest, round_ = _contest_and_round()
    published = result_pages.published_result(round_.id) if round_ is not None else None
    scope = current_scope()
    return render_template(
        "results_admin/unit_results.html",
        contests=contests,
        contest=contest,
        round=round_,
        published=published,
        counts=unit_rows.count_rows(published, scope) if published else (0, 0),
        rows=unit_rows.list_rows(published, scope) if published else [],
        unit_name=_unit_name(),
        limit=unit_rows.PAGE_LIMIT,
    )


@bp.route("/cua-don-vi.xlsx")
@unit_scoped
def unit_results_xlsx():
    _contests, _contest, round_ = _contest_and_round()
    published = result_pages.published_result(round_.id) if round_ is not None else None
    if published is None:
        abort(404)
    rows = unit_rows.list_rows(published, current_scope(), limit=None)
    actor, now, name = current_user._get_current_object(), utcnow(), _unit_name()
    response = send_xlsx(
        lambda out: unit_rows.write_xlsx(
            published, rows, out, unit_name=name, actor=actor, now=now
        ),
        f"ket-qua-don-vi-dot-{round_.id}.xlsx",
        private=True,
    )
    db.session.commit()  # the audit entry
    return response
