"""Word banks that cannot be imported: errors per question, duplicates, refused files."""

import io
import zipfile

import pytest

from question_bank import QuestionError, UnreadableFile, file_kind, parse_docx_bank
from question_bank.safety import OLE2_SIGNATURE

from .docx_helpers import make_docx, question
from .qb_helpers import add_entry, deflated_zeros, make_xlsx, raw_zip, rewrite_zip


def errors_of(paragraphs, **kw):
    return parse_docx_bank(make_docx(paragraphs), **kw).errors


def refused(data):
    with pytest.raises(UnreadableFile) as info:
        parse_docx_bank(data)
    return info.value.message


def test_no_answer_names_the_question_as_the_cli_prints_it():
    [error] = errors_of([*question(11), *question(12, "Câu không đáp án?", answer=None)])
    assert isinstance(error, QuestionError)
    assert (error.row, error.column) == (12, "Đáp án đúng")
    assert str(error).startswith("Câu 12: không tìm thấy đáp án đúng.")
    assert "in đậm" in error.message


def test_one_option_only():
    [error] = errors_of(["Câu 3: Chỉ một phương án?", "A. Có", "Đáp án: A"])
    assert error.row == 3 and "ít nhất hai phương án" in error.message


def test_all_bold_options_are_no_key():
    errors = errors_of(["Câu 1: Năm?", [("A. 1930", "b")], [("B. 1945", "b")]])
    assert [e.row for e in errors] == [1] and "không tìm thấy đáp án đúng" in str(errors[0])


def test_answer_line_that_contradicts_the_bold_option():
    [error] = errors_of(["Câu 2: Năm?", [("A. 1930", "b")], "B. 1945", "Đáp án: B"])
    assert error.row == 2 and "Đáp án: B" in error.message and ": A" in error.message


@pytest.mark.parametrize(
    "lines, words",
    [
        (["Câu 1: ?", "A. x", "A. y", "B. z", "Đáp án: A"], "Phương án A xuất hiện hai lần"),
        (
            ["Câu 1: ?", *(f"{c}. {c.lower()}" for c in "ABCDEFG"), "Đáp án: A"],
            "hơn 6 phương án",
        ),
        (["Câu 1: ?", "A. x", "B. y", "Đáp án: A", "Đáp án: B"], "nhiều dòng «Đáp án»"),
        (["Câu 1: ?", "A. x", "B. y", "Đáp án: A", "Lời dặn thêm"], "«Lời dặn thêm»"),
        (["Câu 1: ?", "A. x", "B. y", "Đáp án: G"], "không hợp lệ"),
        (["Câu 1: ?", "A. x", "C. y", "Đáp án: A"], "Phương án B đang để trống"),
        (["Câu 1:", "A. x", "B. y", "Đáp án: A"], "Thiếu nội dung câu hỏi"),
        ([*question(), "Mức độ: Rất khó"], "Mức độ «Rất khó» không hợp lệ"),
    ],
)
def test_each_problem_is_reported_once_with_its_question(lines, words):
    errors = errors_of(lines)
    assert len(errors) == 1 and errors[0].row == 1, [str(e) for e in errors]
    assert words in errors[0].message


def test_every_bad_question_is_listed_and_nothing_is_valid_on_its_own():
    result = parse_docx_bank(
        make_docx([*question(1), *question(2, answer=None), *question(3, "Khác?", answer="Z")])
    )
    assert not result.ok and [e.row for e in result.errors] == [2, 3]


def test_duplicates_within_the_file_and_of_the_bank():
    data = make_docx([*question(1), *question(2, "Khác?"), *question(3)])
    result = parse_docx_bank(data)
    assert result.ok and len(result.questions) == 2
    [dup] = result.duplicates
    assert dup.row == 3 and dup.reason == "trùng với Câu 1 trong tệp"
    again = parse_docx_bank(data, existing_keys={q.key for q in result.questions})
    assert again.questions == []
    assert [d.reason for d in again.duplicates] == ["đã có trong ngân hàng"] * 3


def test_a_document_without_questions():
    message = refused(make_docx(["Danh sách thí sinh", "Nguyễn Văn A"]))
    assert "Không tìm thấy câu hỏi nào" in message and "Câu 1:" in message


def test_macro_document_refused():
    data = add_entry(make_docx(question()), "word/vbaProject.bin", b"\0" * 64)
    assert "macro (.docm)" in refused(data)


def test_old_word_doc_refused_with_save_as_hint():
    doc = OLE2_SIGNATURE + b"\0" * 500 + "WordDocument".encode("utf-16-le") + b"\0" * 500
    assert file_kind(doc) == "docx"
    message = refused(doc)
    assert "Office 97–2003" in message and "Word Document (.docx)" in message


def test_zip_bomb_refused_before_python_docx():
    zeros = deflated_zeros(300)
    bomb = raw_zip([("[Content_Types].xml", *_deflate(b"<Types/>")), ("word/document.xml", *zeros)])
    assert len(bomb) < 1024 * 1024
    assert "giải nén quá lớn" in refused(bomb)


def _deflate(content):
    from .qb_helpers import deflate

    return deflate(content)


def test_an_excel_file_is_not_a_word_bank():
    assert "không phải tệp Word .docx" in refused(make_xlsx([]))


def test_billion_laughs_in_the_document_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY a{i} "{("&a" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 9)
        )
        + "]>"
    )

    def change(name, content):
        if name != "word/document.xml":
            return content
        text = content.decode("utf-8")
        body = text[text.index("?>") + 2 :]
        return (laughs + body.replace("Câu 1", "&a8; Câu 1")).encode("utf-8")

    assert "Không đọc được tệp Word" in refused(rewrite_zip(make_docx(question()), change))


def test_damaged_document_is_unreadable_not_a_traceback():
    def change(name, content):
        return content[: len(content) // 2] if name == "word/document.xml" else content

    assert "Không đọc được tệp Word" in refused(rewrite_zip(make_docx(question()), change))


def test_file_kind():
    assert file_kind(make_docx(question())) == "docx"
    assert file_kind(make_xlsx([])) == "xlsx"
    assert file_kind(b"junk", "bank.docx") == "docx"
    assert file_kind(b"junk", "bank.xlsx") == "xlsx"
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("other.txt", "x")
    assert file_kind(broken.getvalue(), "x.docx") == "docx"
