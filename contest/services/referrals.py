"""Referral links: each participant's personal code, crediting the sign-ups that came
through it, and the credits a round's "giải lan tỏa" counts (docs/sharing.md).

* ``code_for`` gives a participant their code (random, 12 characters; never their id,
  phone or anything derived from them), made the first time it is needed.
* ``record_signup`` records a new account that registered through a code, once per new
  account (the database holds it). It is credited unless it is the referrer again — the
  link was opened in a browser signed in as the referrer, or the newcomer shares the
  referrer's email (folded: case, dots and ``+tag`` of Gmail), or name and birth date —
  or a duplicate account (another account already has the newcomer's name and birth date).
* ``round_credits`` and ``round_standings`` read what a round's result counts; the rule is
  the pure ``referral_prizes.rank_referrers``; ``round_board`` is the organisers' list.

Functions flush; the caller commits. They take an explicit ``now``.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from contest.db import UTCDateTime
from contest.extensions import db
from contest.models import Attempt, Role, User
from contest.models.referral import CREDITED, DUPLICATE, SELF, Referral, ReferralCode
from contest.models.results import RoundResult
from contest.services import referral_prizes
from contest.services.rounds import finished_statuses

CODE_RE = re.compile(r"[A-Za-z0-9_-]{12,24}")
_GMAIL = ("gmail.com", "googlemail.com")


def new_code() -> str:
    """A fresh random code: 9 random bytes, 12 URL-safe characters."""
    return secrets.token_urlsafe(9)


def code_for(user: User, *, now: datetime) -> str:
    """The participant's referral code, made (and flushed) the first time."""
    code = db.session.get(ReferralCode, user.id)
    if code is not None:
        return code.code
    for _try in range(3):
        row = ReferralCode(user_id=user.id, code=new_code(), created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            # Made meanwhile by another request of this user (or, once in 2^72, a clash).
            existing = db.session.get(ReferralCode, user.id)
            if existing is not None:
                return existing.code
            continue
        return row.code
    raise RuntimeError("could not make a referral code")


def referrer_of(code: str | None) -> User | None:
    """The active participant whose code this is (None for anything else)."""
    if not code or not CODE_RE.fullmatch(code):
        return None
    user = db.session.scalar(
        select(User)
        .join(ReferralCode, ReferralCode.user_id == User.id)
        .where(ReferralCode.code == code)
    )
    if user is None or user.role is not Role.participant or not user.is_active_account:
        return None
    return user


def fold_email(email: str | None) -> str:
    """The mailbox an address reaches: lower case; for Gmail without dots and ``+tag``."""
    local, _at, domain = (email or "").strip().lower().partition("@")
    if not domain:
        return ""
    if domain in _GMAIL:
        local, domain = local.split("+", 1)[0].replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def same_person(a: User, b: User) -> bool:
    """Whether two accounts look like one person: the same CCCD, phone or (folded) email,
    or the same name and birth date."""
    if a.id_number and a.id_number == b.id_number:
        return True
    if a.phone and a.phone == b.phone:
        return True
    if a.email and b.email and fold_email(a.email) == fold_email(b.email):
        return True
    return bool(a.name_key and a.birth_date) and (a.name_key, a.birth_date) == (
        b.name_key,
        b.birth_date,
    )


def _has_twin(newcomer: User) -> bool:
    """Another account already has the newcomer's name and birth date."""
    if not newcomer.name_key or newcomer.birth_date is None:
        return False
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.id != newcomer.id,
                User.name_key == newcomer.name_key,
                User.birth_date == newcomer.birth_date,
            )
        )
        > 0
    )


def record_signup(
    newcomer: User,
    code: str | None,
    *,
    contest_id: int | None,
    opened_as_referrer: bool,
    now: datetime,
) -> Referral | None:
    """Record that ``newcomer`` (just registered) came through ``code``; returns the
    referral (credited or not, see the module docstring), or None when the code names
    nobody. A newcomer already recorded keeps their first record."""
    referrer = referrer_of(code)
    if referrer is None or referrer.id == newcomer.id:
        return None
    existing = db.session.scalar(select(Referral).where(Referral.referred_id == newcomer.id))
    if existing is not None:
        return existing
    if opened_as_referrer or same_person(referrer, newcomer):
        status = SELF
    elif _has_twin(newcomer):
        status = DUPLICATE
    else:
        status = CREDITED
    referral = Referral(
        referrer_id=referrer.id,
        referred_id=newcomer.id,
        contest_id=contest_id,
        status=status,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(referral)
            db.session.flush()
    except IntegrityError:
        # A concurrent request recorded this newcomer first: theirs stands.
        return db.session.scalar(select(Referral).where(Referral.referred_id == newcomer.id))
    return referral


def credited_count(referrer_id: int) -> int:
    """How many sign-ups through this participant's link were credited (any contest)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.referrer_id == referrer_id, Referral.status == CREDITED)
    )


def round_credits(round_id: int) -> list[referral_prizes.Credit]:
    """The credited newcomers who finished a ranked attempt of the round, with when their
    first one ended (the submission, or the deadline of an attempt the clock ended)."""
    ended = type_coerce(
        func.min(func.coalesce(Attempt.submitted_at, Attempt.deadline)), UTCDateTime()
    )
    rows = db.session.execute(
        select(Referral.referrer_id, Referral.referred_id, ended)
        .join(Attempt, Attempt.participant_id == Referral.referred_id)
        .where(
            Referral.status == CREDITED,
            Attempt.round_id == round_id,
            Attempt.is_practice.is_(False),
            Attempt.status.in_(finished_statuses()),
        )
        .group_by(Referral.referrer_id, Referral.referred_id)
    ).all()
    return [referral_prizes.Credit(r, n, at) for r, n, at in rows]


def _staff_ids(ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        db.session.scalars(select(User.id).where(User.id.in_(ids), User.role != Role.participant))
    )


def round_count(round_id: int, referrer_id: int) -> int:
    """How many newcomers this participant brought have finished an attempt of the round."""
    return sum(1 for c in round_credits(round_id) if c.referrer_id == referrer_id)


def prize_count(result: RoundResult) -> int:
    """The number of "giải lan tỏa" frozen in a result version's settings (0: none)."""
    return int(((result.settings or {}).get("options") or {}).get("referral_prizes") or 0)


def round_standings(result: RoundResult) -> list[referral_prizes.Standing]:
    """The referral standings of a stored result version: its frozen number of prizes and
    its frozen exclusions and disqualifications, over the round's credits (which no longer
    change once the round is closed: a credit needs a finished attempt of the round)."""
    settings = result.settings or {}
    n = prize_count(result)
    credits = round_credits(result.round_id)
    people = {c.referrer_id for c in credits} | {c.referred_id for c in credits}
    banned = (
        set(settings.get("excluded") or ()) | set(settings.get("disqualified") or ())
    ) | _staff_ids(people)
    return referral_prizes.rank_referrers(credits, n, ineligible=banned)


def round_winners(result: RoundResult) -> list[referral_prizes.Standing]:
    """The referral prize winners of a result version (best first)."""
    return [s for s in round_standings(result) if s.winner]


def round_board(result: RoundResult, *, runners_up: int = 10) -> list[tuple]:
    """For the organisers: (standing, person) for the winners and the next ``runners_up``
    referrers, best first (who would move up after a disqualification)."""
    standings = round_standings(result)
    shown = standings[: sum(1 for s in standings if s.winner) + runners_up]
    ids = [s.referrer_id for s in shown]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return [(s, people[s.referrer_id]) for s in shown if s.referrer_id in people]
