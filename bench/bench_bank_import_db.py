"""Benchmark: ``flask --app wsgi questions import`` of a 10,000-question bank into SQLite.

Usage: .venv/bin/python bench/bench_bank_import_db.py [--questions N] [--repeat R]

Measures the whole command as an operator runs it (interpreter and app start-up, safety
checks, parsing, validation, de-duplication, bulk insert, commit): each run is a fresh
subprocess against a freshly migrated SQLite file; wall time and the child's peak RSS are
reported, and, for comparison, the start-up alone (``questions import --help``, best of the
same number of runs). Target for 10,000 questions: at most 4 s and 150 MB. Prints e.g.
``questions import 10000 (SQLite): 3.56 s wall, peak RSS 107 MB (best of 3; app start-up
1.69 s; file 0.5 MB)``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import build_bank  # noqa: E402


def _environment(tmp: Path, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": "0",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _flask() -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best time is reported")
    args = parser.parse_args()
    data = build_bank(args.questions)
    expected = f"imported {args.questions}, duplicates 0, errors 0"
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bank = tmp / "bank.xlsx"
        bank.write_bytes(data)
        template = tmp / "template.db"
        subprocess.run(
            [*_flask(), "db", "upgrade"],
            cwd=ROOT,
            env=_environment(tmp, template),
            check=True,
            capture_output=True,
        )
        times: list[float] = []
        for run in range(args.repeat):
            database = tmp / f"run{run}.db"
            shutil.copyfile(template, database)
            started = time.perf_counter()
            done = subprocess.run(
                [*_flask(), "questions", "import", str(bank), "--bank", "Ngân hàng đo hiệu năng"],
                cwd=ROOT,
                env=_environment(tmp, database),
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - started)
            if done.returncode != 0 or done.stdout.strip() != expected:
                print(
                    f"unexpected result (exit {done.returncode}): {done.stdout[-500:]}"
                    f"{done.stderr[-500:]}",
                    file=sys.stderr,
                )
                return 1
        # Peak RSS of the largest child so far: the migration child is far smaller.
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        startup = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run(
                [*_flask(), "questions", "import", "--help"],
                cwd=ROOT,
                env=_environment(tmp, template),
                check=True,
                capture_output=True,
            )
            startup.append(time.perf_counter() - started)
    print(
        f"questions import {args.questions} (SQLite): {min(times):.2f} s wall, "
        f"peak RSS {rss_mb:.0f} MB (best of {len(times)}; app start-up {min(startup):.2f} s; "
        f"file {len(data) / 1024 / 1024:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
