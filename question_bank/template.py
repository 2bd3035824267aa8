"""Writing the question bank template and exports (``.xlsx`` bytes).

The template and exports are Vietnamese documents: their sheet names, headers, drop-downs
and instructions are the file contract of docs/product.md §5 and are never translated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .bank import (
    ANSWER,
    DIFFICULTY,
    DIFFICULTY_LABELS,
    EXPLANATION,
    LETTERS,
    MAX_OPTIONS,
    QUESTION,
    TEMPLATE_HEADER,
    TEMPLATE_ROWS,
    TOPIC,
    QuestionLike,
    option_label,
    parse_difficulty,
)
from .pictures import IMAGE, IMAGE_ALT
from .xlsx import Sheet, build_workbook, workbook_bytes

__all__ = ["export_bank", "template_bytes"]

_WIDTHS = {TOPIC: 28, DIFFICULTY: 12, QUESTION: 60, ANSWER: 13, EXPLANATION: 60}
_OPTION_WIDTH = 30


def _widths(header: Sequence[str]) -> list[float]:
    return [_WIDTHS.get(label, _OPTION_WIDTH) for label in header]


def _add_validations(header: Sequence[str]) -> Any:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def customise(ws: Any) -> None:
        last = TEMPLATE_ROWS + 1
        level = get_column_letter(header.index(DIFFICULTY) + 1)
        answer = get_column_letter(header.index(ANSWER) + 1)
        levels = DataValidation(
            type="list",
            formula1='"Dễ,Trung bình,Khó"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="Mức độ không hợp lệ",
            error="Vui lòng chọn Dễ, Trung bình hoặc Khó.",
        )
        levels.add(f"{level}2:{level}{last}")
        answers = DataValidation(
            type="list",
            formula1=f'"{",".join(LETTERS)}"',
            allow_blank=True,
            # A warning, not a stop: "A, C" (several correct options) must stay possible.
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Đáp án có nhiều chữ cái?",
            error=(
                "Đáp án đúng là chữ cái của phương án đúng (A–F). Câu có nhiều đáp án đúng "
                "thì ghi các chữ cái cách nhau bởi dấu phẩy, ví dụ: A, C. "
                "Chọn Yes để giữ giá trị đã nhập."
            ),
            showInputMessage=True,
            promptTitle="Đáp án đúng",
            prompt="Chọn A–F. Nhiều đáp án đúng: gõ A, C.",
        )
        answers.add(f"{answer}2:{answer}{last}")
        ws.add_data_validation(levels)
        ws.add_data_validation(answers)

    return customise


_GUIDE = [
    "Hướng dẫn nhập ngân hàng câu hỏi",
    "Nhập câu hỏi vào trang tính «Câu hỏi» (trang đầu tiên), mỗi câu một dòng, bắt đầu từ "
    "dòng 2. Giữ nguyên dòng tiêu đề.",
    "Chủ đề: bắt buộc, tối đa 200 ký tự.",
    "Mức độ: Dễ, Trung bình hoặc Khó (hoặc 1, 2, 3). Để trống nghĩa là Trung bình.",
    "Câu hỏi: bắt buộc, tối đa 2.000 ký tự.",
    "Phương án A, B, ...: ít nhất hai phương án, điền liên tiếp từ A, không trùng nhau, "
    "mỗi phương án tối đa 500 ký tự. Cần thêm phương án thì thêm cột «Phương án E», "
    "«Phương án F» (tối đa 6 phương án).",
    "Đáp án đúng: chữ cái của phương án đúng, ví dụ A. Câu có nhiều đáp án đúng thì ghi các "
    "chữ cái cách nhau bởi dấu phẩy, ví dụ A, C; thí sinh phải chọn đủ và đúng các phương án "
    "này mới được tính điểm.",
    "Giải thích: không bắt buộc, tối đa 4.000 ký tự.",
    "Các dòng trống được bỏ qua. Câu hỏi trùng với câu đã có (cùng nội dung và cùng các "
    "phương án) được bỏ qua và liệt kê trong báo cáo. Nếu có dòng lỗi, không câu nào được "
    "nhập: hãy sửa theo báo cáo lỗi (số dòng, tên cột) rồi nhập lại.",
    "Ví dụ (không nhập từ trang này):",
]

_EXAMPLES = [
    [
        "Thành lập Đảng và Chủ tịch Hồ Chí Minh",
        "Dễ",
        "Ngày nào hằng năm được lấy làm Ngày thành lập Đảng Cộng sản Việt Nam?",
        "Ngày 19/5",
        "Ngày 3/2",
        "Ngày 2/9",
        "Ngày 6/1",
        "B",
        "Đại hội III (9/1960) quyết nghị lấy ngày 3/2 dương lịch hằng năm làm ngày kỷ niệm "
        "thành lập Đảng.",
    ],
    [
        "Thành lập Đảng và Chủ tịch Hồ Chí Minh",
        "Trung bình",
        "Hội nghị hợp nhất thành lập Đảng Cộng sản Việt Nam đầu năm 1930 đã thông qua những "
        "văn kiện nào? (câu có nhiều đáp án đúng)",
        "Chánh cương vắn tắt",
        "Sách lược vắn tắt",
        "Luận cương chính trị của Đảng Cộng sản Đông Dương",
        "Chương trình tóm tắt của Đảng",
        "A, B, D",
        "Các văn kiện vắn tắt do Nguyễn Ái Quốc soạn thảo, được Hội nghị hợp nhất thông qua, "
        "hợp thành Cương lĩnh chính trị đầu tiên của Đảng.",
    ],
]


def template_bytes() -> bytes:
    """Return the blank bank template ``.xlsx``: sheet «Câu hỏi» (header only, drop-downs for
    Mức độ and Đáp án đúng) and sheet «Hướng dẫn» (rules and examples, never imported).
    """
    header = TEMPLATE_HEADER
    sheets = [
        Sheet(
            title="Câu hỏi",
            header=header,
            widths=_widths(header),
            customise=_add_validations(header),
        ),
        Sheet(
            title="Hướng dẫn",
            title_rows=_GUIDE,
            header=header,
            rows=_EXAMPLES,
            widths=_widths(header),
            freeze_header=False,
            wrap=True,
        ),
    ]
    return workbook_bytes(build_workbook(sheets))


def _picture_cells(question: QuestionLike) -> tuple[str, str]:
    picture = getattr(question, "picture", None)
    return (picture.name, picture.alt) if picture is not None else ("", "")


def _export_row(question: QuestionLike, n_options: int, pictures: bool = False) -> list[Any]:
    level = parse_difficulty(question.difficulty)
    if level is None:
        raise ValueError(f"unknown difficulty {question.difficulty!r}")
    options = list(question.options)
    if len(options) > MAX_OPTIONS:
        raise ValueError("a question has at most six options")
    options += [""] * (n_options - len(options))
    letters = ", ".join(LETTERS[i] for i in sorted(question.correct))
    return [
        question.topic,
        DIFFICULTY_LABELS[level],
        question.text,
        *options,
        letters,
        question.explanation or "",
        *(_picture_cells(question) if pictures else ()),
    ]


def export_bank(questions: Iterable[QuestionLike]) -> bytes:
    """Write questions in the import template; returns ``.xlsx`` bytes.

    Columns are the template's, plus «Phương án E»/«Phương án F» only when some question
    needs them. ``parse_bank`` of the result gives back the same topic, difficulty, text,
    options, correct letters and explanation (for text already normalised as the parser
    leaves it). When a question has a ``picture`` (``pictures.Picture``), the columns «Hình
    ảnh» (its ``name``) and «Mô tả hình ảnh» follow: ``pictures.write_bundle`` puts the
    workbook and the pictures in one ``.zip``.

    Formula injection (E1): text starting with ``=``, ``+``, ``-``, ``@`` … is written as a
    *string cell* (``t="inlineStr"``), which Excel never evaluates, instead of the
    apostrophe prefix used by other exports: the prefix would become part of the text on
    re-import, and the export must re-import losslessly.

    Raises ``ValueError`` for a question with an unknown difficulty or more than six options.
    """
    items = list(questions)
    n_options = max([4, *(len(q.options) for q in items)])
    pictures = any(getattr(q, "picture", None) is not None for q in items)
    header = [
        TOPIC,
        DIFFICULTY,
        QUESTION,
        *(option_label(i) for i in range(n_options)),
        ANSWER,
        EXPLANATION,
        *((IMAGE, IMAGE_ALT) if pictures else ()),
    ]
    sheet = Sheet(
        title="Câu hỏi",
        header=header,
        rows=(_export_row(q, n_options, pictures) for q in items),
        widths=_widths(header),
        literal_strings=True,
        customise=_add_validations(header),
    )
    return workbook_bytes(build_workbook([sheet]))
