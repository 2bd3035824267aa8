"""Long work outside the request: a job queue with progress and stored results.

``enqueue(kind, params, actor=…, now=…)`` stores a ``Job`` row and hands it to RQ (with
``REDIS_URL``) or to a thread of the app (without: ``make run`` needs nothing more). The
kinds live in one registry (``registry.KINDS``, filled by ``kinds``); ``runner`` runs one
job once and sweeps what dead workers left; ``views`` is the job page; ``worker`` is the
entry point of ``make worker``. See docs/architecture.md and docs/deployment.md.
"""

from contest.jobs import imports, kinds, notification_kinds, regrade_kind  # noqa: F401  (register the kinds)
from contest.jobs.queue import enqueue, init_app
from contest.jobs.registry import KINDS, JobKind, Outcome, register

__all__ = ["KINDS", "JobKind", "Outcome", "enqueue", "init_app", "register"]
