"""`flask users import FILE` and `flask users create` (product.md §5 CLI)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Role, User
from tests.conftest import unique_phone, valid_cccd

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


def person(name="Nguyễn Văn An", password="", phone=None, gender="Nam"):
    birth = date(2005, 2, 3)
    code = "female" if gender == "Nữ" else "male"
    return [
        name,
        "03/02/2005",
        gender,
        valid_cccd(birth, code),
        phone or unique_phone(),
        "",
        "Phường Tân Phong",
        "Học sinh, sinh viên",
        password,
    ]


def write_xlsx(path, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def user_count(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def setup(unit, category):
    return unit, category


def test_import_prints_created_and_writes_the_passwords_beside_the_file(
    runner, db, setup, tmp_path
):
    source = write_xlsx(
        tmp_path / "truong-thpt.xlsx",
        [
            person(),
            person("Lò Thị Bình", gender="Nữ"),
            person("Trần Văn Cường", password="matkhau2026"),
        ],
    )
    result = runner.invoke(args=["users", "import", str(source)])
    assert result.exit_code == 0, result.output
    expected = tmp_path / "truong-thpt-mat-khau.xlsx"
    assert result.stdout.splitlines() == ["created 3", f"passwords: {expected}"]
    assert expected.exists() and oct(expected.stat().st_mode & 0o777) == "0o600"
    wb = openpyxl.load_workbook(expected)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert "Nguyễn Văn An" in values and "Trần Văn Cường" not in values
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.consent_version == "import")) == 3
    )
    actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions.count("user.create") == 3
    assert "user.import" in actions and "user.export_passwords" in actions
    # A second list never overwrites the first passwords file.
    again = write_xlsx(tmp_path / "truong-thpt.xlsx", [person("Hà Văn Dũng")])
    result = runner.invoke(args=["users", "import", str(again)])
    assert (
        result.stdout.splitlines()[-1] == f"passwords: {tmp_path / 'truong-thpt-mat-khau-2.xlsx'}"
    )


def test_import_with_every_password_given_writes_no_file(runner, db, setup, tmp_path):
    source = write_xlsx(tmp_path / "ds.xlsx", [person(password="matkhau2026")])
    result = runner.invoke(args=["users", "import", str(source)])
    assert result.exit_code == 0
    assert result.stdout == "created 1\n"
    assert not (tmp_path / "ds-mat-khau.xlsx").exists()


def test_import_with_bad_rows_exits_1_and_creates_nothing(runner, db, setup, tmp_path):
    taken = unique_phone()
    source = write_xlsx(
        tmp_path / "ds.xlsx",
        [person(phone=taken), person(phone=taken), person(gender="X"), person()],
    )
    before = user_count(db)
    result = runner.invoke(args=["users", "import", str(source)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "row 3, column Số điện thoại: Số điện thoại trùng với dòng 2 trong tệp.",
        "row 4, column Giới tính: Giới tính phải là Nam hoặc Nữ.",
    ]
    assert "chưa tạo tài khoản nào" in result.stderr
    assert user_count(db) == before
    assert not (tmp_path / "ds-mat-khau.xlsx").exists()


def test_import_with_missing_columns_exits_1_with_row_1_errors(runner, db, setup, tmp_path):
    source = write_xlsx(
        tmp_path / "ds.xlsx", [["Nguyễn Văn An", "Nam"]], header=["Họ và tên", "Giới tính"]
    )
    result = runner.invoke(args=["users", "import", str(source)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("row 1, column Ngày sinh: Thiếu cột «Ngày sinh»")
    assert len(lines) == 5


@pytest.mark.parametrize("content", [b"", b"Ho va ten;Ngay sinh\n", b"PK\x03\x04junk"])
def test_unreadable_file_exits_2_with_the_message_on_stderr(runner, db, setup, tmp_path, content):
    source = tmp_path / "ds.xlsx"
    source.write_bytes(content)
    result = runner.invoke(args=["users", "import", str(source)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip()


def test_missing_file_exits_2(runner, db, tmp_path):
    result = runner.invoke(args=["users", "import", str(tmp_path / "khong-co.xlsx")])
    assert result.exit_code == 2
    assert "Không đọc được tệp" in result.stderr


def test_macro_workbook_is_refused_with_exit_2(runner, db, setup, tmp_path):
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.save(buffer)
    import zipfile

    data = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"macro")
    source = tmp_path / "ds.xlsx"
    source.write_bytes(data.getvalue())
    result = runner.invoke(args=["users", "import", str(source)])
    assert result.exit_code == 2
    assert "macro" in result.stderr


def test_create_participant_who_can_then_sign_in(runner, db, setup, client, make_unit):
    root = make_unit("Tỉnh Lai Châu")
    make_unit("Xã Sìn Hồ", parent=root)
    phone = unique_phone()
    cccd = valid_cccd(date(1999, 12, 31), "female")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "participant",
            "--name",
            "Lò Thị Mai",
            "--phone",
            phone,
            "--id-number",
            cccd,
            "--birth-date",
            "1999-12-31",
            "--gender",
            "female",
            "--unit",
            "Tỉnh Lai Châu / Xã Sìn Hồ",
            "--category",
            "hoc sinh, sinh vien",
            "--password",
            "matkhau2026",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.phone == phone))
    assert result.stdout == f"created user {user.id} (participant)\n"
    assert user.role is Role.participant and user.unit.name == "Xã Sìn Hồ"
    assert user.id_number == cccd and user.gender.value == "female"
    assert user.consent_version == "cli" and user.category.name == "Học sinh, sinh viên"
    response = client.post("/api/auth/login", json={"login": phone, "password": "matkhau2026"})
    assert response.status_code == 200


def test_create_participant_with_bad_data_exits_1(runner, db, setup):
    before = user_count(db)
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "participant",
            "--name",
            "Lò Thị Mai",
            "--phone",
            unique_phone(),
            "--id-number",
            "123",
            "--birth-date",
            "1999-12-31",
            "--gender",
            "female",
            "--unit",
            "Không có",
            "--category",
            "Học sinh, sinh viên",
            "--password",
            "matkhau2026",
        ]
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("unit: Không tìm thấy đơn vị «Không có»") for line in lines)
    assert "id-number: Số CCCD phải gồm đúng 12 chữ số." in lines
    assert user_count(db) == before


def test_create_staff_account_still_works(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "organiser",
            "--email",
            "btc@example.vn",
            "--password",
            "matkhau2026",
            "--name",
            "Ban Tổ chức",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "btc@example.vn"))
    assert user.role is Role.organiser


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn\u202eA",  # right-to-left override
        "Trần\u200bThị Bình",  # zero-width space
        "Lê\u0007Văn",  # a control character
        "Phạm\u2066Hùng\u2069",  # an isolate
        "x" * 121,
    ],
)
def test_staff_names_with_hidden_characters_are_refused(runner, db, name):
    """Review: an organiser's or judge's name gets the same check as a participant's: no
    bidi, zero-width or control characters (they would disguise who judged or signed)."""
    before = user_count(db)
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "judge",
            "--email",
            "giam.khao@example.vn",
            "--name",
            name,
            "--password",
            "matkhau2026",
        ]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("name: Họ và tên")
    assert user_count(db) == before


def test_a_plain_staff_name_is_kept_in_nfc(runner, db):
    result = runner.invoke(
        args=["users", "create", "--role", "organiser", "--email", "btc.moi@example.vn"]
        + ["--name", "Nguye\u0302\u0303n Thi\u0323 Hoa", "--password", "matkhau2026"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "btc.moi@example.vn"))
    assert user.full_name == "Nguyễn Thị Hoa"
