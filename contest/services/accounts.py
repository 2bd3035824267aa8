"""Accounts: registration, sign-in, passwords, profiles, roles.

Every function takes plain data plus an explicit ``now`` (and ``actor`` where someone
acts on another account), flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select

from contest.extensions import db
from contest.models import Category, Gender, Role, Unit, User
from contest.models.user import new_session_token
from contest.services import audit
from contest.services.errors import (
    AccountDisabled,
    Conflict,
    InvalidCredentials,
    NotFound,
    ValidationFailed,
)
from contest.services.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from contest.services.vn import cccd_problem, normalise_phone
from question_bank.text import fold, normalise_text

PROFILE_FIELDS = (
    "full_name",
    "birth_date",
    "gender",
    "id_number",
    "phone",
    "email",
    "unit_id",
    "category_id",
    "address",
)


@dataclass
class ProfileInput:
    """What a person types on the registration or profile form (strings as typed)."""

    full_name: str = ""
    birth_date: str | date | None = None
    gender: str = ""
    id_number: str = ""
    phone: str = ""
    email: str = ""
    unit_id: str | int | None = None
    category_id: str | int | None = None
    address: str = ""
    password: str = ""
    consent: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data) -> ProfileInput:
        def text(name):
            value = data.get(name)
            return "" if value is None else str(value)

        consent = data.get("consent")
        return cls(
            full_name=text("full_name"),
            birth_date=data.get("birth_date"),
            gender=text("gender"),
            id_number=text("id_number"),
            phone=text("phone"),
            email=text("email"),
            unit_id=data.get("unit_id"),
            category_id=data.get("category_id", data.get("category")),
            address=text("address"),
            password=text("password"),
            consent=consent is True or str(consent).lower() in {"true", "1", "on", "y", "yes"},
        )


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(text)


def _to_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def validate_profile(
    data: ProfileInput,
    *,
    now: datetime,
    min_age: int,
    current: User | None = None,
    need_password: bool = True,
    need_consent: bool = True,
) -> dict:
    """Check every field and return the clean values.

    Raises ValidationFailed with one Vietnamese message per invalid field; checks
    uniqueness of CCCD, phone and email against other accounts (``current`` excluded).
    """
    errors: dict[str, str] = {}
    clean: dict = {}

    name = normalise_text(data.full_name)
    if not name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    elif len(name) > 120:
        errors["full_name"] = "Họ và tên dài tối đa 120 ký tự."
    elif any(ch.isdigit() or ch in "<>{}[]=@#$%^*_|\\/" for ch in name):
        errors["full_name"] = "Họ và tên chỉ gồm chữ cái và khoảng trắng."
    clean["full_name"] = name

    try:
        birth = _parse_date(data.birth_date)
    except ValueError:
        birth = None
        errors["birth_date"] = "Ngày sinh không hợp lệ. Vui lòng nhập theo dạng ngày/tháng/năm."
    else:
        if birth is None:
            errors["birth_date"] = "Vui lòng nhập ngày sinh."
        elif birth > now.date() or birth.year < 1900:
            errors["birth_date"] = "Ngày sinh không hợp lệ."
        elif _age_on(birth, now.date()) < min_age:
            errors["birth_date"] = f"Người dự thi phải từ đủ {min_age} tuổi trở lên."
    clean["birth_date"] = birth

    gender = data.gender.strip().lower()
    if gender not in ("male", "female"):
        errors["gender"] = "Vui lòng chọn giới tính."
        gender = None
    clean["gender"] = gender

    id_number = "".join(data.id_number.split())
    if not id_number:
        errors["id_number"] = "Vui lòng nhập số CCCD."
    else:
        problem = cccd_problem(id_number, birth if "birth_date" not in errors else None, gender)
        if problem:
            errors["id_number"] = problem
    clean["id_number"] = id_number

    phone = normalise_phone(data.phone)
    if not data.phone.strip():
        errors["phone"] = "Vui lòng nhập số điện thoại di động."
    elif phone is None:
        errors["phone"] = (
            "Số điện thoại không hợp lệ. Vui lòng nhập số di động 10 chữ số, ví dụ 0912345678."
        )
    clean["phone"] = phone

    email = data.email.strip()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors["email"] = "Email không hợp lệ. Bạn có thể để trống nếu không có email."
    clean["email"] = email or None

    unit_id = _to_int(data.unit_id)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.is_active:
        errors["unit_id"] = "Vui lòng chọn đơn vị của bạn trong danh sách."
    clean["unit_id"] = unit.id if unit else None

    category_id = _to_int(data.category_id)
    category = db.session.get(Category, category_id) if category_id else None
    if category is None or not category.is_active:
        errors["category_id"] = "Vui lòng chọn đối tượng dự thi."
    clean["category_id"] = category.id if category else None

    address = normalise_text(data.address)
    if len(address) > 300:
        errors["address"] = "Địa chỉ dài tối đa 300 ký tự."
    clean["address"] = address or None

    if need_password:
        problem = password_problem(data.password)
        if problem:
            errors["password"] = problem
    if need_consent and not data.consent:
        errors["consent"] = (
            "Bạn cần đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân để tham gia cuộc thi."
        )

    others = select(User.id)
    if current is not None:
        others = others.where(User.id != current.id)
    if (
        "id_number" not in errors
        and db.session.scalar(others.where(User.id_number == id_number)) is not None
    ):
        errors["id_number"] = "Số CCCD này đã được dùng để đăng ký. Nếu là bạn, hãy đăng nhập."
    if (
        "phone" not in errors
        and phone
        and db.session.scalar(others.where(User.phone == phone)) is not None
    ):
        errors["phone"] = "Số điện thoại này đã được đăng ký. Nếu là bạn, hãy đăng nhập."
    if (
        "email" not in errors
        and clean["email"]
        and db.session.scalar(others.where(User.email == clean["email"])) is not None
    ):
        errors["email"] = "Email này đã được dùng cho một tài khoản khác."

    if errors:
        raise ValidationFailed(errors)
    return clean


def register_participant(
    data: ProfileInput, *, now: datetime, min_age: int, policy_version: str
) -> User:
    """Create a participant from the registration form, recording consent (L1).

    Raises ValidationFailed (every bad field) or Conflict (a concurrent duplicate).
    """
    clean = validate_profile(data, now=now, min_age=min_age)
    user = User(
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
        password_hash=hash_password(data.password),
        consent_at=now,
        consent_version=policy_version,
        created_at=now,
    )
    db.session.add(user)
    _flush_or_conflict()
    return user


def _flush_or_conflict() -> None:
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Số CCCD, số điện thoại hoặc email vừa được đăng ký bởi một tài khoản "
            "khác. Vui lòng kiểm tra lại."
        ) from exc


def find_by_login(login: str) -> User | None:
    """An account by phone (any common spelling) or email."""
    login = (login or "").strip()
    if not login:
        return None
    phone = normalise_phone(login)
    if phone:
        return db.session.scalar(select(User).where(User.phone == phone))
    return db.session.scalar(select(User).where(func.lower(User.email) == login.lower()))


def authenticate(login: str, password: str, *, now: datetime) -> User:
    """Check a phone-or-email and password; rehash when the parameters changed (S5).

    Raises InvalidCredentials or AccountDisabled.
    """
    return check_password(find_by_login(login), password, now=now)


def check_password(user: User | None, password: str, *, now: datetime) -> User:
    """The second half of ``authenticate``, for callers that end the look-up's transaction
    first so that no database lock is held while Argon2 runs (30 ms of CPU).

    Raises InvalidCredentials (also for ``user`` None, in the same time) or AccountDisabled.
    """
    if not verify_password(user.password_hash if user else None, password or ""):
        raise InvalidCredentials()
    if not user.is_active_account:
        raise AccountDisabled()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def revoke_sessions(user: User) -> None:
    """Sign the user out everywhere: every cookie carrying the old token stops working (S2)."""
    user.session_token = new_session_token()


def change_password(user: User, current_password: str, new_password: str, *, now: datetime) -> None:
    """Raises ValidationFailed for a wrong current password or a weak new one."""
    errors = {}
    if not verify_password(user.password_hash, current_password or ""):
        errors["current_password"] = "Mật khẩu hiện tại không đúng."
    problem = password_problem(new_password)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_sessions(user)


def generate_password() -> str:
    """A temporary password that is easy to read aloud or copy from a printed list."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def reset_password(user: User, *, actor: User, now: datetime) -> str:
    """Organiser-assisted reset: returns a temporary password the person must change."""
    temporary = generate_password()
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    revoke_sessions(user)
    audit.record(actor, "user.reset_password", "user", user.id, now=now)
    return temporary


