"""Admin pages (users, roles, categories, audit log) and the organiser's participants page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import AuditEntry, Category, Role, User
from contest.services import audit, units
from contest.web import menu
from tests.conftest import NOW, PASSWORD, Login


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def admin(make_user):
    return make_user(Role.admin, full_name="Quản Trị Viên")


@pytest.fixture
def as_admin(client, login, admin):
    login(admin)
    return login


@pytest.fixture
def organiser(make_user):
    return make_user(Role.organiser, full_name="Ban Tổ Chức")


@pytest.fixture
def as_organiser(client, login, organiser):
    login(organiser)
    return login


ADMIN_PAGES = ["/quan-tri/nguoi-dung", "/quan-tri/doi-tuong", "/quan-tri/nhat-ky"]
ORGANISER_PAGES = [
    "/ban-to-chuc/",
    "/ban-to-chuc/don-vi",
    "/ban-to-chuc/thi-sinh",
    "/ban-to-chuc/thi-sinh/nhap",
]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES + ORGANISER_PAGES)
def test_anonymous_is_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/dang-nhap" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES + ORGANISER_PAGES)
def test_participant_gets_403(client, login, make_user, path):
    login(make_user(Role.participant))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_organiser_gets_403_on_admin_pages(client, as_organiser, path):
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.participant, Role.organiser, Role.judge])
def test_admin_posts_are_refused_to_other_roles(client, login, make_user, role):
    target = make_user()
    login(make_user(role))
    for path in (
        f"/quan-tri/nguoi-dung/{target.id}/vai-tro",
        f"/quan-tri/nguoi-dung/{target.id}/trang-thai",
        f"/quan-tri/nguoi-dung/{target.id}/dat-lai-mat-khau",
    ):
        response = client.post(
            path, data={"csrf_token": login.csrf_token, "role": "admin", "active": "0"}
        )
        assert response.status_code == 403
    assert target.role is Role.participant and target.is_active_account


@pytest.mark.parametrize("path", ADMIN_PAGES + ORGANISER_PAGES)
def test_admin_sees_every_page(client, as_admin, path):
    assert client.get(path).status_code == 200


def test_missing_ids_are_404(client, as_admin):
    assert client.get("/quan-tri/nguoi-dung/999999").status_code == 404
    assert client.get("/quan-tri/doi-tuong/999999").status_code == 404
    response = client.post(
        "/quan-tri/nguoi-dung/999999/vai-tro",
        data={"csrf_token": as_admin.csrf_token, "role": "judge"},
    )
    assert response.status_code == 404


def test_dashboard_lists_the_organiser_pages(client, as_organiser):
    html = client.get("/ban-to-chuc/").get_data(as_text=True)
    endpoints = [link[1] for link in menu.LINKS]
    assert (
        endpoints.index("organiser.list_units")
        < endpoints.index("organiser.import_participants")
        < endpoints.index("organiser.list_participants")
    )
    for href in ("/ban-to-chuc/don-vi", "/ban-to-chuc/thi-sinh/nhap", "/ban-to-chuc/thi-sinh"):
        assert f'href="{href}"' in html


# --- users ----------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_shows_full_data_to_the_admin(client, as_admin, make_user):
    found = make_user(full_name="Nguyễn Văn Hùng")
    make_user(full_name="Trần Thị Lan")
    html = client.get("/quan-tri/nguoi-dung?q=nguyen+van").get_data(as_text=True)
    assert "Nguyễn Văn Hùng" in html and "Trần Thị Lan" not in html
    assert found.phone in html and found.id_number in html  # the admin sees everything
    html = client.get(f"/quan-tri/nguoi-dung?q={found.phone}").get_data(as_text=True)
    assert "Nguyễn Văn Hùng" in html
    html = client.get("/quan-tri/nguoi-dung?role=admin").get_data(as_text=True)
    assert "Quản Trị Viên" in html and "Nguyễn Văn Hùng" not in html


def test_role_change_is_audited_and_signs_the_user_out(client, app, as_admin, db, make_user):
    target = make_user(full_name="Người Được Đổi")
    other = app.test_client()
    Login(other)(target)
    assert other.get("/ho-so").status_code == 200
    response = client.post(
        f"/quan-tri/nguoi-dung/{target.id}/vai-tro",
        data={"csrf_token": as_admin.csrf_token, "role": "judge"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Giám khảo" in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.role is Role.judge
    assert other.get("/ho-so").status_code == 302  # the old session no longer works
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.set_role"))
    assert entry.details == {"old": "participant", "new": "judge"}
    assert entry.object_id == str(target.id)


def test_invalid_role_is_422_and_own_role_is_refused(client, as_admin, admin, make_user):
    target = make_user()
    response = client.post(
        f"/quan-tri/nguoi-dung/{target.id}/vai-tro",
        data={"csrf_token": as_admin.csrf_token, "role": "superuser"},
    )
    assert response.status_code == 422
    assert "Vui lòng chọn một vai trò trong danh sách." in response.get_data(as_text=True)
    response = client.post(
        f"/quan-tri/nguoi-dung/{admin.id}/vai-tro",
        data={"csrf_token": as_admin.csrf_token, "role": "participant"},
    )
    assert response.status_code == 422
    assert "Bạn không thể tự đổi vai trò của mình." in response.get_data(as_text=True)
    assert admin.role is Role.admin


def test_deactivated_user_cannot_sign_in_until_reactivated(client, app, as_admin, db, make_user):
    target = make_user()
    other = app.test_client()
    Login(other)(target)
    client.post(
        f"/quan-tri/nguoi-dung/{target.id}/trang-thai",
        data={"csrf_token": as_admin.csrf_token, "active": "0"},
    )
    db.session.refresh(target)
    assert not target.is_active_account
    assert other.get("/ho-so").status_code == 302
    response = other.post("/api/auth/login", json={"login": target.phone, "password": PASSWORD})
    assert response.status_code == 403
    client.post(
        f"/quan-tri/nguoi-dung/{target.id}/trang-thai",
        data={"csrf_token": as_admin.csrf_token, "active": "1"},
    )
    response = other.post("/api/auth/login", json={"login": target.phone, "password": PASSWORD})
    assert response.status_code == 200
    assert audit_actions(db)[-2:] == ["user.deactivate", "user.activate"]


def test_admin_cannot_lock_themselves_out(client, as_admin, admin):
    response = client.post(
        f"/quan-tri/nguoi-dung/{admin.id}/trang-thai",
        data={"csrf_token": as_admin.csrf_token, "active": "0"},
        follow_redirects=True,
    )
    assert "Bạn không thể tự khoá tài khoản của mình." in response.get_data(as_text=True)
    assert admin.is_active_account


def test_admin_resets_a_password_shown_once(client, app, as_admin, db, make_user):
    target = make_user()
    response = client.post(
        f"/quan-tri/nguoi-dung/{target.id}/dat-lai-mat-khau",
        data={"csrf_token": as_admin.csrf_token},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    temporary = re.search(r'id="temporary-password">([a-z0-9]+)<', html).group(1)
    assert len(temporary) == 10
    assert temporary not in client.get(f"/quan-tri/nguoi-dung/{target.id}").get_data(as_text=True)
    assert temporary not in str(client.get_cookie("hoithi_session").value)
    db.session.refresh(target)
    assert target.must_change_password
    response = app.test_client().post(
        "/api/auth/login", json={"login": target.phone, "password": temporary}
    )
    assert response.status_code == 200
    assert "user.reset_password" in audit_actions(db)


def test_posts_need_csrf(client, as_admin, make_user):
    target = make_user()
    response = client.post(f"/quan-tri/nguoi-dung/{target.id}/vai-tro", data={"role": "admin"})
    assert response.status_code == 400
    assert target.role is Role.participant


# --- categories -----------------------------------------------------------------------------


def test_categories_add_rename_reorder_deactivate(client, as_admin, db):
    token = as_admin.csrf_token
    response = client.post(
        "/quan-tri/doi-tuong",
        data={
            "csrf_token": token,
            "name": "  Người   cao tuổi ",
            "position": "9",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    cat = db.session.scalar(select(Category).where(Category.name == "Người cao tuổi"))
    assert cat.position == 9 and cat.is_active
    response = client.post(
        f"/quan-tri/doi-tuong/{cat.id}",
        data={
            "csrf_token": token,
            "name": "Hội viên Hội Người cao tuổi",
            "position": "0",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(cat)
    assert cat.name == "Hội viên Hội Người cao tuổi"
    assert units.list_categories()[0].id == cat.id  # position 0 comes first
    client.post(
        f"/quan-tri/doi-tuong/{cat.id}/trang-thai", data={"csrf_token": token, "active": "0"}
    )
    db.session.refresh(cat)
    assert not cat.is_active and cat not in units.list_categories()
    html = client.get("/quan-tri/doi-tuong").get_data(as_text=True)
    assert "Hội viên Hội Người cao tuổi" in html and "Ngừng sử dụng" in html
    assert audit_actions(db) == ["category.create", "category.update", "category.update"]


def test_category_errors_are_422_beside_the_field(client, as_admin, category):
    response = client.post(
        "/quan-tri/doi-tuong",
        data={
            "csrf_token": as_admin.csrf_token,
            "name": "học sinh, sinh viên".replace("h", "H", 1),
            "position": "x",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Thứ tự là số nguyên" in html
    response = client.post(
        "/quan-tri/doi-tuong",
        data={"csrf_token": as_admin.csrf_token, "name": "Học sinh, sinh viên", "position": "1"},
    )
    assert response.status_code == 422
    assert "Đối tượng này đã có trong danh sách." in response.get_data(as_text=True)
    response = client.post(
        "/quan-tri/doi-tuong", data={"csrf_token": as_admin.csrf_token, "name": "", "position": "1"}
    )
    assert response.status_code == 422
    assert "Vui lòng nhập tên đối tượng." in response.get_data(as_text=True)


# --- audit log ------------------------------------------------------------------------------


def test_audit_log_newest_first_filtered_local_time_no_pii(client, as_admin, admin, db, make_user):
    target = make_user(full_name="Lê Thị Riêng Tư")
    audit.record(admin, "user.set_role", "user", target.id, now=NOW, old="participant", new="judge")
    audit.record(
        admin,
        "unit.create",
        "unit",
        7,
        now=NOW + timedelta(minutes=5),
        name="Xã Sìn Hồ",
        phone=target.phone,
        note=f"gọi {target.id_number}",
    )
    db.session.flush()
    html = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert html.index("Thêm đơn vị") < html.index("Đổi vai trò")  # newest first
    assert "Quản Trị Viên" in html
    local = (NOW + timedelta(minutes=5, hours=7)).strftime("%d/%m/%Y %H:%M:%S")
    assert local in html  # Asia/Ho_Chi_Minh is UTC+7 all year
    assert target.phone not in html and target.id_number not in html
    assert "Lê Thị Riêng Tư" not in html
    html = client.get("/quan-tri/nhat-ky?action=user.set_role").get_data(as_text=True)
    assert "Đổi vai trò" in html and "Xã Sìn Hồ" not in html
    assert "Tài khoản #" in html


def test_audit_log_is_paginated(client, as_admin, admin, db):
    for number in range(55):
        audit.record(admin, "unit.update", "unit", number, now=NOW + timedelta(seconds=number))
    db.session.flush()
    first = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert "Trang 1/2" in first and "Đơn vị #54" in first and "Đơn vị #0<" not in first
    second = client.get("/quan-tri/nhat-ky?page=2").get_data(as_text=True)
    assert "Đơn vị #0" in second


# --- the organiser's participants page ------------------------------------------------------


def test_participants_page_masks_phone_and_cccd(client, as_organiser, make_user):
    person = make_user(full_name="Nguyễn Văn Bình", phone="0912345679", id_number="012090001235")
    make_user(Role.judge, full_name="Giám Khảo Không Hiện")
    html = client.get("/ban-to-chuc/thi-sinh").get_data(as_text=True)
    assert "Nguyễn Văn Bình" in html
    assert "0912345679" not in html and "012090001235" not in html
    assert "09******79" in html and "012******235" in html
    assert "Giám Khảo Không Hiện" not in html  # participants only
    assert "table-responsive" in html
    html = client.get("/ban-to-chuc/thi-sinh?q=nguyen+van+binh").get_data(as_text=True)
    assert "Nguyễn Văn Bình" in html
    html = client.get(f"/ban-to-chuc/thi-sinh?q={person.phone}").get_data(as_text=True)
    cells = [
        part.split("</td>")[0]
        for part in html.split("<td")[1:]
        if "<input" not in part.split("</td>")[0]
    ]
    assert any("Nguyễn Văn Bình" in cell for cell in cells)
    assert not any(person.phone in cell for cell in cells)  # only the query box echoes it


def test_organiser_resets_a_participant_password(client, as_organiser, organiser, db, make_user):
    person = make_user(full_name="Nguyễn Văn Bình")
    response = client.post(
        f"/ban-to-chuc/thi-sinh/{person.id}/dat-lai-mat-khau",
        data={"csrf_token": as_organiser.csrf_token, "q": "binh"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "q=binh" in html  # the way back keeps the search
    temporary = re.search(r'id="temporary-password">([a-z0-9]+)<', html).group(1)
    assert temporary not in client.get("/ban-to-chuc/thi-sinh").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_password"))
    assert entry.actor_id == organiser.id and entry.object_id == str(person.id)
    db.session.refresh(person)
    assert person.must_change_password


def test_organiser_cannot_reset_a_staff_password(client, as_organiser, make_user):
    boss = make_user(Role.admin)
    hash_before = boss.password_hash
    response = client.post(
        f"/ban-to-chuc/thi-sinh/{boss.id}/dat-lai-mat-khau",
        data={"csrf_token": as_organiser.csrf_token},
    )
    assert response.status_code == 403
    assert boss.password_hash == hash_before
    response = client.post(
        "/ban-to-chuc/thi-sinh/999999/dat-lai-mat-khau",
        data={"csrf_token": as_organiser.csrf_token},
    )
    assert response.status_code == 404


def test_participants_page_is_paginated(client, as_organiser, make_user):
    for number in range(51):
        make_user(full_name=f"Thí Sinh Số {number}")
    first = client.get("/ban-to-chuc/thi-sinh").get_data(as_text=True)
    assert "Trang 1/2" in first
    assert client.get("/ban-to-chuc/thi-sinh?page=2").status_code == 200


def test_user_table_is_consistent(db, make_user):
    # The factories used above keep PII unique; a sanity check for the masking tests.
    a, b = make_user(), make_user()
    assert a.phone != b.phone and a.id_number != b.id_number
    assert db.session.get(User, a.id) is a


def test_every_audited_action_has_a_vietnamese_label():
    """The audit log page names every action in Vietnamese, never by its code."""
    import re
    from pathlib import Path

    from contest.services.audit import ACTION_LABELS, OBJECT_LABELS

    package = Path(__file__).resolve().parents[3] / "contest"
    source = "\n".join(p.read_text() for p in package.rglob("*.py"))
    calls = re.findall(r'audit\.record\(\s*\w+,\s*(.+?),\s*"(\w+)"', source, re.S)
    actions = {a for expr, _ in calls for a in re.findall(r'"([a-z_]+\.[a-z_]+)"', expr)}
    objects = {obj for _, obj in calls}
    assert actions and objects
    assert actions - set(ACTION_LABELS) == set()
    assert objects - set(OBJECT_LABELS) == set()
