"""Adding people to an exclusion list from an ``.xlsx``: the participant list template's
columns (``user_import.COLUMNS``; the same file a school sent for ``users import`` works),
plus an optional «Lý do» column, and the template and export of a list.

Each row names a person by «Số CCCD» or «Số điện thoại» (both: they must be the same
account; «Họ và tên», when given, must match it). A row's own reason wins over the one
given for the whole file. The import is all-or-nothing: any bad row (a number nobody
registered with, a malformed number, a name that does not match, no reason) stops it
with every problem listed and nothing added. Rows that need nothing — the person is
already on the list, a staff account, or repeats an earlier row — are skipped and
reported. The file goes through the xlsx safety gate (zip bombs, macros) before openpyxl
reads it, formula cells give their cached text (never evaluated), and the export writes
every text cell formula-safe (E1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest, Role, Round, User
from contest.services import exclusions, user_import
from contest.services.errors import ImportFailed, ValidationFailed
from contest.services.i18n import _
from contest.services.vn import cccd_problem, normalise_phone
from question_bank.text import fold
from question_bank.xlsx import Column, HeaderError, RowError, Sheet, read_table, write_workbook

__all__ = ["COLUMNS", "ImportOutcome", "export_bytes", "import_exclusions", "template_bytes"]

_WANTED = ("full_name", "birth_date", "id_number", "phone", "email", "unit", "category")
COLUMNS = [
    Column(c.key, c.label, c.aliases, required=False)
    for c in user_import.COLUMNS
    if c.key in _WANTED
] + [Column("reason", "Lý do", ("Reason", "Lý do không xét giải", "Ghi chú"), required=False)]
LABEL = {c.key: c.label for c in COLUMNS}
WEB_MAX_ROWS = 5000
CLI_MAX_ROWS = 20000


@dataclass
class ImportOutcome:
    """What an import did: the people added (with their rows), the rows skipped and why,
    and the closed rounds recomputed."""

    added: list[tuple[int, User]] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)
    repeated: list[int] = field(default_factory=list)
    recomputed: list = field(default_factory=list)


@dataclass
class _Good:
    row: int
    user: User
    reason: str


def _read(data: bytes, max_rows: int):
    """The file's rows. Raises UnreadableFile or ImportFailed (header, no rows)."""
    try:
        table = read_table(data, COLUMNS, max_rows=max_rows)
    except HeaderError as exc:
        raise ImportFailed(exc.errors) from exc
    if not table.present & {"id_number", "phone"}:
        message = _(
            "Tệp cần có cột «Số CCCD» hoặc cột «Số điện thoại» ở dòng tiêu đề (dòng 1). "
            "Vui lòng dùng tệp mẫu."
        )
        raise ImportFailed([RowError(1, LABEL["phone"], message)])
    if not table.rows:
        message = _("Tệp chưa có ai. Vui lòng ghi danh sách từ dòng 2.")
        raise ImportFailed([RowError(2, LABEL["phone"], message)])
    return table.rows


class _People:
    """The accounts the file's numbers name, read in two queries."""

    def __init__(self, rows):
        phones, numbers = set(), set()
        for _row, values in rows:
            if phone := normalise_phone(exclusions.digits_of(values["phone"], 10)):
                phones.add(phone)
            number = exclusions.digits_of(values["id_number"], 12)
            if number.isdigit():
                numbers.add(number)
        self.by_phone = self._load(User.phone, phones)
        self.by_cccd = self._load(User.id_number, numbers)

    @staticmethod
    def _load(column, values) -> dict[str, User]:
        found: dict[str, User] = {}
        values = sorted(values)
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            for user in db.session.scalars(select(User).where(column.in_(chunk))):
                found[getattr(user, column.key)] = user
        return found


def _by_cccd(raw: str, people: _People, problems: dict) -> User | None:
    number = exclusions.digits_of(raw, 12)
    if problem := cccd_problem(number):
        problems["id_number"] = problem
        return None
    user = people.by_cccd.get(number)
    if user is None:
        problems["id_number"] = _("Chưa có ai đăng ký với số CCCD này.")
    return user


def _by_phone(raw: str, people: _People, problems: dict) -> User | None:
    phone = normalise_phone(exclusions.digits_of(raw, 10))
    if phone is None:
        problems["phone"] = _("Số điện thoại chưa đúng: cần số di động 10 chữ số.")
        return None
    user = people.by_phone.get(phone)
    if user is None:
        problems["phone"] = _("Chưa có ai đăng ký với số điện thoại này.")
    return user


def _person(values: dict[str, str], people: _People, problems: dict) -> User | None:
    """The row's account, or None with its problems noted."""
    if not values["id_number"] and not values["phone"]:
        problems["phone"] = _("Dòng này chưa có số CCCD hoặc số điện thoại.")
        return None
    by_cccd = _by_cccd(values["id_number"], people, problems) if values["id_number"] else None
    by_phone = _by_phone(values["phone"], people, problems) if values["phone"] else None
    if by_cccd and by_phone and by_cccd.id != by_phone.id:
        problems["phone"] = _(
            "Số CCCD và số điện thoại ở dòng này thuộc hai tài khoản khác nhau. "
            "Vui lòng kiểm tra lại."
        )
        return None
    user = by_cccd or by_phone
    name = values["full_name"]
    if user is not None and name and fold(name) != fold(user.full_name):
        problems["full_name"] = _(
            "Họ tên không khớp với tài khoản có số này («%(name)s»). Vui lòng kiểm tra lại.",
            name=user.full_name,
        )
    return None if problems else user


