"""The demo units (Lai Châu), categories and demo accounts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Gender, Role, Unit, UnitKind, User
from contest.services import units
from contest.services.passwords import hash_password
from question_bank.text import fold

DEMO_PASSWORD = "demo12345"

# Lai Châu after the 2025 reorganisation: the province, some communes and wards,
# departments, schools and mass organisations.
DEMO_UNITS = {
    ("Tỉnh Lai Châu", UnitKind.province, None): [
        ("Phường Tân Phong", UnitKind.commune, 4200),
        ("Phường Đoàn Kết", UnitKind.commune, 3900),
        ("Xã Sìn Hồ", UnitKind.commune, 2100),
        ("Xã Phong Thổ", UnitKind.commune, 2300),
        ("Xã Tam Đường", UnitKind.commune, 1800),
        ("Xã Than Uyên", UnitKind.commune, 2500),
        ("Xã Mường Tè", UnitKind.commune, 1600),
        ("Sở Văn hóa, Thể thao và Du lịch", UnitKind.department, 120),
        ("Sở Giáo dục và Đào tạo", UnitKind.department, 150),
        ("Ban Tuyên giáo và Dân vận Tỉnh ủy", UnitKind.department, 60),
        ("Trường THPT chuyên Lê Quý Đôn", UnitKind.school, 900),
        ("Trường THPT Thành phố Lai Châu", UnitKind.school, 1100),
        ("Trường Cao đẳng Cộng đồng Lai Châu", UnitKind.school, 1400),
        ("Tỉnh đoàn Lai Châu", UnitKind.organisation, 300),
        ("Hội Liên hiệp Phụ nữ tỉnh", UnitKind.organisation, 200),
    ]
}

# The unit organisers (issue 15 item 1): login → the unit whose subtree they manage.
DEMO_SCOPES = {"donvi@hoithi.example.vn": "Phường Tân Phong"}

DEMO_ACCOUNTS = [
    # role, full name, email, phone, CCCD, birth date, gender
    (Role.admin, "Quản trị hệ thống", "admin@hoithi.example.vn", None, None, None, None),
    (Role.organiser, "Ban Tổ chức Hội thi", "bantochuc@hoithi.example.vn", None, None, None, None),
    (Role.organiser, "Ban Tổ chức Phường Tân Phong", "donvi@hoithi.example.vn", *[None] * 4),
    (Role.judge, "Giám khảo Nguyễn Thị Hoa", "giamkhao1@hoithi.example.vn", None, None, None, None),
    (Role.judge, "Giám khảo Trần Văn Bình", "giamkhao2@hoithi.example.vn", None, None, None, None),
    (Role.judge, "Giám khảo Lò Văn Dũng", "giamkhao3@hoithi.example.vn", None, None, None, None),
    (
        Role.participant,
        "Nguyễn Văn An",
        "thisinh@hoithi.example.vn",
        "0912345678",
        "012090001234",
        date(1990, 5, 12),
        Gender.male,
    ),
]


def _ensure_units() -> dict[str, Unit]:
    by_name = {}
    for (name, kind, headcount), children in DEMO_UNITS.items():
        root = db.session.scalar(select(Unit).where(Unit.name == name, Unit.parent_id.is_(None)))
        if root is None:
            root = Unit(name=name, name_key=fold(name), kind=kind, headcount=headcount)
            db.session.add(root)
            db.session.flush()
        by_name[name] = root
        for child_name, child_kind, child_headcount in children:
            child = db.session.scalar(
                select(Unit).where(Unit.name == child_name, Unit.parent_id == root.id)
            )
            if child is None:
                child = Unit(
                    name=child_name,
                    name_key=fold(child_name),
                    kind=child_kind,
                    headcount=child_headcount,
                    parent_id=root.id,
                )
                db.session.add(child)
            by_name[child_name] = child
    db.session.flush()
    return by_name


def load_accounts(*, now: datetime) -> list[tuple[str, str, str]]:
    """Create what is missing of the demo units, categories and accounts (idempotent).

    Returns the demo accounts as (role label, login, password) for printing.
    """
    units.ensure_default_categories()
    unit_by_name = _ensure_units()
    categories = {c.name: c for c in units.list_categories(active_only=False)}
    printed = []
    for role, name, email, phone, id_number, birth, gender in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                role=role,
                full_name=name,
                name_key=fold(name),
                email=email,
                phone=phone,
                id_number=id_number,
                birth_date=birth,
                gender=gender,
                password_hash=hash_password(DEMO_PASSWORD),
                created_at=now,
            )
            if email in DEMO_SCOPES:
                user.scope_unit_id = unit_by_name[DEMO_SCOPES[email]].id
            if role is Role.participant:
                user.unit_id = unit_by_name["Phường Tân Phong"].id
                user.category_id = categories["Cán bộ, công chức, viên chức"].id
                user.consent_at, user.consent_version = now, "demo"
            db.session.add(user)
        label = f"{role.value} ({DEMO_SCOPES[email]})" if email in DEMO_SCOPES else role.value
        printed.append((label, phone or email, DEMO_PASSWORD))
    db.session.flush()
    return printed
