"""Issue 11 item 8 (checklist L4): the privacy page's promise is kept. After the complaint
period of everything they took part in, participants who won nothing lose their CCCD,
phone and birth date; winners, people in an open round and people who never took part
keep theirs; results can be ranked again afterwards; one audit entry holds the counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest.models import Contest, Role, User
from contest.models.audit import AuditEntry
from contest.services import privacy, result_closing, result_pages, result_publishing
from tests.conftest import NOW
from tests.contest.results.test_results import finished

ONE_PRIZE = [{"name": "Giải Nhất", "count": 1}]


def _close_and_publish(round_, at):
    outcome = result_closing.close_round(round_, actor=None, now=at)
    result_publishing.publish_result(round_, outcome.result.id, actor=None, now=at, early=True)
    return outcome.result


def _personal(db, user_id):
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    return user.id_number, user.phone, user.birth_date


def test_non_winners_lose_their_personal_data_after_the_complaint_period(
    db, make_round, closed_round, people
):
    week = closed_round(prize_tiers=ONE_PRIZE)
    still_open = make_round()
    winner, loser, busy, never = people(4)
    finished(db, week, winner, score=9)
    finished(db, week, loser, score=3)
    finished(db, week, busy, score=2)
    finished(db, still_open, busy, score=2)
    first = _close_and_publish(week, NOW)
    db.session.commit()
    kept = {u.id: _personal(db, u.id) for u in (winner, loser, busy, never)}

    # Inside the 30 days nothing changes; a dry run counts without changing.
    assert privacy.purgeable_user_ids(NOW + timedelta(days=29, hours=23)) == []
    counted = privacy.purge_personal_data(now=NOW + timedelta(days=30), actor=None, dry_run=True)
    assert (counted.users, counted.id_numbers, counted.phones, counted.birth_dates) == (1, 1, 1, 1)
    assert _personal(db, loser.id) == kept[loser.id]

    done = privacy.purge_personal_data(now=NOW + timedelta(days=30), actor=None)
    db.session.commit()
    assert (done.users, done.id_numbers, done.phones, done.birth_dates) == (1, 1, 1, 1)
    assert _personal(db, loser.id) == (None, None, None)
    assert db.session.get(User, loser.id).personal_data_purged_at == NOW + timedelta(days=30)
    assert db.session.get(User, loser.id).full_name  # the name stays, results stay readable
    for user in (winner, busy, never):
        assert _personal(db, user.id) == kept[user.id]

    # Ranking again from the stored attempts gives the same result: nothing to re-close.
    again = result_closing.close_round(week, actor=None, now=NOW + timedelta(days=31))
    assert again.created is False and again.result.id == first.id

    # One audit entry with the counts and nobody's data.
    entries = list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge"))
    )
    assert len(entries) == 1
    assert entries[0].details == {"users": 1, "id_numbers": 1, "phones": 1, "birth_dates": 1}
    # Purged people are not counted again.
    assert privacy.purge_personal_data(now=NOW + timedelta(days=60), actor=None).users == 0


def test_the_complaint_period_is_the_contests_and_starts_at_the_newest_publication(
    db, closed_round, people
):
    week = closed_round(prize_tiers=ONE_PRIZE)
    db.session.get(Contest, week.contest_id).complaint_days = 7
    winner, second, loser = people(3)
    finished(db, week, winner, score=9)
    finished(db, week, second, score=6)
    finished(db, week, loser, score=3)
    _close_and_publish(week, NOW)
    db.session.commit()
    assert privacy.purgeable_user_ids(NOW + timedelta(days=7)) == [second.id, loser.id]
    # Publishing a new version (a complaint upheld: the second moves up to the prize)
    # starts the period again.
    result_publishing.disqualify(week, winner.id, "Khiếu nại được chấp nhận", actor=None, now=NOW)
    _close_and_publish(week, NOW + timedelta(days=5))
    db.session.commit()
    assert privacy.purgeable_user_ids(NOW + timedelta(days=7)) == []
    assert privacy.purgeable_user_ids(NOW + timedelta(days=12)) == [loser.id]


def test_closed_but_unpublished_results_keep_everything(db, closed_round, people):
    week = closed_round(prize_tiers=ONE_PRIZE)
    (loser,) = people(1)
    finished(db, week, loser, score=1)
    result_closing.close_round(week, actor=None, now=NOW)
    db.session.commit()
    assert privacy.purgeable_user_ids(NOW + timedelta(days=365)) == []


def test_the_command_line_reports_counts(db, runner, closed_round, people):
    week = closed_round(prize_tiers=ONE_PRIZE)
    (loser,) = people(1)
    finished(db, week, loser, score=1)
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "participants: would erase" in result.output
    assert _personal(db, loser.id)[0] is not None


def test_organisers_set_the_complaint_period_of_a_contest(client, db, login, make_user):
    from tests.conftest import csrf_from

    login(make_user(Role.organiser))
    token = csrf_from(client, "/ban-to-chuc/cuoc-thi/moi")
    page = client.get("/ban-to-chuc/cuoc-thi/moi").get_data(as_text=True)
    assert 'name="complaint_days"' in page and 'value="30"' in page
    form = {"csrf_token": token, "title": "Tìm hiểu Đại hội", "complaint_days": "14"}
    assert client.post("/ban-to-chuc/cuoc-thi/moi", data=form).status_code == 302
    contest = db.session.scalar(select(Contest).where(Contest.title == "Tìm hiểu Đại hội"))
    assert contest.complaint_days == 14
    edit = f"/ban-to-chuc/cuoc-thi/{contest.id}/sua"
    assert 'value="14"' in client.get(edit).get_data(as_text=True)
    for bad in ("0", "400", "mười"):
        refused = client.post(edit, data={**form, "complaint_days": bad})
        assert refused.status_code == 422, bad
    db.session.refresh(contest)
    assert contest.complaint_days == 14
    assert client.post(edit, data={**form, "complaint_days": "45"}).status_code == 302
    db.session.refresh(contest)
    assert contest.complaint_days == 45
    change = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "contest.update", AuditEntry.object_id == str(contest.id))
        .order_by(AuditEntry.id.desc())
    ).first()
    assert change.details["complaint_days"] == {"old": 14, "new": 45}


def test_the_essay_contest_form_sets_it_too(client, db, login, make_user):
    from tests.conftest import csrf_from

    login(make_user(Role.organiser))
    token = csrf_from(client, "/ban-to-chuc/cuoc-thi-viet/moi")
    form = {
        "csrf_token": token,
        "title": "Viết về quê hương",
        "complaint_days": "10",
        "opens_at": "2030-01-01T08:00",
        "closes_at": "2030-02-01T17:00",
        "max_entries": "1",
        "judges_per_entry": "2",
        "discrepancy": "20",
        "discrepancy_rule": "third_judge",
        "allow_online": "y",
        "criteria": "Nội dung | 100",
        "stages": "Chung khảo",
        "prize_tiers": "Giải Nhất | 1",
    }
    assert client.post("/ban-to-chuc/cuoc-thi-viet/moi", data=form).status_code == 303
    contest = db.session.scalar(select(Contest).where(Contest.title == "Viết về quê hương"))
    assert contest.complaint_days == 10
    edit = client.get(f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/sua").get_data(as_text=True)
    assert 'name="complaint_days"' in edit and 'value="10"' in edit


# --- review: the rule is checked again in the UPDATE; a reinstated winner is flagged ------


def test_an_attempt_started_after_the_look_keeps_the_data(db, make_round, closed_round, people):
    """Between choosing whom to purge and erasing, the person starts an attempt in an open
    round: the UPDATE's own WHERE sees it and keeps their data."""
    week = closed_round(prize_tiers=ONE_PRIZE)
    still_open = make_round()
    winner, loser, other = people(3)
    finished(db, week, winner, score=9)
    finished(db, week, loser, score=3)
    finished(db, week, other, score=2)
    _close_and_publish(week, NOW)
    db.session.commit()
    later = NOW + timedelta(days=30)
    ids = privacy.purgeable_user_ids(later)
    assert ids == sorted([loser.id, other.id])
    kept = _personal(db, loser.id)
    finished(db, still_open, loser, score=5)  # meanwhile, in another request
    db.session.commit()
    assert privacy.erase(ids, now=later) == 1
    db.session.commit()
    assert _personal(db, loser.id) == kept
    assert _personal(db, other.id) == (None, None, None)


