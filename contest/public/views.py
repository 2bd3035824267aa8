"""Public pages: home, privacy policy, language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    from contest.db import utcnow
    from contest.services import rounds

    now = utcnow()
    contests = [
        {"contest": c, "rounds": [(r, rounds.state_of(r, now)) for r in rounds.published_rounds(c)]}
        for c in rounds.list_contests()
    ]
    return render_template("public/index.html", contests=contests)


@bp.route("/chinh-sach-du-lieu")
def privacy():
    return render_template("public/privacy.html")


@bp.route("/ngon-ngu/<code>")
def set_language(code: str):
    from flask import current_app

    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("public.index")
    return redirect(target if target.startswith(request.host_url) else url_for("public.index"))


# The sharing pages and hooks register themselves on this blueprint.
from contest.public import sharing  # noqa: E402, F401