def _check(rows, contest, round_, default_reason: str, outcome: ImportOutcome):
    """The rows to add and every problem; skipped rows are noted in ``outcome``."""
    people = _People(rows)
    listed = exclusions.excluded_ids(contest, round_)
    seen: set[int] = set()
    good: list[_Good] = []
    errors: list[RowError] = []
    for row, values in rows:
        problems: dict[str, str] = {}
        user = _person(values, people, problems)
        reason = values["reason"] or default_reason
        try:
            reason = exclusions.clean_reason(reason)
        except ValidationFailed as exc:
            problems["reason"] = exc.fields["reason"]
        if problems:
            errors += [RowError(row, LABEL[k], problems[k]) for k in LABEL if k in problems]
        elif user.role is not Role.participant:
            outcome.staff.append(row)
        elif user.id in listed:
            outcome.already.append(row)
        elif user.id in seen:
            outcome.repeated.append(row)
        else:
            seen.add(user.id)
            good.append(_Good(row, user, reason))
    return good, errors


def import_exclusions(
    data: bytes,
    contest: Contest,
    *,
    round_: Round | None = None,
    reason: str = "",
    actor: User | None,
    now: datetime,
    max_rows: int = WEB_MAX_ROWS,
    source: str = "file",
) -> ImportOutcome:
    """Add everyone the ``.xlsx`` names to the list of ``round_`` (or the contest), then
    recompute the closed rounds it touches. ``reason`` is for rows without their own.

    Raises UnreadableFile (unsafe or unreadable file), ImportFailed (every RowError;
    nothing added), Conflict (an essay result is final; a concurrent change).
    """
    exclusions.check_open(contest)
    outcome = ImportOutcome()
    good, errors = _check(_read(data, max_rows), contest, round_, reason or "", outcome)
    if errors:
        raise ImportFailed(errors)
    for item in good:
        exclusions.insert(
            contest,
            round_,
            item.user,
            item.reason,
            actor=actor,
            now=now,
            source=source,
            row=item.row,
        )
        outcome.added.append((item.row, item.user))
    exclusions.flush_or_conflict()
    exclusions.record(
        "exclusion.import",
        contest,
        round_,
        actor=actor,
        now=now,
        rows=len(good),
        already=len(outcome.already),
        staff=len(outcome.staff),
        repeated=len(outcome.repeated),
    )
    db.session.flush()
    if good:
        outcome.recomputed = exclusions.recompute(contest, round_, actor=actor, now=now)
    return outcome


# --- files out -----------------------------------------------------------------------------

_TEMPLATE_KEYS = ("full_name", "id_number", "phone", "unit", "reason")


def template_bytes() -> bytes:
    """The blank list (.xlsx bytes): «Họ và tên | Số CCCD | Số điện thoại | Đơn vị | Lý do»
    (columns of the participant template, plus the reason); numbers kept as text."""

    def as_text(ws) -> None:
        for letter in ("B", "C"):
            ws.column_dimensions[letter].number_format = "@"

    return write_workbook(
        [
            Sheet(
                "Không xét giải",
                header=[LABEL[k] for k in _TEMPLATE_KEYS],
                rows=[],
                widths=(30, 16, 16, 36, 40),
                customise=as_text,
            )
        ]
    )


def export_bytes(
    contest: Contest, round_: Round | None, *, title: str, now: datetime, actor: User | None
) -> bytes:
    """The scope's list as ``.xlsx`` bytes, every text cell formula-safe (E1); audited (E3:
    it holds phones and CCCDs)."""
    from contest.services.formatting import format_datetime_vn

    rows = exclusions.list_exclusions(contest, round_)
    body = [
        (
            number,
            row.user.full_name,
            row.user.id_number or "",
            row.user.phone or "",
            row.user.unit.path if row.user.unit else "",
            row.reason,
            _("Cả cuộc thi") if row.round_id is None else _("Đợt thi này"),
            row.created_by.full_name if row.created_by else "",
            format_datetime_vn(row.created_at),
        )
        for number, row in enumerate(rows, start=1)
    ]
    data = write_workbook(
        [
            Sheet(
                "Không xét giải",
                title_rows=[title, _("Xuất lúc %(t)s.", t=format_datetime_vn(now))],
                header=[
                    _("STT"),
                    LABEL["full_name"],
                    LABEL["id_number"],
                    LABEL["phone"],
                    LABEL["unit"],
                    LABEL["reason"],
                    _("Phạm vi"),
                    _("Người thêm"),
                    _("Thêm lúc"),
                ],
                rows=body,
                widths=(6, 28, 16, 14, 34, 40, 14, 24, 18),
            )
        ]
    )
    exclusions.record("exclusion.export", contest, round_, actor=actor, now=now, rows=len(rows))
    return data
