"""Real processes for the several-servers tests: gunicorn as ``make run`` starts it, the
job worker as ``make worker`` starts it, nginx from Debian; each in its own session so it
can be stopped (or killed hard) without touching anything else. Only 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Until ``url`` answers at all (any HTTP status); fails with the log's end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


def _spawn(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def gunicorn(port: int, env: dict, log: Path, *, workers: int = 1, threads: int = 4):
    """One app server, as ``make run`` starts it (gthread), on 127.0.0.1:``port``."""
    process = _spawn(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "3",  # kept-alive connections must not hold the test's teardown
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        env,
        log,
    )
    wait_until_up(f"http://127.0.0.1:{port}/api/auth/me", process, log)
    return process


def worker(env: dict, log: Path, *args: str) -> subprocess.Popen:
    """``python -m contest.jobs.worker`` through ``tests.servers.paced_worker`` (the same
    worker, with the exports paced so a test can kill it mid-export)."""
    return _spawn([sys.executable, "-m", "tests.servers.paced_worker", *args], env, log)


def children(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ puts its work-horse in a session of its own)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            found += [child, *children(child)]
    return found


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL a process and everything below it at once, as a machine crash would."""
    for pid in [process.pid, *children(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process's group, SIGKILL after 15 s; its work-horses too."""
    below = children(process.pid)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    for pid in below:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
