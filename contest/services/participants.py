"""Participants: one way to check a person's details and build their account from plain
data, shared by registration (page and API), the profile page, the participant list import
(``user_import``) and ``flask users create --role participant``.

``check_profile`` checks every field as the registration form does; ``build_participant``
checks and copies the clean values onto a new participant (or the one being edited);
callers choose the password and consent. Every function flushes at most; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import Category, Gender, Role, Unit, User
from contest.services import audit, units
from contest.services.errors import Conflict, ValidationFailed
from contest.services.i18n import _, lazy_gettext
from contest.services.passwords import hash_password, password_problem
from contest.services.vn import (
    cccd_problem,
    has_hidden_characters,
    normalise_cccd,
    normalise_email,
    normalise_phone,
)
from question_bank.text import fold, normalise_text

__all__ = [
    "GENDER_LABELS",
    "AlreadyRegistered",
    "ProfileInput",
    "build_participant",
    "check_profile",
    "create_participant_from_cli",
    "flush_or_conflict",
    "register_participant",
    "update_profile",
]

GENDER_LABELS = {Gender.male: lazy_gettext("Nam"), Gender.female: lazy_gettext("Nữ")}

# Characters a person's name never has (besides digits).
_NOT_IN_NAMES = "<>{}[]=@#$%^*_|\\/"


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
        """From a submitted form or a JSON body (missing keys are blank)."""

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


# --- one check per field: (clean value, message or None) ------------------------------------


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _parse_date(value) -> date | None:
    """A date, an ISO text or a day/month/year text; None when blank. Raises ValueError."""
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


def _check_full_name(text: str):
    name = normalise_text(text)
    if not name:
        return name, _("Vui lòng nhập họ và tên.")
    if has_hidden_characters(name):
        return name, _(
            "Họ và tên có ký tự ẩn hoặc ký tự điều khiển (ví dụ ký tự đảo chiều chữ, "
            "khoảng trắng không độ rộng). Vui lòng xoá ô này và gõ lại họ và tên."
        )
    if len(name) > 120:
        return name, _("Họ và tên dài tối đa 120 ký tự.")
    if any(ch.isdigit() or ch in _NOT_IN_NAMES for ch in name):
        return name, _("Họ và tên chỉ gồm chữ cái và khoảng trắng.")
    return name, None


def _check_birth_date(value, *, today: date, min_age: int):
    try:
        birth = _parse_date(value)
    except ValueError:
        return None, _("Ngày sinh không hợp lệ. Vui lòng nhập theo dạng ngày/tháng/năm.")
    if birth is None:
        return None, _("Vui lòng nhập ngày sinh.")
    if birth > today or birth.year < 1900:
        return birth, _("Ngày sinh không hợp lệ.")
    if _age_on(birth, today) < min_age:
        return birth, _("Người dự thi phải từ đủ %(age)s tuổi trở lên.", age=min_age)
    return birth, None


def _check_gender(text: str):
    gender = text.strip().lower()
    if gender not in ("male", "female"):
        return None, _("Vui lòng chọn giới tính.")
    return gender, None


def _check_id_number(text: str, birth: date | None, gender: str | None):
    """``birth`` is None when the birth date is itself wrong: then only the form is checked."""
    id_number = normalise_cccd(text)
    if not id_number:
        return id_number, _("Vui lòng nhập số CCCD.")
    return id_number, cccd_problem(id_number, birth, gender)


def _check_phone(text: str):
    phone = normalise_phone(text)
    if not text.strip():
        return phone, _("Vui lòng nhập số điện thoại di động.")
    if phone is None:
        return phone, _(
            "Số điện thoại không hợp lệ. Vui lòng nhập số di động 10 chữ số, ví dụ 0912345678."
        )
    return phone, None


def _check_email(text: str):
    if not text.strip():
        return None, None
    email = normalise_email(text)
    if email is None:
        return text.strip(), _("Email không hợp lệ. Bạn có thể để trống nếu không có email.")
    return email, None


def _check_unit(value):
    unit_id = _to_int(value)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.is_active:
        return (unit.id if unit else None), _("Vui lòng chọn đơn vị của bạn trong danh sách.")
    return unit.id, None


def _check_category(value):
    category_id = _to_int(value)
    category = db.session.get(Category, category_id) if category_id else None
    if category is None or not category.is_active:
        return (category.id if category else None), _("Vui lòng chọn đối tượng dự thi.")
    return category.id, None


def _check_address(text: str):
    address = normalise_text(text)
    if has_hidden_characters(address):
        return address or None, _(
            "Địa chỉ có ký tự ẩn hoặc ký tự điều khiển. Vui lòng xoá ô này và gõ lại địa chỉ."
        )
    if len(address) > 300:
        return address or None, _("Địa chỉ dài tối đa 300 ký tự.")
    return address or None, None


class AlreadyRegistered(ValidationFailed):
    """The details are valid, but a CCCD, phone or email belongs to another account
    (``fields`` holds one message per such field)."""

    message = lazy_gettext(
        "Có vẻ bạn đã có tài khoản. Hãy đăng nhập, hoặc dùng “Quên mật khẩu” nếu bạn không "
        "nhớ mật khẩu."
    )


def _taken_messages(sign_in_hint: bool) -> dict[str, str]:
    """What to say when a CCCD, phone or email belongs to another account. A person who
    registers may have an account already: name the field and say how to get back in; an
    organiser importing a list (or a participant editing a profile) only needs the field."""
    if sign_in_hint:
        return {
            "id_number": _(
                "Số CCCD này đã có tài khoản. Hãy đăng nhập, hoặc dùng “Quên mật khẩu” nếu "
                "bạn không nhớ mật khẩu."
            ),
            "phone": _(
                "Số điện thoại này đã có tài khoản. Hãy đăng nhập, hoặc dùng “Quên mật khẩu” "
                "nếu bạn không nhớ mật khẩu."
            ),
            "email": _(
                "Email này đã có tài khoản. Hãy đăng nhập, hoặc dùng “Quên mật khẩu” nếu bạn "
                "không nhớ mật khẩu."
            ),
        }
    return {
        "id_number": _("Số CCCD này đã được dùng để đăng ký."),
        "phone": _("Số điện thoại này đã được đăng ký."),
        "email": _("Email này đã được dùng cho một tài khoản khác."),
    }


def _check_taken(
    clean: dict, errors: dict, *, current: User | None, sign_in_hint: bool
) -> dict[str, str]:
    """Messages for the well-formed CCCD, phone and email another account already has.

    For a registration (``sign_in_hint``) nothing is looked up while any other field is
    wrong: who has an account is told only to a request that would otherwise create one,
    so a probe with a phone number alone learns nothing (docs/security.md, R1)."""
    if sign_in_hint and errors:
        return {}
    others = select(User.id)
    if current is not None:
        others = others.where(User.id != current.id)
    columns = {"id_number": User.id_number, "phone": User.phone, "email": User.email}
    messages = _taken_messages(sign_in_hint)
    taken = {}
    for name, column in columns.items():
        value = clean[name]
        if name in errors or not value:
            continue
        if db.session.scalar(others.where(column == value)) is not None:
            taken[name] = messages[name]
    return taken


def check_profile(
    data: ProfileInput,
    *,
    now: datetime,
    min_age: int,
    current: User | None = None,
    need_password: bool = True,
    need_consent: bool = True,
    sign_in_hint: bool = True,
) -> dict:
    """Check every field of ``data`` and return the clean values (by field name).

    CCCD, phone and email must not belong to another account (``current`` excluded);
    ``sign_in_hint`` (a self-registration) checks that only once every other field is
    valid and adds "sign in, or use ‘forgot password’" to those messages. Raises
    AlreadyRegistered when only that is wrong, else ValidationFailed with one message per
    invalid field.
    """
    clean: dict = {}
    errors: dict[str, str] = {}

    def keep(name: str, result) -> None:
        clean[name], problem = result
        if problem:
            errors[name] = problem

    keep("full_name", _check_full_name(data.full_name))
    keep("birth_date", _check_birth_date(data.birth_date, today=now.date(), min_age=min_age))
    keep("gender", _check_gender(data.gender))
    birth = None if "birth_date" in errors else clean["birth_date"]
    keep("id_number", _check_id_number(data.id_number, birth, clean["gender"]))
    keep("phone", _check_phone(data.phone))
    keep("email", _check_email(data.email))
    keep("unit_id", _check_unit(data.unit_id))
    keep("category_id", _check_category(data.category_id))
    keep("address", _check_address(data.address))
    if need_password and (problem := password_problem(data.password)):
        errors["password"] = problem
    if need_consent and not data.consent:
        errors["consent"] = _(
            "Bạn cần đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân để tham gia cuộc thi."
        )
    taken = _check_taken(clean, errors, current=current, sign_in_hint=sign_in_hint)
    if taken and not errors:
        raise AlreadyRegistered(taken)
    if errors or taken:
        raise ValidationFailed({**errors, **taken})
    return clean


def build_participant(
    data: ProfileInput,
    *,
    now: datetime,
    min_age: int,
    user: User | None = None,
    need_password: bool = True,
    need_consent: bool = True,
    sign_in_hint: bool = True,
) -> User:
    """Check ``data`` (``check_profile``) and copy the clean profile onto ``user`` (the
    profile being edited) or onto a new participant, which is returned not yet added to
    the session and without a password hash or consent: the caller sets those.

    Raises ValidationFailed (every invalid field); ``user`` is unchanged then.
    """
    clean = check_profile(
        data,
        now=now,
        min_age=min_age,
        current=user,
        need_password=need_password,
        need_consent=need_consent,
        sign_in_hint=sign_in_hint,
    )
    if user is None:
        user = User(role=Role.participant, created_at=now)
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
    return user


def flush_or_conflict(message: str | None = None) -> None:
    """Flush; a unique CCCD, phone or email taken meanwhile by a concurrent registration
    raises Conflict (with ``message``, or the registration's)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            message
            or _(
                "Số CCCD, số điện thoại hoặc email vừa được đăng ký bởi một tài khoản "
                "khác. Vui lòng kiểm tra lại."
            )
        ) from exc


