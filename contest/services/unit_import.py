"""Import the units list from Excel: ``Tên đơn vị | Đơn vị cấp trên | Loại | Số người``.

All-or-nothing: every row is checked first and every problem reported with its row and
column; only a clean file is saved. A row naming a unit that already exists under the same
parent updates its type and headcount (so the same file can be imported again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Unit, UnitKind, User
from contest.services import audit, units
from contest.services.errors import ImportFailed, ValidationFailed
from contest.services.i18n import _
from question_bank.safety import UnreadableFile
from question_bank.text import fold
from question_bank.xlsx import Column, HeaderError, RowError, Sheet, read_table, write_workbook

__all__ = [
    "COLUMNS",
    "UnitImportResult",
    "UnreadableFile",
    "import_units",
    "parse_kind",
    "template_bytes",
]

COLUMNS = [
    Column("name", "Tên đơn vị", ("Name", "Unit name", "Tên")),
    Column("parent", "Đơn vị cấp trên", ("Parent", "Parent unit", "Cấp trên"), required=False),
    Column("kind", "Loại", ("Type", "Kind", "Loại đơn vị"), required=False),
    Column("headcount", "Số người", ("Headcount", "Số lượng", "Quân số"), required=False),
]
LABEL = {col.key: col.label for col in COLUMNS}
MAX_ROWS = 5000

# Short words organisers write in the "Loại" column, besides the labels and the codes.
_KIND_WORDS = {
    "tinh": UnitKind.province,
    "thanh pho": UnitKind.province,
    "xa": UnitKind.commune,
    "phuong": UnitKind.commune,
    "dac khu": UnitKind.commune,
    "xa phuong": UnitKind.commune,
    "thi tran": UnitKind.commune,
    "co quan": UnitKind.department,
    "so": UnitKind.department,
    "ban": UnitKind.department,
    "nganh": UnitKind.department,
    "truong": UnitKind.school,
    "truong hoc": UnitKind.school,
    "to chuc": UnitKind.organisation,
    "doan the": UnitKind.organisation,
    "hoi": UnitKind.organisation,
    "khac": UnitKind.other,
}


def _kind_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


_KINDS: dict[str, UnitKind] = {
    **_KIND_WORDS,
    # The Vietnamese labels (message ids), whatever the language of the page.
    **{_kind_key(label.message): kind for kind, label in units.UNIT_KIND_LABELS.items()},
    **{kind.value: kind for kind in UnitKind},
}


# What the "Loại" column accepts, for the help sheet and the row errors: the Vietnamese
# labels, since the file is read by them whatever the language of the page.
_KINDS_HELP = "; ".join(label.message for label in units.UNIT_KIND_LABELS.values())


def parse_kind(text: str) -> UnitKind | None:
    """A unit type from its Vietnamese label, a short word (``Xã``) or its code; None if
    unknown."""
    return _KINDS.get(_kind_key(text))


def _parse_headcount(text: str) -> int:
    """'1200', '1.200' or '1 200' → 1200. Raises ValueError."""
    text = text.strip()
    if re.fullmatch(r"\d{1,3}([. ,]\d{3})+", text):
        text = re.sub(r"[. ,]", "", text)
    if not re.fullmatch(r"\d+", text):
        raise ValueError(text)
    return int(text)


@dataclass(eq=False)
class _Planned:
    row: int
    name: str
    key: str
    parent: Unit | _Planned | None
    kind: UnitKind | None
    headcount: int | None
    existing: Unit | None = None
    unit: Unit | None = None


@dataclass
class UnitImportResult:
    """How many units an import created, updated or left unchanged, and the units."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units: list[Unit] = field(default_factory=list)


def _names(item: Unit | _Planned | None) -> list[str]:
    if item is None:
        return []
    if isinstance(item, Unit):
        return units.path_names(item)
    return [*_names(item.parent), item.name]


def _parent_ref(item: Unit | _Planned | None):
    if item is None:
        return None
    return ("db", item.id) if isinstance(item, Unit) else ("file", id(item))


class _Planner:
    """Checks the rows one by one against the units on the system and the rows above."""

    def __init__(self):
        everything = list(db.session.scalars(select(Unit)))
        self.lookup = units.UnitLookup([u for u in everything if u.is_active])
        self.existing = {(u.parent_id, u.name_key): u for u in everything}
        self.seen: dict[tuple, int] = {}

    def fields(self, row: int, values: dict[str, str], problems: dict[str, str]) -> _Planned:
        """The row's name, parent, kind and headcount; what is wrong goes to ``problems``."""
        name = values["name"]
        if not name:
            problems["name"] = _("Vui lòng ghi tên đơn vị.")
        elif len(name) > 200:
            problems["name"] = _("Tên đơn vị dài tối đa 200 ký tự.")
        return _Planned(
            row,
            name,
            fold(name),
            self._parent(values["parent"], problems),
            _kind(values["kind"], problems),
            _headcount(values["headcount"], problems),
        )

    def _parent(self, text: str, problems: dict[str, str]):
        if not text:
            return None
        try:
            return self.lookup.find(text)
        except LookupError as exc:
            problems["parent"] = _(
                "%(problem)s Đơn vị cấp trên phải có sẵn trên hệ thống hoặc "
                "nằm ở một dòng phía trên trong tệp.",
                problem=str(exc),
            )
            return None

    def place(self, item: _Planned, problems: dict[str, str]) -> None:
        """Find the unit the row names (if any); the same unit twice in the file, or an
        inactive one, is a problem."""
        sibling_key = (_parent_ref(item.parent), item.key)
        if sibling_key in self.seen:
            problems["name"] = _(
                "Đơn vị «%(name)s» đã có ở dòng %(row)s với cùng đơn vị cấp trên.",
                name=item.name,
                row=self.seen[sibling_key],
            )
            return
        self.seen[sibling_key] = item.row
        if item.parent is None or isinstance(item.parent, Unit):
            parent_id = item.parent.id if item.parent else None
            item.existing = self.existing.get((parent_id, item.key))
        if item.existing is not None and not item.existing.is_active:
            problems["name"] = _(
                "Đơn vị «%(name)s» đã có nhưng đang ngừng sử dụng. Vui lòng "
                "sử dụng lại đơn vị này trên trang Đơn vị rồi nhập lại.",
                name=item.name,
            )


