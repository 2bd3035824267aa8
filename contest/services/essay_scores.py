"""A judge's typed scores: "7,25" and "7.25" are both 7.25 points, stored as 725 hundredths
(steps of 0.25); anything else gets a message naming the criterion. The sheet is saved by
``essay_judging.save_scores`` only when every box reads."""

from __future__ import annotations

from contest.services import judging
from contest.services.i18n import _
from contest.services.i18n import lazy_gettext as _l

# What is wrong with a typed score, per judging.read_points' problem.
_POINTS_PROBLEMS = {
    "malformed": _l(
        "Điểm «%(name)s» chưa đúng dạng số. Nhập số như 7 hoặc 7,25 (dấu phẩy hay dấu chấm "
        "đều được); chưa lưu điểm nào của phiếu."
    ),
    "range": _l("Điểm «%(name)s» phải từ 0 đến %(max)s; chưa lưu điểm nào của phiếu."),
    "step": _l(
        "Điểm «%(name)s» chấm theo bước 0,25 (ví dụ 7; 7,25; 7,5; 7,75); chưa lưu điểm nào "
        "của phiếu."
    ),
}


def read_sheet(
    criteria: list, raw: dict[int, str], *, submit: bool, errors: dict[str, str]
) -> dict[int, int]:
    """Points (hundredths) per criterion id from the typed text; a blank is an error only
    when submitting."""
    values: dict[int, int] = {}
    for criterion in criteria:
        text = (raw.get(criterion.id) or "").strip()
        key = f"score_{criterion.id}"
        if not text:
            if submit:
                errors[key] = _("Vui lòng cho điểm tiêu chí «%(name)s».", name=criterion.name)
            continue
        reading = judging.read_points(text, max_x100=criterion.max_points * 100)
        if reading.problem:
            errors[key] = _POINTS_PROBLEMS[reading.problem] % {
                "name": criterion.name,
                "max": criterion.max_points,
            }
            continue
        points = reading.value_x100
        values[criterion.id] = points
    return values
