"""Bulk-create participant accounts from a school's or an agency's list (product.md §5).

Template: ``Họ và tên | Ngày sinh | Giới tính | Số CCCD | Số điện thoại | Email | Đơn vị |
Đối tượng | Mật khẩu``. Each row goes through the registration checks
(``accounts.validate_profile``) plus duplicates within the file; the import is
all-or-nothing. The organiser imports on the participants' behalf, so consent is recorded
as version ``"import"`` and the audit log names the organiser. A blank password is
generated; the generated passwords are handed out from a separate ``.xlsx``.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import Gender, Role, User
from contest.services import accounts, audit, units
from contest.services.errors import Conflict, ImportFailed, NotFound, ValidationFailed
from contest.services.passwords import hash_password
from contest.services.vn import normalise_phone
from question_bank.safety import UnreadableFile
from question_bank.text import fold
from question_bank.xlsx import Column, HeaderError, RowError, Sheet, read_table, write_workbook

__all__ = [
    "COLUMNS",
    "ImportedUser",
    "UserImportResult",
    "UnreadableFile",
    "create_participant_from_cli",
    "import_participants",
    "password_sheet_bytes",
    "record_password_export",
    "template_bytes",
]

COLUMNS = [
    Column("full_name", "Họ và tên", ("Full name", "Name", "Họ tên")),
    Column("birth_date", "Ngày sinh", ("Birth date", "Date of birth", "Birthday")),
    Column("gender", "Giới tính", ("Gender", "Sex")),
    Column("id_number", "Số CCCD", ("ID number", "CCCD", "Căn cước công dân", "Số căn cước")),
    Column("phone", "Số điện thoại", ("Phone", "Phone number", "Điện thoại", "SĐT")),
    Column("email", "Email", ("E-mail", "Thư điện tử"), required=False),
    Column("unit", "Đơn vị", ("Unit",)),
    Column("category", "Đối tượng", ("Category", "Đối tượng dự thi")),
    Column("password", "Mật khẩu", ("Password",), required=False),
]
LABEL = {col.key: col.label for col in COLUMNS}
# validate_profile's field names → template columns, in the template's order.
FIELD_COLUMNS = {
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "gender": "Giới tính",
    "id_number": "Số CCCD",
    "phone": "Số điện thoại",
    "email": "Email",
    "unit_id": "Đơn vị",
    "category_id": "Đối tượng",
    "password": "Mật khẩu",
}
GENDERS = {
    "nam": "male",
    "male": "male",
    "m": "male",
    "nu": "female",
    "female": "female",
    "f": "female",
}
CONSENT_VERSION = "import"
WEB_MAX_ROWS = 2000  # about a minute of password hashing
CLI_MAX_ROWS = 20000
SHEET_LIFETIME_SECONDS = 3600


@dataclass
class ImportedUser:
    row: int
    user: User
    generated_password: str | None = None


@dataclass
class UserImportResult:
    users: list[ImportedUser] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.users)

    @property
    def generated(self) -> list[ImportedUser]:
        return [item for item in self.users if item.generated_password]


@dataclass
class _Row:
    row: int
    clean: dict
    password: str


def _excel_digits(text: str, length: int) -> str:
    """Put back the leading zero Excel drops from a number cell (CCCD, phone)."""
    digits = "".join(text.split())
    if digits.isdigit() and len(digits) == length - 1:
        return "0" + digits
    return digits


def _date_text(text: str) -> str:
    """'1.5.2008' or '01-05-2008' → '01/05/2008'; other text unchanged."""
    if re.fullmatch(r"\d{1,2}[.\-]\d{1,2}[.\-]\d{4}", text):
        return re.sub(r"[.\-]", "/", text)
    return text


def _category_index() -> dict[str, int]:
    return {fold(c.name): c.id for c in units.list_categories()}


def _check_row(
    row: int,
    values: dict[str, str],
    *,
    lookup: units.UnitLookup,
    categories: dict[str, int],
    now: datetime,
    min_age: int,
):
    """(clean values or None, {field: message}) for one row."""
    problems: dict[str, str] = {}
    unit_id = None
    if not values["unit"]:
        problems["unit_id"] = "Vui lòng ghi đơn vị."
    else:
        try:
            unit_id = lookup.find(values["unit"]).id
        except LookupError as exc:
            problems["unit_id"] = str(exc)
    category_id = categories.get(fold(values["category"]))
    if category_id is None:
        names = "; ".join(c.name for c in units.list_categories())
        problems["category_id"] = (
            "Vui lòng ghi đối tượng."
            if not values["category"]
            else f"Không có đối tượng «{values['category']}»."
        ) + f" Vui lòng ghi một trong: {names}."
    gender = GENDERS.get(fold(values["gender"]), "")
    if not gender:
        problems["gender"] = "Giới tính phải là Nam hoặc Nữ."
    data = accounts.ProfileInput(
        full_name=values["full_name"],
        birth_date=_date_text(values["birth_date"]),
        gender=gender,
        id_number=_excel_digits(values["id_number"], 12),
        phone=_excel_digits(values["phone"], 10),
        email=values["email"],
        unit_id=unit_id,
        category_id=category_id,
        password=values["password"],
    )
    clean = None
    try:
        clean = accounts.validate_profile(
            data,
            now=now,
            min_age=min_age,
            need_password=bool(values["password"]),
            need_consent=False,
        )
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            problems.setdefault(name, message.replace(" Nếu là bạn, hãy đăng nhập.", ""))
    # Values for the duplicates-in-file check, even when another field of the row is wrong.
    keys = {
        "id_number": data.id_number if data.id_number.isdigit() else None,
        "phone": normalise_phone(data.phone),
        "email": data.email.strip().lower() or None,
    }
    return (None if problems else clean), problems, keys


_DUPLICATE = {
    "id_number": "Số CCCD trùng với dòng {row} trong tệp.",
    "phone": "Số điện thoại trùng với dòng {row} trong tệp.",
    "email": "Email trùng với dòng {row} trong tệp.",
}


def _check_rows(rows, *, now: datetime, min_age: int) -> tuple[list[_Row], list[RowError]]:
    lookup = units.UnitLookup(units.list_units())
    categories = _category_index()
    seen: dict[str, dict[str, int]] = {name: {} for name in _DUPLICATE}
    good: list[_Row] = []
    errors: list[RowError] = []
    for row, values in rows:
        clean, problems, keys = _check_row(
            row, values, lookup=lookup, categories=categories, now=now, min_age=min_age
        )
        for name, value in keys.items():
            if value is None or name in problems:
                continue
            first = seen[name].setdefault(value, row)
            if first != row:
                problems[name] = _DUPLICATE[name].format(row=first)
        if problems:
            errors.extend(
                RowError(row, column, problems[name])
                for name, column in FIELD_COLUMNS.items()
                if name in problems
            )
        else:
            good.append(_Row(row, clean, values["password"]))
    return good, errors


def _new_participant(
    clean: dict, password_hash: str, *, must_change: bool, now: datetime, consent_version: str
) -> User:
    return User(
        role=Role.participant,
        full_name=clean["full_name"],
        name_key=fold(clean["full_name"]),
        birth_date=clean["birth_date"],
        gender=Gender(clean["gender"]),
        id_number=clean["id_number"],
        phone=clean["phone"],
        email=clean["email"],
        unit_id=clean["unit_id"],
        category_id=clean["category_id"],
        address=clean["address"],
        password_hash=password_hash,
        must_change_password=must_change,
        consent_at=now,
        consent_version=consent_version,
        created_at=now,
    )


def _flush_or_conflict() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Một số CCCD, số điện thoại hoặc email trong tệp vừa được đăng ký bởi "
            "tài khoản khác. Vui lòng nhập lại tệp."
        ) from exc


def import_participants(
    data: bytes, *, actor: User | None, now: datetime, min_age: int, max_rows: int = WEB_MAX_ROWS
) -> UserImportResult:
    """Create one participant per row of an ``.xlsx`` participant list (bytes).

    Returns the created users with their generated passwords (blank password cells).
    Raises ``UnreadableFile`` (unsafe or unreadable file), ``ImportFailed`` (``errors``:
    every ``RowError``, headers included) or ``Conflict`` (a concurrent registration took a
    CCCD, phone or email); nothing is saved then. Flushes; the caller commits.
    """
    try:
        table = read_table(data, COLUMNS, max_rows=max_rows)
    except HeaderError as exc:
        raise ImportFailed(exc.errors) from exc
    if not table.rows:
        raise ImportFailed(
            [
                RowError(
                    2,
                    LABEL["full_name"],
                    "Tệp chưa có người dự thi nào. Vui lòng ghi danh sách từ dòng 2.",
                )
            ]
        )
    rows, errors = _check_rows(table.rows, now=now, min_age=min_age)
    if errors:
        raise ImportFailed(errors)
    # Hash only once every row is known to be good: Argon2 costs ~30 ms per password.
    result = UserImportResult()
    for item in rows:
        generated = None if item.password else accounts.generate_password()
        user = _new_participant(
            item.clean,
            hash_password(item.password or generated),
            must_change=generated is not None,
            now=now,
            consent_version=CONSENT_VERSION,
        )
        db.session.add(user)
        result.users.append(ImportedUser(item.row, user, generated))
    _flush_or_conflict()
    for item in result.users:
        audit.record(
            actor,
            "user.create",
            "user",
            item.user.id,
            now=now,
            source="import",
            row=item.row,
            consent=CONSENT_VERSION,
        )
    audit.record(
        actor,
        "user.import",
        "user",
        None,
        now=now,
        created=result.created,
        generated_passwords=len(result.generated),
    )
    db.session.flush()
    return result


def create_participant_from_cli(
    *,
    full_name: str,
    email: str | None,
    phone: str | None,
    id_number: str,
    birth_date: str | None,
    gender: str | None,
    unit: str | None,
    category: str | None,
    password: str,
    now: datetime,
    min_age: int = 12,
) -> User:
    """``users create --role participant …``: one complete participant, checked like a
    registration. ``unit`` is a unit name or path, ``category`` a category name.

    Raises ValidationFailed keyed by the command's option names (``unit``, ``birth-date``…).
    """
    problems: dict[str, str] = {}
    unit_id = category_id = None
    try:
        unit_id = units.UnitLookup(units.list_units()).find(unit or "").id
    except LookupError as exc:
        problems["unit"] = "Vui lòng ghi đơn vị (--unit)." if not unit else str(exc)
    category_id = _category_index().get(fold(category or ""))
    if category_id is None:
        names = "; ".join(c.name for c in units.list_categories())
        problems["category"] = f"Không có đối tượng «{category or ''}». Các đối tượng: {names}."
    data = accounts.ProfileInput(
        full_name=full_name or "",
        birth_date=birth_date,
        gender=gender or "",
        id_number=id_number or "",
        phone=phone or "",
        email=email or "",
        unit_id=unit_id,
        category_id=category_id,
        password=password or "",
    )
    option = {
        "full_name": "name",
        "birth_date": "birth-date",
        "id_number": "id-number",
        "unit_id": "unit",
        "category_id": "category",
    }
    try:
        clean = accounts.validate_profile(data, now=now, min_age=min_age, need_consent=False)
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            problems.setdefault(option.get(name, name), message)
    if problems:
        raise ValidationFailed(problems)
    user = _new_participant(
        clean, hash_password(password), must_change=False, now=now, consent_version="cli"
    )
    db.session.add(user)
    _flush_or_conflict()
    audit.record(None, "user.create", "user", user.id, now=now, source="cli", consent="cli")
    return user


# --- the generated passwords sheet -----------------------------------------------------------


def password_sheet_bytes(items: list[ImportedUser], *, now: datetime) -> bytes:
    """The ``.xlsx`` (bytes) listing name, unit, phone and temporary password of each
    account whose password was generated. Every text cell is formula-safe (E1)."""
    from contest.services.formatting import format_datetime_vn

    rows = [
        (
            number,
            item.user.full_name,
            item.user.unit.path if item.user.unit else "",
            item.user.phone or "",
            item.generated_password,
        )
        for number, item in enumerate(items, start=1)
    ]
    return write_workbook(
        [
            Sheet(
                "Mật khẩu tạm",
                title_rows=[
                    "Danh sách mật khẩu tạm của người dự thi",
                    f"Tạo lúc {format_datetime_vn(now)}. Người dự thi đăng nhập bằng số điện thoại "
                    "và mật khẩu tạm, rồi phải đặt mật khẩu mới. Giữ kín tệp này và xoá sau khi "
                    "đã trao mật khẩu.",
                ],
                header=[
                    "STT",
                    "Họ và tên",
                    "Đơn vị",
                    "Số điện thoại (tên đăng nhập)",
                    "Mật khẩu tạm",
                ],
                rows=rows,
                widths=(6, 30, 40, 28, 16),
            )
        ]
    )


def record_password_export(actor: User | None, *, rows: int, now: datetime) -> None:
    """Audit a hand-out of temporary passwords (E3): who, when, how many rows."""
    audit.record(actor, "user.export_passwords", "user", None, now=now, rows=rows)


def _sheet_path(directory: Path, owner_id: int, token: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        raise NotFound("Không tìm thấy tệp mật khẩu.")
    return directory / f"{owner_id}-{token}.xlsx"


def _drop_expired(directory: Path) -> None:
    limit = time.time() - SHEET_LIFETIME_SECONDS
    for path in directory.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def store_password_sheet(data: bytes, *, directory: Path, owner_id: int) -> str:
    """Keep the passwords sheet for its owner for an hour, outside ``static/``, readable by
    the server only; returns its random token."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _drop_expired(directory)
    token = secrets.token_urlsafe(24)
    path = _sheet_path(directory, owner_id, token)
    path.touch(mode=0o600)
    path.write_bytes(data)
    return token


