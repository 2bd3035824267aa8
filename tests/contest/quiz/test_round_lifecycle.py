"""Item 2 of issue 10: draft → published → running → closed; locks once people take part;
ending a round early."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from contest.extensions import db as _db
from contest.models import AttemptStatus, AuditEntry, Role, Round
from contest.services import attempt_saves, attempts, round_lifecycle, rounds
from contest.services.errors import Conflict, NotFound, RoundNotOpen, ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.quiz.round_form import (
    as_multidict,
    edit_path,
    form_fields,
    round_columns,
    sign_in_organiser,
)


def _new_round_via_form(client, db, contest_id, bank, name="Tuần nháp"):
    path = f"/ban-to-chuc/cuoc-thi/{contest_id}/dot-thi/moi"
    data = as_multidict(form_fields(client.get(path).get_data(as_text=True)))
    for key, value in {
        "name": name,
        "opens_at": (NOW - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (NOW + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "question_count": "10",
        "bank_ids": str(bank.id),
    }.items():
        data[key] = value
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(Round).where(Round.name == name))


def _audits(db, action, round_id):
    return list(
        db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.object_id == str(round_id)
            )
        )
    )


# --- drafts and publishing --------------------------------------------------------------


def test_a_new_round_is_a_draft_only_organisers_see_until_published(
    app, client, db, login, make_user, make_round, make_bank
):
    organiser = sign_in_organiser(make_user, login)
    live = make_round()  # a published contest with a published round
    bank = make_bank(20)
    draft = _new_round_via_form(client, db, live.contest_id, bank)
    assert draft.published_at is None
    # Saving again ("Lưu và xem trước đề") never publishes.
    data = as_multidict(form_fields(client.get(edit_path(draft)).get_data(as_text=True)))
    assert client.post(edit_path(draft), data=data).status_code == 302
    db.session.expire_all()
    assert draft.published_at is None
    listing = client.get("/ban-to-chuc/cuoc-thi/").get_data(as_text=True)
    assert "Bản nháp" in listing and "Công bố đợt thi" in listing

    participant = make_user()
    login(participant)
    assert "Tuần nháp" not in client.get(f"/cuoc-thi/{live.contest.slug}").get_data(as_text=True)
    assert "Tuần nháp" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/dot-thi/{draft.id}/bat-dau").status_code == 404
    api = client.post(f"/api/rounds/{draft.id}/attempts", json={}, headers=login.headers)
    assert api.status_code == 404
    with pytest.raises(NotFound):
        attempts.get_round(draft.id)
    with pytest.raises(RoundNotOpen):
        attempts.begin_attempt(draft, participant, now=NOW)

    login(organiser)
    token = csrf_from(client, edit_path(draft))
    assert client.post(f"/ban-to-chuc/cuoc-thi/dot-thi/{draft.id}/cong-bo").status_code == 400
    db.session.expire_all()
    assert draft.published_at is None  # no CSRF token, nothing published
    response = client.post(
        f"/ban-to-chuc/cuoc-thi/dot-thi/{draft.id}/cong-bo", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.published_at is not None
    assert len(_audits(db, "round.publish", draft.id)) == 1
    login(participant)
    assert "Tuần nháp" in client.get(f"/cuoc-thi/{live.contest.slug}").get_data(as_text=True)
    started = client.post(f"/api/rounds/{draft.id}/attempts", json={}, headers=login.headers)
    assert started.status_code == 201


def test_publishing_twice_or_a_past_round_is_refused(db, make_round, make_user):
    actor = make_user(role=Role.organiser)
    r = make_round()
    with pytest.raises(Conflict, match="đã được công bố"):
        round_lifecycle.publish_round(r, actor=actor, now=NOW)
    past = make_round(
        opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(days=2), published_at=None
    )
    with pytest.raises(Conflict, match="Thời điểm đóng"):
        round_lifecycle.publish_round(past, actor=actor, now=NOW)
    assert past.published_at is None


def test_the_life_cycle_states(db, make_round):
    r = make_round(opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=8))
    r.published_at = None
    assert round_lifecycle.state(r, NOW) == "draft"
    r.published_at = NOW
    assert round_lifecycle.state(r, NOW) == "published"
    assert round_lifecycle.state(r, NOW + timedelta(days=2)) == "running"
    assert round_lifecycle.state(r, NOW + timedelta(days=9)) == "closed"
    assert round_lifecycle.state(r, NOW + timedelta(days=9), results_published=True) == (
        "results_published"
    )


# --- locks once someone has taken part ---------------------------------------------------


def _taken(make_round, make_user, **settings):
    settings.setdefault("prize_tiers", [dict(t) for t in rounds.DEFAULT_PRIZE_TIERS])
    r = make_round(**settings)
    attempts.start_attempt(r, make_user(), now=NOW)
    _db.session.commit()
    return r


LOCKED_POSTS = {
    "question_count": "9",
    "time_limit_minutes": "30",
    "max_attempts": "5",
    "quotas": "Đại hội | Dễ | 1",
    "tie_break": "vcnet",
    "prediction_target": "attempts",
    "min_age": "18",
    "opens_at": (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    "min_score": "3",
}


def test_the_form_shows_locked_settings_disabled_and_says_why(
    client, db, login, make_user, make_round
):
    sign_in_organiser(make_user, login)
    r = _taken(make_round, make_user)
    page = client.get(edit_path(r)).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert "đã có người dự thi" in soup.find(id="round-locked").text
    for name in (
        "question_count",
        "time_limit_minutes",
        "max_attempts",
        "tie_break",
        "prediction_target",
        "bank_ids",
        "quotas",
        "eligible_unit_ids",
        "min_score",
    ):
        assert soup.find(attrs={"name": name}).has_attr("disabled"), name
    for name in ("name", "closes_at", "prize_tiers"):
        assert not soup.find(attrs={"name": name}).has_attr("disabled"), name
    # The browser leaves the disabled fields out: the safe changes are saved, audited.
    data = as_multidict(form_fields(page))
    data["name"] = "Tuần 1 (đã đổi tên)"
    data["closes_at"] = (NOW + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    data["prize_tiers"] = "Giải Đặc biệt | 1\nGiải Nhì | 2\nGiải Ba | 3\nGiải Khuyến khích | 10"
    before = round_columns(r)
    assert client.post(edit_path(r), data=data).status_code == 302
    db.session.expire_all()
    after = round_columns(r)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"name", "closes_at", "prize_tiers"}
    (entry,) = _audits(db, "round.update", r.id)
    assert entry.details["changes"]["name"] == {"old": "Tuần 1", "new": "Tuần 1 (đã đổi tên)"}
    assert entry.details["changes"]["closes_at"]["old"] == before["closes_at"].isoformat()
    assert entry.details["changes"]["prize_tiers"]["new"][0]["name"] == "Giải Đặc biệt"


@pytest.mark.parametrize("name", sorted(LOCKED_POSTS))
def test_a_forged_post_cannot_change_a_locked_setting(
    client, db, login, make_user, make_round, name
):
    sign_in_organiser(make_user, login)
    r = _taken(make_round, make_user, prize_options={"min_score": 5})
    data = as_multidict(form_fields(client.get(edit_path(r)).get_data(as_text=True)))
    data["name"] = "Tên mới"
    data[name] = LOCKED_POSTS[name]
    before = round_columns(r)
    response = client.post(edit_path(r), data=data)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Đợt thi đã có người dự thi nên không thể thay đổi mục này" in page
    db.session.expire_all()
    assert round_columns(r) == before  # nothing saved, not even the new name
    assert _audits(db, "round.update", r.id) == []


def test_the_service_refuses_locked_changes_and_a_shorter_close(db, make_round, make_user):
    actor = make_user(role=Role.organiser)
    r = _taken(make_round, make_user)
    base = dict(
        name=r.name,
        opens_at=r.opens_at,
        closes_at=r.closes_at,
        question_count=r.question_count,
        time_limit_minutes=r.time_limit_minutes,
        max_attempts=r.max_attempts,
        bank_ids=r.bank_ids,
        prediction_text=r.prediction_text,
        prize_tiers=r.prize_tiers,
        min_score=rounds.DEFAULT,
    )
    cases = {
        "eligible_unit_ids": {"eligible_unit_ids": [actor.unit_id]},
        "bank_ids": {"bank_ids": []},
        "closes_at": {"closes_at": r.closes_at - timedelta(days=1)},
        "prize_tiers": {"prize_tiers": [{"name": "Giải Nhất", "count": 5}]},
        "allow_practice": {"allow_practice": True},
    }
    for field, change in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            rounds.save_round(
                r.contest, rounds.RoundInput(**{**base, **change}), actor=actor, now=NOW, round_=r
            )
        assert field in caught.value.fields, field
        db.session.rollback()


def test_a_closed_round_is_read_only(client, db, login, make_user, make_round):
    sign_in_organiser(make_user, login)
    r = make_round(opens_at=NOW - timedelta(days=8), closes_at=NOW - timedelta(days=1))
    page = client.get(edit_path(r)).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert "đã kết thúc nên chỉ xem được" in soup.find(id="round-locked").text
    assert soup.find(attrs={"name": "name"}).has_attr("disabled")
    assert soup.find("button", attrs={"type": "submit"}, string="Lưu và xem trước đề") is None
    data = as_multidict(form_fields(page))
    data["name"] = "Đổi tên sau khi đóng"
    data["closes_at"] = (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    before = round_columns(r)
    response = client.post(edit_path(r), data=data, headers={"Referer": edit_path(r)})
    assert response.status_code == 302
    db.session.expire_all()
    assert round_columns(r) == before
    page = html.unescape(client.get(edit_path(r)).get_data(as_text=True))
    assert "Đợt thi đã kết thúc nên không thể sửa nữa." in page


# --- ending early ------------------------------------------------------------------------


def test_end_early_confirms_the_count_then_finalises_from_saved_answers(
    client, db, login, make_user, make_round
):
    r = make_round(question_count=4)
    taking = make_user()
    attempt, _ = attempts.start_attempt(r, taking, now=NOW - timedelta(minutes=2))
    for q in attempt.questions[:3]:
        attempt_saves.save_answer(
            attempt, q.question_id, q.correct_option_ids, arrived_at=NOW - timedelta(minutes=1)
        )
    db.session.commit()
    sign_in_organiser(make_user, login)
    path = f"/ban-to-chuc/cuoc-thi/dot-thi/{r.id}/ket-thuc-som"
    assert "Kết thúc sớm" in client.get(edit_path(r)).get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    confirm = BeautifulSoup(page, "html.parser").find(id="end-early-confirm").text
    assert "Hiện có 1 lượt thi đang làm dở" in confirm
    response = client.post(path, data={"csrf_token": csrf_from(client, path)})
    assert response.status_code == 302 and f"/dot-thi/{r.id}" in response.location
    db.session.expire_all()
    assert r.closed_at is not None and r.closes_at <= r.closed_at
    assert attempt.status is AttemptStatus.expired and attempt.score == 3
    (entry,) = _audits(db, "round.end_early", r.id)
    assert entry.details["finalised"] == 1
    assert client.get(f"/dot-thi/{r.id}/bat-dau").status_code in (200, 404)
    with pytest.raises(Conflict):
        round_lifecycle.end_early(r, actor=None, now=NOW + timedelta(minutes=1))


def test_only_an_open_published_round_can_end_early(db, make_round):
    upcoming = make_round(opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=2))
    draft = make_round(published_at=None)
    for r in (upcoming, draft):
        with pytest.raises(Conflict, match="đang mở"):
            round_lifecycle.end_early(r, actor=None, now=NOW)


# --- the CLI ------------------------------------------------------------------------------


def test_cli_close_round_refuses_before_close_time_unless_end_now(
    runner, db, make_round, make_user
):
    r = make_round(question_count=4)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    db.session.commit()
    refused = runner.invoke(args=["quiz", "close-round", str(r.id)])
    assert refused.exit_code == 1
    db.session.expire_all()
    assert r.closed_at is None and attempt.status is AttemptStatus.in_progress
    ended = runner.invoke(args=["quiz", "close-round", str(r.id), "--end-now"])
    assert ended.exit_code == 0, ended.output
    assert "ended now, finalised 1" in ended.output and "closed, version 1" in ended.output
    db.session.expire_all()
    assert r.closed_at is not None and attempt.status is AttemptStatus.expired


def test_cli_create_round_is_a_draft_unless_published(runner, db, make_bank):
    make_bank(12, name="Ngân hàng nháp")
    common = [
        "quiz",
        "create-round",
        "--contest",
        "Cuộc thi nháp",
        "--bank",
        "Ngân hàng nháp",
        "--questions",
        "10",
        "--minutes",
        "15",
        "--max-attempts",
        "3",
        "--opens",
        "2030-12-01T08:00",
        "--closes",
        "2030-12-08T08:00",
    ]
    draft = runner.invoke(args=[*common, "--round", "Tuần A"])
    live = runner.invoke(args=[*common, "--round", "Tuần B", "--publish"])
    assert draft.exit_code == 0 and live.exit_code == 0, (draft.output, live.output)
    assert db.session.get(Round, int(draft.output)).published_at is None
    assert db.session.get(Round, int(live.output)).published_at is not None