def register_participant(
    data: ProfileInput, *, now: datetime, min_age: int, policy_version: str
) -> User:
    """Create a participant from the registration form, recording consent (L1).

    Raises ValidationFailed (every bad field) or Conflict (a concurrent duplicate).
    """
    user = build_participant(data, now=now, min_age=min_age)
    user.password_hash = hash_password(data.password)
    user.consent_at, user.consent_version = now, policy_version
    db.session.add(user)
    flush_or_conflict()
    return user


def update_profile(user: User, data: ProfileInput, *, now: datetime, min_age: int) -> User:
    """A participant corrects their profile; CCCD/phone/email re-checked for uniqueness.

    Raises ValidationFailed or Conflict.
    """
    build_participant(
        data,
        now=now,
        min_age=min_age,
        user=user,
        need_password=False,
        need_consent=False,
        sign_in_hint=False,
    )
    flush_or_conflict()
    return user


# --- flask users create --role participant ---------------------------------------------------

# check_profile's field names → the command's option names.
_OPTIONS = {
    "full_name": "name",
    "birth_date": "birth-date",
    "id_number": "id-number",
    "unit_id": "unit",
    "category_id": "category",
}


def _option_problems(unit: str | None, category: str | None):
    """(unit id, category id, {option: message}) for the unit and category as typed."""
    problems: dict[str, str] = {}
    unit_id = None
    try:
        unit_id = units.UnitLookup(units.list_units()).find(unit or "").id
    except LookupError as exc:
        problems["unit"] = _("Vui lòng ghi đơn vị (--unit).") if not unit else str(exc)
    known = units.list_categories()
    category_id = {fold(c.name): c.id for c in known}.get(fold(category or ""))
    if category_id is None:
        problems["category"] = _(
            "Không có đối tượng «%(name)s». Các đối tượng: %(names)s.",
            name=category or "",
            names="; ".join(c.name for c in known),
        )
    return unit_id, category_id, problems


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

    Raises ValidationFailed keyed by the command's option names (``unit``, ``birth-date``…)
    or Conflict.
    """
    unit_id, category_id, problems = _option_problems(unit, category)
    data = ProfileInput(
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
    try:
        user = build_participant(
            data, now=now, min_age=min_age, need_consent=False, sign_in_hint=False
        )
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            problems.setdefault(_OPTIONS.get(name, name), message)
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hash_password(password)
    user.consent_at, user.consent_version = now, "cli"
    db.session.add(user)
    flush_or_conflict(
        _(
            "Một số CCCD, số điện thoại hoặc email trong tệp vừa được đăng ký bởi "
            "tài khoản khác. Vui lòng nhập lại tệp."
        )
    )
    audit.record(None, "user.create", "user", user.id, now=now, source="cli", consent="cli")
    return user
