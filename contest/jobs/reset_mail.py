"""The job that sends a password-reset link (``services/password_reset``), queued by the
'Quên mật khẩu' page for every address asked about, known or not: the SMTP round trip
and a mail server that is down happen here, never in the request, so the page answers the
same in the same time whatever the address. For an unknown address the job does nothing.

Its parameters hold the account id (or none), the link's base and a nonce (every request
is its own job); never the address, and never the token, which is made here from the
site's secret at the time of the request (the job's ``now``). A failure is logged with a
keyed hash of the address, not the address, and fails the job (the admins' job page).
Finished mail jobs are dropped after a day by the next one, so the table stays small.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from contest.extensions import db
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import Role, User
from contest.models.job import Job, JobStatus
from contest.services import mail, password_reset
from contest.services.errors import DomainError
from contest.services.i18n import lazy_gettext

log = logging.getLogger(__name__)

KIND = "password_reset_mail"


class MailFailed(DomainError):
    status = 503
    code = "mail_not_sent"
    message = lazy_gettext(
        "Máy chủ thư không nhận thư đặt lại mật khẩu. Vui lòng kiểm tra cấu hình gửi thư "
        "(MAIL_SERVER) và máy chủ thư; người dùng có thể yêu cầu lại liên kết."
    )


KEEP = timedelta(days=1)  # finished mail jobs are dropped after this (one per request)


def _drop_old(now: datetime) -> None:
    db.session.execute(
        delete(Job).where(
            Job.kind == KIND,
            Job.status.in_([JobStatus.done, JobStatus.failed]),
            Job.finished_at < now - KEEP,
        )
    )


def run_reset_mail(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    """Send the link to the account ``params['user_id']`` (nothing when there is none),
    and drop this kind's jobs finished more than a day ago."""
    user = db.session.get(User, params["user_id"]) if params.get("user_id") else None
    if user is None or not user.is_active_account or not user.email:
        _drop_old(now)
        return Outcome(summary={})
    config = current_app.config
    settings = mail.MailSettings.from_config(config)
    digest = password_reset.address_digest(user.email, secret=config["SECRET_KEY"])
    message = password_reset.link_message(
        user,
        secret=config["SECRET_KEY"],
        now=now,
        link_for=lambda token: params["link"] + token,
        settings=settings,
        site_name=config["SITE_NAME"],
        max_minutes=config["RESET_LINK_MINUTES"],
    )
    # Nothing to write: end the read before the SMTP round trip, so it holds no database
    # lock (SQLite's BEGIN IMMEDIATE would keep every other request waiting for it).
    db.session.rollback()
    try:
        mail.send(settings, message)
    except mail.MailNotSent as exc:
        log.warning(
            "password reset: the SMTP server did not take the message for address %s: %s",
            digest,
            type(exc).__name__,
        )
        raise MailFailed() from exc
    _drop_old(now)
    return Outcome(summary={})


register(
    KIND,
    JobKind(
        lazy_gettext("Gửi thư đặt lại mật khẩu"),
        run_reset_mail,
        role=Role.admin,
        timeout=120,
    ),
)
