"""``make bench``: run every bench/bench_*.py in turn and print their figures.

``BENCH=quiz make bench`` runs only the scripts whose name contains "quiz"; extra
arguments for a script go through ``BENCH_ARGS``. ``BENCH=scale make bench`` runs the start
rush against one and then two app servers behind one address (bench_scale.py: nginx when
installed, else a round-robin proxy) and prints the scaling factor.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = os.environ.get("BENCH", "")
    extra = shlex.split(os.environ.get("BENCH_ARGS", ""))
    scripts = sorted(p for p in HERE.glob("bench_*.py") if only in p.stem)
    failed = 0
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script), *extra], cwd=HERE.parent)
        print(f"   ({time.monotonic() - started:.1f} s, exit {code})", flush=True)
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
