"""gunicorn.conf.py (issue 12): each worker hands the interpreter lock back after 0.5 ms
(configurable), so a thread back from the database does not wait 5 ms for it."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_gets_the_short_switch_interval(monkeypatch):
    before = sys.getswitchinterval()
    try:
        monkeypatch.delenv("GIL_SWITCH_INTERVAL", raising=False)
        runpy.run_path(str(CONF))["post_fork"](None, None)
        assert sys.getswitchinterval() == 0.0005
        monkeypatch.setenv("GIL_SWITCH_INTERVAL", "0.002")
        runpy.run_path(str(CONF))["post_fork"](None, None)
        assert sys.getswitchinterval() == 0.002
    finally:
        sys.setswitchinterval(before)
