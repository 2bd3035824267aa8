"""One person, one account (issue 11 item 1): CCCD and phone in any digits are one value;
names and addresses refuse hidden characters. Registration (API and page), profile,
list import (service, page and CLI) and sign-in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from contest.models import Gender, Role, User
from contest.services import user_import
from contest.services.errors import ImportFailed
from tests.conftest import NOW, PASSWORD, csrf_from, unique_phone, valid_cccd
from tests.contest.accounts.test_auth import registration
from tests.contest.services.test_user_import import person, upload, xlsx

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
SCRIPTS = [FULLWIDTH, ARABIC_INDIC, DEVANAGARI]

HIDDEN = {
    "right-to-left override U+202E": "Nguyễn\u202eVăn An",
    "left-to-right embedding U+202A": "\u202aNguyễn Văn An",
    "pop directional U+202C": "Nguyễn Văn An\u202c",
    "first-strong isolate U+2068": "Nguyễn \u2068Văn An",
    "pop isolate U+2069": "Nguyễn Văn\u2069 An",
    "zero-width space U+200B": "Nguyễn\u200bVăn An",
    "zero-width joiner U+200D": "Nguyễn Vă\u200dn An",
    "byte-order mark U+FEFF": "\ufeffNguyễn Văn An",
    "word joiner U+2060": "Nguyễn Văn\u2060An",
    "bell U+0007": "Nguyễn Văn An\x07",
    "escape U+001B": "Nguyễn \x1b[31mVăn An",
    "delete U+007F": "Nguyễn Văn An\x7f",
}


def count_users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def issue_person(make_user):
    """The issue's example: CCCD 001200000000 (Hà Nội, male, born 2000)."""
    return make_user(id_number="001200000000", birth_date=date(2000, 5, 1), gender=Gender.male)


def post_registration(client, how, data):
    """Register through the API (JSON) or the page (form); (status, {field: message})."""
    if how == "api":
        response = client.post("/api/auth/register", json=data)
        return response.status_code, (response.get_json() or {}).get("fields", {})
    form = {k: v for k, v in data.items() if k != "category"}
    form.update(category_id=data["category"], csrf_token=csrf_from(client, "/dang-ky"))
    form["consent"] = "y" if data["consent"] else ""
    response = client.post("/dang-ky", data=form)
    status = 201 if response.status_code == 302 else response.status_code
    html = response.get_data(as_text=True)
    return status, {"html": html}


def field_message(fields, name):
    return fields.get(name) or fields.get("html", "")


@pytest.mark.parametrize("how", ["api", "form"])
@pytest.mark.parametrize(
    "spelling", ["0012000٠٠٠٠٠", "００１２００００００００", "001 200 000 000", "००१२००००००००"]
)
def test_cccd_in_other_digits_is_the_same_account(
    client, db, unit, category, issue_person, how, spelling
):
    before = count_users(db)
    data = registration(
        unit,
        category,
        id_number=spelling,
        birth_date="2000-05-01",
        gender="male",
        phone=unique_phone(),
        email="",
    )
    status, fields = post_registration(client, how, data)
    assert status == 422
    assert "Số CCCD này đã có tài khoản" in field_message(fields, "id_number")
    assert count_users(db) == before


@pytest.mark.parametrize("how", ["api", "form"])
@pytest.mark.parametrize("script", SCRIPTS, ids=["fullwidth", "arabic-indic", "devanagari"])
def test_phone_in_other_digits_is_the_same_account(
    client, db, unit, category, make_user, how, script
):
    existing = make_user()
    before = count_users(db)
    data = registration(unit, category, phone=existing.phone.translate(script), email="")
    status, fields = post_registration(client, how, data)
    assert status == 422
    assert "Số điện thoại này đã có tài khoản" in field_message(fields, "phone")
    assert count_users(db) == before


@pytest.mark.parametrize("how", ["api", "form"])
def test_new_identifiers_in_other_digits_are_stored_as_ascii(client, db, unit, category, how):
    birth = date(2001, 3, 9)
    cccd, phone = valid_cccd(birth, "female"), unique_phone()
    data = registration(
        unit,
        category,
        id_number=cccd.translate(ARABIC_INDIC),
        phone="＋８４ " + phone[1:].translate(FULLWIDTH),
        email="ＭＡＩ.Lo@Example.VN",
    )
    status, _ = post_registration(client, how, data)
    assert status == 201
    user = db.session.scalar(select(User).where(User.id_number == cccd))
    assert user.phone == phone and user.email == "mai.lo@example.vn"


@pytest.mark.parametrize("how", ["api", "form"])
@pytest.mark.parametrize("name", list(HIDDEN.values()), ids=list(HIDDEN))
def test_names_with_hidden_characters_are_refused(client, db, unit, category, how, name):
    before = count_users(db)
    status, fields = post_registration(client, how, registration(unit, category, full_name=name))
    assert status == 422
    assert "Họ và tên có ký tự ẩn hoặc ký tự điều khiển" in field_message(fields, "full_name")
    assert count_users(db) == before


