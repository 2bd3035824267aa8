"""O6: a hypothesis state machine over start / save / submit / expire / reopen."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from contest.models import Attempt, AttemptStatus
from contest.services import attempt_saves, attempts
from contest.services.errors import DomainError
from tests.conftest import NOW


def test_attempt_invariants_hold(db, make_round, make_user):
    round_ = make_round(
        question_count=4, time_limit_minutes=10, max_attempts=2, allow_practice=True
    )
    counter = iter(range(1_000_000))

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.user = make_user(phone=f"093{next(counter):07d}")  # commits: create it first
            self.savepoint = db.session.begin_nested()
            self.now = NOW
            self.finished: dict[int, tuple] = {}

        def teardown(self):
            self.savepoint.rollback()

        def mine(self):
            return list(
                db.session.scalars(
                    select(Attempt).where(
                        Attempt.round_id == round_.id, Attempt.participant_id == self.user.id
                    )
                )
            )

        def current(self):
            return attempts.in_progress_attempt(round_.id, self.user.id)

        @rule(practice=st.booleans())
        def start(self, practice):
            with suppress(DomainError):
                attempts.start_attempt(round_, self.user, now=self.now, practice=practice)

        @rule(
            pick=st.integers(0, 3),
            option=st.integers(0, 3),
            seq=st.integers(0, 50),
            clear=st.booleans(),
        )
        def save(self, pick, option, seq, clear):
            a = self.current()
            if a is None:
                return
            q = a.questions[pick % len(a.questions)]
            with suppress(DomainError):
                attempt_saves.save_answer(
                    a,
                    q.question_id,
                    [] if clear else [q.options[option]["id"]],
                    arrived_at=self.now,
                    seq=seq,
                )

        @rule(value=st.one_of(st.none(), st.integers(0, 10_000)))
        def predict(self, value):
            a = self.current()
            if a is not None:
                with suppress(DomainError):
                    attempt_saves.save_prediction(a, value, arrived_at=self.now)

        @rule()
        def submit(self):
            a = self.current()
            if a is not None:
                with suppress(DomainError):
                    attempt_saves.submit_attempt(a, arrived_at=self.now)

        @rule(minutes=st.integers(0, 12), seconds=st.integers(0, 59))
        def wait(self, minutes, seconds):
            self.now += timedelta(minutes=minutes, seconds=seconds)

        @rule()
        def finalise(self):
            attempts.finalise_overdue(self.now, round_.id)

        @rule()
        def reopen(self):
            for a in self.mine():
                view = attempts.attempt_view(a, self.now)
                if a.status is AttemptStatus.in_progress:
                    assert all("correct_option_ids" not in q for q in view["questions"])

        @invariant()
        def one_in_progress_and_limits(self):
            mine = self.mine()
            assert sum(a.status is AttemptStatus.in_progress for a in mine) <= 1
            for practice in (False, True):
                numbers = sorted(a.number for a in mine if a.is_practice is practice)
                assert numbers == list(range(1, len(numbers) + 1))
                if not practice:
                    assert len(numbers) <= round_.max_attempts

        @invariant()
        def finished_attempts_never_change(self):
            for a in self.mine():
                if a.is_finished:
                    snapshot = (
                        a.score,
                        a.total,
                        a.submitted_at,
                        a.prediction,
                        tuple(sorted((k, tuple(v)) for k, v in attempts.answers_of(a).items())),
                    )
                    assert self.finished.setdefault(a.id, snapshot) == snapshot
                    assert 0 <= a.score <= a.total == 4
                    assert a.submitted_at <= a.deadline
                    assert 0 <= a.duration_ms <= 10 * 60_000

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