def test_a_purged_person_reinstated_into_a_prize_is_flagged_to_the_organiser(
    client, db, login, make_user, closed_round, people
):
    from tests.conftest import csrf_from

    week = closed_round(prize_tiers=ONE_PRIZE)
    cheat, loser = people(2)
    finished(db, week, cheat, score=9)
    finished(db, week, loser, score=6)
    result_publishing.disqualify(week, loser.id, "Nghi gian lận", actor=None, now=NOW)
    _close_and_publish(week, NOW)
    db.session.commit()
    assert privacy.purge_personal_data(now=NOW + timedelta(days=30), actor=None).users == 1
    result_publishing.disqualify(week, cheat.id, "Gian lận", actor=None, now=NOW)
    db.session.commit()
    assert _personal(db, loser.id) == (None, None, None)

    login(make_user(Role.organiser))
    page = f"/ban-to-chuc/ket-qua/dot-thi/{week.id}"
    token = csrf_from(client, page)
    done = client.post(
        f"/ban-to-chuc/ket-qua/dot-thi/{week.id}/khoi-phuc/{loser.id}",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "nay đoạt giải nhưng số CCCD, số điện thoại và ngày sinh" in html
    assert 'id="purged-winners"' in html and "Thiếu CCCD, số điện thoại: cần xác minh" in html
    db.session.expire_all()
    assert privacy.purged_winners(result_pages.current_result(week.id).id) == {loser.id}
