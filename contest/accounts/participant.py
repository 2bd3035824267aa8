"""A participant's own pages: profile (quiz pages join later)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.accounts.forms import ProfileForm, fill_choices
from contest.db import utcnow
from contest.services import participants
from contest.web.forms import save_form

bp = Blueprint("participant", __name__)


@bp.route("/ho-so", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user
    form = ProfileForm(obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.gender.data = user.gender.value if user.gender else None
        form.unit_id.data = str(user.unit_id or "")
        form.category_id.data = str(user.category_id or "")
    fill_choices(form)
    status = 200
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: participants.update_profile(
                user,
                participants.ProfileInput.from_mapping(request.form),
                now=utcnow(),
                min_age=current_app.config["MIN_AGE"],
            ),
        )
        if saved.ok:
            flash(_("Đã lưu thông tin cá nhân."), "success")
            return redirect(url_for("participant.profile"))
        status = 422
    return render_template("participant/profile.html", form=form), status
