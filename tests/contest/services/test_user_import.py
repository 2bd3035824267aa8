"""Participant list import (product.md §5, issue item 6): service and organiser pages."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Role, User
from contest.services import accounts, user_import
from contest.services.errors import ImportFailed
from question_bank.safety import UnreadableFile
from tests.conftest import NOW, unique_phone, valid_cccd

HEADER = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Email",
    "Đơn vị",
    "Đối tượng",
    "Mật khẩu",
]
UNIT = "Phường Tân Phong"
CATEGORY = "Học sinh, sinh viên"


def person(
    name="Nguyễn Văn An",
    birth=date(2008, 5, 1),
    gender="Nam",
    cccd=None,
    phone=None,
    email="",
    unit=UNIT,
    category=CATEGORY,
    password="",
):
    code = "female" if gender in ("Nữ", "female") else "male"
    if cccd is None:
        day = birth if isinstance(birth, date) else date(int(birth[-4:]), 1, 1)
        cccd = valid_cccd(day, code)
    return [name, birth, gender, cccd, phone or unique_phone(), email, unit, category, password]


def xlsx(rows, header=HEADER, *, formulas=False) -> bytes:
    """A workbook; text starting with '=' stays text unless ``formulas``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    if not formulas:
        for cells in ws.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def user_count(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def formula_cells(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas stay formulas
    return [
        c.coordinate
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def errors_of(data, **kwargs) -> dict[tuple[int, str], str]:
    with pytest.raises(ImportFailed) as exc:
        user_import.import_participants(data, now=NOW, min_age=12, **kwargs)
    return {(e.row, e.column): e.message for e in exc.value.errors}


@pytest.fixture
def organiser(make_user):
    return make_user(Role.organiser, full_name="Ban Tổ Chức")


@pytest.fixture
def setup(unit, category):
    return unit, category


# --- service --------------------------------------------------------------------------------


def test_good_file_creates_participants_with_generated_passwords(db, setup, organiser):
    rows = [
        person("Nguyễn Văn An"),
        person("Lò Thị Bình", birth="05/09/2010", gender="Nữ", email="binh@example.vn"),
        person("Trần Văn Cường", gender="male", password="matkhau2026"),
    ]
    result = user_import.import_participants(xlsx(rows), actor=organiser, now=NOW, min_age=12)
    assert result.created == 3
    assert len(result.generated) == 2
    an, binh, cuong = (item.user for item in result.users)
    assert an.role is Role.participant and an.unit.name == UNIT and an.category.name == CATEGORY
    assert an.birth_date == date(2008, 5, 1) and an.gender.value == "male"
    assert binh.birth_date == date(2010, 9, 5) and binh.email == "binh@example.vn"
    assert an.consent_version == "import" and an.consent_at == NOW
    assert an.must_change_password and binh.must_change_password
    assert not cuong.must_change_password
    assert an.name_key == "nguyen van an"
    # The generated password really signs in.
    password = result.users[0].generated_password
    assert len(password) == 10
    assert accounts.authenticate(an.phone, password, now=NOW) is an
    assert accounts.authenticate(cuong.phone, "matkhau2026", now=NOW) is cuong
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    creates = [e for e in entries if e.action == "user.create"]
    assert len(creates) == 3 and all(e.actor_id == organiser.id for e in creates)
    assert creates[0].details == {"source": "import", "row": 2, "consent": "import"}
    summary = entries[-1]
    assert summary.action == "user.import"
    assert summary.details == {"created": 3, "generated_passwords": 2}


def test_password_sheet_reopens_with_no_formula_cells(db, setup, organiser, make_unit):
    make_unit('=HYPERLINK("http://x")')  # a hostile unit name reaches the sheet
    rows = [
        person("Nguyễn Văn An"),
        person("Lò Thị Bình", gender="Nữ", unit='=HYPERLINK("http://x")'),
    ]
    result = user_import.import_participants(xlsx(rows), actor=organiser, now=NOW, min_age=12)
    data = user_import.password_sheet_bytes(result.generated, now=NOW)
    assert formula_cells(data) == []
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header_at = next(i for i, row in enumerate(values) if row[0] == "STT")
    body = values[header_at + 1 :]
    assert [row[1] for row in body] == ["Nguyễn Văn An", "Lò Thị Bình"]
    assert body[1][2] == '\'=HYPERLINK("http://x")'
    assert [row[4] for row in body] == [item.generated_password for item in result.generated]
    assert body[0][3] == result.generated[0].user.phone  # text, leading zero kept


def test_formula_as_a_name_is_a_validation_error(db, setup):
    errors = errors_of(xlsx([person('=HYPERLINK("x")')]), actor=None)
    assert errors == {(2, "Họ và tên"): "Họ và tên chỉ gồm chữ cái và khoảng trắng."}
    # A real formula cell reads as its cached value: none here, so the name is missing.
    errors = errors_of(xlsx([person('=HYPERLINK("x")')], formulas=True), actor=None)
    assert errors == {(2, "Họ và tên"): "Vui lòng nhập họ và tên."}


def test_every_field_error_is_reported_with_its_column(db, setup, make_user):
    taken = make_user()
    rows = [
        person(name=""),  # 2
        person(birth="31/02/2008"),  # 3
        person(gender="Khác"),  # 4
        person(cccd="012099123456"),  # 5: birth year digits differ
        person(phone="0123"),  # 6
        person(email="not-an-email"),  # 7
        person(unit="Xã Không Có"),  # 8
        person(category="Người cao tuổi"),  # 9
        person(password="123"),  # 10
        person(phone=taken.phone),  # 11: taken in the database
        person(cccd=taken.id_number, birth=taken.birth_date),  # 12
        person(birth=date(2020, 1, 1)),  # 13: too young
    ]
    errors = errors_of(xlsx(rows), actor=None)
    assert set(errors) == {
        (2, "Họ và tên"),
        (3, "Ngày sinh"),
        (4, "Giới tính"),
        (5, "Số CCCD"),
        (6, "Số điện thoại"),
        (7, "Email"),
        (8, "Đơn vị"),
        (9, "Đối tượng"),
        (10, "Mật khẩu"),
        (11, "Số điện thoại"),
        (12, "Số CCCD"),
        (13, "Ngày sinh"),
    }
    assert errors[(4, "Giới tính")] == "Giới tính phải là Nam hoặc Nữ."
    assert "Không tìm thấy đơn vị «Xã Không Có»" in errors[(8, "Đơn vị")]
    assert CATEGORY in errors[(9, "Đối tượng")]
    assert errors[(11, "Số điện thoại")] == "Số điện thoại này đã được đăng ký."
    assert errors[(12, "Số CCCD")] == "Số CCCD này đã được dùng để đăng ký."
    assert "12 tuổi" in errors[(13, "Ngày sinh")]


def test_duplicates_within_the_file_are_row_errors(db, setup):
    first = person(email="an@example.vn")
    rows = [
        first,
        person("Lê Văn Hai", cccd=first[3]),
        person("Lê Văn Ba", phone=first[4]),
        person("Lê Văn Bốn", email="AN@example.vn"),
    ]
    errors = errors_of(xlsx(rows), actor=None)
    assert errors == {
        (3, "Số CCCD"): "Số CCCD trùng với dòng 2 trong tệp.",
        (4, "Số điện thoại"): "Số điện thoại trùng với dòng 2 trong tệp.",
        (5, "Email"): "Email trùng với dòng 2 trong tệp.",
    }


def test_one_bad_row_means_nothing_is_created(db, setup):
    before = user_count(db)
    rows = [person(), person(), person(gender=""), person()]
    errors = errors_of(xlsx(rows), actor=None)
    assert list(errors) == [(4, "Giới tính")]
    assert user_count(db) == before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_excel_number_cells_lose_no_leading_zero(db, setup):
    birth = date(2009, 3, 3)
    cccd = valid_cccd(birth, "male")  # starts with 0 (province 012)
    phone = unique_phone()
    row = person(birth=birth, cccd=int(cccd), phone=int(phone))
    result = user_import.import_participants(xlsx([row]), actor=None, now=NOW, min_age=12)
    user = result.users[0].user
    assert user.id_number == cccd and user.phone == phone


def test_english_headers_and_column_order_are_accepted(db, setup):
    header = [
        "Email",
        "Full name",
        "Phone",
        "ID number",
        "Gender",
        "Birth date",
        "Unit",
        "Category",
    ]
    birth = date(2001, 7, 7)
    row = [
        "",
        "Phạm Thị Dung",
        unique_phone(),
        valid_cccd(birth, "female"),
        "female",
        "07/07/2001",
        UNIT.upper(),
        "hoc sinh, sinh vien",
    ]
    result = user_import.import_participants(
        xlsx([row], header=header), actor=None, now=NOW, min_age=12
    )
    assert result.created == 1 and result.users[0].user.full_name == "Phạm Thị Dung"


def test_missing_required_columns_are_row_1_errors(db, setup):
    errors = errors_of(xlsx([["Nguyễn Văn An"]], header=["Họ và tên"]), actor=None)
    assert {column for row, column in errors if row == 1} == {
        "Ngày sinh",
        "Giới tính",
        "Số CCCD",
        "Số điện thoại",
        "Đơn vị",
        "Đối tượng",
    }


def test_unit_path_resolves_repeated_names(db, setup, make_unit):
    a, b = make_unit("Xã A"), make_unit("Xã B")
    school_b = make_unit("Trường Kim Đồng", parent=b)
    make_unit("Trường Kim Đồng", parent=a)
    errors = errors_of(xlsx([person(unit="Trường Kim Đồng")]), actor=None)
    assert "Có 2 đơn vị" in errors[(2, "Đơn vị")]
    result = user_import.import_participants(
        xlsx([person(unit="Xã B / Trường Kim Đồng")]), actor=None, now=NOW, min_age=12
    )
    assert result.users[0].user.unit_id == school_b.id


def test_not_an_xlsx_file_is_unreadable(db, setup):
    with pytest.raises(UnreadableFile):
        user_import.import_participants(b"PK\x03\x04 broken", actor=None, now=NOW, min_age=12)


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def as_organiser(client, login, organiser, setup, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_SHEETS_DIR", str(tmp_path / "sheets"))
    login(organiser)
    return login


def upload(client, login, data, path="/ban-to-chuc/thi-sinh/nhap", **kwargs):
    return client.post(
        path,
        data={"csrf_token": login.csrf_token, "file": (io.BytesIO(data), "danh-sach.xlsx")},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_import_page_creates_users_and_offers_the_passwords_once(
    client, as_organiser, db, organiser
):
    response = upload(
        client,
        as_organiser,
        xlsx([person(), person("Lò Thị Bình", gender="Nữ")]),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã tạo 2 tài khoản thí sinh." in html
    assert "Tải danh sách mật khẩu" in html
    download = client.get("/ban-to-chuc/thi-sinh/mat-khau-tam.xlsx")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    assert formula_cells(download.data) == []
    ws = openpyxl.load_workbook(io.BytesIO(download.data)).worksheets[0]
    texts = [c.value for row in ws.iter_rows() for c in row]
    assert "Lò Thị Bình" in texts
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.export_passwords")
    )
    assert entry.actor_id == organiser.id and entry.details == {"rows": 2}


def test_password_sheet_belongs_to_the_organiser_who_imported(client, as_organiser, app, make_user):
    upload(client, as_organiser, xlsx([person()]))
    other = app.test_client()
    assert other.get("/ban-to-chuc/thi-sinh/mat-khau-tam.xlsx").status_code == 302
    from tests.conftest import Login

    Login(other)(make_user(Role.organiser))
    assert other.get("/ban-to-chuc/thi-sinh/mat-khau-tam.xlsx").status_code == 404


def test_import_page_lists_row_errors_and_creates_nothing(client, as_organiser, db):
    before = user_count(db)
    response = upload(client, as_organiser, xlsx([person(), person(phone="12")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "chưa có dữ liệu nào được lưu" in html
    assert "Số điện thoại không hợp lệ" in html
    assert user_count(db) == before


def test_import_page_refuses_an_unreadable_file(client, as_organiser):
    response = upload(client, as_organiser, b"Ho va ten,Ngay sinh\n")
    assert response.status_code == 422
    assert "không phải tệp Excel .xlsx" in response.get_data(as_text=True)


def test_download_without_an_import_is_404(client, as_organiser):
    assert client.get("/ban-to-chuc/thi-sinh/mat-khau-tam.xlsx").status_code == 404


def test_participants_template_lists_the_columns(client, as_organiser):
    response = client.get("/ban-to-chuc/thi-sinh/mau-danh-sach-thi-sinh.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    assert CATEGORY in " ".join(str(c.value) for row in wb.worksheets[1].iter_rows() for c in row)
    assert formula_cells(response.data) == []


@pytest.mark.parametrize(
    "path", ["/ban-to-chuc/thi-sinh/nhap", "/ban-to-chuc/thi-sinh/mau-danh-sach-thi-sinh.xlsx"]
)
def test_import_pages_need_an_organiser(client, login, make_user, path):
    assert client.get(path).status_code == 302
    login(make_user(Role.participant))
    assert client.get(path).status_code == 403
    response = client.post(path, data={"csrf_token": login.csrf_token})
    assert response.status_code in (403, 405)
