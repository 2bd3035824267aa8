"""Shapes of the sign-in, registration and password forms. They never persist anything."""

from __future__ import annotations

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


class LoginForm(FlaskForm):
    login = StringField(
        "Số điện thoại hoặc email",
        validators=[InputRequired("Vui lòng nhập số điện thoại hoặc email."), Length(max=254)],
    )
    password = PasswordField(
        "Mật khẩu", validators=[InputRequired("Vui lòng nhập mật khẩu."), Length(max=128)]
    )
    remember = BooleanField("Ghi nhớ đăng nhập")


class ProfileForm(FlaskForm):
    """Shared by registration and the profile page. Domain rules live in the service."""

    full_name = StringField("Họ và tên", validators=[Length(max=120)])
    birth_date = DateField("Ngày sinh", validators=[Optional()], format="%Y-%m-%d")
    gender = RadioField(
        "Giới tính",
        choices=[SelectChoice("male", "Nam"), SelectChoice("female", "Nữ")],
        validate_choice=False,
    )
    id_number = StringField("Số CCCD (12 số)", validators=[Length(max=20)])
    phone = StringField("Số điện thoại di động", validators=[Length(max=20)])
    email = StringField("Email (không bắt buộc)", validators=[Length(max=254)])
    unit_id = SelectField("Đơn vị", coerce=str, validate_choice=False)
    category_id = SelectField("Đối tượng", coerce=str, validate_choice=False)
    address = StringField("Địa chỉ (không bắt buộc)", validators=[Length(max=300)])


class RegisterForm(ProfileForm):
    password = PasswordField("Mật khẩu (ít nhất 8 ký tự)", validators=[Length(max=128)])
    consent = BooleanField("Tôi đồng ý")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[Length(max=128)])
    new_password = PasswordField("Mật khẩu mới (ít nhất 8 ký tự)", validators=[Length(max=128)])


def fill_choices(form) -> None:
    form.unit_id.choices = [SelectChoice("", "— Chọn đơn vị —")] + [
        SelectChoice(str(u.id), u.path) for u in units.list_units()
    ]
    form.category_id.choices = [SelectChoice("", "— Chọn đối tượng —")] + [
        SelectChoice(str(c.id), c.name) for c in units.list_categories()
    ]
