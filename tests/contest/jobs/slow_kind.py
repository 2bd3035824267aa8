"""A slow job kind for the crash tests: ten steps of ``params['step_seconds']`` each, with
progress, touching no table; its file says what it was asked. Imported by the test and by
the worker processes the test starts."""

from __future__ import annotations

import json
import time

from contest.jobs import KINDS, JobKind, Outcome, register
from contest.services.i18n import lazy_gettext

STEP = lazy_gettext("Đang ghi tệp Excel")


def run_slow(params, *, now, actor, progress):
    for i in range(10):
        progress(i * 10 + 5, STEP)
        time.sleep(params.get("step_seconds", 0.3))
    body = json.dumps({"asked": params["tag"], "at": now.isoformat()}, sort_keys=True).encode()
    return Outcome(body, f"cham-{params['tag']}.json", "application/json", {"steps": 10})


if "test:slow" not in KINDS:
    register("test:slow", JobKind(lazy_gettext("Công việc thử"), run_slow))
