"""The funnel after review (issue 15 item 3, docs/funnel.md): a quota naming a unit outside
the rule's grouping is refused with its line; the grouping's units show before the first
computation; a list taken off with its rule is no longer reported in force; a rule changed
after confirmation says the list needs recomputing."""

# ruff: noqa: F811 (the imported fixtures are the test functions' arguments)
from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.models import Unit
from contest.services import funnel, funnel_overview
from contest.services.errors import ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.quiz.test_funnel import BASE, _listed, _qualify, world  # noqa: F401
from tests.contest.results.test_results import finished, people  # noqa: F401


def test_a_quota_for_a_unit_outside_the_grouping_is_refused_with_its_line(client, db, world, login):
    w = world
    school = db.session.scalar(select(Unit).where(Unit.name == "Trường Một"))
    with pytest.raises(ValidationFailed) as caught:
        funnel.parse_quotas(f"#{w['d2'].id}: 2\n\nTrường Một: 1", "commune")
    message = caught.value.fields["quotas"]
    assert message.startswith("Dòng 3:") and f"#{school.id}" in message and "Xã, phường" in message
    with pytest.raises(ValidationFailed) as caught:
        funnel.parse_quotas("#2147483000: 1", "commune")
    assert caught.value.fields["quotas"].startswith("Dòng 1: không có đơn vị mã")
    # The same unit is fine when the rule ranks by the participant's own unit.
    assert funnel.parse_quotas("Trường Một: 1", "unit") == {school.id: 1}
    # The service refuses it too (callers without the lines), and nothing is written.
    data = funnel.FunnelInput(
        level="district",
        target_round_id=w["upper"].id,
        group_kind="commune",
        top_k=1,
        quotas={school.id: 1},
    )
    with pytest.raises(ValidationFailed) as caught:
        funnel.save_round_funnel(w["lower"], data, actor=w["staff"], now=NOW)
    assert "Trường Một" in caught.value.fields["quotas"]
    db.session.rollback()
    assert funnel.rule_of(w["lower"].id).quotas == {str(w["d2"].id): 2}
    login(w["staff"])
    token = csrf_from(client, f"{BASE}/{w['lower'].contest_id}/cac-cap-thi")
    prefix = f"r{w['lower'].id}"
    page = client.post(
        f"{BASE}/dot-thi/{w['lower'].id}/cap-thi",
        data={
            "csrf_token": token,
            f"{prefix}-level": "district",
            f"{prefix}-target_round_id": str(w["upper"].id),
            f"{prefix}-group_kind": "commune",
            f"{prefix}-top_k": "1",
            f"{prefix}-quotas": f"{school.id}: 1",
        },
    )
    assert page.status_code == 422
    assert "Dòng 1: Trường Một" in page.get_data(as_text=True)


def test_the_grouping_units_show_before_the_first_computation(client, db, world, login):
    w = world
    login(w["staff"])
    html = client.get(f"{BASE}/{w['lower'].contest_id}/cac-cap-thi").get_data(as_text=True)
    assert "dùng mã # để ghi chỉ tiêu riêng" in html
    table = html[html.index("Các đơn vị xếp hạng riêng") :]
    for unit, took, quota in ((w["d1"], 3, 1), (w["d2"], 2, 2)):  # K=1, D2's quota 2
        row = table[table.index(f"#{unit.id}</span>") :]
        row = row[: row.index("</tr>")]
        assert unit.name in row and f">{took}<" in row and f">{quota}<" in row
    assert "Trường Một" not in table[: table.index("</table>")]  # grouped by commune
    # Before any result: the finished attempts so far, by the participant's unit.
    units = funnel_overview.grouping_units(w["upper"].id, "commune", None)
    assert units == []
    finished(db, w["upper"], w["a1"], score=5)
    assert funnel_overview.grouping_units(w["upper"].id, "commune", None) == [
        {"u": w["d1"].id, "n": 1}
    ]
    _qualify(db, w)  # once computed, the per-unit table of the list replaces it
    html = client.get(f"{BASE}/{w['lower'].contest_id}/cac-cap-thi").get_data(as_text=True)
    assert "Các đơn vị xếp hạng riêng" not in html and "Được vào" in html


def test_a_list_taken_off_with_its_rule_is_no_longer_in_force(db, world):
    """Removing a rule takes its list off the next round; putting the same rule back must
    not report that list as still in force (nobody could enter while the page said so)."""
    w = world
    made = _qualify(db, w)
    rule = funnel.FunnelInput(
        level="district",
        target_round_id=w["upper"].id,
        group_kind="commune",
        top_k=1,
        quotas={w["d2"].id: 2},
    )
    funnel.save_round_funnel(w["lower"], funnel.FunnelInput(level="district"), actor=None, now=NOW)
    funnel.save_round_funnel(w["lower"], rule, actor=None, now=NOW)
    db.session.commit()
    assert _listed(db, w["upper"].id) == set()
    assert funnel.in_force(w["lower"].id) is None
    again = funnel.compute(w["lower"], actor=w["staff"], now=NOW)
    assert not again.unchanged and again.advancement.id != made.id
    funnel.confirm(again.advancement, actor=w["staff"], now=NOW)
    db.session.commit()
    assert _listed(db, w["upper"].id) == {w["a1"].id, w["b1"].id, w["b2"].id}


def test_a_changed_rule_says_the_list_in_force_needs_recomputing(client, db, world, login):
    w = world
    _qualify(db, w)
    rule = funnel.FunnelInput(
        level="district", target_round_id=w["upper"].id, group_kind="commune", top_k=2
    )
    funnel.save_round_funnel(w["lower"], rule, actor=w["staff"], now=NOW)
    db.session.commit()
    [stage] = [
        s
        for level in funnel_overview.overview(w["lower"].contest)
        for s in level.stages
        if s.round.id == w["lower"].id
    ]
    assert stage.status == funnel_overview.RULE_CHANGED
    login(w["staff"])
    html = client.get(f"{BASE}/{w['lower'].contest_id}/cac-cap-thi").get_data(as_text=True)
    assert "Quy tắc đã đổi sau khi xác nhận" in html


def test_the_cut_off_column_shows_only_with_a_cut_off(client, db, world, login):
    w = world
    _qualify(db, w)  # top 1 per district, no cut-off
    login(w["staff"])
    url = f"{BASE}/{w['lower'].contest_id}/cac-cap-thi"
    assert ">Đạt điểm<" not in client.get(url).get_data(as_text=True)
    rule = funnel.FunnelInput(
        level="district", target_round_id=w["upper"].id, group_kind="commune", min_score=6
    )
    funnel.save_round_funnel(w["lower"], rule, actor=w["staff"], now=NOW)
    funnel.compute(w["lower"], actor=w["staff"], now=NOW)
    db.session.commit()
    assert ">Đạt điểm<" in client.get(url).get_data(as_text=True)
