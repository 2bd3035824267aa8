"""Who has not yet taken part (per unit subtree and round: finished attempts don't, started
ones do, staff never; the masked page, the full-phone .xlsx: audited, no-store, organisers
only) and participation targets (the form's checks, the percent, the below-target marks,
the chart, the .xlsx)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from contest.models import AttemptStatus, AuditEntry, Role
from contest.services import participation
from contest.services.vn import mask_phone
from tests.conftest import csrf_from
from tests.contest.results.test_results import finished, password_hash, people  # noqa: F401
from tests.contest.services.test_exports import assert_cells_safe

BASE = "/ban-to-chuc/ket-qua"


@pytest.fixture
def world(db, make_round, make_unit, people, make_user):  # noqa: F811
    """A district with a commune under it and a second district; who did what in a round:
    district A: one finished, one started only, one never came; commune under A: one
    finished, one never came; district B: one never came; an organiser (staff) in A."""
    r = make_round()
    a = make_unit("Huyện An Bình")
    commune = make_unit("Xã Hoà Lợi", parent=a)
    b = make_unit("Huyện Bến Cát")
    a_done, a_started, a_never = people(3, unit_id=a.id)
    c_done, c_never = people(2, unit_id=commune.id)
    (b_never,) = people(1, unit_id=b.id)
    make_user(role=Role.organiser, unit_id=a.id)  # staff: never listed
    finished(db, r, a_done, score=5)
    finished(db, r, c_done, score=7)
    finished(db, r, a_started, score=0, status=AttemptStatus.in_progress)
    finished(db, r, a_never, score=9, practice=True)  # practice doesn't count
    return {
        "round": r,
        "a": a,
        "commune": commune,
        "b": b,
        "people": dict(
            a_done=a_done,
            a_started=a_started,
            a_never=a_never,
            c_done=c_done,
            c_never=c_never,
            b_never=b_never,
        ),
    }


def _names(found) -> set[str]:
    return {p.full_name for p in found.people}


def test_not_taken_part_by_unit_subtree(db, world):
    r, p = world["round"], world["people"]
    district = participation.not_taken_part(r, unit_id=world["a"].id)
    assert _names(district) == {
        p["a_started"].full_name,
        p["a_never"].full_name,
        p["c_never"].full_name,
    }
    assert district.registered == 5 and district.finished == 2 and district.total == 3
    started = {a.full_name: a.started for a in district.people}
    assert started[p["a_started"].full_name] and not started[p["a_never"].full_name]
    commune = participation.not_taken_part(r, unit_id=world["commune"].id)
    assert _names(commune) == {p["c_never"].full_name}
    other = participation.not_taken_part(r, unit_id=world["b"].id)
    assert _names(other) == {p["b_never"].full_name}
    # The scope argument (unit organisers, later) narrows any filter.
    scoped = participation.not_taken_part(r, scope={world["commune"].id, world["b"].id})
    assert _names(scoped) == {p["c_never"].full_name, p["b_never"].full_name}


def test_page_masks_phones_and_export_has_them(client, db, world, make_user, login):
    r, p = world["round"], world["people"]
    login(make_user(role=Role.organiser))
    page = client.get(f"{BASE}/chua-tham-gia?round_id={r.id}&unit_id={world['a'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="stat-absent">3<' in html
    phone = p["a_never"].phone
    assert mask_phone(phone) in html and phone not in html
    assert p["a_done"].full_name not in html
    assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    response = client.get(f"{BASE}/chua-tham-gia.xlsx?round_id={r.id}&unit_id={world['a'].id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = assert_cells_safe(response.data)["Chưa tham gia"]
    phones = {row[3] for row in sheet.iter_rows(values_only=True)}
    assert phone in phones and p["c_never"].phone in phones and p["a_done"].phone not in phones
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participation.export_absent")
    )
    assert entry is not None and entry.object_id == str(r.id)
    assert entry.details["rows"] == 3 and phone not in str(entry.details)
    assert client.get(f"{BASE}/chua-tham-gia?unit_id=999999").status_code == 404


@pytest.mark.parametrize("role", [Role.participant, Role.judge])
def test_export_is_organiser_only(client, db, world, make_user, login, role):
    login(make_user(role=role))
    r = world["round"]
    assert client.get(f"{BASE}/chua-tham-gia.xlsx?round_id={r.id}").status_code == 403
    assert client.get(f"{BASE}/chua-tham-gia?round_id={r.id}").status_code == 403
    assert client.get(f"{BASE}/chi-tieu.xlsx").status_code == 403


def test_parse_targets_checks_whole_numbers():
    assert participation.parse_targets({"total": "1.000", "unit-1": "0", "unit-2": ""}, [1, 2]) == {
        None: 1000,
        1: 0,
    }
    for bad in ("-3", "2,5", "mười", "1e3", "٣"):
        with pytest.raises(participation.ValidationFailed) as exc:
            participation.parse_targets({"unit-1": bad}, [1])
        assert "số nguyên không âm" in exc.value.fields["unit-1"]
    with pytest.raises(participation.ValidationFailed) as exc:
        participation.parse_targets({"total": "99999999999"}, [])
    assert "quá lớn" in exc.value.fields["total"]


def test_targets_form_table_chart_and_export(client, db, world, make_user, login):
    r, a, commune, b = world["round"], world["a"], world["commune"], world["b"]
    organiser = make_user(role=Role.organiser)
    login(organiser)
    form = f"{BASE}/chi-tieu/{r.contest_id}/dat"
    bad = client.post(
        form, data={"csrf_token": csrf_from(client, form), f"unit-{a.id}": "-1", "total": "5"}
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "số nguyên không âm" in html and 'aria-invalid="true"' in html
    assert participation.targets_of(r.contest) == {}  # nothing half-written
    ok = client.post(
        form,
        data={
            "csrf_token": csrf_from(client, form),
            f"unit-{a.id}": "2",  # 2 finished (one in the commune): reached
            f"unit-{commune.id}": "4",  # 1 finished: 25 %, below
            f"unit-{b.id}": "0",
            "total": "10",
        },
    )
    assert ok.status_code == 302
    rows = {row.unit_id: row for row in participation.progress(r.contest)}
    assert rows[a.id].finished == 2 and rows[a.id].percent == 100.0 and not rows[a.id].below
    assert rows[commune.id].percent == 25.0 and rows[commune.id].below
    assert rows[b.id].percent is None and not rows[b.id].below
    assert rows[None].finished == 2 and rows[None].percent == 20.0 and rows[None].below
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participation.set_targets")
    )
    page = client.get(f"{BASE}/chi-tieu?contest_id={r.contest_id}").get_data(as_text=True)
    assert "<svg" in page and "<rect" in page and "25,0 %" in page
    assert page.count("table-warning") == 2 and "Chưa đạt" in page
    assert " style=" not in page
    again = client.get(form).get_data(as_text=True)
    assert f'name="unit-{commune.id}" inputmode="numeric" value="4"' in again
    response = client.get(f"{BASE}/chi-tieu.xlsx?contest_id={r.contest_id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = assert_cells_safe(response.data)["Chỉ tiêu"]
    values = [row for row in sheet.iter_rows(values_only=True) if row[1] is not None]
    assert ("Chưa đạt" in {row[4] for row in values}) and any(row[1] == 10 for row in values)


def test_chart_marks_units_below_target(app):
    from contest.results.participation import _target_chart

    rows = [
        participation.TargetRow(1, "Xã A", 10, 5),
        participation.TargetRow(2, "Xã B", 4, 6),
    ]
    with app.test_request_context():
        chart = _target_chart(rows)
    assert chart.bars[0].value.startswith("50,0 %") and "chưa đạt" in chart.bars[0].value
    assert chart.bars[1].w > chart.bars[0].w and "chưa đạt" not in chart.bars[1].value
