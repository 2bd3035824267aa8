"""The one registry of notification channels behind the ``Notifier`` interface: email
through SMTP (``contest.services.mail``, the client password reset uses), and SMS and
Zalo OA, which log by default (no outside service is reachable here). No Flask: the
settings come in as plain data.

A provider is a class with ``send(recipient, message)`` (raise ``NotSent`` when it did not
take the message), built with the app's config: ``NOTIFY_SMS_PROVIDER`` /
``NOTIFY_ZALO_PROVIDER`` hold the class itself, passed to ``create_app`` by the
deployment's own WSGI file (explicit wiring, no import by name: docs/notifications.md).
The logging implementation writes the event, the round and the user id, never a phone
number, address or name (L2).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from contest.services import mail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Message:
    event: str
    round_id: int
    subject: str
    body: str  # plain text, with the links
    short: str  # one line for SMS and Zalo
    unsubscribe: str | None = None  # the one-click link (List-Unsubscribe)


class NotSent(Exception):
    """The channel did not take the message (the next scheduler tick tries again)."""


class Notifier(Protocol):
    def send(self, recipient: Recipient, message: Message) -> None: ...


class EmailNotifier:
    """Email through SMTP (``mail.send``); the message is never logged."""

    needs = "email"

    def __init__(self, config) -> None:
        self.settings = mail.MailSettings.from_config(config)

    def send(self, recipient: Recipient, message: Message) -> None:
        if not self.settings.configured:
            raise NotSent("MAIL_SERVER is not set")
        composed = mail.compose(
            self.settings, to=recipient.email, subject=message.subject, body=message.body
        )
        if message.unsubscribe:
            composed["List-Unsubscribe"] = f"<{message.unsubscribe}>"
        try:
            mail.send(self.settings, composed)
        except mail.MailNotSent as exc:
            raise NotSent(type(exc).__name__) from exc


class LoggingNotifier:
    """The default SMS and Zalo channel: a log line without personal data."""

    needs = "phone"

    def __init__(self, config, channel: str = "sms") -> None:
        self.channel = channel

    def send(self, recipient: Recipient, message: Message) -> None:
        log.info(
            "notify %s: event=%s round=%s user=%s (logging channel, nothing sent)",
            self.channel,
            message.event,
            message.round_id,
            recipient.user_id,
        )


# channel → (the config key naming a provider class, the default)
CHANNELS: dict[str, tuple[str | None, type]] = {
    "email": (None, EmailNotifier),
    "sms": ("NOTIFY_SMS_PROVIDER", LoggingNotifier),
    "zalo": ("NOTIFY_ZALO_PROVIDER", LoggingNotifier),
}


def notifier_for(channel: str, config) -> Notifier:
    """The notifier of ``channel`` (a key of ``CHANNELS``) for this config."""
    key, default = CHANNELS[channel]
    provider = config.get(key) if key else None
    if provider:
        if not callable(provider):
            raise TypeError(f"{key} must be a provider class, not {type(provider).__name__}")
        return provider(config)
    if default is LoggingNotifier:
        return LoggingNotifier(config, channel)
    return default(config)


def reaches(channel: str, notifier: Notifier, recipient: Recipient) -> bool:
    """Whether ``recipient`` has what the channel needs (an email, a phone)."""
    needs = getattr(notifier, "needs", "email" if channel == "email" else "phone")
    return bool(recipient.email if needs == "email" else recipient.phone)
