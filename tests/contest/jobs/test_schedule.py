"""Scheduled work runs inside the job queue: ``finalise-overdue`` becomes one job per
minute, taken once however many sweepers tick, and it finalises what the cron command
would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest.jobs import schedule
from contest.models import Attempt, AttemptStatus
from contest.models.job import Job, JobStatus
from tests.conftest import NOW


def _of(kind, jobs):
    return [job for job in jobs if job.kind == kind]


def _overdue(db, round_, user) -> Attempt:
    attempt = Attempt(
        round_id=round_.id,
        participant_id=user.id,
        number=1,
        seed=1,
        status=AttemptStatus.in_progress,
        started_at=NOW - timedelta(hours=2),
        deadline=NOW - timedelta(hours=1),
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def test_finalise_overdue_runs_once_per_minute_as_a_job(db, make_round, make_user):
    attempt = _overdue(db, make_round(), make_user())
    minute = NOW.replace(second=0)
    (job,) = _of("finalise_overdue", schedule.tick(minute))
    job = db.session.get(Job, job.id, populate_existing=True)
    assert (job.kind, job.status, job.summary) == (
        "finalise_overdue",
        JobStatus.done,
        {"finalised": 1},
    )
    assert db.session.get(Attempt, attempt.id, populate_existing=True).status is not (
        AttemptStatus.in_progress
    )
    assert schedule.tick(minute + timedelta(seconds=30)) == []  # the same minute: taken
    (later,) = _of("finalise_overdue", schedule.tick(minute + timedelta(minutes=1)))
    assert later.id != job.id


def test_a_slot_another_sweeper_took_is_left_and_old_runs_are_dropped(db):
    minute = NOW.replace(second=0) + timedelta(hours=3)
    assert schedule.tick(minute, claim_slot=lambda name, slot, every: False) == []
    first_id = _of("finalise_overdue", schedule.tick(minute))[0].id
    (_next_day,) = _of("finalise_overdue", schedule.tick(minute + timedelta(days=2)))
    kept = db.session.scalars(select(Job.id).where(Job.kind == "finalise_overdue")).all()
    assert first_id not in kept  # finished more than a day before


def test_the_retention_purge_runs_once_a_day_as_a_job(db):
    day = NOW.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    (job,) = _of("privacy_purge", schedule.tick(day))
    job = db.session.get(Job, job.id, populate_existing=True)
    assert job.status is JobStatus.done
    assert set(job.summary) == {"users", "id_numbers", "phones", "birth_dates"}
    assert _of("privacy_purge", schedule.tick(day + timedelta(hours=5))) == []  # same day
    assert len(_of("privacy_purge", schedule.tick(day + timedelta(days=1)))) == 1


def test_two_schedulers_cannot_queue_the_same_slot(db):
    """Review: without Redis, two schedulers may both find a slot free; the database's
    unique key of the slot lets only one of them queue it."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    minute = NOW.replace(second=0) + timedelta(hours=7)
    slot = int(minute.timestamp()) // schedule.SCHEDULE["finalise-overdue"].every
    key = schedule.slot_key("finalise-overdue", slot)

    def other_scheduler_ran_it(name, claimed, every):
        # Between this scheduler's look and its insert, another one queued and ran the
        # same slot (committed in its own transaction).
        if name == "finalise-overdue":
            db.session.add(
                Job(
                    kind="finalise_overdue",
                    params={"slot": claimed},
                    dedupe_key=key,
                    status=JobStatus.done,
                    created_at=minute,
                )
            )
            db.session.commit()
        return True

    queued = schedule.tick(minute, claim_slot=other_scheduler_ran_it)
    assert _of("finalise_overdue", queued) == []
    rows = db.session.scalars(select(Job).where(Job.dedupe_key == key)).all()
    assert len(rows) == 1
    with pytest.raises(IntegrityError):  # the index itself
        db.session.add(Job(kind="finalise_overdue", params={}, dedupe_key=key, created_at=minute))
        db.session.flush()
    db.session.rollback()
