"""Benchmark: parse and validate a 10,000-question bank .xlsx (question_bank.parse_bank).

Usage: .venv/bin/python bench/bench_import.py [--questions N] [--repeat R]

The workbook is generated in memory (openpyxl write-only mode), then each timed parse runs
in a fresh subprocess so that the peak RSS reported is the import's own. Target for 10,000
questions: at most 4 s and 150 MB. Prints e.g.
``import 10000 questions: 1.15 s, peak RSS 45 MB (file 0.5 MB, best of 3)``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import build_bank  # noqa: E402

CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from question_bank import parse_bank
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
result = parse_bank(data)
elapsed = time.perf_counter() - started
print(json.dumps({
    "seconds": elapsed,
    "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "questions": len(result.questions),
    "errors": len(result.errors),
}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best time is reported")
    args = parser.parse_args()
    data = build_bank(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bank.xlsx"
        path.write_bytes(data)
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(ROOT)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout))
    best = min(runs, key=lambda r: r["seconds"])
    if best["questions"] != args.questions or best["errors"]:
        print(f"unexpected result: {best}", file=sys.stderr)
        return 1
    rss_mb = max(r["rss_kb"] for r in runs) / 1024
    print(
        f"import {args.questions} questions: {best['seconds']:.2f} s, peak RSS {rss_mb:.0f} MB "
        f"(file {len(data) / 1024 / 1024:.1f} MB, best of {len(runs)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
