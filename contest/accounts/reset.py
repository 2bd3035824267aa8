"""'Quên mật khẩu': asking for a reset link by email and choosing a new password from it
(services/password_reset.py), and the gate that keeps a temporary password from doing
anything but choosing a new one."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from contest import jobs
from contest.db import utcnow
from contest.extensions import db, limiter
from contest.jobs import reset_mail
from contest.services import mail, password_reset
from contest.services.errors import ValidationFailed
from contest.web.errors import api_error

bp = Blueprint("password_reset", __name__)

# What a temporary password may still reach: choosing the new one, signing out, the pages
# that explain the rules, and the static files.
_ALLOWED_WITH_TEMPORARY = {
    "auth.change_password",
    "auth.logout",
    "api.logout",
    "api.me",
    "public.privacy",
    "public.set_language",
    "static",
    "bootstrap.static",
}


class ForgotForm(FlaskForm):
    email = StringField(
        _l("Email đã đăng ký"),
        validators=[InputRequired(_l("Vui lòng nhập email của tài khoản.")), Length(max=254)],
    )


class NewPasswordForm(FlaskForm):
    new_password = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"), validators=[Length(max=128)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[Length(max=128)])


def _reset_limit():
    return current_app.config["RESET_LIMIT_PER_IP"]


def _account_limit():
    return current_app.config.get("RESET_LIMIT_PER_ACCOUNT", "5 per hour")


def _account_key() -> str:
    """The per-account counter: a keyed hash of the posted address, known or not."""
    return password_reset.account_key(
        request.form.get("email", "")[:320], secret=current_app.config["SECRET_KEY"]
    )


def _link(token: str) -> str:
    return url_for("password_reset.choose", token=token, _external=True)


def _settings() -> mail.MailSettings:
    return mail.MailSettings.from_config(current_app.config)


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"])
def forgot():
    form = ForgotForm()
    settings = _settings()
    if settings.configured and form.validate_on_submit():
        # The same work for every address: one look-up, one job queued; the mail (or
        # nothing, for an unknown address) is sent by the job (contest.jobs.reset_mail).
        jobs.enqueue(
            reset_mail.KIND,
            {
                "user_id": password_reset.account_to_mail(form.email.data),
                "link": _link("_")[:-1],
                "nonce": secrets.token_hex(8),
            },
            actor=None,
            now=utcnow(),
        )
        return render_template(
            "auth/forgot_sent.html", minutes=current_app.config["RESET_LINK_MINUTES"]
        )
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form, mail_ready=settings.configured), status


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def choose(token: str):
    config = current_app.config
    now = utcnow()
    try:
        password_reset.check_token(
            token, secret=config["SECRET_KEY"], now=now, max_minutes=config["RESET_LINK_MINUTES"]
        )
    except password_reset.LinkRefused as exc:
        db.session.rollback()
        return render_template("auth/reset_refused.html", message=exc.message), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        if form.new_password.data != form.confirm.data:
            form.confirm.errors = [_("Hai lần nhập mật khẩu mới không giống nhau.")]
        else:
            try:
                password_reset.reset_with_token(
                    token,
                    form.new_password.data,
                    secret=config["SECRET_KEY"],
                    now=now,
                    max_minutes=config["RESET_LINK_MINUTES"],
                )
            except ValidationFailed as exc:
                db.session.rollback()
                form.new_password.errors = [str(m) for m in exc.fields.values()]
            else:
                db.session.commit()
                flash(_("Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới."), "success")
                return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_choose.html", form=form), status


@bp.before_app_request
def temporary_password_only_changes_itself():
    """After an organiser's reset, the temporary password opens only the change page."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in _ALLOWED_WITH_TEMPORARY or request.endpoint is None:
        return None
    message = _("Bạn đang dùng mật khẩu tạm. Vui lòng đặt mật khẩu mới trước khi tiếp tục.")
    if request.path.startswith("/api/"):
        return api_error(403, "password_change_required", message)
    flash(message, "warning")
    return redirect(url_for("auth.change_password"))
