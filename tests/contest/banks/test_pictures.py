"""Pictures in questions: checked, resized and re-encoded without metadata; imported from a
.zip (an .xlsx naming its pictures) and from a Word bank; exported back losslessly; a new
picture makes a new version; served to organisers and to participants whose paper holds it."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from contest.models import Question
from contest.models.question import QuestionImage
from contest.services import bank_files, banks, question_images, questions
from contest.services.errors import ImportFailed, ValidationFailed
from question_bank import PictureRefused
from tests.conftest import NOW
from tests.contest.banks.picture_helpers import (
    bomb_png,
    bundle,
    docx_with_picture,
    jpeg_with_gps,
    picture_row,
    png,
)


@pytest.fixture
def bank(db):
    return banks.create_bank("Biển báo giao thông", actor=None, now=NOW)


def _count(db, model=Question) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- one picture -------------------------------------------------------------------------


def test_a_photo_loses_its_gps_and_camera_and_fits_1280_px(db):
    original = jpeg_with_gps((3000, 2000))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    image = question_images.store(original)
    assert (image.mime, image.width, image.height) == ("image/jpeg", 1280, 853)
    decoded = Image.open(io.BytesIO(image.data))
    assert decoded.size == (1280, 853)
    assert not decoded.getexif()
    assert b"Canon" not in image.data and b"Nguyen Van A" not in image.data
    assert b"Exif" not in image.data and "icc_profile" not in decoded.info
    # The same upload again is the same stored picture; so is the stored file itself.
    assert question_images.store(original).id == image.id
    assert question_images.store(image.data).id == image.id
    assert image.file_name == f"{image.sha256}.jpg"


def test_a_png_with_transparency_stays_png(db):
    image = question_images.store(png((640, 480)))
    assert (image.mime, image.width, image.height) == ("image/png", 640, 480)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7 not a picture", "không phải là hình ảnh"),
        (b"", "không phải là hình ảnh"),
        (png()[:60], "không phải là hình ảnh"),  # cut short
        (b"\xff\xd8" + b"0" * (question_images.MAX_BYTES + 1), "quá lớn (tối đa 10 MB)"),
    ],
)
def test_what_is_not_a_usable_picture_is_refused_with_a_message(db, data, words):
    with pytest.raises(PictureRefused) as caught:
        question_images.store(data)
    assert words in caught.value.message
    assert _count(db, QuestionImage) == 0


def test_a_decompression_bomb_is_refused_before_decoding(db):
    data = bomb_png()
    assert len(data) < 100_000  # small on disk, 100 million pixels once decoded
    with pytest.raises(PictureRefused) as caught:
        question_images.process(data)
    assert "kích thước quá lớn" in caught.value.message
    # Under Pillow's own limit but over ours (52 million): refused from the header too.
    with pytest.raises(PictureRefused) as caught:
        question_images.process(bomb_png(7500))
    assert "7500 × 7500 điểm ảnh" in caught.value.message


# --- import from a .zip --------------------------------------------------------------------


def test_a_zip_of_an_xlsx_and_its_pictures_imports_every_picture(db, bank):
    photo, sign = jpeg_with_gps(), png(text="STOP")
    data = bundle(
        [
            picture_row("Biển báo trong hình là gì?", "hinh/bien-1.jpg", "Biển tròn viền đỏ"),
            picture_row("Biển báo trong hình là gì?", "HINH\\Bien-2.PNG"),  # case, backslash
            picture_row("Đèn vàng nghĩa là gì?"),
        ],
        {"hinh/bien-1.jpg": photo, "hinh/bien-2.png": sign},
    )
    preview = bank_files.preview_import(bank, data, "bien-bao.zip")
    assert preview.kind == "zip" and preview.ok, preview.errors
    # The same text with another picture is another question, not a duplicate.
    assert len(preview.questions) == 3 and not preview.duplicates
    assert _count(db, QuestionImage) == 0  # the preview stores nothing
    bank_files.save_import(bank, preview, actor=None, now=NOW)
    db.session.commit()
    saved = db.session.scalars(select(Question).order_by(Question.id)).all()
    assert [q.image.mime if q.image else None for q in saved] == ["image/jpeg", "image/png", None]
    assert saved[0].image_alt == "Biển tròn viền đỏ" and saved[1].image_alt == ""
    assert not Image.open(io.BytesIO(saved[0].image.data)).getexif()
    assert saved[0].key != saved[1].key


def test_a_missing_picture_is_a_row_error_and_nothing_is_imported(db, bank):
    rows = [picture_row(f"Câu số {i}?", f"hinh/{i}.png") for i in range(2, 6)]
    pictures = {f"hinh/{i}.png": png(text=str(i)) for i in range(2, 5)}  # no hinh/5.png
    preview = bank_files.preview_import(bank, bundle(rows, pictures), "b.zip")
    assert [(e.row, e.column) for e in preview.errors] == [(5, "Hình ảnh")]
    assert preview.errors[0].message.startswith("Không tìm thấy tệp hình «hinh/5.png»")
    with pytest.raises(ImportFailed):
        bank_files.save_import(bank, preview, actor=None, now=NOW)
    assert _count(db) == 0 and _count(db, QuestionImage) == 0


def test_a_bad_picture_in_the_zip_names_its_row(db, bank):
    rows = [picture_row("Câu một?", "a.png"), picture_row("Câu hai?", "b.png")]
    data = bundle(rows, {"a.png": png(), "b.png": bomb_png()})
    preview = bank_files.preview_import(bank, data, "b.zip")
    assert [(e.row, e.column) for e in preview.errors] == [(3, "Hình ảnh")]
    assert "điểm ảnh" in preview.errors[0].message


def test_a_picture_name_in_a_plain_xlsx_asks_for_a_zip(db, bank):
    from tests.contest.banks.picture_helpers import PICTURE_HEADER
    from tests.question_bank.qb_helpers import make_xlsx

    data = make_xlsx([picture_row("Câu một?", "a.png")], PICTURE_HEADER)
    preview = bank_files.preview_import(bank, data, "b.xlsx")
    assert preview.errors[0].column == "Hình ảnh"
    assert "tệp .zip" in preview.errors[0].message


def test_a_zip_without_one_workbook_is_refused(db, bank):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.png", png())
    with pytest.raises(bank_files.UnreadableFile) as caught:
        bank_files.check_upload(out.getvalue(), "hinh.zip")
    assert "đúng một tệp Excel (.xlsx)" in caught.value.message


# --- import from Word ------------------------------------------------------------------------


def test_a_picture_embedded_in_a_word_bank_is_the_questions_picture(db, bank):
    data = docx_with_picture(jpeg_with_gps())
    preview = bank_files.preview_import(bank, data, "bien-bao.docx")
    assert preview.kind == "docx" and preview.ok, preview.errors
    bank_files.save_import(bank, preview, actor=None, now=NOW)
    db.session.commit()
    first, second = db.session.scalars(select(Question).order_by(Question.id)).all()
    assert first.image is not None and first.image_alt == "Biển cấm đi ngược chiều"
    assert not Image.open(io.BytesIO(first.image.data)).getexif()
    assert second.image is None


# --- export and import again ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["zip", "docx"])
def test_export_then_import_gives_back_the_same_pictures(db, bank, fmt):
    data = bundle(
        [picture_row("Biển nào?", "1.jpg", "Biển đỏ"), picture_row("Đèn vàng?")],
        {"1.jpg": jpeg_with_gps()},
    )
    bank_files.save_import(
        bank, bank_files.preview_import(bank, data, "a.zip"), actor=None, now=NOW
    )
    db.session.commit()
    assert bank_files.export_format(bank, "xlsx") == "zip"
    exported = bank_files.export_bank(bank, actor=None, now=NOW, fmt=fmt)
    if fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(exported)) as archive:
            names = archive.namelist()
        stored = db.session.scalar(select(QuestionImage))
        assert names == ["bien-bao-giao-thong.xlsx", f"hinh/{stored.file_name}"]
    # Into the same bank: every question is already there (the picture is recognised).
    again = bank_files.preview_import(bank, exported, f"x.{fmt}")
    assert again.ok and not again.questions and len(again.duplicates) == 2
    # Into another bank: the same picture row, the same alt text, nothing re-encoded.
    other = banks.create_bank("Bản sao", actor=None, now=NOW)
    bank_files.save_import(
        other, bank_files.preview_import(other, exported, f"x.{fmt}"), actor=None, now=NOW
    )
    db.session.commit()
    pairs = db.session.execute(
        select(Question.bank_id, Question.image_id, Question.image_alt).order_by(Question.id)
    ).all()
    assert [(p.image_id, p.image_alt) for p in pairs if p.bank_id == other.id] == [
        (pairs[0].image_id, "Biển đỏ"),
        (None, ""),
    ]
    assert _count(db, QuestionImage) == 1


def test_a_bank_without_pictures_still_exports_a_plain_xlsx(db, make_bank):
    bank = make_bank(n=2)
    assert bank_files.export_format(bank, "xlsx") == "xlsx"
    assert bank_files.export_filename(bank, "zip").endswith(".zip")


# --- editing: a new picture is a new version -----------------------------------------------


def _input(question, **changes) -> questions.QuestionInput:
    values = dict(
        topic=question.topic,
        text=question.text,
        options=question.option_texts,
        correct=question.correct,
        difficulty=question.difficulty.value,
        explanation=question.explanation,
        image_alt=question.image_alt,
    )
    values.update(changes)
    return questions.QuestionInput(**values)


def test_adding_replacing_removing_a_picture_makes_versions_and_alt_edits_in_place(db, make_bank):
    bank = make_bank(n=1)
    q1 = bank.questions[0]
    first = question_images.store(png(text="1"))
    q2 = questions.update_question(q1, _input(q1, image=first), actor=None, now=NOW)
    assert (q2.id != q1.id, q2.version, q2.image_id, q1.image_id) == (True, 2, first.id, None)
    same = questions.update_question(q2, _input(q2, image_alt="Một biển báo"), actor=None, now=NOW)
    assert (same.id, same.image_alt, same.image_id) == (q2.id, "Một biển báo", first.id)
    second = question_images.store(png(text="2"))
    q3 = questions.update_question(q2, _input(q2, image=second), actor=None, now=NOW)
    assert (q3.version, q3.image_id, q2.image_id) == (3, second.id, first.id)
    q4 = questions.update_question(q3, _input(q3, image=None), actor=None, now=NOW)
    assert (q4.version, q4.image_id, q4.image_alt) == (4, None, "")
    with pytest.raises(ValidationFailed) as caught:
        questions.update_question(
            q4, _input(q4, image=first, image_alt="x" * 501), actor=None, now=NOW
        )
    assert "image_alt" in caught.value.fields


def test_the_cli_imports_and_exports_a_zip_with_its_pictures(runner, db, tmp_path):
    source = tmp_path / "bien-bao.zip"
    source.write_bytes(
        bundle(
            [picture_row("Biển nào?", "1.jpg", "Biển đỏ"), picture_row("Đèn vàng?")],
            {"1.jpg": jpeg_with_gps()},
        )
    )
    result = runner.invoke(args=["questions", "import", str(source), "--bank", "Hình"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 2, duplicates 0, errors 0"
    target = tmp_path / "ra.zip"
    result = runner.invoke(args=["questions", "export", "--bank", "Hình", str(target)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["questions", "import", str(target), "--bank", "Hình"])
    assert again.stdout.strip() == "imported 0, duplicates 2, errors 0"
    plain = runner.invoke(args=["questions", "export", "--bank", "Hình", str(tmp_path / "a.xlsx")])
    assert plain.exit_code == 0 and "--format zip" in plain.stderr
