"""Bulk-create participant accounts from a school's or an agency's list (product.md §5).

Template: ``Họ và tên | Ngày sinh | Giới tính | Số CCCD | Số điện thoại | Email | Đơn vị |
Đối tượng | Mật khẩu``. Each row goes through the registration checks
(``participants.build_participant``) plus duplicates within the file; the import is
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

from contest.extensions import db
from contest.models import User
from contest.services import accounts, audit, participants, unit_scope, units
from contest.services.errors import ImportFailed, NotFound, ValidationFailed
from contest.services.i18n import _, lazy_gettext
from contest.services.passwords import hash_password
from contest.services.vn import normalise_cccd, normalise_email, normalise_phone
from question_bank.safety import UnreadableFile
from question_bank.text import fold
from question_bank.xlsx import Column, HeaderError, RowError, Sheet, read_table, write_workbook

__all__ = [
    "COLUMNS",
    "ImportedUser",
    "UserImportResult",
    "UnreadableFile",
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
# check_profile's field names → template columns, in the template's order.
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
WEB_MAX_ROWS = 2000  # about a minute of password hashing: the most run in the request
CLI_MAX_ROWS = 20000
JOB_MAX_ROWS = CLI_MAX_ROWS  # a web import above WEB_MAX_ROWS (or INLINE_MAX_BYTES) is a job
INLINE_MAX_BYTES = 1_000_000
SHEET_LIFETIME_SECONDS = 3600


@dataclass
class ImportedUser:
    """One created account: its row in the file and its generated password, if any."""

    row: int
    user: User
    generated_password: str | None = None


@dataclass
class UserImportResult:
    """The accounts an import created, in the file's order."""

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
    user: User
    password: str


def _excel_digits(text: str, length: int) -> str:
    """Put back the leading zero Excel drops from a number cell (CCCD, phone); digits of
    any script are read as ASCII digits first (``vn.normalise_cccd``)."""
    digits = normalise_cccd(text)
    if re.fullmatch(r"[0-9]+", digits) and len(digits) == length - 1:
        return "0" + digits
    return digits


def _date_text(text: str) -> str:
    """'1.5.2008' or '01-05-2008' → '01/05/2008'; other text unchanged."""
    if re.fullmatch(r"\d{1,2}[.\-]\d{1,2}[.\-]\d{4}", text):
        return re.sub(r"[.\-]", "/", text)
    return text


class _Names:
    """The units and categories a row may name, read once per file."""

    def __init__(self, actor: User | None = None):
        every = units.list_units()
        self.units = units.UnitLookup(every)
        self.categories = units.list_categories()
        self.category_ids = {fold(c.name): c.id for c in self.categories}
        # A unit organiser imports only into their subtree: names are looked up there
        # first (a school's name may repeat in another commune), then everywhere, to say
        # why a unit of another subtree is refused.
        scope = unit_scope.scope_of(actor)
        self.scoped = None
        if scope is not None:
            self.scoped = units.UnitLookup([u for u in every if u.id in scope])
            self.scope_name = actor.scope_unit.path if actor.scope_unit else "—"

    def unit_id(self, text: str, problems: dict) -> int | None:
        if not text:
            problems["unit_id"] = _("Vui lòng ghi đơn vị.")
            return None
        try:
            return (self.scoped or self.units).find(text).id
        except LookupError as exc:
            problems["unit_id"] = str(exc)
        if self.scoped is not None and self.units.count(text):
            problems["unit_id"] = _(
                "Đơn vị «%(name)s» không thuộc phạm vi của bạn: bạn chỉ nhập được thí sinh "
                "của «%(scope)s» và các đơn vị trực thuộc. Hãy sửa đơn vị hoặc bỏ dòng này.",
                name=text,
                scope=self.scope_name,
            )
        return None

    def category_id(self, text: str, problems: dict) -> int | None:
        category_id = self.category_ids.get(fold(text))
        if category_id is None:
            names = "; ".join(c.name for c in self.categories)
            problems["category_id"] = (
                _("Vui lòng ghi đối tượng. Vui lòng ghi một trong: %(names)s.", names=names)
                if not text
                else _(
                    "Không có đối tượng «%(name)s». Vui lòng ghi một trong: %(names)s.",
                    name=text,
                    names=names,
                )
            )
        return category_id


