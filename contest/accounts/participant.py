"""A participant's own pages: profile, the notifications switch and the one-click link
that turns notifications off without signing in (services/notifications)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField

from contest.accounts.forms import ProfileForm, fill_choices
from contest.db import utcnow
from contest.extensions import db
from contest.services import notifications, participants
from contest.web.forms import save_form

bp = Blueprint("participant", __name__)


class NotificationsForm(FlaskForm):
    wanted = BooleanField(_l("Nhận thư báo khi đợt thi mở, sắp kết thúc và khi có kết quả"))


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
    notify = NotificationsForm(formdata=None)
    notify.wanted.data = not notifications.is_opted_out(user.id)
    return render_template("participant/profile.html", form=form, notify=notify), status


@bp.route("/ho-so/thong-bao", methods=["POST"])
@login_required
def notifications_switch():
    form = NotificationsForm()
    if form.validate_on_submit():
        notifications.set_notifications(current_user, bool(form.wanted.data), now=utcnow())
        db.session.commit()
        flash(
            _("Đã bật nhận thư báo.") if form.wanted.data else _("Đã tắt nhận thư báo."),
            "success",
        )
    return redirect(url_for("participant.profile"))


@bp.route("/tat-thong-bao/<token>")
def notifications_off(token: str):
    """The link of every notification mail: turns them off at once, no sign-in needed."""
    user = notifications.check_unsubscribe_token(token, secret=current_app.config["SECRET_KEY"])
    if user is None:
        message = _(
            "Liên kết tắt thông báo không đúng (có thể bị cắt mất khi sao chép). Vui lòng "
            "mở đúng liên kết trong thư, hoặc đăng nhập và tắt ở trang Hồ sơ."
        )
        return render_template("participant/notifications_off.html", refused=message), 400
    notifications.set_notifications(user, False, now=utcnow(), source="link")
    db.session.commit()
    return render_template("participant/notifications_off.html", refused=None)
