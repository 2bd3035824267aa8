"""Notifications (issue 15 item 6): participants are told, by email (and SMS / Zalo when
a provider is plugged in, ``notify_channels``), when a round they may take opens, one day
before it closes while they have attempts left, and when its result is published
(winners with their prize). No Flask: the settings, the clock and the link builder come in
as data (``Settings``).

Each event is told once per (user, event, round): a batch first *claims* its recipients
by inserting their ``notifications`` rows (unique) and commits, then sends with no
transaction open, then writes which channels took each message. A second scheduler, or a
batch run again after a crash, finds the rows and skips those people; a recipient no
channel took has their claim removed, so the next tick tries again. (A process killed
between the claim and the send loses those messages: at most once, never twice.)

Who is told: active participants with an email (or a phone, for a phone channel) who did
not turn notifications off (``NotificationOptOut``: the profile page or the signed
one-click link of every mail, ``unsubscribe_token``), and for a round, who may take it
(the rules of ``attempts.eligibility_problem``, in SQL, then checked again one by one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import Attempt, AttemptStatus, Contest, Role, Round, Unit, User
from contest.models.notification import Notification, NotificationOptOut
from contest.models.results import ResultRow, RoundResult
from contest.services import attempts, audit, funnel, result_pages
from contest.services.formatting import format_datetime_vn
from contest.services.i18n import _
from contest.services.notify_channels import Message, NotSent, Recipient, notifier_for, reaches

OPENED, CLOSING, RESULTS = "opened", "closing", "results"
EVENTS = (OPENED, CLOSING, RESULTS)
OPENED_WITHIN = timedelta(days=1)  # a round open longer than this is not announced
CLOSING_WITHIN = timedelta(days=1)  # the reminder: one day before the round closes
RESULTS_WITHIN = timedelta(days=7)  # results published longer ago are not announced
SALT = "notifications-off"


@dataclass(frozen=True)
class Settings:
    """What a batch needs of the app: the site's secret (the unsubscribe token), its name,
    ``link_for(endpoint, **values)`` (an absolute URL), the channels and their config."""

    secret: str
    site_name: str
    link_for: Callable[..., str]
    channels: tuple[str, ...] = ("email",)
    config: dict = field(default_factory=dict)
    batch: int = 200


@dataclass
class BatchOutcome:
    sent: int = 0  # people at least one channel took the message for
    failed: int = 0  # people no channel took it for (tried again next tick)
    last_id: int = 0  # the last user id looked at (the next batch starts after it)
    more: bool = False  # the batch was full: there may be more


# --- opting out -----------------------------------------------------------------------------


def is_opted_out(user_id: int) -> bool:
    return db.session.get(NotificationOptOut, user_id) is not None


def set_notifications(user: User, on: bool, *, now: datetime, source: str = "profile") -> bool:
    """Turn ``user``'s notifications on or off (audited when it changes). Flushes; returns
    whether anything changed."""
    row = db.session.get(NotificationOptOut, user.id)
    if on == (row is None):
        return False
    if on:
        db.session.delete(row)
    else:
        db.session.add(NotificationOptOut(user_id=user.id, created_at=now, source=source))
    audit.record(
        user,
        "user.notifications_on" if on else "user.notifications_off",
        "user",
        user.id,
        now=now,
        source=source,
    )
    db.session.flush()
    return True


def unsubscribe_token(user_id: int, *, secret: str) -> str:
    """The token of the one-click link that turns ``user_id``'s notifications off. It does
    not expire (a mail read late must still work) and only ever turns them off."""
    return URLSafeSerializer(secret, salt=SALT).dumps({"u": user_id})


def check_unsubscribe_token(token: str, *, secret: str) -> User | None:
    """The account the token names, or None when it is damaged or names no account."""
    try:
        user_id = int(URLSafeSerializer(secret, salt=SALT).loads(token)["u"])
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    return db.session.get(User, user_id)


# --- what is due ----------------------------------------------------------------------------


def due(now: datetime) -> list[tuple[str, int]]:
    """The (event, round id) pairs to tell about at ``now``."""
    live = and_(
        Round.published_at.is_not(None), Contest.is_published.is_(True), Round.closed_at.is_(None)
    )
    base = select(Round.id).join(Contest, Contest.id == Round.contest_id).where(live)
    opened = db.session.scalars(
        base.where(
            Round.opens_at <= now, Round.opens_at > now - OPENED_WITHIN, Round.closes_at > now
        ).order_by(Round.id)
    )
    closing = db.session.scalars(
        base.where(
            Round.opens_at <= now, Round.closes_at > now, Round.closes_at <= now + CLOSING_WITHIN
        ).order_by(Round.id)
    )
    published = db.session.scalars(
        select(RoundResult.round_id)
        .where(RoundResult.published_at > now - RESULTS_WITHIN)
        .distinct()
        .order_by(RoundResult.round_id)
    )
    return (
        [(OPENED, r) for r in opened]
        + [(CLOSING, r) for r in closing]
        + [(RESULTS, r) for r in published]
    )


def _subtree(unit_ids: list[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    found, todo = set(), list(unit_ids)
    while todo:
        unit_id = todo.pop()
        if unit_id not in found:
            found.add(unit_id)
            todo.extend(children.get(unit_id, []))
    return found


def _reachable(channels: tuple[str, ...]):
    has = User.email.is_not(None)
    if any(c != "email" for c in channels):
        has = has | User.phone.is_not(None)
    return has


def _people(event: str, round_: Round, now: datetime, channels: tuple[str, ...]):
    """The query of the users to tell (not yet told, not opted out), without order."""
    told = select(Notification.user_id).where(
        Notification.event == event, Notification.round_id == round_.id
    )
    stmt = select(User).where(
        User.role == Role.participant,
        User.is_active_account.is_(True),
        _reachable(channels),
        User.id.not_in(told),
        User.id.not_in(select(NotificationOptOut.user_id)),
    )
    stmt = stmt.where(
        User.birth_date.is_not(None), User.id_number.is_not(None), User.unit_id.is_not(None)
    )
    if round_.qualified_only:  # a funnel's higher round: only its list (docs/funnel.md)
        stmt = stmt.where(funnel.listed_condition(round_.id, User.id))
    if round_.eligible_category_ids:
        stmt = stmt.where(User.category_id.in_(round_.eligible_category_ids))
    if round_.eligible_unit_ids:
        stmt = stmt.where(User.unit_id.in_(_subtree(round_.eligible_unit_ids)))
    if round_.min_age:
        today = now.date()
        try:
            cutoff = today.replace(year=today.year - round_.min_age)
        except ValueError:  # 29 February
            cutoff = today.replace(year=today.year - round_.min_age, day=28)
        stmt = stmt.where(User.birth_date <= cutoff)
    if event == CLOSING:
        finished = (
            select(func.count(Attempt.id))
            .where(
                Attempt.round_id == round_.id,
                Attempt.participant_id == User.id,
                Attempt.is_practice.is_(False),
                Attempt.status.in_([AttemptStatus.submitted, AttemptStatus.expired]),
            )
            .scalar_subquery()
        )
        stmt = stmt.where(finished < round_.max_attempts)
    return stmt


def _batch(event: str, round_: Round, now: datetime, settings: Settings, after: int, limit: int):
    """Up to ``limit`` (user, extra) pairs to tell, by user id after ``after``; the last
    user id looked at; whether the page was full (there may be more)."""
    if event == RESULTS:
        result = result_pages.published_result(round_.id)
        if result is None:
            return [], after, False
        told = select(Notification.user_id).where(
            Notification.event == event, Notification.round_id == round_.id
        )
        rows = db.session.execute(
            select(User, ResultRow.rank, ResultRow.prize)
            .join(ResultRow, ResultRow.participant_id == User.id)
            .where(
                ResultRow.result_id == result.id,
                User.id > after,
                User.is_active_account.is_(True),
                _reachable(settings.channels),
                User.id.not_in(told),
                User.id.not_in(select(NotificationOptOut.user_id)),
            )
            .order_by(User.id)
            .limit(limit)
        ).all()
        picked = [(u, {"rank": rank, "prize": prize}) for u, rank, prize in rows]
        return picked, (rows[-1][0].id if rows else after), len(rows) == limit
    users = list(
        db.session.scalars(
            _people(event, round_, now, settings.channels)
            .where(User.id > after)
            .order_by(User.id)
            .limit(limit)
        )
    )
    last = users[-1].id if users else after
    if event == CLOSING:
        used = dict(
            db.session.execute(
                select(Attempt.participant_id, func.count(Attempt.id))
                .where(
                    Attempt.round_id == round_.id,
                    Attempt.participant_id.in_([u.id for u in users]),
                    Attempt.is_practice.is_(False),
                    Attempt.status.in_([AttemptStatus.submitted, AttemptStatus.expired]),
                )
                .group_by(Attempt.participant_id)
            ).all()
        )
    else:
        used = {}
    picked = [
        (u, {"left": round_.max_attempts - used.get(u.id, 0)})
        for u in users
        if attempts.eligibility_problem(round_, u, now) is None
    ]
    return picked, last, len(users) == limit


def has_pending(event: str, round_id: int, now: datetime, settings: Settings) -> bool:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return False
    return bool(_batch(event, round_, now, settings, 0, 50)[0])


# --- the messages ---------------------------------------------------------------------------


def compose(event: str, round_: Round, user: User, extra: dict, settings: Settings) -> Message:
    """The Vietnamese message of ``event`` for ``user`` (subject, body, one-line form)."""
    names = {"round": round_.name, "contest": round_.contest.title, "site": settings.site_name}
    closes = format_datetime_vn(round_.closes_at)
    off = settings.link_for(
        "participant.notifications_off",
        token=unsubscribe_token(user.id, secret=settings.secret),
    )
    if event == OPENED:
        link = settings.link_for("public.round_page", round_id=round_.id)
        subject = _("Đợt thi «%(round)s» đã mở", **names)
        text = _(
            "Đợt thi «%(round)s» của cuộc thi «%(contest)s» đã mở. Bạn có thể vào thi từ nay "
            "đến %(closes)s (giờ Việt Nam).",
            closes=closes,
            **names,
        )
    elif event == CLOSING:
        link = settings.link_for("public.round_page", round_id=round_.id)
        subject = _("Đợt thi «%(round)s» sắp kết thúc", **names)
        text = _(
            "Đợt thi «%(round)s» sẽ kết thúc lúc %(closes)s (giờ Việt Nam). Bạn vẫn còn "
            "%(left)s lượt thi, đừng bỏ lỡ nhé.",
            closes=closes,
            left=extra["left"],
            **names,
        )
    else:
        link = settings.link_for("results.winners", round_id=round_.id)
        subject = _("Đã có kết quả đợt thi «%(round)s»", **names)
        text = _(
            "Ban Tổ chức đã công bố kết quả đợt thi «%(round)s». Bạn xếp hạng %(rank)s.",
            rank=extra["rank"],
            **names,
        )
        if extra.get("prize"):
            text += " " + _("Chúc mừng bạn đã đạt %(prize)s!", prize=extra["prize"])
    body = _(
        "Xin chào %(name)s,\n\n%(text)s\n\n%(link)s\n\n"
        "Không muốn nhận thư báo nữa? Mở liên kết này để tắt: %(off)s\n\n%(site)s",
        name=user.full_name,
        text=text,
        link=link,
        off=off,
        site=settings.site_name,
    )
    return Message(
        event=event,
        round_id=round_.id,
        subject=subject,
        body=body,
        short=f"{text} {link}",
        unsubscribe=off,
    )


# --- a batch --------------------------------------------------------------------------------


def _claim(user_id: int, event: str, round_id: int, now: datetime) -> Notification | None:
    row = Notification(user_id=user_id, event=event, round_id=round_id, channels="", sent_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # told already (another batch, another scheduler)
        return None
    return row


def send_batch(
    event: str, round_id: int, *, now: datetime, settings: Settings, after: int = 0
) -> BatchOutcome:
    """Tell up to ``settings.batch`` people about ``event`` of the round, those with a user
    id after ``after``. Commits the claims before sending (see the module's docstring);
    the caller commits what was sent."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return BatchOutcome(last_id=after)
    picked, last, full = _batch(event, round_, now, settings, after, settings.batch)
    outcome = BatchOutcome(last_id=last, more=full)
    work = []
    for user, extra in picked:
        claim = _claim(user.id, event, round_.id, now)
        if claim is None:
            continue
        recipient = Recipient(user.id, user.full_name, user.email, user.phone)
        work.append((claim.id, recipient, compose(event, round_, user, extra, settings)))
    db.session.commit()  # the claims stand before anything is sent; no lock while sending
    notifiers = {c: notifier_for(c, settings.config) for c in settings.channels}
    results: list[tuple[int, list[str]]] = []
    for claim_id, recipient, message in work:
        took = []
        for channel, notifier in notifiers.items():
            if not reaches(channel, notifier, recipient):
                continue
            try:
                notifier.send(recipient, message)
            except NotSent:
                continue
            took.append(channel)
        results.append((claim_id, took))
    for claim_id, took in results:
        row = db.session.get(Notification, claim_id)
        if took:
            row.channels = ",".join(took)
            outcome.sent += 1
        else:
            db.session.delete(row)
            outcome.failed += 1
    db.session.flush()
    return outcome
