"""The funnel from two units to the province round (issue 15 item 3): a district-level round
sends its best per district to the province round; only they can start it (HTTP and API
refuse the others with the Vietnamese reason and 403); recomputing after a new published
version shows the diff and changes nothing until confirmed; a stale draft is refused; the
organiser's page; the participant's contest page; audit labels; each level's prizes apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.models import Attempt, AuditEntry, Role, Round, UnitKind
from contest.models.funnel import AdvancementRule, Qualifier
from contest.services import (
    audit,
    funnel,
    notifications,
    participation,
    result_closing,
    result_inputs,
    result_publishing,
)
from contest.services.errors import Conflict, ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.results.test_results import finished, password_hash, people  # noqa: F401

BASE = "/ban-to-chuc/cuoc-thi"


def _close_and_publish(db, round_, staff, now):
    outcome = result_closing.close_round(round_, actor=staff, now=now)
    result_publishing.publish_result(round_, outcome.result.id, actor=staff, now=now, early=True)
    db.session.commit()
    return outcome.result


@pytest.fixture
def world(db, make_round, make_unit, make_user, people):  # noqa: F811
    """Province P with districts D1 and D2 (communes), a school under each; a closed
    district round with five ranked people and an open province round in one contest."""
    province = make_unit("Tỉnh Thử", kind=UnitKind.province)
    d1 = make_unit("Huyện Một", parent=province, kind=UnitKind.commune)
    d2 = make_unit("Huyện Hai", parent=province, kind=UnitKind.commune)
    s1 = make_unit("Trường Một", parent=d1, kind=UnitKind.school)
    s2 = make_unit("Trường Hai", parent=d2, kind=UnitKind.school)
    lower = make_round(
        name="Vòng huyện",
        opens_at=NOW - timedelta(days=5),
        closes_at=NOW - timedelta(days=4),
        prize_tiers=[{"name": "Giải Nhất", "count": 1}],
    )
    upper = Round(
        contest_id=lower.contest_id,
        name="Vòng tỉnh",
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=2),
        question_count=10,
        time_limit_minutes=15,
        max_attempts=1,
        bank_ids=list(lower.bank_ids),
        published_at=NOW,
        created_at=NOW,
        prize_tiers=[{"name": "Giải Nhất", "count": 1}],
        prize_options={"once_per_contest": True},
    )
    db.session.add(upper)
    db.session.commit()
    a1, a2, a3 = people(3, unit_id=s1.id)
    b1, b2 = people(2, unit_id=s2.id)
    # Same score for a1 and a2: the shorter duration puts a1 first.
    for user, score, ms in ((a1, 9, 100_000), (a2, 9, 200_000), (a3, 5, 1), (b1, 7, 1), (b2, 3, 1)):
        finished(db, lower, user, score=score, duration_ms=ms)
    staff = make_user(role=Role.organiser)
    result = _close_and_publish(db, lower, staff, NOW)
    funnel.save_round_funnel(upper, funnel.FunnelInput(level="province"), actor=staff, now=NOW)
    rule = funnel.FunnelInput(
        level="district",
        target_round_id=upper.id,
        group_kind="commune",
        top_k=1,
        quotas={d2.id: 2},
    )
    funnel.save_round_funnel(lower, rule, actor=staff, now=NOW)
    db.session.commit()
    return dict(
        lower=lower,
        upper=upper,
        staff=staff,
        result=result,
        d1=d1,
        d2=d2,
        a1=a1,
        a2=a2,
        a3=a3,
        b1=b1,
        b2=b2,
    )


def _listed(db, round_id):
    return set(
        db.session.scalars(select(Qualifier.participant_id).where(Qualifier.round_id == round_id))
    )


def test_compute_then_confirm_sends_the_best_per_district(db, world):
    w = world
    assert w["upper"].qualified_only
    done = funnel.compute(w["lower"], actor=w["staff"], now=NOW)
    db.session.commit()
    made = done.advancement
    assert not done.unchanged and not made.is_confirmed
    assert made.result_id == w["result"].id
    assert [q["p"] for q in made.qualified] == [w["a1"].id, w["b1"].id, w["b2"].id]
    assert _listed(db, w["upper"].id) == set()  # nothing applies before the confirmation
    groups = {g["u"]: g for g in made.groups}
    assert groups[w["d1"].id] == {"u": w["d1"].id, "n": 3, "c": 3, "k": 1, "q": 1, "t": "duration"}
    assert groups[w["d2"].id]["k"] == 2 and groups[w["d2"].id]["q"] == 2
    assert funnel.confirm(made, actor=w["staff"], now=NOW) == 3
    db.session.commit()
    assert _listed(db, w["upper"].id) == {w["a1"].id, w["b1"].id, w["b2"].id}
    again = funnel.compute(w["lower"], actor=w["staff"], now=NOW)
    assert again.unchanged and again.advancement.id == made.id
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"funnel.rule", "funnel.compute", "funnel.confirm"} <= actions
    for action in ("funnel.rule", "funnel.compute", "funnel.confirm"):
        assert action in audit.ACTION_LABELS


def _qualify(db, w):
    made = funnel.compute(w["lower"], actor=w["staff"], now=NOW).advancement
    funnel.confirm(made, actor=w["staff"], now=NOW)
    db.session.commit()
    return made


def test_only_the_qualified_start_the_province_round(client, db, world, login):
    w = _qualify(db, world) and world
    upper = w["upper"]
    login(w["a2"])  # second in D1: not on the list
    api = client.post(f"/api/rounds/{upper.id}/attempts", json={}, headers=login.headers)
    assert api.status_code == 403
    body = api.get_json()
    assert body["error"] == "not_eligible"
    assert body["message"].startswith("Vòng này chỉ dành cho người được vào từ vòng Vòng huyện.")
    page = client.get(f"/dot-thi/{upper.id}/bat-dau")
    assert "Bạn không có tên trong danh sách" in page.get_data(as_text=True)
    token = csrf_from(client, f"/dot-thi/{upper.id}/bat-dau")
    refused = client.post(
        f"/dot-thi/{upper.id}/bat-dau", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Vòng này chỉ dành cho người được vào từ vòng" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Attempt.id).where(Attempt.round_id == upper.id)) is None
    contest_page = client.get(f"/cuoc-thi/{upper.contest.slug}").get_data(as_text=True)
    assert "Vòng này chỉ dành cho người được vào từ vòng Vòng huyện" in contest_page
    public = client.get(f"/dot-thi/{upper.id}").get_data(as_text=True)
    assert "Vòng này chỉ dành cho người được vào từ vòng Vòng huyện." in public
    client.post("/api/auth/logout", headers=login.headers)

    login(w["b2"])  # second in D2, within D2's quota of 2
    started = client.post(f"/api/rounds/{upper.id}/attempts", json={}, headers=login.headers)
    assert started.status_code in (200, 201), started.get_json()
    contest_page = client.get(f"/cuoc-thi/{upper.contest.slug}").get_data(as_text=True)
    assert "Bạn có tên trong danh sách được vào vòng này." in contest_page


def test_a_new_published_version_shows_a_diff_and_needs_confirmation(db, world):
    w = world
    first = _qualify(db, w)
    finished(db, w["upper"], w["a1"], score=5)  # a1 has already taken the province round
    later = NOW + timedelta(minutes=5)
    outcome = result_publishing.disqualify(
        w["lower"], w["a1"].id, "Gian lận", actor=w["staff"], now=later
    )
    db.session.commit()
    draft = funnel.compute(w["lower"], actor=w["staff"], now=later).advancement
    db.session.commit()
    # Not yet published: the list still comes from the published version.
    assert draft.id == first.id or draft.result_id == first.result_id
    result_publishing.publish_result(
        w["lower"], outcome.result.id, actor=w["staff"], now=later, early=True
    )
    db.session.commit()
    draft = funnel.compute(w["lower"], actor=w["staff"], now=later).advancement
    db.session.commit()
    assert draft.id != first.id and not draft.is_confirmed
    assert draft.changes["added"] == [w["a2"].id] and draft.changes["removed"] == [w["a1"].id]
    assert w["a1"].id in _listed(db, w["upper"].id)  # never silently changed
    assert draft.changes["removed_started"] == 1  # said on the page; the attempt stays
    funnel.confirm(draft, actor=w["staff"], now=later)
    db.session.commit()
    assert _listed(db, w["upper"].id) == {w["a2"].id, w["b1"].id, w["b2"].id}


def test_a_stale_draft_is_refused(db, world):
    w = world
    draft = funnel.compute(w["lower"], actor=w["staff"], now=NOW).advancement
    rule = funnel.FunnelInput(
        level="district", target_round_id=w["upper"].id, group_kind="commune", top_k=2
    )
    funnel.save_round_funnel(w["lower"], rule, actor=w["staff"], now=NOW)
    db.session.commit()
    with pytest.raises(Conflict):
        funnel.confirm(draft, actor=w["staff"], now=NOW)


def test_rule_checks(db, world):
    w = world
    lower, upper = w["lower"], w["upper"]
    bad = [
        (funnel.FunnelInput(level="district", target_round_id=upper.id), "top_k"),
        (
            funnel.FunnelInput(level="province", target_round_id=upper.id, top_k=1),
            "target_round_id",
        ),
        (
            funnel.FunnelInput(level="district", target_round_id=lower.id, top_k=1),
            "target_round_id",
        ),
        (funnel.FunnelInput(level="nowhere"), "level"),
        (
            funnel.FunnelInput(
                level="district", target_round_id=upper.id, top_k=1, quotas={10**8: 1}
            ),
            "quotas",
        ),
        (
            funnel.FunnelInput(
                level="district", target_round_id=upper.id, top_k=1, group_kind="galaxy"
            ),
            "group_kind",
        ),
    ]
    for data, field in bad:
        with pytest.raises(ValidationFailed) as caught:
            funnel.save_round_funnel(lower, data, actor=w["staff"], now=NOW)
        assert field in caught.value.fields, (data, caught.value.fields)
    with pytest.raises(ValidationFailed) as caught:  # no KeyError: the level is checked first
        funnel.save_round_funnel(upper, funnel.FunnelInput(level="nowhere"), actor=None, now=NOW)
    assert "level" in caught.value.fields
    # The province round cannot drop below the round that feeds it.
    with pytest.raises(ValidationFailed) as caught:
        funnel.save_round_funnel(upper, funnel.FunnelInput(level="unit"), actor=None, now=NOW)
    assert "level" in caught.value.fields
    for text in ("12: ba", "12", ": 3", "Huyện Không Có: 2", "99999999999: 1"):
        with pytest.raises(ValidationFailed):
            funnel.parse_quotas(text)
    assert funnel.parse_quotas("12: 3\n\n#14 = 0") == {12: 3, 14: 0}
    assert funnel.parse_quotas("huyện  hai: 4") == {w["d2"].id: 4}  # by name, folded


def test_removing_the_rule_frees_the_round_and_takes_the_list_off(db, world):
    w = world
    _qualify(db, w)
    funnel.save_round_funnel(
        w["lower"], funnel.FunnelInput(level="district"), actor=w["staff"], now=NOW
    )
    db.session.commit()
    assert not w["upper"].qualified_only and _listed(db, w["upper"].id) == set()


def test_who_has_not_taken_part_in_the_province_round_is_only_the_list(db, world):
    w = world
    _qualify(db, w)
    absent = participation.not_taken_part(w["upper"], limit=None)
    assert {p.full_name for p in absent.people} == {w[k].full_name for k in ("a1", "b1", "b2")}


def test_the_target_of_a_rule_is_fixed_once_the_next_round_has_attempts(db, world):
    w = world
    _qualify(db, w)
    finished(db, w["upper"], w["a1"], score=5)
    with pytest.raises(Conflict):
        funnel.save_round_funnel(
            w["lower"], funnel.FunnelInput(level="district"), actor=w["staff"], now=NOW
        )
    # K may still change: it applies from the next confirmed computation only.
    rule = funnel.FunnelInput(
        level="district", target_round_id=w["upper"].id, group_kind="commune", top_k=2
    )
    funnel.save_round_funnel(w["lower"], rule, actor=w["staff"], now=NOW)
    assert _listed(db, w["upper"].id) == {w["a1"].id, w["b1"].id, w["b2"].id}


def test_the_opening_notice_of_the_province_round_is_for_the_list_only(db, world):
    w = world
    _qualify(db, w)
    query = notifications._people(notifications.OPENED, w["upper"], NOW, ("email",))
    assert {u.id for u in db.session.scalars(query)} == {w[k].id for k in ("a1", "b1", "b2")}


def test_each_levels_prizes_stand_apart(db, world):
    # once_per_contest on the province round ignores the district round's winners.
    assert result_inputs.earlier_winners(world["upper"]) == set()


def test_the_funnel_page(client, db, world, login):
    w = world
    _qualify(db, w)
    login(w["staff"])
    page = client.get(f"{BASE}/{w['lower'].contest_id}/cac-cap-thi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("Cấp huyện", "Cấp tỉnh", "Vòng huyện", "Vòng tỉnh", "Huyện Một", "Đang áp dụng"):
        assert text in html
    assert "Danh sách: 3 người; đã thi: 0." in html
    assert "Bằng điểm ở ngưỡng, phân định vì" in html
    token = csrf_from(client, f"{BASE}/{w['lower'].contest_id}/cac-cap-thi")
    prefix = f"r{w['lower'].id}"
    bad = client.post(
        f"{BASE}/dot-thi/{w['lower'].id}/cap-thi",
        data={
            "csrf_token": token,
            f"{prefix}-level": "district",
            f"{prefix}-target_round_id": str(w["upper"].id),
            f"{prefix}-group_kind": "commune",
            f"{prefix}-top_k": "1",
            f"{prefix}-quotas": "Huyện Ba: 2",
        },
    )
    assert bad.status_code == 422
    assert "không có đơn vị tên" in bad.get_data(as_text=True)
    good = client.post(
        f"{BASE}/dot-thi/{w['lower'].id}/cap-thi",
        data={
            "csrf_token": token,
            f"{prefix}-level": "district",
            f"{prefix}-target_round_id": str(w["upper"].id),
            f"{prefix}-group_kind": "commune",
            f"{prefix}-top_k": "2",
        },
    )
    assert good.status_code == 302
    computed = client.post(
        f"{BASE}/dot-thi/{w['lower'].id}/vong-sau/tinh", data={"csrf_token": token}
    )
    assert computed.status_code == 302
    draft = funnel.newest(w["lower"].id)
    assert not draft.is_confirmed
    assert "Chờ xác nhận" in client.get(f"{BASE}/{w['lower'].contest_id}/cac-cap-thi").get_data(
        as_text=True
    )
    client.post(f"{BASE}/vong-sau/{draft.id}/xac-nhan", data={"csrf_token": token})
    assert _listed(db, w["upper"].id) == {w["a1"].id, w["a2"].id, w["b1"].id, w["b2"].id}


def test_the_funnel_page_is_for_organisers(client, db, world, login):
    login(world["a1"])
    page = client.get(f"{BASE}/{world['lower'].contest_id}/cac-cap-thi")
    assert page.status_code in (302, 403)


def test_a_refused_change_of_target_comes_back_to_the_page(client, db, world, login):
    w = world
    _qualify(db, w)
    finished(db, w["upper"], w["a1"], score=5)
    login(w["staff"])
    url = f"{BASE}/{w['lower'].contest_id}/cac-cap-thi"
    token = csrf_from(client, url)
    prefix = f"r{w['lower'].id}"
    answer = client.post(
        f"{BASE}/dot-thi/{w['lower'].id}/cap-thi",
        data={
            "csrf_token": token,
            f"{prefix}-level": "district",
            f"{prefix}-target_round_id": "0",
            f"{prefix}-group_kind": "unit",
        },
        follow_redirects=True,
    )
    assert "đã có lượt thi: không thể đổi hoặc bỏ quy tắc chuyển" in answer.get_data(as_text=True)
    assert funnel.rule_of(w["lower"].id).target_round_id == w["upper"].id


def test_the_demo_funnel_is_loaded_once(client, db, login):
    from contest.demo import DEMO_PASSWORD, load_demo
    from contest.demo.funnel import DEMO_FINAL_NAME, DEMO_TOP_K

    load_demo(now=NOW)
    db.session.commit()
    final = db.session.scalar(select(Round).where(Round.name == DEMO_FINAL_NAME))
    assert final.qualified_only and final.funnel_level == "province"
    listed = _listed(db, final.id)
    source_id = db.session.scalar(
        select(AdvancementRule.source_round_id).where(AdvancementRule.target_round_id == final.id)
    )
    made = funnel.in_force(source_id)
    assert listed and all(g["q"] <= DEMO_TOP_K for g in made.groups)
    assert len(listed) == sum(g["q"] for g in made.groups)
    load_demo(now=NOW + timedelta(minutes=1))
    db.session.commit()
    assert db.session.scalar(select(func.count(Round.id)).where(Round.name == DEMO_FINAL_NAME)) == 1
    assert _listed(db, final.id) == listed
    login("bantochuc@hoithi.example.vn", DEMO_PASSWORD)
    page = client.get(f"{BASE}/{final.contest_id}/cac-cap-thi")
    assert page.status_code == 200 and DEMO_FINAL_NAME in page.get_data(as_text=True)
