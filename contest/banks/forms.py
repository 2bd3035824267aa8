"""Shapes of the question bank forms. They validate shape only; rules live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from contest.models import Difficulty

MAX_OPTIONS = 6


class BankForm(FlaskForm):
    name = StringField(_l("Tên ngân hàng"), validators=[Length(max=300)])
    description = TextAreaField(_l("Mô tả (không bắt buộc)"), validators=[Length(max=4000)])


class OptionForm(Form):
    """One option row: its text and whether it is correct (a sub-form without CSRF)."""

    text = StringField(_l("Nội dung"), validators=[Length(max=2000)])
    is_correct = BooleanField(_l("Đúng"))


class QuestionForm(FlaskForm):
    topic = StringField(
        _l("Chủ đề"),
        validators=[Length(max=1000)],
        render_kw={"list": "topic-list", "autocomplete": "off"},
    )
    difficulty = SelectField(
        _l("Mức độ"),
        default=Difficulty.medium.value,
    )
    text = TextAreaField(
        _l("Nội dung câu hỏi"), validators=[Length(max=10000)], render_kw={"rows": 4}
    )
    options = FieldList(FormField(OptionForm), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)
    explanation = TextAreaField(_l("Giải thích (không bắt buộc)"), validators=[Length(max=20000)])
    image = FileField(
        _l("Hình ảnh (không bắt buộc)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"},
    )
    image_alt = StringField(
        _l("Mô tả hình ảnh cho người khiếm thị (không bắt buộc)"),
        validators=[Length(max=2000)],
    )
    remove_image = BooleanField(_l("Bỏ hình khỏi câu hỏi"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.difficulty.choices = [SelectChoice(d.value, d.label) for d in Difficulty]