def test_address_with_a_bidi_override_is_refused(client, db, unit, category):
    data = registration(unit, category, address="Tổ 3\u202e, phường Tân Phong")
    response = client.post("/api/auth/register", json=data)
    assert response.status_code == 422
    assert "Địa chỉ có ký tự ẩn" in response.get_json()["fields"]["address"]


def test_profile_edit_cannot_take_another_account_s_number_in_other_digits(
    client, db, make_user, login, issue_person
):
    me = make_user()
    login(me)
    form = {
        "csrf_token": csrf_from(client, "/ho-so"),
        "full_name": me.full_name,
        "birth_date": me.birth_date.isoformat(),
        "gender": "male",
        "id_number": me.id_number,
        "phone": issue_person.phone.translate(ARABIC_INDIC),
        "unit_id": me.unit_id,
        "category_id": me.category_id,
    }
    response = client.post("/ho-so", data=form)
    assert response.status_code == 422
    assert "Số điện thoại này đã được đăng ký" in response.get_data(as_text=True)
    form.update(phone=me.phone.translate(FULLWIDTH), full_name="Người\u200b Dùng")
    response = client.post("/ho-so", data=form)
    assert response.status_code == 422
    assert "Họ và tên có ký tự ẩn" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.phone != issue_person.phone and "\u200b" not in me.full_name


def import_errors(data) -> dict[tuple[int, str], str]:
    with pytest.raises(ImportFailed) as exc:
        user_import.import_participants(data, now=NOW, min_age=12, actor=None)
    return {(e.row, e.column): e.message for e in exc.value.errors}


def test_import_folds_digits_for_the_database_and_the_file(db, unit, category, issue_person):
    first = person("Lê Văn Một")
    rows = [
        person(cccd="0012000٠٠٠٠٠", birth=date(2000, 5, 1)),  # 2: taken in the database
        person(phone=issue_person.phone.translate(FULLWIDTH)),  # 3: taken in the database
        first,  # 4
        person("Lê Văn Hai", cccd=first[3].translate(ARABIC_INDIC)),  # 5: same as row 4
        person("Lê Văn Ba", phone=first[4].translate(DEVANAGARI)),  # 6: same as row 4
        person("Lê\u202e Văn Bốn"),  # 7
    ]
    before = count_users(db)
    errors = import_errors(xlsx(rows))
    assert errors == {
        (2, "Số CCCD"): "Số CCCD này đã được dùng để đăng ký.",
        (3, "Số điện thoại"): "Số điện thoại này đã được đăng ký.",
        (5, "Số CCCD"): "Số CCCD trùng với dòng 4 trong tệp.",
        (6, "Số điện thoại"): "Số điện thoại trùng với dòng 4 trong tệp.",
        (7, "Họ và tên"): errors[(7, "Họ và tên")],
    }
    assert "Họ và tên có ký tự ẩn" in errors[(7, "Họ và tên")]
    assert count_users(db) == before


def test_import_stores_other_digits_as_ascii(db, unit, category):
    birth = date(2008, 5, 1)
    cccd, phone = valid_cccd(birth, "male"), unique_phone()
    rows = [person(cccd=cccd.translate(ARABIC_INDIC), phone=phone.translate(FULLWIDTH))]
    result = user_import.import_participants(xlsx(rows), now=NOW, min_age=12, actor=None)
    user = result.users[0].user
    assert (user.id_number, user.phone) == (cccd, phone)


def test_import_page_and_cli_refuse_the_same_cccd_in_other_digits(
    client, runner, db, make_user, login, issue_person, tmp_path
):
    login(make_user(Role.organiser))
    data = xlsx([person(cccd="0012000٠٠٠٠٠", birth=date(2000, 5, 1))])
    response = upload(client, login, data)
    assert response.status_code == 422
    assert "Số CCCD này đã được dùng để đăng ký." in response.get_data(as_text=True)
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx([person(cccd="0012000٠٠٠٠٠", birth=date(2000, 5, 1))]))
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "Số CCCD này đã được dùng để đăng ký." in result.stdout


@pytest.mark.parametrize(
    "spelling",
    [
        lambda u: u.phone.translate(FULLWIDTH),
        lambda u: u.phone.translate(ARABIC_INDIC),
        lambda u: "+84 " + u.phone[1:].translate(FULLWIDTH),
        lambda u: "  " + u.email.upper().replace("@", "＠") + " ",
    ],
    ids=["fullwidth", "arabic-indic", "+84 fullwidth", "email fullwidth upper"],
)
def test_sign_in_finds_the_account_in_any_spelling(client, db, make_user, spelling):
    user = make_user()
    response = client.post("/api/auth/login", json={"login": spelling(user), "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["id"] == user.id
