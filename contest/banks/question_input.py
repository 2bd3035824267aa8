"""What the question form sends, as the question service takes it (the picture stored
first), and the service's messages put back on the form's fields."""

from __future__ import annotations

from contest.banks.forms import QuestionForm
from contest.services import question_images, questions
from contest.services.errors import ValidationFailed


def _picture(form: QuestionForm):
    """The picture the form asks for: a new upload stored (``question_images.store``), None
    to remove it, or ``questions.KEEP``. Raises ValidationFailed on the image field."""
    upload = form.image.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.stream.read(question_images.MAX_BYTES + 1)
        try:
            return question_images.store(data)
        except question_images.PictureRefused as exc:
            raise ValidationFailed({"image": exc.message}) from exc
    return None if form.remove_image.data else questions.KEEP


def question_input(form: QuestionForm) -> questions.QuestionInput:
    return questions.QuestionInput(
        image=_picture(form),
        image_alt=form.image_alt.data or "",
        topic=form.topic.data or "",
        difficulty=form.difficulty.data or "",
        text=form.text.data or "",
        explanation=form.explanation.data or "",
        options=[entry.form.text.data or "" for entry in form.options],
        correct=[i for i, entry in enumerate(form.options) if entry.form.is_correct.data],
    )


def apply_question_errors(form: QuestionForm, exc: ValidationFailed) -> dict[str, str]:
    """Put field errors on the form; returns those about the options as a whole."""
    general = {}
    for name, message in exc.fields.items():
        if name.startswith("option_"):
            form.options[int(name.removeprefix("option_"))].form.text.errors = [str(message)]
        elif name in ("options", "correct"):
            general[name] = str(message)
        elif (field := getattr(form, name, None)) is not None:
            field.errors = [str(message)]
    return general
