"""Personal data kept only as long as the contest needs it (checklist L4; the privacy page's
promise). After the complaint period of everything a participant took part in, the CCCD
number, phone number and birth date of a participant who won nothing are erased.

The rule, for one participant (``purge_personal_data``):

- they took part in at least one quiz round (an attempt) or essay contest (an entry) —
  an account that never took part is kept: it may be about to;
- every quiz round they took part in has published results, and the newest publication is
  at least the contest's ``complaint_days`` old (default 30); every essay contest they
  entered has published results that old — a round still open, closed but not published,
  or inside its complaint period keeps everything;
- they hold no prize in any result (quiz result rows, essay stage results, the "giải lan
  tỏa" of a quiz result version: ``referrals.round_winners``), published or not: winners
  are contacted and checked, so their data stays.

Nothing else changes: attempts, answers, result rows, unit and category (what ranking and
the unit statistics read) and the audit log stay as they are, so a round can be ranked
again from its stored attempts with the same inputs. Name and email stay (the email is how
the person signs in and resets a password; see docs/security.md). One audit entry records
the counts, never who. Plain data in and out: no Flask.

The UPDATE checks the rule again in its own WHERE (``still_purgeable``): an attempt
started, an entry sent or a prize given after the candidates were chosen keeps the data.
A purged participant who wins later (reinstated, ranked again) is flagged to the organiser
(``purged_winners``): their prize cannot be checked against a CCCD until they give it again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from contest.extensions import db
from contest.models import Contest, Role, User
from contest.models.essay import Entry, EssaySettings, StageEntry
from contest.models.quiz import Attempt, Round
from contest.models.results import ResultRow, RoundResult
from contest.services import audit, referrals
from contest.services.i18n import _

DEFAULT_COMPLAINT_DAYS = 30


@dataclass(frozen=True)
class PurgeResult:
    """How many participants were purged and how many of each field were erased."""

    users: int
    id_numbers: int
    phones: int
    birth_dates: int
    dry_run: bool = False


def _window_ends() -> tuple[dict[int, datetime | None], dict[int, datetime | None]]:
    """Per quiz round and per essay contest: when its complaint period ends (None: results
    not published yet, so it has not started)."""
    days = {cid: d for cid, d in db.session.execute(select(Contest.id, Contest.complaint_days))}
    published = dict(
        db.session.execute(
            select(RoundResult.round_id, func.max(RoundResult.published_at))
            .where(RoundResult.published_at.is_not(None))
            .group_by(RoundResult.round_id)
        ).all()
    )
    rounds: dict[int, datetime | None] = {}
    for round_id, contest_id in db.session.execute(select(Round.id, Round.contest_id)):
        at = published.get(round_id)
        rounds[round_id] = None if at is None else at + _period(days.get(contest_id))
    essays: dict[int, datetime | None] = {}
    for contest_id, at in db.session.execute(
        select(EssaySettings.contest_id, EssaySettings.results_published_at)
    ):
        essays[contest_id] = None if at is None else at + _period(days.get(contest_id))
    return rounds, essays


def _period(complaint_days: int | None) -> timedelta:
    return timedelta(days=DEFAULT_COMPLAINT_DAYS if complaint_days is None else complaint_days)


def _referral_winners() -> set[int]:
    """The holders of a "giải lan tỏa" in any result version (computed from the credits,
    not stored in the result rows)."""
    found: set[int] = set()
    for result in db.session.scalars(select(RoundResult)):
        if referrals.prize_count(result):
            found.update(s.referrer_id for s in referrals.round_winners(result))
    return found


def _winners() -> set[int]:
    quiz = select(ResultRow.participant_id).where(ResultRow.prize_tier.is_not(None))
    essay = (
        select(Entry.participant_id)
        .join(StageEntry, StageEntry.entry_id == Entry.id)
        .where(StageEntry.prize.is_not(None))
    )
    return set(db.session.scalars(quiz)) | set(db.session.scalars(essay)) | _referral_winners()


def _participations() -> dict[int, list[tuple[str, int]]]:
    taken: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for user_id, round_id in db.session.execute(
        select(Attempt.participant_id, Attempt.round_id).distinct()
    ):
        taken[user_id].append(("round", round_id))
    for user_id, contest_id in db.session.execute(
        select(Entry.participant_id, Entry.contest_id).distinct()
    ):
        taken[user_id].append(("essay", contest_id))
    return taken


def _ended(ends: dict[int, datetime | None], now: datetime) -> list[int]:
    return sorted(key for key, end in ends.items() if end is not None and end <= now)


def still_purgeable(now: datetime) -> list:
    """The rule again, as SQL conditions on ``User`` (for the UPDATE itself): a participant
    with no prize anywhere and no attempt or entry outside the rounds and essay contests
    whose complaint period has ended at ``now``. An attempt started, an entry sent or a
    prize given after ``purgeable_user_ids`` looked keeps the person's data."""
    rounds, essays = _window_ends()
    ended_rounds, ended_essays = _ended(rounds, now), _ended(essays, now)
    return [
        User.role == Role.participant,
        User.id.not_in(sorted(_referral_winners())),
        ~select(ResultRow.rank)
        .where(ResultRow.participant_id == User.id, ResultRow.prize_tier.is_not(None))
        .exists(),
        ~select(StageEntry.id)
        .join(Entry, StageEntry.entry_id == Entry.id)
        .where(Entry.participant_id == User.id, StageEntry.prize.is_not(None))
        .exists(),
        ~select(Attempt.id)
        .where(Attempt.participant_id == User.id, Attempt.round_id.not_in(ended_rounds))
        .exists(),
        ~select(Entry.id)
        .where(Entry.participant_id == User.id, Entry.contest_id.not_in(ended_essays))
        .exists(),
    ]