def load_password_sheet(token: str, *, directory: Path, owner_id: int) -> bytes:
    """The stored sheet of ``owner_id``. Raises NotFound once it has expired."""
    if directory.is_dir():
        _drop_expired(directory)
    path = _sheet_path(directory, owner_id, token)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NotFound(
            "Tệp mật khẩu đã hết hạn (chỉ giữ trong 1 giờ). Nếu cần, hãy đặt lại "
            "mật khẩu cho từng người trên trang Thí sinh."
        ) from exc


def template_bytes() -> bytes:
    """The blank participant list template (.xlsx bytes) with a help sheet. CCCD and phone
    columns are formatted as text so Excel keeps their leading zero."""
    from openpyxl.worksheet.datavalidation import DataValidation

    def customise(ws) -> None:
        for letter in ("B", "D", "E", "I"):
            ws.column_dimensions[letter].number_format = "@"
        genders = DataValidation(type="list", formula1='"Nam,Nữ"', allow_blank=True)
        genders.add("C2:C5000")
        ws.add_data_validation(genders)

    categories = "; ".join(c.name for c in units.list_categories())
    help_rows = [
        ("Họ và tên", "Bắt buộc, chỉ gồm chữ cái và khoảng trắng."),
        ("Ngày sinh", "Bắt buộc, dạng ngày/tháng/năm, ví dụ 05/09/2008."),
        ("Giới tính", "Nam hoặc Nữ."),
        ("Số CCCD", "12 chữ số, khớp với năm sinh và giới tính."),
        ("Số điện thoại", "Số di động 10 chữ số; dùng để đăng nhập."),
        ("Email", "Không bắt buộc."),
        (
            "Đơn vị",
            "Tên đơn vị như trong danh sách đơn vị; nếu có đơn vị trùng tên, ghi cả "
            "đơn vị cấp trên, ví dụ: Xã Sìn Hồ / Trường THCS Sìn Hồ.",
        ),
        ("Đối tượng", "Một trong: " + categories + "."),
        (
            "Mật khẩu",
            "Không bắt buộc. Để trống thì hệ thống tạo mật khẩu tạm và trả về tệp "
            "danh sách mật khẩu; người dự thi phải đổi mật khẩu khi đăng nhập.",
        ),
    ]
    return write_workbook(
        [
            Sheet(
                "Danh sách thí sinh",
                header=[col.label for col in COLUMNS],
                widths=(28, 14, 10, 16, 16, 28, 40, 30, 14),
                customise=customise,
            ),
            Sheet(
                "Hướng dẫn", header=["Cột", "Cách ghi"], rows=help_rows, widths=(18, 100), wrap=True
            ),
        ]
    )
