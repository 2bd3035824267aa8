"""The accounts and admin pages in English (``?lang=en``): the messages made in Python
(form labels, field errors from the services, flashes, choices, audit labels) are
translated too, not only the templates' text. What the database holds is left out."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest

from contest.models import Role
from contest.services import audit
from contest.services.units import UNIT_KIND_LABELS
from tests.conftest import NOW, csrf_from

VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
ATTRIBUTE = re.compile(r'\b(?:title|aria-label|placeholder|alt|content|value)="([^"]*)"')


@pytest.fixture
def data_words(app, unit, category):
    """Texts that come from the data or the configuration, allowed in any language, and
    the examples of Vietnamese names the pages give (a person's, two units')."""
    words = [unit.name, unit.path, category.name, "Tiếng Việt"]
    words += [v for v in app.config.values() if isinstance(v, str) and VIETNAMESE.search(v)]
    return [*words, "Nguyễn Văn An", "Xã A / Trường B"]


def leftover(page: str, allowed: list[str]) -> list[str]:
    page = SCRIPT.sub(" ", page)
    text = html.unescape(" ".join([TAG.sub(" ", page), *ATTRIBUTE.findall(page)]))
    for value in sorted(allowed, key=len, reverse=True):
        if value and len(value) > 1:
            text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if VIETNAMESE.search(line)]


@pytest.fixture
def english(compiled_catalogue):
    return compiled_catalogue


def test_sign_in_and_registration_pages_in_english(client, english, data_words):
    for path in ("/dang-nhap?lang=en", "/dang-ky?lang=en"):
        response = client.get(path)
        assert response.status_code == 200
        assert not leftover(response.get_data(as_text=True), data_words), path


def test_failed_registration_shows_english_field_errors(client, db, english, data_words, unit):
    token = csrf_from(client, "/dang-ky?lang=en")
    response = client.post(
        "/dang-ky?lang=en",
        data={
            "csrf_token": token,
            "full_name": "",
            "birth_date": "2020-01-01",
            "gender": "male",
            "id_number": "12345",
            "phone": "123",
            "email": "not-an-email",
            "unit_id": str(unit.id),
            "category_id": "",
            "password": "1111",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please enter your full name." in page
    assert "Participants must be at least 12 years old." in page
    assert "A citizen ID number has exactly 12 digits." in page
    assert "A password needs at least 8 characters." in page
    assert not leftover(page, data_words)


def test_failed_sign_in_is_in_english(client, db, english, data_words):
    token = csrf_from(client, "/dang-nhap?lang=en")
    response = client.post(
        "/dang-nhap?lang=en",
        data={"csrf_token": token, "login": "0912000111", "password": "sai-mat-khau"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The phone number/email or password is wrong." in page
    assert not leftover(page, data_words)


def test_profile_page_in_english(client, english, data_words, make_user, login):
    me = make_user()
    login(me)
    response = client.get("/ho-so?lang=en")
    assert response.status_code == 200
    assert not leftover(response.get_data(as_text=True), [*data_words, me.full_name])


def test_organiser_and_admin_pages_in_english(client, db, english, data_words, make_user, login):
    admin = make_user(Role.admin, full_name="Quản Trị Viên")
    other = make_user(full_name="Lò Văn Thử")
    audit.record(admin, "user.set_role", "user", other.id, now=NOW, old="participant", new="judge")
    audit.record(admin, "unit.import", "unit", None, now=NOW, created=2, updated=0, unchanged=1)
    db.session.commit()
    login(admin)
    names = [*data_words, admin.full_name, other.full_name]
    dashboard = client.get("/ban-to-chuc/?lang=en").get_data(as_text=True)
    for title in ("Import a participant list", "Participants", "Unit"):
        assert title in dashboard
    paths = [
        "/ban-to-chuc/don-vi",
        "/ban-to-chuc/don-vi/them",
        "/ban-to-chuc/don-vi/nhap",
        "/ban-to-chuc/thi-sinh",
        "/ban-to-chuc/thi-sinh/nhap",
        "/quan-tri/nguoi-dung",
        f"/quan-tri/nguoi-dung/{other.id}",
        "/quan-tri/doi-tuong",
        "/quan-tri/nhat-ky",
    ]
    # The import pages quote the Vietnamese words an Excel file must use.
    file_words = [label.message for label in UNIT_KIND_LABELS.values()]
    file_words += ["Nam", "Nữ", "Tỉnh Lai Châu / Xã Sìn Hồ"]
    problems = {}
    for path in paths:
        response = client.get(f"{path}?lang=en")
        assert response.status_code == 200, path
        allowed = [*names, *file_words] if path.endswith("/nhap") else names
        left = leftover(response.get_data(as_text=True), allowed)
        if left:
            problems[path] = left[:5]
    assert not problems, problems


def test_api_errors_in_english(client, db, english):
    response = client.post("/api/auth/register?lang=en", json={"full_name": "", "phone": "1"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["fields"]["full_name"] == "Please enter your full name."
    assert not any(VIETNAMESE.search(text) for text in [body["message"], *body["fields"].values()])
    response = client.get("/api/auth/me?lang=en")
    assert response.get_json()["message"] == "Please sign in to continue."


def test_forms_and_results_of_organiser_actions_in_english(
    client, db, english, data_words, make_user, login, unit, category
):
    admin = make_user(Role.admin, full_name="Quản Trị Viên")
    other = make_user(full_name="Lò Văn Thử")
    login(admin)
    names = [*data_words, admin.full_name, other.full_name]
    for path in (
        "/doi-mat-khau",
        f"/quan-tri/doi-tuong/{category.id}",
        f"/ban-to-chuc/don-vi/{unit.id}/sua",
    ):
        response = client.get(f"{path}?lang=en")
        assert response.status_code == 200, path
        assert not leftover(response.get_data(as_text=True), names), path
    token = csrf_from(client, "/ban-to-chuc/don-vi/nhap?lang=en")
    response = client.post(
        f"/ban-to-chuc/thi-sinh/{other.id}/dat-lai-mat-khau?lang=en", data={"csrf_token": token}
    )
    assert response.status_code == 200
    assert not leftover(response.get_data(as_text=True), names)
    response = client.post(
        "/ban-to-chuc/don-vi/them?lang=en",
        data={"csrf_token": token, "name": unit.name, "parent_id": "", "kind": "school"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is already a unit with this name under the same parent." in page
    assert not leftover(page, names)
    book = openpyxl.Workbook()
    book.active.append(["Tên đơn vị", "Đơn vị cấp trên", "Loại", "Số người"])
    book.active.append(["Xã Mới", "Không Có Đơn Vị Này", "Làng", "nhiều"])
    data = io.BytesIO()
    book.save(data)
    response = client.post(
        "/ban-to-chuc/don-vi/nhap?lang=en",
        data={"csrf_token": token, "file": (io.BytesIO(data.getvalue()), "don-vi.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unit “Không Có Đơn Vị Này” not found." in page
    assert "The headcount is a whole number" in page
