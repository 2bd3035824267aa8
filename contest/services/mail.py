"""Sending email through a real SMTP server with the standard library (``smtplib``). The
settings come in as plain data (``MailSettings.from_config``); no Flask. Messages are
plain text, UTF-8, and never logged (they hold sign-in links)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class MailSettings:
    """Where to send from; ``host`` empty means email is not set up on this site."""

    host: str
    port: int
    sender: str
    sender_name: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(
            host=config.get("MAIL_SERVER") or "",
            port=int(config.get("MAIL_PORT") or 25),
            sender=config.get("MAIL_FROM") or "",
            sender_name=config.get("MAIL_FROM_NAME") or "",
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            starttls=bool(config.get("MAIL_STARTTLS")),
        )


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message."""


def compose(settings: MailSettings, *, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    username, _, domain = settings.sender.partition("@")
    message["From"] = Address(settings.sender_name, username, domain)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(body, charset="utf-8")
    return message


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Deliver ``message``; raises ``MailNotSent`` when the server cannot take it."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(str(exc)) from exc
