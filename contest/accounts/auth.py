"""Sign in, sign out, registration and password change (pages)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from contest.accounts.forms import ChangePasswordForm, LoginForm, RegisterForm, fill_choices
from contest.db import utcnow
from contest.extensions import db
from contest.services import accounts, participants
from contest.services.errors import AccountDisabled, InvalidCredentials
from contest.web import referral_link
from contest.web.forms import save_form
from contest.web.limits import login_limits, register_limits

bp = Blueprint("auth", __name__)


def safe_next(default: str) -> str:
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def home_for(user) -> str:
    if user.role.value in ("organiser", "admin"):
        return url_for("organiser.dashboard")
    if user.role.value == "judge":
        return url_for("judge.queue")
    return url_for("public.index")


def _login_blocked(message: str):
    """The sign-in page when this account has failed too often (429, ``Retry-After``)."""
    form = LoginForm()
    form.password.errors = [message]
    return render_template("auth/login.html", form=form), 429


@bp.route("/dang-nhap", methods=["GET", "POST"])
@login_limits(page=_login_blocked)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_by_login(form.login.data)
        db.session.commit()  # end the look-up: no lock is held while the password is hashed
        try:
            user = accounts.check_password(user, form.password.data, now=utcnow())
        except (InvalidCredentials, AccountDisabled) as exc:
            # Shown beside the password field, not as a page-wide error.
            db.session.commit()
            form.password.errors = [str(exc.message)]
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                flash(_("Bạn đang dùng mật khẩu tạm. Vui lòng đặt mật khẩu mới."), "warning")
                return redirect(url_for("auth.change_password"))
            flash(_("Xin chào %(name)s!", name=user.full_name), "success")
            return redirect(safe_next(home_for(user)))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/dang-xuat", methods=["POST"])
@login_required
def logout():
    accounts.revoke_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("public.index"))


def _save_registration(form):
    """Register from the posted form: (``Saved``, whether the person seems to have an
    account already: only their CCCD, phone or email was refused, as taken)."""
    already = []

    def save():
        try:
            return participants.register_participant(
                participants.ProfileInput.from_mapping(request.form),
                now=utcnow(),
                min_age=current_app.config["MIN_AGE"],
                policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
            )
        except participants.AlreadyRegistered:
            already.append(True)
            raise

    return save_form(form, save), bool(already)


@bp.route("/dang-ky", methods=["GET", "POST"])
@register_limits
def register():
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = RegisterForm()
    fill_choices(form)
    status, already = 200, False
    if form.validate_on_submit():
        saved, already = _save_registration(form)
        if saved.ok:
            referral_link.credit_registration(saved.value)
            db.session.commit()
            login_user(saved.value)
            flash(_("Đăng ký thành công. Chào mừng bạn đến với hội thi!"), "success")
            return redirect(url_for("public.index"))
        status = 422
    elif form.errors:
        status = 422
    return render_template(
        "auth/register.html",
        form=form,
        min_age=current_app.config["MIN_AGE"],
        already_registered=already,
    ), status


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: accounts.change_password(
                current_user, form.current_password.data, form.new_password.data, now=utcnow()
            ),
        )
        if saved.ok:
            # The old session is revoked everywhere; sign this browser in again.
            login_user(current_user._get_current_object())
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "success")
            return redirect(url_for("public.index"))
        status = 422
    return render_template("auth/change_password.html", form=form), status
