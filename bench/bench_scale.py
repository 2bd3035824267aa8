"""Load across servers (issue 13, item 5): the start rush of bench_quiz.py against one app
server, then against two, both times behind one address, in the same run; reports the
scaling factor (starts/s with two ÷ with one).

The one address is nginx with deploy/nginx's configuration when /usr/sbin/nginx exists
(the upstream pointed at the servers), else a tiny round-robin TCP proxy in this script
(each new connection to the next server). Both servers share one PostgreSQL database; each
server is gunicorn as ``make run`` starts it (``BENCH_WORKERS`` × ``BENCH_THREADS``).

Usage: python bench/bench_scale.py [--participants N] [--answers 5] [--think 1 3]
       [--proxy nginx|python]

On one machine the two servers share its cores, so the factor measures what spreading
costs or gains there, not the capacity of a second machine. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_quiz import SECRET, migrate, report_rush, rush, seed  # noqa: E402
from bench.common import ROOT, Server, drop_database, free_port, scratch_database  # noqa: E402

NGINX = Path("/usr/sbin/nginx")


class Nginx:
    """nginx on a free port in front of ``ports``, with deploy/nginx's upstream and
    locations (paths pointed at this checkout, everything else under ``tmp``)."""

    def __init__(self, ports: list[int], tmp: Path):
        import flask_bootstrap

        self.port = free_port()
        tmp.mkdir(parents=True, exist_ok=True)
        site = (ROOT / "deploy/nginx/hoithi.conf").read_text()
        upstream = re.search(r"upstream hoithi_app \{.*?\n\}", site, re.S).group(0)
        servers = "".join(f"    server 127.0.0.1:{p};\n" for p in ports)
        upstream = re.sub(r"(    server [^\n]*\n)+", servers, upstream)
        bootstrap = Path(flask_bootstrap.__file__).parent / "static"
        app_conf = (ROOT / "deploy/nginx/hoithi-app.conf").read_text()
        app_conf = re.sub(
            r"/srv/hoithi/\.venv/\S*flask_bootstrap/static/", f"{bootstrap}/", app_conf
        )
        (tmp / "app.conf").write_text(app_conf.replace("/srv/hoithi/", f"{ROOT}/"))
        config = tmp / "nginx.conf"
        temp_paths = "".join(
            f"    {name}_temp_path {tmp}/{name};\n"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        config.write_text(
            f"user root;\ndaemon off;\nworker_processes 2;\npid {tmp}/nginx.pid;\n"
            f"error_log {tmp}/error.log error;\nworker_rlimit_nofile 16384;\n"
            "events { worker_connections 8192; }\n"
            f"http {{\n    access_log off;\n{temp_paths}    {upstream}\n"
            f"    server {{\n        listen 127.0.0.1:{self.port} backlog=4096;\n"
            f"        include {tmp}/app.conf;\n    }}\n}}\n"
        )
        self.proc = subprocess.Popen(
            [str(NGINX), "-c", str(config)], start_new_session=True, stderr=subprocess.PIPE
        )
        for _ in range(50):
            with contextlib.suppress(OSError):
                import socket

                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not start: " + self.proc.stderr.read().decode()[-2000:])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class RoundRobin:
    """A TCP proxy on a free port handing each new connection to the next of ``ports``
    (in a thread with its own event loop)."""

    def __init__(self, ports: list[int]):
        self.port, self.targets = free_port(), itertools.cycle(ports)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=4096)
        )
        ready.set()
        self.loop.run_forever()

    async def _handle(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(self.targets))
        except OSError:
            writer.close()
            return

        async def pipe(src, dst):
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def front(kind: str, ports: list[int], tmp: Path):
    return Nginx(ports, tmp) if kind == "nginx" else RoundRobin(ports)


def one_rush(label, kind, ports, tmp, url, round_id, sessions, args) -> float:
    """The rush through the front; prints bench_quiz's lines, returns starts/s."""
    proxy = front(kind, ports, tmp / label.replace(" ", "-"))
    try:
        result = asyncio.run(
            rush(proxy.port, round_id, sessions, tuple(args.think), args.window, args.answers)
        )
    finally:
        proxy.stop()
    stats, acked, submitted, delivered, usable, wall = result
    print(f"  [{label}]", flush=True)
    report_rush(
        url, stats, acked, submitted, delivered, usable, wall,
        total=len(sessions), window=args.window, limit=30 * 60.0,
    )  # fmt: skip
    return len(delivered) / max(delivered) if delivered else 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=int(os.environ.get("SCALE_N", 1500)))
    ap.add_argument("--answers", type=int, default=5)
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0))
    ap.add_argument("--window", type=float, default=1.0)
    default_proxy = "nginx" if NGINX.exists() and os.geteuid() == 0 else "python"
    ap.add_argument("--proxy", choices=["nginx", "python"], default=default_proxy)
    args = ap.parse_args()
    if args.proxy == "nginx" and not NGINX.exists():
        print("  nginx is not installed: use --proxy python", file=sys.stderr)
        return 2
    workers = int(os.environ.get("BENCH_WORKERS", 2))
    threads = int(os.environ.get("BENCH_THREADS", 8))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        name = os.environ.get("BENCH_DB_NAME", "bench_scale")
        try:
            url = scratch_database("postgres", tmp, name)
        except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: say so, skip
            print(f"  skipped: two servers need PostgreSQL ({exc.__class__.__name__})")
            return 0
        migrate(url)
        n = args.participants
        round_ids, sessions = seed(url, 2 * n, rounds=2)
        env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0"}
        print(
            f"  {n} participants per rush, {args.answers} answers each, think "
            f"{args.think[0]:g}–{args.think[1]:g} s; gunicorn {workers} workers × {threads} "
            f"threads per server; one address: "
            f"{'nginx (deploy/nginx)' if args.proxy == 'nginx' else 'round-robin TCP proxy'}; "
            f"{os.cpu_count()} cores shared by everything",
            flush=True,
        )
        servers = [Server("wsgi:app", env, workers=workers, threads=threads) for _ in range(2)]
        try:
            ports = [s.port for s in servers]
            one = one_rush(
                "one server", args.proxy, ports[:1], tmp, url, round_ids[0], sessions[:n], args
            )
            two = one_rush(
                "two servers", args.proxy, ports, tmp, url, round_ids[1], sessions[n:], args
            )
        finally:
            for server in servers:
                server.stop()
        print(
            f"  scaling: {one:.0f} starts/s with one server, {two:.0f} with two: "
            f"factor {two / one if one else float('nan'):.2f} "
            f"(same machine: the servers share {os.cpu_count()} cores)",
            flush=True,
        )
        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
