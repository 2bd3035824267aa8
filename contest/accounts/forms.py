"""Shapes of the sign-in, registration and password forms. They never persist anything."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional

from contest.services import units
from contest.services.participants import GENDER_LABELS


class LoginForm(FlaskForm):
    login = StringField(
        _l("Số điện thoại hoặc email"),
        validators=[InputRequired(_l("Vui lòng nhập số điện thoại hoặc email.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Mật khẩu"), validators=[InputRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=128)]
    )
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class ProfileForm(FlaskForm):
    """Shared by registration and the profile page. Domain rules live in the service."""

    full_name = StringField(_l("Họ và tên"), validators=[Length(max=120)])
    birth_date = DateField(_l("Ngày sinh"), validators=[Optional()], format="%Y-%m-%d")
    gender = RadioField(
        _l("Giới tính"),
        choices=[SelectChoice(gender.value, label) for gender, label in GENDER_LABELS.items()],
        validate_choice=False,
    )
    id_number = StringField(_l("Số CCCD (12 số)"), validators=[Length(max=20)])
    phone = StringField(_l("Số điện thoại di động"), validators=[Length(max=20)])
    email = StringField(_l("Email (không bắt buộc)"), validators=[Length(max=254)])
    unit_id = SelectField(_l("Đơn vị"), coerce=str, validate_choice=False)
    category_id = SelectField(_l("Đối tượng"), coerce=str, validate_choice=False)
    address = StringField(_l("Địa chỉ (không bắt buộc)"), validators=[Length(max=300)])


class RegisterForm(ProfileForm):
    password = PasswordField(_l("Mật khẩu (ít nhất 8 ký tự)"), validators=[Length(max=128)])
    consent = BooleanField(_l("Tôi đồng ý"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[Length(max=128)])
    new_password = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"), validators=[Length(max=128)])


def fill_choices(form) -> None:
    """The active units and categories, each list headed by a "choose" line."""
    form.unit_id.choices = [SelectChoice("", _l("— Chọn đơn vị —"))] + [
        SelectChoice(str(u.id), u.path) for u in units.list_units()
    ]
    form.category_id.choices = [SelectChoice("", _l("— Chọn đối tượng —"))] + [
        SelectChoice(str(c.id), c.name) for c in units.list_categories()
    ]
