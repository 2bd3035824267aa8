"""Units: the tree service, the organiser's pages and the Excel import (issue item 5)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Role, Unit, UnitKind
from contest.services import unit_import, units
from contest.services.errors import ImportFailed, ValidationFailed
from question_bank.safety import UnreadableFile
from tests.conftest import NOW

HEADER = ["Tên đơn vị", "Đơn vị cấp trên", "Loại", "Số người"]


def xlsx(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if header is not None:
        ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def unit_count(db) -> int:
    return db.session.scalar(select(func.count(Unit.id)))


@pytest.fixture
def organiser(make_user):
    return make_user(Role.organiser, full_name="Ban Tổ Chức")


@pytest.fixture
def as_organiser(client, login, organiser):
    login(organiser)
    return login


# --- service --------------------------------------------------------------------------------


def test_save_unit_creates_edits_and_audits(db, organiser):
    root = units.save_unit(
        name="  Tỉnh   Lai Châu ",
        parent_id=None,
        kind="province",
        headcount=None,
        actor=organiser,
        now=NOW,
    )
    child = units.save_unit(
        name="Xã Sìn Hồ",
        parent_id=root.id,
        kind="commune",
        headcount=2100,
        actor=organiser,
        now=NOW,
    )
    assert root.name == "Tỉnh Lai Châu"
    assert child.path == "Tỉnh Lai Châu / Xã Sìn Hồ"
    units.save_unit(
        name="Xã Sìn Hồ",
        parent_id=root.id,
        kind="commune",
        headcount=2200,
        actor=organiser,
        now=NOW,
        unit=child,
    )
    assert child.headcount == 2200
    assert audit_actions(db) == ["unit.create", "unit.create", "unit.update"]


def test_save_unit_refuses_a_cycle(db, organiser, make_unit):
    root = make_unit("Tỉnh A")
    child = make_unit("Xã B", parent=root)
    grandchild = make_unit("Trường C", parent=child)
    for new_parent in (root, child, grandchild):
        with pytest.raises(ValidationFailed) as exc:
            units.save_unit(
                name="Tỉnh A",
                parent_id=new_parent.id,
                kind="province",
                headcount=None,
                actor=organiser,
                now=NOW,
                unit=root,
            )
        assert "cấp dưới" in exc.value.fields["parent_id"]
    assert root.parent_id is None


def test_save_unit_refuses_a_sibling_with_the_same_name(db, organiser, make_unit):
    root = make_unit("Tỉnh A")
    make_unit("Xã Sìn Hồ", parent=root)
    with pytest.raises(ValidationFailed) as exc:
        units.save_unit(
            name="xa sin ho",
            parent_id=root.id,
            kind="commune",
            headcount=None,
            actor=organiser,
            now=NOW,
        )
    assert exc.value.fields["name"] == "Đã có đơn vị cùng tên trong cùng cấp trên."
    other = make_unit("Tỉnh B")
    # The same name under another parent is fine.
    units.save_unit(
        name="Xã Sìn Hồ",
        parent_id=other.id,
        kind="commune",
        headcount=None,
        actor=organiser,
        now=NOW,
    )


def test_unit_tree_orders_parents_before_children_with_depth(db, make_unit):
    root = make_unit("Tỉnh Z")
    make_unit("Xã B", parent=root)
    a = make_unit("Xã Á", parent=root)
    make_unit("Trường 1", parent=a)
    tree = [(u.name, depth) for u, depth in units.unit_tree() if u.name != "Phường Tân Phong"]
    tree = [item for item in tree if item[0] in {"Tỉnh Z", "Xã B", "Xã Á", "Trường 1"}]
    assert tree == [("Tỉnh Z", 0), ("Xã Á", 1), ("Trường 1", 2), ("Xã B", 1)]


def test_deactivating_a_parent_with_active_children_is_refused(db, organiser, make_unit):
    root = make_unit("Tỉnh A")
    child = make_unit("Xã B", parent=root)
    with pytest.raises(ValidationFailed):
        units.set_unit_active(root, False, actor=organiser, now=NOW)
    units.set_unit_active(child, False, actor=organiser, now=NOW)
    units.set_unit_active(root, False, actor=organiser, now=NOW)
    with pytest.raises(ValidationFailed):
        units.set_unit_active(child, True, actor=organiser, now=NOW)
    assert audit_actions(db) == ["unit.deactivate", "unit.deactivate"]


def test_unit_lookup_by_name_path_and_ambiguity(db, make_unit):
    a = make_unit("Xã A")
    b = make_unit("Xã B")
    school_a = make_unit("Trường Tiểu học Kim Đồng", parent=a)
    make_unit("Trường Tiểu học Kim Đồng", parent=b)
    lookup = units.UnitLookup(units.list_units())
    assert lookup.find("xa a") is a
    assert lookup.find("Xã A / Trường Tiểu học Kim Đồng") is school_a
    assert lookup.find("XA A/truong tieu hoc kim dong") is school_a
    with pytest.raises(LookupError, match="Có 2 đơn vị"):
        lookup.find("Trường Tiểu học Kim Đồng")
    with pytest.raises(LookupError, match="Không tìm thấy"):
        lookup.find("Xã C")


# --- pages ----------------------------------------------------------------------------------


def test_tree_page_shows_kind_headcount_and_registered_count(
    client, as_organiser, make_unit, make_user
):
    root = make_unit("Tỉnh Lai Châu", kind=UnitKind.province)
    commune = make_unit("Xã Sìn Hồ", parent=root, headcount=2100)
    make_user(unit_id=commune.id)
    make_user(unit_id=commune.id)
    response = client.get("/ban-to-chuc/don-vi")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Xã Sìn Hồ" in html and "Xã, phường" in html and "Tỉnh" in html
    assert "2.100" in html
    row = html[html.index("Xã Sìn Hồ") :]
    row = row[: row.index("</tr>")]
    assert ">2<" in row.replace(" ", "")
    assert 'class="unit-indent' in html  # the child is indented
    assert "table-responsive" in html


def test_create_and_edit_a_unit_through_the_pages(client, as_organiser, db, make_unit):
    root = make_unit("Tỉnh A")
    response = client.post(
        "/ban-to-chuc/don-vi/them",
        data={
            "csrf_token": as_organiser.csrf_token,
            "name": "Xã Mới",
            "parent_id": str(root.id),
            "kind": "commune",
            "headcount": "150",
        },
    )
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.name == "Xã Mới"))
    assert unit.parent_id == root.id and unit.kind is UnitKind.commune and unit.headcount == 150
    page = client.get(f"/ban-to-chuc/don-vi/{unit.id}/sua")
    assert page.status_code == 200 and 'value="Xã Mới"' in page.get_data(as_text=True)
    response = client.post(
        f"/ban-to-chuc/don-vi/{unit.id}/sua",
        data={
            "csrf_token": as_organiser.csrf_token,
            "name": "Xã Mới Đổi Tên",
            "parent_id": "",
            "kind": "commune",
            "headcount": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(unit)
    assert unit.name == "Xã Mới Đổi Tên" and unit.parent_id is None and unit.headcount is None
    assert audit_actions(db)[-2:] == ["unit.create", "unit.update"]


def test_invalid_unit_form_is_422_with_vietnamese_errors(client, as_organiser, make_unit):
    root = make_unit("Tỉnh A")
    child = make_unit("Xã B", parent=root)
    response = client.post(
        "/ban-to-chuc/don-vi/them",
        data={
            "csrf_token": as_organiser.csrf_token,
            "name": "",
            "kind": "commune",
            "headcount": "-3",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập tên đơn vị." in html and "Số người phải là số không âm." in html
    response = client.post(
        "/ban-to-chuc/don-vi/them",
        data={
            "csrf_token": as_organiser.csrf_token,
            "name": "Xã B",
            "parent_id": str(root.id),
            "kind": "commune",
            "headcount": "abc",
        },
    )
    assert response.status_code == 422
    assert "Số người phải là số nguyên không âm" in response.get_data(as_text=True)
    # A cycle through the edit page.
    response = client.post(
        f"/ban-to-chuc/don-vi/{root.id}/sua",
        data={
            "csrf_token": as_organiser.csrf_token,
            "name": "Tỉnh A",
            "parent_id": str(child.id),
            "kind": "province",
        },
    )
    assert response.status_code == 422
    assert "cấp dưới của nó" in response.get_data(as_text=True)
    # A sibling duplicate.
    response = client.post(
        "/ban-to-chuc/don-vi/them",
        data={
            "csrf_token": as_organiser.csrf_token,
            "name": "xã b",
            "parent_id": str(root.id),
            "kind": "commune",
        },
    )
    assert response.status_code == 422
    assert "Đã có đơn vị cùng tên" in response.get_data(as_text=True)


def test_edit_form_parent_choices_exclude_the_unit_and_its_descendants(
    client, as_organiser, make_unit
):
    root = make_unit("Tỉnh A")
    child = make_unit("Xã B", parent=root)
    html = client.get(f"/ban-to-chuc/don-vi/{root.id}/sua").get_data(as_text=True)
    assert f'value="{child.id}"' not in html
    assert f'<option selected value="{root.id}"' not in html


def test_deactivate_and_reactivate_a_unit(client, as_organiser, db, make_unit):
    root = make_unit("Tỉnh A")
    child = make_unit("Xã B", parent=root)
    response = client.post(
        f"/ban-to-chuc/don-vi/{root.id}/trang-thai",
        data={"csrf_token": as_organiser.csrf_token, "active": "0"},
        follow_redirects=True,
    )
    assert "còn đơn vị cấp dưới" in response.get_data(as_text=True)
    assert root.is_active
    client.post(
        f"/ban-to-chuc/don-vi/{child.id}/trang-thai",
        data={"csrf_token": as_organiser.csrf_token, "active": "0"},
    )
    db.session.refresh(child)
    assert not child.is_active
    assert child not in units.list_units()  # gone from the registration list
    client.post(
        f"/ban-to-chuc/don-vi/{child.id}/trang-thai",
        data={"csrf_token": as_organiser.csrf_token, "active": "1"},
    )
    db.session.refresh(child)
    assert child.is_active
    assert audit_actions(db)[-2:] == ["unit.deactivate", "unit.activate"]


def test_missing_unit_is_404(client, as_organiser):
    assert client.get("/ban-to-chuc/don-vi/999999/sua").status_code == 404
    response = client.post(
        "/ban-to-chuc/don-vi/999999/trang-thai",
        data={"csrf_token": as_organiser.csrf_token, "active": "0"},
    )
    assert response.status_code == 404


def test_post_without_csrf_is_refused(client, as_organiser, db):
    before = unit_count(db)
    response = client.post("/ban-to-chuc/don-vi/them", data={"name": "Xã X", "kind": "commune"})
    assert response.status_code == 400
    assert unit_count(db) == before


@pytest.mark.parametrize(
    "path",
    [
        "/ban-to-chuc/don-vi",
        "/ban-to-chuc/don-vi/them",
        "/ban-to-chuc/don-vi/nhap",
        "/ban-to-chuc/don-vi/mau-nhap-don-vi.xlsx",
    ],
)
def test_unit_pages_need_an_organiser(client, login, make_user, path):
    assert client.get(path).status_code == 302  # anonymous → sign in
    login(make_user(Role.participant))
    assert client.get(path).status_code == 403


# --- import ---------------------------------------------------------------------------------


def test_import_good_file_creates_the_tree(db, organiser, make_unit):
    make_unit("Tỉnh Lai Châu", kind=UnitKind.province)
    data = xlsx(
        [
            ["Xã Sìn Hồ", "Tỉnh Lai Châu", "Xã, phường", 2100],
            ["Trường THCS Sìn Hồ", "Xã Sìn Hồ", "Trường học", "450"],
            ["Trường Tiểu học Sìn Hồ", "Tỉnh Lai Châu / Xã Sìn Hồ", "school", None],
            ["Tỉnh đoàn", "", "Tổ chức, đoàn thể", "1.200"],
            [None, None, None, None],  # blank rows are skipped
            ["Ban Dân vận", None, "", ""],
        ]
    )
    result = unit_import.import_units(data, actor=organiser, now=NOW)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    by_name = {u.name: u for u in units.list_units()}
    assert by_name["Trường THCS Sìn Hồ"].path == "Tỉnh Lai Châu / Xã Sìn Hồ / Trường THCS Sìn Hồ"
    assert by_name["Trường THCS Sìn Hồ"].headcount == 450
    assert by_name["Trường Tiểu học Sìn Hồ"].kind is UnitKind.school
    assert by_name["Trường Tiểu học Sìn Hồ"].headcount is None
    assert by_name["Tỉnh đoàn"].headcount == 1200 and by_name["Tỉnh đoàn"].parent_id is None
    assert by_name["Ban Dân vận"].kind is UnitKind.other
    actions = audit_actions(db)
    assert actions.count("unit.create") == 5 and actions[-1] == "unit.import"


def test_import_accepts_english_headers_and_updates_existing_units(db, organiser, make_unit):
    root = make_unit("Tỉnh A", kind=UnitKind.province)
    make_unit("Xã B", parent=root, headcount=10)
    data = xlsx(
        [
            ["Xã B", "Tỉnh A", "Xã", 20],
            ["Xã C", "Tỉnh A", "commune", 5],
            ["Tỉnh A", "", "Tỉnh", ""],
        ],
        header=["Name", "Parent", "Type", "Headcount"],
    )
    result = unit_import.import_units(data, actor=organiser, now=NOW)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    by_name = {u.name: u for u in units.list_units()}
    assert by_name["Xã B"].headcount == 20
    # Importing the same file again changes nothing.
    again = unit_import.import_units(data, actor=organiser, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_import_reports_every_error_and_saves_nothing(db, organiser, make_unit):
    a = make_unit("Xã A")
    b = make_unit("Xã B")
    make_unit("Trường Kim Đồng", parent=a)
    make_unit("Trường Kim Đồng", parent=b)
    old = make_unit("Xã Cũ")
    old.is_active = False
    before = unit_count(db)
    data = xlsx(
        [
            ["Xã Mới", "", "Xã", 10],  # 2: fine
            ["", "Xã A", "", ""],  # 3: no name
            ["Tổ 1", "Xã Không Có", "", ""],  # 4: unknown parent
            ["Tổ 2", "Trường Kim Đồng", "", ""],  # 5: ambiguous parent
            ["Tổ 3", "Xã A", "Hợp tác xã", ""],  # 6: unknown type
            ["Tổ 4", "Xã A", "", "-5"],  # 7: negative headcount
            ["Tổ 5", "Xã A", "", "12,5"],  # 8: not a whole number
            ["xa moi", "", "", ""],  # 9: same name, same parent as row 2
            ["Xã Cũ", "", "", ""],  # 10: exists but deactivated
            [
                "Tổ 6",
                "Xã Mới",
                "",
                "",
            ],  # 11: fine (parent from row 2)
            ["X" * 201, "", "", ""],  # 12: too long
        ]
    )
    with pytest.raises(ImportFailed) as exc:
        unit_import.import_units(data, actor=organiser, now=NOW)
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {
        (3, "Tên đơn vị"),
        (4, "Đơn vị cấp trên"),
        (5, "Đơn vị cấp trên"),
        (6, "Loại"),
        (7, "Số người"),
        (8, "Số người"),
        (9, "Tên đơn vị"),
        (10, "Tên đơn vị"),
        (12, "Tên đơn vị"),
    }
    messages = {(e.row, e.column): e.message for e in exc.value.errors}
    assert "Có 2 đơn vị" in messages[(5, "Đơn vị cấp trên")]
    assert "dòng 2" in messages[(9, "Tên đơn vị")]
    assert str(exc.value.errors[0]).startswith("row 3, column Tên đơn vị: ")
    assert unit_count(db) == before
    assert "unit.import" not in audit_actions(db)


def test_import_missing_name_column_is_a_header_error(db, organiser):
    with pytest.raises(ImportFailed) as exc:
        unit_import.import_units(xlsx([["Tỉnh A"]], header=["Cấp trên"]), actor=organiser, now=NOW)
    assert [(e.row, e.column) for e in exc.value.errors] == [(1, "Tên đơn vị")]


def test_import_refuses_a_file_that_is_not_xlsx(db, organiser):
    with pytest.raises(UnreadableFile):
        unit_import.import_units(b"Ten don vi;Loai\nXa A;Xa\n", actor=organiser, now=NOW)


def test_import_page_shows_row_errors_and_saves_nothing(client, as_organiser, db):
    before = unit_count(db)
    data = xlsx([["Xã Một", "", "", ""], ["Tổ 1", "Không có", "", ""]])
    response = client.post(
        "/ban-to-chuc/don-vi/nhap",
        data={"csrf_token": as_organiser.csrf_token, "file": (io.BytesIO(data), "don-vi.xlsx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "chưa có dữ liệu nào được lưu" in html
    assert "Không tìm thấy đơn vị «Không có»" in html
    assert unit_count(db) == before


def test_import_page_good_file_redirects_with_summary(client, as_organiser, db):
    data = xlsx([["Xã Một", "", "Xã", "100"], ["Tổ 1", "Xã Một", "", ""]])
    response = client.post(
        "/ban-to-chuc/don-vi/nhap",
        data={"csrf_token": as_organiser.csrf_token, "file": (io.BytesIO(data), "don-vi.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "thêm mới 2" in response.get_data(as_text=True)
    assert {"Xã Một", "Tổ 1"} <= {u.name for u in units.list_units()}


def test_import_page_unreadable_and_missing_file(client, as_organiser):
    response = client.post(
        "/ban-to-chuc/don-vi/nhap",
        data={
            "csrf_token": as_organiser.csrf_token,
            "file": (io.BytesIO(b"not a workbook"), "don-vi.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "không phải tệp Excel .xlsx" in response.get_data(as_text=True)
    response = client.post(
        "/ban-to-chuc/don-vi/nhap",
        data={"csrf_token": as_organiser.csrf_token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Vui lòng chọn tệp Excel (.xlsx) cần nhập." in response.get_data(as_text=True)


def test_units_template_download(client, as_organiser):
    response = client.get("/ban-to-chuc/don-vi/mau-nhap-don-vi.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    # The blank template is itself a valid (empty) import.
    with pytest.raises(ImportFailed) as exc:
        unit_import.import_units(response.data, actor=None, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert [e.row for e in exc.value.errors] == [2]
