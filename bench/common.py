"""Shared pieces of the HTTP benchmarks: a small asyncio HTTP/1.1 client with keep-alive,
a gunicorn launcher, scratch databases and percentile reporting.

Only addresses on this machine are ever contacted (127.0.0.1).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(kind: str, tmp: Path, name: str) -> str:
    """A fresh SQLite file or PostgreSQL database; returns its URL."""
    if kind == "sqlite":
        path = tmp / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Server:
    """gunicorn serving ``app`` (an import path) on a free port, as `make run` does."""

    def __init__(
        self,
        app: str,
        env: dict,
        workers: int = 2,
        threads: int = 8,
        connections: int = int(os.environ.get("BENCH_CONNECTIONS", 1000)),
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--worker-connections",
                str(connections),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--backlog",
                "4096",
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
                app,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/__health", timeout=1)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.proc.stderr.read().decode()[-2000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, name: str, seconds: float, status: int, ok: bool) -> None:
        self.latencies.setdefault(name, []).append(seconds)
        by = self.statuses.setdefault(name, {})
        by[status] = by.get(status, 0) + 1
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1

    def report(self, prefix: str = "  ") -> list[str]:
        lines = []
        for name, values in sorted(self.latencies.items()):
            v = sorted(values)

            def pct(p, v=v):
                return v[min(len(v) - 1, int(p / 100 * len(v)))] * 1000

            lines.append(
                f"{prefix}{name:<10} n={len(v):>6}  p50={pct(50):7.1f} ms  "
                f"p95={pct(95):7.1f} ms  p99={pct(99):7.1f} ms  "
                f"errors={self.errors.get(name, 0)}  statuses={self.statuses[name]}"
            )
        return lines


class Client:
    """One keep-alive HTTP/1.1 connection with its own cookies."""

    def __init__(self, port: int, cookie: str = "", csrf: str = ""):
        self.port, self.cookie, self.csrf = port, cookie, csrf
        self.reader = self.writer = None

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body=None, timeout: float = 60.0):
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
            f"Content-Length: {len(payload)}\r\nContent-Type: application/json\r\n"
            f"X-CSRFToken: {self.csrf}\r\nCookie: {self.cookie}\r\n\r\n"
        ).encode()
        for attempt in range(2):
            try:
                if self.writer is None:
                    await self._connect()
                self.writer.write(head + payload)
                await self.writer.drain()
                return await asyncio.wait_for(self._read(), timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    async def _read(self):
        status_line = await self.reader.readline()
        if not status_line:
            raise asyncio.IncompleteReadError(b"", None)
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            key = key.strip().lower()
            if key == "content-length":
                length = int(value.strip())
            elif key == "connection" and value.strip().lower() == "close":
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# A generated question bank, shared by the import benchmarks.
BANK_HEADER = [
    "Chủ đề",
    "Mức độ",
    "Câu hỏi",
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Đáp án đúng",
    "Giải thích",
]
BANK_TOPICS = ["Lịch sử Đảng", "Đại hội XIV", "Cương lĩnh và Đổi mới", "Đảng bộ tỉnh Lai Châu"]
BANK_LEVELS = ["Dễ", "Trung bình", "Khó"]


def build_bank(count: int) -> bytes:
    """A bank of ``count`` distinct, valid questions with realistic Vietnamese text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Câu hỏi")
    sheet.append(BANK_HEADER)
    for i in range(count):
        sheet.append(
            [
                BANK_TOPICS[i % len(BANK_TOPICS)],
                BANK_LEVELS[i % len(BANK_LEVELS)],
                f"Câu hỏi số {i}: Đại hội đại biểu toàn quốc lần thứ mấy của Đảng đã đề ra "
                "đường lối đổi mới toàn diện đất nước, mở ra thời kỳ phát triển mới "
                f"(mã {i * 7919 % 100003})?",
                f"Đại hội lần thứ IV ({i})",
                f"Đại hội lần thứ V ({i})",
                f"Đại hội lần thứ VI ({i})",
                f"Đại hội lần thứ VII ({i})",
                "ABCD"[i % 4] if i % 10 else "A, C",
                "Đại hội VI (12/1986) đề ra đường lối đổi mới toàn diện. Nguồn: tư liệu văn kiện.",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
