"""Unit organisers (issue 15 item 1): the scope rules (services/unit_scope.py), the admin
setting a scope (audited), the CLI's --scope-unit, the participant import refusing rows of
other units, the scoped participants list and export, the not-taken-part page with the full
phones (audited), the statistics and targets of the subtree, the refusal page and the menu.
The sweep over every route is tests/contest/test_unit_scope_sweep.py."""

# ruff: noqa: F811  (the fixtures imported from the participation tests)
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from contest.models import AuditEntry, Role, User
from contest.services import accounts, participation, stats, unit_scope, user_import
from contest.services.audit import ACTION_LABELS
from contest.services.errors import ImportFailed, NotFound, ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.results.test_participation import world  # noqa: F401
from tests.contest.results.test_results import finished, password_hash, people  # noqa: F401
from tests.contest.services.test_user_import import person, xlsx

REFUSED = "dành cho Ban Tổ chức cấp tỉnh"


@pytest.fixture
def unit_organiser(db, world, make_user):  # noqa: F811
    """The organiser of district A (its commune included)."""
    user = make_user(Role.organiser, full_name="Ban Tổ chức Huyện An Bình", unit_id=None)
    user.scope_unit_id = world["a"].id
    db.session.commit()
    return user


def _cells(data: bytes) -> list[list]:
    """The data rows of the first sheet (below its header row «STT | Họ và tên …»)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[:2] == ["STT", "Họ và tên"])
    return [row for row in rows[header + 1 :] if row and row[1]]


# --- the rules --------------------------------------------------------------------------------


def test_scope_is_the_unit_subtree_and_none_for_the_province(db, world, unit_organiser, make_user):
    assert unit_scope.scope_of(unit_organiser) == {world["a"].id, world["commune"].id}
    assert unit_scope.scope_of(make_user(Role.organiser)) is None
    admin = make_user(Role.admin)
    admin.scope_unit_id = world["a"].id  # an admin is never limited
    assert unit_scope.scope_of(admin) is None
    assert unit_scope.scope_of(None) is None
    assert unit_organiser.is_unit_organiser and not admin.is_unit_organiser


def test_people_outside_the_scope_are_not_found(db, world, unit_organiser):
    scope = unit_scope.scope_of(unit_organiser)
    inside, outside = world["people"]["c_never"], world["people"]["b_never"]
    assert unit_scope.check_person(scope, inside) is inside
    with pytest.raises(NotFound):
        unit_scope.check_person(scope, outside)
    assert not unit_scope.in_scope(scope, None)  # no unit: nobody's
    assert unit_scope.in_scope(None, None)


def test_setting_a_scope_is_audited_and_signs_out(db, world, make_user):
    admin, organiser = make_user(Role.admin), make_user(Role.organiser)
    token = organiser.session_token
    assert unit_scope.set_scope(organiser, world["b"].id, actor=admin, now=NOW)
    assert organiser.session_token != token
    assert not unit_scope.set_scope(organiser, world["b"].id, actor=admin, now=NOW)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.set_scope")
    ).one()
    assert entry.details == {"old": None, "new": world["b"].id}
    assert "user.set_scope" in ACTION_LABELS
    with pytest.raises(ValidationFailed):
        unit_scope.set_scope(organiser, 987654, actor=admin, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        unit_scope.set_scope(make_user(), world["b"].id, actor=admin, now=NOW)
    assert "Ban Tổ chức" in str(refused.value.fields["scope_unit_id"])


def test_a_role_change_drops_the_scope(db, unit_organiser, make_user):
    accounts.change_role(unit_organiser, Role.judge, actor=make_user(Role.admin), now=NOW)
    assert unit_organiser.scope_unit_id is None


# --- the import -----------------------------------------------------------------------------


def test_import_refuses_rows_of_other_units_row_by_row(db, world, unit_organiser):
    rows = [
        person("Lò Văn Một", unit="Xã Hoà Lợi"),
        person("Lò Văn Hai", unit="Huyện Bến Cát"),
        person("Lò Văn Ba", unit="Huyện An Bình"),
    ]
    before = db.session.query(User).count()
    with pytest.raises(ImportFailed) as exc:
        user_import.import_participants(xlsx(rows), actor=unit_organiser, now=NOW, min_age=12)
    errors = {(e.row, e.column): e.message for e in exc.value.errors}
    assert list(errors) == [(3, "Đơn vị")]
    assert "không thuộc phạm vi của bạn" in errors[(3, "Đơn vị")]
    assert "Huyện An Bình" in errors[(3, "Đơn vị")]
    db.session.rollback()
    assert db.session.query(User).count() == before  # nothing half-written
    ok = user_import.import_participants(
        xlsx([rows[0], rows[2]]), actor=unit_organiser, now=NOW, min_age=12
    )
    assert {item.user.unit_id for item in ok.users} == {world["commune"].id, world["a"].id}


def test_import_page_shows_the_refused_row(client, login, world, unit_organiser):
    login(unit_organiser)
    page = "/ban-to-chuc/thi-sinh/nhap"
    html = client.get(page).get_data(as_text=True)
    assert 'id="import-scope"' in html and "Huyện An Bình" in html
    data = xlsx([person("Lò Văn Hai", unit="Huyện Bến Cát")])
    response = client.post(
        page,
        data={"csrf_token": csrf_from(client, page), "file": (io.BytesIO(data), "ds.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "không thuộc phạm vi của bạn" in response.get_data(as_text=True)


# --- participants, export ---------------------------------------------------------------------


def test_participants_list_and_export_hold_only_the_subtree(
    client, db, login, world, unit_organiser
):
    login(unit_organiser)
    people_ = world["people"]
    html = client.get("/ban-to-chuc/thi-sinh").get_data(as_text=True)
    assert people_["c_never"].full_name in html and people_["b_never"].full_name not in html
    response = client.get("/ban-to-chuc/thi-sinh.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    rows = _cells(response.get_data())
    names = {row[1] for row in rows}
    inside = {p.full_name for k, p in people_.items() if not k.startswith("b_")}
    assert names == inside
    assert people_["a_done"].phone in {row[5] for row in rows}
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participants.export")
    ).one()
    assert entry.details["rows"] == len(inside)
    assert entry.details["scope_unit_id"] == world["a"].id
    assert "participants.export" in ACTION_LABELS


def test_reset_password_of_another_units_participant_is_not_found(
    client, login, world, unit_organiser
):
    login(unit_organiser)
    token = csrf_from(client, "/ban-to-chuc/thi-sinh")
    other = world["people"]["b_never"]
    response = client.post(
        f"/ban-to-chuc/thi-sinh/{other.id}/dat-lai-mat-khau", data={"csrf_token": token}
    )
    assert response.status_code == 404
    own = world["people"]["c_never"]
    response = client.post(
        f"/ban-to-chuc/thi-sinh/{own.id}/dat-lai-mat-khau", data={"csrf_token": token}
    )
    assert response.status_code == 200


# --- participation and statistics --------------------------------------------------------------


def test_absent_page_shows_full_phones_to_the_unit_organiser_and_audits(
    client, db, login, world, unit_organiser
):
    login(unit_organiser)
    r, people_ = world["round"], world["people"]
    html = client.get(f"/ban-to-chuc/ket-qua/chua-tham-gia?round_id={r.id}").get_data(as_text=True)
    assert people_["c_never"].phone in html and people_["b_never"].full_name not in html
    assert "Huyện Bến Cát" not in html  # the unit picker has their units only
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participation.view_absent")
    ).one()
    assert entry.details["rows"] == 3 and "participation.view_absent" in ACTION_LABELS
    other = client.get(
        f"/ban-to-chuc/ket-qua/chua-tham-gia?round_id={r.id}&unit_id={world['b'].id}"
    )
    assert other.status_code == 404
    rows = _cells(client.get(f"/ban-to-chuc/ket-qua/chua-tham-gia.xlsx?round_id={r.id}").get_data())
    assert {row[1] for row in rows} == {
        people_[k].full_name for k in ("a_started", "a_never", "c_never")
    }


def test_the_province_organiser_still_sees_masked_phones_on_the_page(
    client, db, login, world, make_user
):
    login(make_user(Role.organiser))
    r = world["round"]
    html = client.get(f"/ban-to-chuc/ket-qua/chua-tham-gia?round_id={r.id}").get_data(as_text=True)
    assert world["people"]["b_never"].phone not in html
    assert world["people"]["b_never"].full_name in html
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participation.view_absent")
    ).all()


def test_statistics_and_targets_count_only_the_subtree(client, db, login, world, unit_organiser):
    r = world["round"]
    scope = unit_scope.scope_of(unit_organiser)
    figures = stats.collect(r.contest, r, scope=scope)
    assert figures.participants == 2  # a_done and c_done; nobody of B
    assert stats.collect(r.contest, r, scope={world["b"].id}).participants == 0
    participation.save_targets(
        r.contest, {None: 100, world["a"].id: 10, world["b"].id: 5}, actor=unit_organiser, now=NOW
    )
    rows = participation.progress(r.contest, scope=scope)
    assert [(row.unit_id, row.finished) for row in rows] == [(world["a"].id, 2)]  # no total
    login(unit_organiser)
    html = client.get(f"/ban-to-chuc/ket-qua/chi-tieu?contest_id={r.contest.id}").get_data(True)
    assert "Huyện An Bình" in html and "Huyện Bến Cát" not in html
    assert "/dat" not in re.sub(r"/dat-lai", "", html.split("<main", 1)[-1])  # read-only
    html = client.get(f"/ban-to-chuc/ket-qua/thong-ke?round_id={r.id}").get_data(as_text=True)
    assert "Huyện An Bình" in html and "Huyện Bến Cát" not in html


# --- pages: refusal, menu, admin ----------------------------------------------------------------


def test_other_organiser_pages_refuse_with_a_vietnamese_page(client, login, world, unit_organiser):
    login(unit_organiser)
    for path in ("/ban-to-chuc/cuoc-thi/", "/ban-to-chuc/don-vi", "/ban-to-chuc/ket-qua/"):
        response = client.get(path)
        assert response.status_code == 403, path
        html = response.get_data(as_text=True)
        assert REFUSED in html and "Huyện An Bình" in html


def test_the_dashboard_shows_only_the_scoped_cards(client, login, world, unit_organiser):
    login(unit_organiser)
    html = client.get("/ban-to-chuc/").get_data(as_text=True)
    assert 'id="unit-scope"' in html
    for href in (
        "/ban-to-chuc/thi-sinh",
        "/ban-to-chuc/thi-sinh/nhap",
        "/ban-to-chuc/ket-qua/thong-ke",
    ):
        assert f'href="{href}"' in html
    for href in ("/ban-to-chuc/cuoc-thi/", "/ban-to-chuc/don-vi", "/ban-to-chuc/ngan-hang/"):
        assert f'href="{href}"' not in html


def test_the_admin_sets_and_clears_a_scope(client, db, login, world, make_user):
    organiser = make_user(Role.organiser)
    login(make_user(Role.admin))
    page = f"/quan-tri/nguoi-dung/{organiser.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="scope-form"' in html and "Cả tỉnh" in html
    token = csrf_from(client, page)
    done = client.post(
        f"{page}/pham-vi", data={"csrf_token": token, "scope_unit_id": world["a"].id}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, organiser.id).scope_unit_id == world["a"].id
    html = client.get(page).get_data(as_text=True)
    assert "Huyện An Bình" in html and "giờ là Ban Tổ chức của" in html
    bad = client.post(f"{page}/pham-vi", data={"csrf_token": token, "scope_unit_id": "987654"})
    assert bad.status_code == 422 and "Vui lòng chọn một đơn vị" in bad.get_data(as_text=True)
    client.post(f"{page}/pham-vi", data={"csrf_token": token, "scope_unit_id": ""})
    db.session.expire_all()
    assert db.session.get(User, organiser.id).scope_unit_id is None
    audit = client.get("/quan-tri/nhat-ky?action=user.set_scope").get_data(as_text=True)
    assert "Đặt phạm vi đơn vị của Ban Tổ chức" in audit


def test_cli_creates_a_unit_organiser(runner, db, world):
    result = runner.invoke(
        args=[
            "users", "create", "--role", "organiser", "--email", "truong@example.vn",
            "--password", "matkhau123", "--scope-unit", "Huyện An Bình",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "truong@example.vn"))
    assert user.scope_unit_id == world["a"].id
    wrong = runner.invoke(
        args=[
            "users", "create", "--role", "judge", "--email", "gk@example.vn",
            "--password", "matkhau123", "--scope-unit", "Huyện An Bình",
        ]
    )  # fmt: skip
    assert wrong.exit_code == 1
    unknown = runner.invoke(
        args=[
            "users", "create", "--role", "organiser", "--email", "x@example.vn",
            "--password", "matkhau123", "--scope-unit", "Không Có",
        ]
    )  # fmt: skip
    assert unknown.exit_code == 1 and "Không tìm thấy đơn vị" in unknown.output


def test_a_big_import_run_as_a_job_keeps_the_scope(db, world, unit_organiser):
    """The job reads its actor's scope as the page does: a row of another unit fails it
    with the row's message, nothing created."""
    from contest.jobs import imports as job_imports
    from contest.services.errors import DomainError

    data = xlsx(
        [person("Lò Văn Một", unit="Xã Hoà Lợi"), person("Lò Văn Hai", unit="Huyện Bến Cát")]
    )
    params = job_imports.params_for(data, owner=unit_organiser, min_age=12)
    before = db.session.query(User).count()
    with pytest.raises(DomainError) as exc:
        job_imports.run_import(params, now=NOW, actor=unit_organiser, progress=lambda *a: None)
    assert "không thuộc phạm vi của bạn" in str(exc.value)
    db.session.rollback()
    assert db.session.query(User).count() == before