def update_profile(user: User, data: ProfileInput, *, now: datetime, min_age: int) -> User:
    """A participant corrects their profile; CCCD/phone/email re-checked for uniqueness."""
    clean = validate_profile(
        data, now=now, min_age=min_age, current=user, need_password=False, need_consent=False
    )
    user.full_name = clean["full_name"]
    user.name_key = fold(clean["full_name"])
    user.birth_date = clean["birth_date"]
    user.gender = Gender(clean["gender"])
    user.id_number = clean["id_number"]
    user.phone = clean["phone"]
    user.email = clean["email"]
    user.unit_id = clean["unit_id"]
    user.category_id = clean["category_id"]
    user.address = clean["address"]
    _flush_or_conflict()
    return user


def create_account(
    *,
    role: Role,
    email: str | None,
    password: str,
    full_name: str,
    phone: str | None = None,
    now: datetime,
) -> User:
    """Create a staff or minimal account (CLI ``users create``). Raises ValidationFailed."""
    errors = {}
    clean_email = None
    if email:
        try:
            clean_email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors["email"] = "Email không hợp lệ."
    clean_phone = normalise_phone(phone) if phone else None
    if phone and not clean_phone:
        errors["phone"] = "Số điện thoại không hợp lệ."
    if not clean_email and not clean_phone:
        errors["email"] = "Cần email hoặc số điện thoại để đăng nhập."
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if clean_email and find_by_login(clean_email):
        errors["email"] = "Email này đã có tài khoản."
    if clean_phone and find_by_login(clean_phone):
        errors["phone"] = "Số điện thoại này đã có tài khoản."
    if errors:
        raise ValidationFailed(errors)
    name = normalise_text(full_name) or (clean_email or clean_phone)
    user = User(
        role=role,
        full_name=name,
        name_key=fold(name),
        email=clean_email,
        phone=clean_phone,
        password_hash=hash_password(password),
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return user


def search_users(query: str = "", *, role: Role | None = None, page: int = 1, per_page: int = 50):
    """Find users by name (ignoring case and diacritics), phone or CCCD."""
    stmt = select(User).order_by(User.id.desc())
    query = unicodedata.normalize("NFC", (query or "").strip())
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        conditions = [User.name_key.contains(fold(query))]
        if digits and len(digits) >= 3:
            phone = normalise_phone(query)
            conditions.append(User.phone.contains(phone or digits))
            conditions.append(User.id_number.contains(digits))
        if "@" in query:
            conditions.append(func.lower(User.email).contains(query.lower()))
        stmt = stmt.where(or_(*conditions))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def set_role(user: User, role: Role, *, actor: User, now: datetime) -> None:
    old = user.role
    user.role = role
    revoke_sessions(user)
    audit.record(actor, "user.set_role", "user", user.id, now=now, old=old.value, new=role.value)


def set_active(user: User, active: bool, *, actor: User, now: datetime) -> None:
    if user.id == actor.id and not active:
        raise ValidationFailed({"user": "Bạn không thể tự khoá tài khoản của mình."})
    user.is_active_account = active
    if not active:
        revoke_sessions(user)
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id, now=now)


# --- added for the organiser and admin pages ------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """'012090001234' → '012******234' (first 3 and last 3 digits) for organiser pages."""
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


def change_role(user: User, role: Role, *, actor: User, now: datetime) -> bool:
    """Admin changes someone's role (signing them out everywhere); False when unchanged.

    Raises ValidationFailed when admins try to change their own role.
    """
    if user.id == actor.id:
        raise ValidationFailed({"role": "Bạn không thể tự đổi vai trò của mình."})
    if user.role is role:
        return False
    set_role(user, role, actor=actor, now=now)
    return True