def erase(ids: list[int], *, now: datetime) -> int:
    """Erase the CCCD, phone and birth date of those of ``ids`` the rule still allows at
    ``now`` (checked in the UPDATE's WHERE, in the same statement); returns how many."""
    conditions = still_purgeable(now)
    erased = 0
    for chunk in _chunks(ids):
        erased += db.session.execute(
            update(User)
            .where(User.id.in_(chunk), *conditions)
            .values(id_number=None, phone=None, birth_date=None, personal_data_purged_at=now)
            .execution_options(synchronize_session="fetch")
        ).rowcount
    return erased


def purgeable_user_ids(now: datetime) -> list[int]:
    """The participants whose CCCD, phone and birth date may be erased at ``now``."""
    rounds, essays = _window_ends()
    winners = _winners()
    taken = _participations()
    candidates = db.session.scalars(
        select(User.id).where(
            User.role == Role.participant,
            or_(User.id_number.is_not(None), User.phone.is_not(None), User.birth_date.is_not(None)),
        )
    )
    out = []
    for user_id in candidates:
        places = taken.get(user_id)
        if not places or user_id in winners:
            continue
        ends = [(rounds if kind == "round" else essays).get(key) for kind, key in places]
        if all(end is not None and end <= now for end in ends):
            out.append(user_id)
    return sorted(out)


def _count(ids: list[int], column) -> int:
    total = 0
    for chunk in _chunks(ids):
        total += db.session.scalar(
            select(func.count()).select_from(User).where(User.id.in_(chunk), column.is_not(None))
        )
    return total


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def purge_personal_data(*, now: datetime, actor: User | None, dry_run: bool = False) -> PurgeResult:
    """Erase the CCCD, phone and birth date of every purgeable participant (see the module
    docstring) and audit the counts. With ``dry_run`` only count. The caller commits."""
    ids = purgeable_user_ids(now)
    result = PurgeResult(
        users=len(ids),
        id_numbers=_count(ids, User.id_number),
        phones=_count(ids, User.phone),
        birth_dates=_count(ids, User.birth_date),
        dry_run=dry_run,
    )
    if dry_run:
        return result
    erased = erase(ids, now=now)
    if erased != result.users:  # someone took part or won in between: they were kept
        result = replace(result, users=erased)
    audit.record(
        actor,
        "privacy.purge",
        "privacy",
        None,
        now=now,
        users=result.users,
        id_numbers=result.id_numbers,
        phones=result.phones,
        birth_dates=result.birth_dates,
    )
    return result


def purged_winners(result_id: int) -> set[int]:
    """The winners of a result version whose CCCD, phone and birth date were erased (they
    won nothing when the purge ran, and were reinstated or ranked again since): the prize
    cannot be checked against their papers until they give them again."""
    return set(
        db.session.scalars(
            select(ResultRow.participant_id)
            .join(User, User.id == ResultRow.participant_id)
            .where(
                ResultRow.result_id == result_id,
                ResultRow.prize_tier.is_not(None),
                User.personal_data_purged_at.is_not(None),
            )
        )
    )


def purged_winner_warning(name: str) -> str:
    """What the organiser is told when a reinstated winner has no CCCD or phone left."""
    return _(
        "%(name)s nay đoạt giải nhưng số CCCD, số điện thoại và ngày sinh của người này đã "
        "bị xoá theo thời hạn lưu giữ dữ liệu. Trước khi trao giải, vui lòng liên hệ người "
        "này (qua email hoặc đơn vị) để xác minh danh tính và nhờ họ khai lại trên trang hồ sơ.",
        name=name,
    )