def _kind(text: str, problems: dict[str, str]) -> UnitKind | None:
    if not text:
        return None
    kind = parse_kind(text)
    if kind is None:
        problems["kind"] = _(
            "Loại đơn vị «%(kind)s» không hợp lệ. Vui lòng ghi một trong các loại: %(kinds)s.",
            kind=text,
            kinds=_KINDS_HELP,
        )
    return kind


def _headcount(text: str, problems: dict[str, str]) -> int | None:
    if not text:
        return None
    try:
        return _parse_headcount(text)
    except ValueError:
        problems["headcount"] = _(
            "Số người phải là số nguyên không âm, ví dụ 1200; có thể để trống."
        )
        return None


def _plan(table_rows) -> tuple[list[_Planned], list[RowError]]:
    """The units to save, in the file's order, or every row's problems."""
    planner = _Planner()
    errors: list[RowError] = []
    planned: list[_Planned] = []
    for row, values in table_rows:
        problems: dict[str, str] = {}
        item = planner.fields(row, values, problems)
        if "name" not in problems and "parent" not in problems:
            planner.place(item, problems)
        for key in ("name", "parent", "kind", "headcount"):
            if key in problems:
                errors.append(RowError(row, LABEL[key], problems[key]))
        if not problems:
            planned.append(item)
            if item.existing is None:
                planner.lookup.add(item, _names(item))
    return planned, errors


def import_units(data: bytes, *, actor: User | None, now: datetime) -> UnitImportResult:
    """Create or update the units listed in an ``.xlsx`` file (bytes), in one go.

    Returns counts of created, updated and unchanged units. Raises ``UnreadableFile``
    (unsafe, damaged or not an .xlsx file) or ``ImportFailed`` whose ``errors`` are
    ``RowError``s; nothing is saved when either is raised. Flushes; the caller commits.
    """
    try:
        table = read_table(data, COLUMNS, max_rows=MAX_ROWS)
    except HeaderError as exc:
        raise ImportFailed(exc.errors) from exc
    if not table.rows:
        message = _("Tệp chưa có đơn vị nào. Vui lòng ghi danh sách đơn vị từ dòng 2.")
        raise ImportFailed([RowError(2, LABEL["name"], message)])
    planned, errors = _plan(table.rows)
    if errors:
        raise ImportFailed(errors)
    result = UnitImportResult()
    try:
        with db.session.begin_nested():
            for item in planned:
                _save(item, actor=actor, now=now, result=result)
    except ValidationFailed as exc:
        # Only a concurrent change can get here: the rows were all checked above.
        raise ImportFailed(
            [
                RowError(item.row, LABEL.get(key.removesuffix("_id"), ""), message)
                for key, message in exc.fields.items()
            ]
        ) from exc
    audit.record(
        actor,
        "unit.import",
        "unit",
        None,
        now=now,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    db.session.flush()
    return result


def _save(item: _Planned, *, actor: User | None, now: datetime, result: UnitImportResult) -> None:
    parent = item.parent.unit if isinstance(item.parent, _Planned) else item.parent
    unit = item.existing
    if unit is not None:
        kind = item.kind or unit.kind
        headcount = unit.headcount if item.headcount is None else item.headcount
        if kind is unit.kind and headcount == unit.headcount:
            item.unit = unit
            result.unchanged += 1
            result.units.append(unit)
            return
    else:
        kind = item.kind or UnitKind.other
        headcount = item.headcount
    item.unit = units.save_unit(
        name=item.name if unit is None else unit.name,
        parent_id=parent.id if parent else None,
        kind=kind.value,
        headcount=headcount,
        actor=actor,
        now=now,
        unit=unit,
    )
    result.units.append(item.unit)
    if unit is None:
        result.created += 1
    else:
        result.updated += 1


def template_bytes() -> bytes:
    """The blank units template (.xlsx bytes) with a help sheet."""
    help_rows = [
        ("Tên đơn vị", "Bắt buộc. Ví dụ: Trường THPT Thành phố Lai Châu."),
        (
            "Đơn vị cấp trên",
            "Để trống nếu là đơn vị cấp cao nhất. Ghi tên đơn vị cấp trên đã "
            "có trên hệ thống hoặc ở một dòng phía trên; nếu có nhiều đơn vị "
            "trùng tên, ghi cả đường dẫn, ví dụ: Tỉnh Lai Châu / Xã Sìn Hồ.",
        ),
        (
            "Loại",
            "Một trong: " + _KINDS_HELP + ". Để trống là «Khác».",
        ),
        (
            "Số người",
            "Số cán bộ, đoàn viên, học sinh… của đơn vị (số nguyên), để tính tỉ lệ "
            "tham gia. Có thể để trống.",
        ),
    ]
    return write_workbook(
        [
            Sheet("Đơn vị", header=[col.label for col in COLUMNS], widths=(45, 45, 24, 12)),
            Sheet(
                "Hướng dẫn", header=["Cột", "Cách ghi"], rows=help_rows, widths=(20, 100), wrap=True
            ),
        ]
    )