def _check_row(values: dict[str, str], *, names: _Names, now: datetime, min_age: int):
    """(the participant or None, {field: message}, the row's CCCD, phone and email)."""
    problems: dict[str, str] = {}
    unit_id = names.unit_id(values["unit"], problems)
    category_id = names.category_id(values["category"], problems)
    gender = GENDERS.get(fold(values["gender"]), "")
    if not gender:
        problems["gender"] = _("Giới tính phải là Nam hoặc Nữ.")
    data = participants.ProfileInput(
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
    user = None
    try:
        user = participants.build_participant(
            data,
            now=now,
            min_age=min_age,
            need_password=bool(values["password"]),
            need_consent=False,
            sign_in_hint=False,
        )
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            problems.setdefault(name, message)
    # Values for the duplicates-in-file check, even when another field of the row is wrong.
    keys = {
        "id_number": data.id_number if re.fullmatch(r"[0-9]{12}", data.id_number) else None,
        "phone": normalise_phone(data.phone),
        "email": normalise_email(data.email),
    }
    return (None if problems else user), problems, keys


_DUPLICATE = {
    "id_number": lazy_gettext("Số CCCD trùng với dòng %(row)s trong tệp."),
    "phone": lazy_gettext("Số điện thoại trùng với dòng %(row)s trong tệp."),
    "email": lazy_gettext("Email trùng với dòng %(row)s trong tệp."),
}


def _check_rows(
    rows, *, now: datetime, min_age: int, actor: User | None = None
) -> tuple[list[_Row], list[RowError]]:
    """The good rows' participants, and every problem of the others (also duplicates of an
    earlier row's CCCD, phone or email)."""
    names = _Names(actor)
    seen: dict[str, dict[str, int]] = {name: {} for name in _DUPLICATE}
    good: list[_Row] = []
    errors: list[RowError] = []
    for row, values in rows:
        user, problems, keys = _check_row(values, names=names, now=now, min_age=min_age)
        for name, value in keys.items():
            if value is None or name in problems:
                continue
            first = seen[name].setdefault(value, row)
            if first != row:
                problems[name] = _DUPLICATE[name] % {"row": first}
        if problems:
            errors.extend(
                RowError(row, column, problems[name])
                for name, column in FIELD_COLUMNS.items()
                if name in problems
            )
        else:
            good.append(_Row(row, user, values["password"]))
    return good, errors


def _read_rows(data: bytes, max_rows: int):
    """The file's rows. Raises UnreadableFile, or ImportFailed (headers, no rows)."""
    try:
        table = read_table(data, COLUMNS, max_rows=max_rows)
    except HeaderError as exc:
        raise ImportFailed(exc.errors) from exc
    if not table.rows:
        message = _("Tệp chưa có người dự thi nào. Vui lòng ghi danh sách từ dòng 2.")
        raise ImportFailed([RowError(2, LABEL["full_name"], message)])
    return table.rows


def _add_accounts(rows: list[_Row], *, now: datetime, progress=None) -> UserImportResult:
    """Set each checked participant's password (the one given, or a generated one they
    must change), record the import's consent and add them to the session; ``progress(done,
    total)`` every 50 accounts."""
    result = UserImportResult()
    for n, item in enumerate(rows):
        if progress is not None and n % 50 == 0:
            progress(n, len(rows))
        generated = None if item.password else accounts.generate_password()
        user = item.user
        user.password_hash = hash_password(item.password or generated)
        user.must_change_password = generated is not None
        user.consent_at, user.consent_version = now, CONSENT_VERSION
        db.session.add(user)
        result.users.append(ImportedUser(item.row, user, generated))
    return result


def _record(result: UserImportResult, *, actor: User | None, now: datetime) -> None:
    """One audit entry per account, and one for the import."""
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


def runs_as_job(data: bytes) -> bool:
    """Whether a web import of ``data`` is too big for the request (more than
    INLINE_MAX_BYTES, or more than WEB_MAX_ROWS rows). Raises what reading the file raises
    (``UnreadableFile``, ``ImportFailed`` for headers, no rows or over JOB_MAX_ROWS)."""
    if len(data) > INLINE_MAX_BYTES:
        return True
    return len(_read_rows(data, JOB_MAX_ROWS)) > WEB_MAX_ROWS


def import_participants(
    data: bytes,
    *,
    actor: User | None,
    now: datetime,
    min_age: int,
    max_rows: int = WEB_MAX_ROWS,
    progress=None,
) -> UserImportResult:
    """Create one participant per row of an ``.xlsx`` participant list (bytes).

    Returns the created users with their generated passwords (blank password cells). A unit
    organiser ``actor`` imports only into their subtree: a row naming another unit is a row
    error (``unit_scope``).
    Raises ``UnreadableFile`` (unsafe or unreadable file), ``ImportFailed`` (``errors``:
    every ``RowError``, headers included) or ``Conflict`` (a concurrent registration took a
    CCCD, phone or email); nothing is saved then. Flushes; the caller commits.
    ``progress(done, total)`` follows the password hashing (the slow part).
    """
    rows, errors = _check_rows(_read_rows(data, max_rows), now=now, min_age=min_age, actor=actor)
    if errors:
        raise ImportFailed(errors)
    # Hash only once every row is known to be good: Argon2 costs ~30 ms per password.
    result = _add_accounts(rows, now=now, progress=progress)
    participants.flush_or_conflict(
        _(
            "Một số CCCD, số điện thoại hoặc email trong tệp vừa được đăng ký bởi "
            "tài khoản khác. Vui lòng nhập lại tệp."
        )
    )
    _record(result, actor=actor, now=now)
    db.session.flush()
    return result


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
        raise NotFound(_("Không tìm thấy tệp mật khẩu."))
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
            _(
                "Tệp mật khẩu đã hết hạn (chỉ giữ trong 1 giờ). Nếu cần, hãy đặt lại "
                "mật khẩu cho từng người trên trang Thí sinh."
            )
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
