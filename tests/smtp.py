"""A real SMTP server for the tests (aiosmtpd on a free local port): the app sends its
mail there and the test reads the parsed messages."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd's handler: keeps every message, parsed; ``delay`` seconds per message
    stands for a slow mail server."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages = []
        self.recipients: list[str] = []  # the envelopes' RCPT TO, in arrival order

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        if self.delay:
            await asyncio.sleep(self.delay)
        self.recipients.extend(envelope.rcpt_tos)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def to(self) -> list[str]:
        return sorted(m["To"] for m in self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(config, delay: float = 0.0):
    """Serve an ``Inbox`` and point ``config`` (the app's) at it for the block."""
    box = Inbox(delay)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    old = {key: config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield box
    finally:
        config.update(old)
        controller.stop()
