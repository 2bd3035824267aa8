"""Sign-in throughput on gunicorn (issue: foundation, S5).

Argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1) verified on every login.
Target on this 2-core machine: ≥ 60 logins/s. Werkzeug's default scrypt managed about 13.

Usage: python bench/bench_login.py [--clients 20] [--seconds 15] [--db sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_quiz import (  # noqa: E402
    SECRET,
    hammer,  # noqa: E402
    migrate,
    seed,
)
from bench.common import Server, drop_database, scratch_database  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--db", default="sqlite")
    args, _ = ap.parse_known_args()
    from contest.services.passwords import hash_password, verify_password

    stored = hash_password("matkhau-thu-tai")
    started = time.perf_counter()
    for _ in range(20):
        verify_password(stored, "matkhau-thu-tai")
    per_hash = (time.perf_counter() - started) / 20
    print(
        f"  one Argon2id verification (m=19 MiB, t=2, p=1): {per_hash * 1000:.1f} ms of CPU "
        f"→ at most {2 / per_hash:.0f}/s on 2 cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = scratch_database(args.db, Path(tmp), "bench_login")
        migrate(url)
        seed(url, args.clients, rounds=1)
        server = Server(
            "wsgi:app", {"DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0"}
        )
        try:
            stats, wall = asyncio.run(
                hammer(
                    server.port,
                    [None] * args.clients,
                    args.seconds,
                    lambda i, n: (
                        "login",
                        "POST",
                        "/api/auth/login",
                        {"login": f"0913{i:06d}", "password": "matkhau-thu-tai"},
                        None,
                    ),
                )
            )
        finally:
            server.stop()
            drop_database(url)
    n = len(stats.latencies["login"])
    print(
        f"  logins, {args.clients} clients for {args.seconds:.0f} s on gunicorn "
        f"(2 workers × 8 threads): {n / wall:.0f} logins/s (target ≥ 60)"
    )
    for line in stats.report():
        print(line)
    return 0 if not stats.errors else 1


if __name__ == "__main__":
    sys.exit(main())
