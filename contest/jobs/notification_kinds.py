"""The notification jobs (``services/notifications``): ``notify_scan``, queued by the
schedule every few minutes (``schedule.SCHEDULE["notifications"]``), finds the rounds that
opened, close within a day or had their result published, and queues one
``notify_batch`` for each that still has people to tell; a batch tells up to
``NOTIFY_BATCH`` people (200) and, when it was full, queues the next one after the last
user id it looked at. Without REDIS_URL the jobs run in a thread of the app like the
others. Finished notification jobs are dropped after a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from contest.extensions import db
from contest.jobs.queue import enqueue
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import Role, User
from contest.models.job import Job, JobStatus
from contest.services import notifications
from contest.services.i18n import _, lazy_gettext

SCAN, BATCH = "notify_scan", "notify_batch"
KEEP = timedelta(days=1)


def settings() -> notifications.Settings:
    """The app's notification settings; links start at PUBLIC_BASE_URL (or localhost)."""
    app = current_app._get_current_object()
    config = app.config
    base = config.get("PUBLIC_BASE_URL") or "http://localhost"
    adapter = app.url_map.bind("localhost")

    def link_for(endpoint: str, **values) -> str:
        return base + adapter.build(endpoint, values)

    return notifications.Settings(
        secret=config["SECRET_KEY"],
        site_name=config["SITE_NAME"],
        link_for=link_for,
        channels=tuple(config.get("NOTIFY_CHANNELS") or ("email",)),
        config=dict(config),
        batch=int(config.get("NOTIFY_BATCH") or 200),
    )


def run_scan(params: dict, *, now: datetime, actor: User | None, progress: Progress) -> Outcome:
    """Queue a batch for every (event, round) with people still to tell."""
    db.session.execute(
        delete(Job).where(
            Job.kind == BATCH,
            Job.status.in_([JobStatus.done, JobStatus.failed]),
            Job.finished_at < now - KEEP,
        )
    )
    config = settings()
    pending = [
        (event, round_id)
        for event, round_id in notifications.due(now)
        if notifications.has_pending(event, round_id, now, config)
    ]
    db.session.commit()
    for event, round_id in pending:
        enqueue(BATCH, {"event": event, "round_id": round_id, "after": 0}, actor=None, now=now)
    return Outcome(summary={"batches": len(pending)})


def run_batch(params: dict, *, now: datetime, actor: User | None, progress: Progress) -> Outcome:
    """Tell one batch; queue the next when this one was full."""
    done = notifications.send_batch(
        params["event"], params["round_id"], now=now, settings=settings(), after=params["after"]
    )
    if done.more:
        db.session.commit()
        enqueue(
            BATCH,
            {"event": params["event"], "round_id": params["round_id"], "after": done.last_id},
            actor=None,
            now=now,
        )
    return Outcome(summary={"sent": done.sent, "failed": done.failed})


register(
    SCAN,
    JobKind(
        lazy_gettext("Tìm các đợt thi cần gửi thông báo"),
        run_scan,
        role=Role.admin,
        describe=lambda s: [_("Đã xếp %(n)s lượt gửi thông báo.", n=s["batches"])],
        timeout=600,
    ),
)
register(
    BATCH,
    JobKind(
        lazy_gettext("Gửi thông báo cho người dự thi"),
        run_batch,
        role=Role.admin,
        describe=lambda s: [
            _(
                "Đã gửi cho %(sent)s người; %(failed)s người chưa gửi được (sẽ thử lại).",
                sent=s["sent"],
                failed=s["failed"],
            )
        ],
        timeout=1800,
    ),
)
