"""The one registry of job kinds: a kind's name → what it is called, who may see it and the
function that does the work.

A kind's ``run`` is a plain function, like a service: it takes the job's parameters (plain
JSON data), an explicit ``now`` (when the job was asked for) and ``actor``, and a
``progress(percent, step)`` callback; it flushes and never commits (the runner commits the
work and the job's result together, so a crash half-way leaves nothing half-written). It
returns an ``Outcome``: a file to download, a summary, or both. A domain error it raises
(``contest.services.errors``) fails the job with that error's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from contest.models import Role, User
from contest.services.i18n import LazyText

Progress = Callable[[int, "str | LazyText | None"], None]


@dataclass
class Outcome:
    """What a finished job leaves: a file (bytes, its download name and type) and/or a
    summary (plain JSON data the job page shows through the kind's ``describe``)."""

    file: bytes | None = None
    filename: str | None = None
    mime: str | None = None
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobKind:
    """A kind of job.

    ``title`` names it on the job page; ``role`` is who may see its page and download its
    file (the same permission as the action itself); ``run`` does the work; ``describe``
    turns a summary into the lines the page shows; ``back`` gives the endpoint and its
    arguments of the page the job was started from (``back_text`` its link's words, by
    default the round's results page); ``on_download(params, actor, now,
    summary)`` audits a download of the job's file (and may refuse it with a domain error).
    ``drop_params`` are removed from the stored parameters once the job is done or failed
    (an uploaded file with personal data); ``file_lifetime`` seconds after it finished, the
    sweep deletes the job's file (temporary passwords). ``unit_scoped``: a unit organiser
    may see the kind's jobs they started (``contest.jobs.views``).
    """

    title: LazyText
    run: Callable[..., Outcome]
    role: Role = Role.organiser
    describe: Callable[[dict], list[str]] = lambda summary: []
    back: Callable[[dict], tuple[str, dict] | None] = lambda params: None
    on_download: Callable[[dict, User, datetime, dict], None] | None = None
    timeout: int = 3600  # seconds a worker lets one run take
    drop_params: tuple[str, ...] = ()
    file_lifetime: int | None = None
    back_text: LazyText | None = None
    # Whether a unit organiser may start and see it: its run narrows what it reads and
    # writes to the actor's units (``unit_scope``). Deny by default, as for the pages.
    unit_scoped: bool = False


KINDS: dict[str, JobKind] = {}


def register(name: str, kind: JobKind) -> JobKind:
    """Add ``kind`` under ``name`` (once)."""
    if name in KINDS:
        raise ValueError(f"job kind {name!r} is registered twice")
    KINDS[name] = kind
    return kind