def test_unit_results_list_only_the_subtree_of_the_published_result(
    client, db, login, world, unit_organiser, people
):
    from datetime import timedelta

    from contest.services import result_closing, result_publishing

    r, people_ = world["round"], world["people"]
    login(unit_organiser)
    page = f"/ban-to-chuc/ket-qua/cua-don-vi?round_id={r.id}"
    assert 'id="not-published"' in client.get(page).get_data(as_text=True)
    assert client.get(f"/ban-to-chuc/ket-qua/cua-don-vi.xlsx?round_id={r.id}").status_code == 404
    b_done = people(1, unit_id=world["b"].id)[0]
    finished(db, r, b_done, score=10)
    r.opens_at, r.closes_at = NOW - timedelta(days=2), NOW - timedelta(hours=1)
    db.session.commit()
    result = result_closing.close_round(r, actor=None, now=NOW).result
    result_publishing.publish_result(r, result.id, actor=None, now=NOW, early=True)
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert people_["a_done"].full_name in html and people_["c_done"].full_name in html
    assert b_done.full_name not in html
    response = client.get(f"/ban-to-chuc/ket-qua/cua-don-vi.xlsx?round_id={r.id}")
    assert response.headers["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if len(r) > 1 and r[1]]
    header = rows.index(next(row for row in rows if row[:2] == ("Hạng", "Họ và tên")))
    listed = {row[1]: row for row in rows[header + 1 :]}
    # Closing finalised the started attempt: its person ranks too.
    assert set(listed) == {people_[k].full_name for k in ("a_done", "c_done", "a_started")}
    assert listed[people_["c_done"].full_name][0] == 2  # the province-wide rank (B's is 1st)
    assert listed[people_["a_done"].full_name][2] == people_["a_done"].phone
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "result.export_unit")
    ).one()
    assert entry.details["rows"] == 3 and "result.export_unit" in ACTION_LABELS


def test_question_pictures_are_the_provinces(db, unit_organiser, make_user):
    """A unit organiser is not shown the banks' pictures (the banks are the province's);
    a province organiser is."""
    from types import SimpleNamespace

    from contest.services import question_images

    picture = SimpleNamespace(id=987654)
    assert question_images.may_view(make_user(Role.organiser), picture)
    assert not question_images.may_view(unit_organiser, picture)
