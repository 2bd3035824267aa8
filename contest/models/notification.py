"""Notifications (issue 15 item 6): what was sent to whom, once, and who asked for none.

The services live in ``contest.services.notifications`` (events, batches) and
``contest.services.notify_channels`` (the ``Notifier`` registry: email, SMS, Zalo).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import UTCDateTime, utcnow
from contest.extensions import db


class Notification(db.Model):
    """One event told to one participant about one round. The database holds that it is
    told once: (user, event, round) is unique, so a re-run or a second scheduler that
    tries to claim the same row fails instead of sending again."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "event", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(20))  # opened, closing, results
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    # The channels that took the message ("email,sms"); empty while being sent.
    channels: Mapped[str] = mapped_column(String(60), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationOptOut(db.Model):
    """A participant who turned notifications off (the profile page or the link in a
    mail). No row: notifications are on."""

    __tablename__ = "notification_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where it was turned off: "profile" or "link".
    source: Mapped[str] = mapped_column(String(10), default="profile")
