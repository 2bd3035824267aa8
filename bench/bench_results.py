"""Benchmark: close a round of 1,000,000 finished attempts by 300,000 participants (rank +
prizes), and export 100,000 result rows, on SQLite and on PostgreSQL.

Usage: .venv/bin/python bench/bench_results.py [--participants N] [--attempts M]
       [--export-rows R] [--pg-url URL | --no-pg] [--writers]

The data is generated directly in the database with bulk inserts (a scratch SQLite file;
a scratch PostgreSQL database created and dropped here). Each timed step runs in a fresh
child process, so the peak RSS printed is the step's own:

* close: ``contest.services.result_closing.close_round`` + commit (finalise, load the best
  attempts, rank, allocate, hash, store 300,000 result rows). Target ≤ 5 s.
* export: ``flask quiz export-results`` of a round with R ranked participants, the whole
  command as an operator runs it. Target ≤ 15 s, peak RSS ≤ 100 MB.
* the yardstick: the bare SQL ranking query (``SQL_RANK_CHILD``: the ranking the close
  stores, in window functions, fetched), run before and after the close; the close's ratio
  is to the faster run. Target ≤ 2× on PostgreSQL.
* ``--writers``: the same 100,000 × 19 sheet written by openpyxl write-only, xlsxwriter
  constant_memory and the project's streaming writer (contest.services.xlsx_stream).

Prints one line per figure, e.g. ``close 1000000 attempts / 300000 participants
(SQLite): 3.9 s, peak RSS 420 MB``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results_data import CLOSES, OPENS, _create_pg, _drop_pg, _generate  # noqa: E402,F401

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1/bench_results_scratch"


# --- child processes ------------------------------------------------------------------------

# Printed by every child at exit: its own peak RSS. (wait4's ru_maxrss would not do: on
# Linux it keeps the high-water mark of the forked copy of this big parent across exec.)
HWM_HOOK = (
    "import atexit as _a, sys as _s\n"
    "_a.register(lambda: print('VmHWM', open('/proc/self/status').read()"
    ".split('VmHWM:')[1].split()[0], file=_s.stderr))\n"
)
FLASK_CHILD = HWM_HOOK + "import sys\nfrom flask.cli import main\nsys.argv[0] = 'flask'\nmain()\n"


def _popen_measured(argv: list[str], env: dict) -> tuple[str, str, float, float]:
    """Run a Python child (argv after the interpreter: ``-c CODE args…``); returns
    (stdout, stderr, wall seconds, the child's own peak RSS in MB). Its CPU seconds are
    kept in ``_last_cpu``."""
    global _last_cpu
    assert argv[1] == "-c"
    argv = [argv[0], "-c", HWM_HOOK + argv[2], *argv[3:]]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{argv[3:]} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    _last_cpu = usage.ru_utime + usage.ru_stime - _cpu_seen()
    hwm = [line for line in err.decode().splitlines() if line.startswith("VmHWM ")]
    return out.decode(), err.decode(), wall, int(hwm[-1].split()[1]) / 1024


_last_cpu = 0.0
_cpu_total = [0.0]


def _cpu_seen() -> float:
    """CPU seconds of every child reaped before the last one."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    seen = _cpu_total[0]
    _cpu_total[0] = usage.ru_utime + usage.ru_stime
    return seen


# CPU seconds of this process and of its PostgreSQL backend (read from /proc when the server
# runs on this machine; None otherwise, and on SQLite, which runs in the process): a figure
# that other work on a busy machine does not stretch the way it stretches wall time.
CPU_PROBE = """
import os as _os
from sqlalchemy import text as _text
def _backend(session):
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(_text("SELECT pg_backend_pid()")).scalar()
    return pid if _os.path.exists(f"/proc/{pid}/stat") else None
def _cpu(pid):
    t = _os.times()
    if pid is None:
        return t.user + t.system, None
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return t.user + t.system, (int(f[11]) + int(f[12])) / _os.sysconf("SC_CLK_TCK")
def _spent(before, after):
    return {"client_cpu": after[0] - before[0],
            "server_cpu": None if after[1] is None else after[1] - before[1]}
"""

CLOSE_CHILD = (
    CPU_PROBE
    + """
import json, sys, time
from contest import create_app
from contest.db import utcnow
from contest.extensions import db
from contest.models import Round
from contest.services import result_closing
app = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
with app.app_context():
    round_ = db.session.get(Round, int(sys.argv[1]))
    backend = _backend(db.session)
    before = _cpu(backend)
    started = time.perf_counter()
    outcome = result_closing.close_round(round_, actor=None, now=utcnow())
    db.session.commit()
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "ranked": outcome.result.participants,
                      "winners": outcome.result.winners, "actual": outcome.result.actual_value,
                      **_spent(before, _cpu(backend))}))
"""
)

# The yardstick (the "bare ranking query"): the ranking the close stores, as one SQL statement
# with window functions, fetched by the client. Each participant's best attempt (ROW_NUMBER
# over their attempts by the round's whole chain: score, prediction distance with no
# prediction last, duration, submission, attempt id), staff left out (the join on users),
# every rank numbered by the same chain, in rank order, with the columns of a result row that
# come from the database (rank, attempt, participant, the keys, attempt count, unit,
# category). On PostgreSQL it runs with the session settings the close uses.
SQL_RANK_CHILD = (
    CPU_PROBE
    + """
import json, sys, time
from sqlalchemy import text
from contest import create_app
from contest.extensions import db
app = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
chain = ("{p}score DESC, CASE WHEN {p}prediction IS NULL THEN 1 ELSE 0 END, "
         "ABS({p}prediction - :actual), {p}duration_ms, {p}submitted_at, {p}id")
query = text(f'''
SELECT ROW_NUMBER() OVER (ORDER BY {chain.format(p="b.")}) AS rank, b.id, b.participant_id,
       b.score, b.total, b.prediction, b.duration_ms, b.submitted_at, b.n, u.unit_id,
       u.category_id
FROM (SELECT a.id, a.participant_id, a.score, a.total, a.prediction, a.duration_ms,
             a.submitted_at, COUNT(*) OVER w AS n,
             ROW_NUMBER() OVER (w ORDER BY {chain.format(p="a.")}) AS rn
      FROM attempts a WHERE a.round_id = :r AND a.is_practice = false
       AND a.status IN ('submitted', 'expired')
      WINDOW w AS (PARTITION BY a.participant_id)) b
JOIN users u ON u.id = b.participant_id AND u.role = 'participant'
WHERE b.rn = 1 ORDER BY rank''')
with app.app_context():
    if db.engine.dialect.name == "postgresql":
        for setting in ("work_mem = '64MB'", "max_parallel_workers_per_gather = 0", "jit = off"):
            db.session.execute(text("SET LOCAL " + setting))
    backend = _backend(db.session)
    before = _cpu(backend)
    started = time.perf_counter()
    rows = db.session.execute(query, {"r": int(sys.argv[1]), "actual": int(sys.argv[2])}).all()
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": len(rows),
                      **_spent(before, _cpu(backend))}))
"""
)


def _bare(round_id: int, actual: int, env: dict) -> dict:
    """The bare ranking query's figures (seconds, rows, CPU) in a fresh child."""
    out, _err, _wall, _rss = _popen_measured(
        [sys.executable, "-c", SQL_RANK_CHILD, str(round_id), str(actual)], env
    )
    return json.loads(out.strip().splitlines()[-1])


def _cpu_sum(figures: dict) -> float:
    return figures["client_cpu"] + (figures["server_cpu"] or 0)


def _cpu_text(figures: dict) -> str:
    if figures["server_cpu"] is None:
        return f"{figures['client_cpu']:.2f} s"
    return (
        f"{figures['client_cpu']:.2f} s + {figures['server_cpu']:.2f} s in the server "
        f"= {_cpu_sum(figures):.2f} s"
    )


# --- data ---------------------------------------------------------------------------------------


def bench_backend(label: str, url: str, args) -> None:
    started = time.perf_counter()
    ids = _generate(url, args.participants, args.attempts, args.export_rows)
    print(
        f"generate {args.attempts} + {args.export_rows} attempts, {args.participants} "
        f"participants ({label}): {time.perf_counter() - started:.1f} s (not a target)",
        flush=True,
    )
    env = {**os.environ, "DATABASE_URL": url, "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}

    # The bare query before and after the close (the second with the close's actual value);
    # the ratio is to the faster of the two.
    bare_runs = [_bare(ids["big"], 0, env)]
    out, _err, _wall, rss = _popen_measured(
        [sys.executable, "-c", CLOSE_CHILD, str(ids["big"])], env
    )
    figures = json.loads(out.strip().splitlines()[-1])
    bare_runs.append(_bare(ids["big"], figures["actual"] or 0, env))
    bare = min(bare_runs, key=lambda b: b["seconds"])
    bare_cpu = min(bare_runs, key=_cpu_sum)
    runs = " / ".join(f"{b['seconds']:.2f}" for b in bare_runs)
    print(
        f"bare SQL ranking query, window functions ({label}): "
        f"{runs} s before / after the close, "
        f"{bare['rows']} ranked rows (the yardstick); CPU {_cpu_text(bare_cpu)}",
        flush=True,
    )
    print(
        f"close {args.attempts} attempts / {args.participants} participants ({label}): "
        f"{figures['seconds']:.2f} s, peak RSS {rss:.0f} MB, ranked {figures['ranked']}, "
        f"winners {figures['winners']}; {figures['seconds'] / bare['seconds']:.2f}× the bare "
        f"ranking query; load average {os.getloadavg()[0]:.1f} (target ≤ 5 s and ≤ 2× on "
        f"PostgreSQL)",
        flush=True,
    )
    print(
        f"close CPU ({label}): {_cpu_text(figures)}, "
        f"{_cpu_sum(figures) / _cpu_sum(bare_cpu):.2f}× the bare query's CPU "
        f"(what the close costs whatever else the machine runs)",
        flush=True,
    )

    _popen_measured([sys.executable, "-c", CLOSE_CHILD, str(ids["small"])], env)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "ket-qua.xlsx"
        flask = [
            sys.executable,
            "-c",
            FLASK_CHILD,
            "--app",
            "wsgi",
            "quiz",
            "export-results",
            str(ids["small"]),
            str(target),
        ]
        out, _err, wall, rss = _popen_measured(flask, env)
        size = target.stat().st_size / 1024 / 1024
        cpu = _last_cpu
        _out, _err, base_wall, base_rss = _popen_measured(
            [sys.executable, "-c", FLASK_CHILD, "--app", "wsgi", "quiz", "--help"], env
        )
    print(
        f"export-results {args.export_rows} rows ({label}): {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU (whole command, start-up {base_wall:.1f} s), peak RSS "
        f"{rss:.0f} MB (the app alone: {base_rss:.0f} MB), file {size:.1f} MB "
        f"(target ≤ 15 s, ≤ 100 MB)",
        flush=True,
    )


WRITER_CHILD = """
import json, sys, time, datetime as dt
which, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, sys.argv[4])
def rows():
    base = dt.datetime(2026, 5, 1, 8, 0, 0)
    for i in range(n):
        born = dt.date(1990, 1, 1) + dt.timedelta(days=i % 9000)
        yield (i + 1, f"Nguyễn Văn Người Thi {i}", born, "Nam", f"0620{i:08d}", f"09{i:08d}",
               "Tỉnh Lai Châu / Phường Tân Phong",
               "Học sinh, sinh viên", 18, 20, 1250 + i % 100, i % 100, 420000 + i, 420000 + i,
               base + dt.timedelta(seconds=i), 3, 1000000 + i, "Giải Nhất" if i < 10 else None,
               None)
started = time.perf_counter()
if which == "openpyxl":
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Kết quả")
    for r in rows():
        d = WriteOnlyCell(ws, r[2]); d.number_format = "dd/mm/yyyy"
        t = WriteOnlyCell(ws, r[12] / 86400000); t.number_format = "[mm]:ss"
        s = WriteOnlyCell(ws, r[14]); s.number_format = "dd/mm/yyyy hh:mm:ss.000"
        ws.append([r[0], r[1], d, r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], t,
                   r[13], s, r[15], r[16], r[17], r[18]])
    wb.save(path)
elif which == "xlsxwriter":
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("Kết quả")
    fd = wb.add_format({"num_format": "dd/mm/yyyy"})
    ft = wb.add_format({"num_format": "[mm]:ss"})
    fs = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss.000"})
    fx = wb.add_format({"num_format": "@"})
    for y, r in enumerate(rows(), start=1):
        ws.write_number(y, 0, r[0])
        ws.write_string(y, 1, r[1])
        ws.write_datetime(y, 2, r[2], fd)
        ws.write_string(y, 3, r[3])
        ws.write_string(y, 4, r[4], fx)
        ws.write_string(y, 5, r[5], fx)
        ws.write_string(y, 6, r[6])
        ws.write_string(y, 7, r[7])
        for x in (8, 9, 10, 11, 13, 15, 16):
            ws.write_number(y, x, r[x])
        ws.write_number(y, 12, r[12] / 86400000, ft)
        ws.write_datetime(y, 14, r[14], fs)
        if r[17]:
            ws.write_string(y, 17, r[17])
    wb.close()
else:
    from contest.services.exports import RESULT_COLUMNS
    from contest.services.xlsx_stream import XlsxWriter
    with open(path, "wb") as out, XlsxWriter(out) as book:
        sheet = book.sheet("Kết quả", RESULT_COLUMNS, ["Tiêu đề"])
        for r in rows():
            sheet.row(r)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def bench_writers(rows: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        for which in ("openpyxl", "xlsxwriter", "contest"):
            path = Path(tmp) / f"{which}.xlsx"
            out, _err, _wall, rss = _popen_measured(
                [sys.executable, "-c", WRITER_CHILD, which, str(rows), str(path), str(ROOT)], env
            )
            seconds = json.loads(out.strip().splitlines()[-1])["seconds"]
            name = {
                "openpyxl": "openpyxl write-only",
                "xlsxwriter": "xlsxwriter constant_memory",
                "contest": "contest.services.xlsx_stream.XlsxWriter",
            }[which]
            print(
                f"write {rows} rows × 19 columns with {name}: {seconds:.2f} s, peak RSS "
                f"{rss:.0f} MB, file {path.stat().st_size / 1024 / 1024:.1f} MB",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300_000)
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG),
        help="a scratch database: it is dropped and created again",
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--writers", action="store_true", help="also compare the three xlsx writers"
    )
    args = parser.parse_args()
    if args.export_rows > args.participants:
        parser.error("--export-rows must not exceed --participants")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            bench_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if not args.no_pg:
        try:
            _create_pg(args.pg_url)
        except Exception as exc:  # no server: say so, do not fail the other figures
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}".splitlines()[0])
        else:
            try:
                bench_backend("PostgreSQL", args.pg_url, args)
            finally:
                _drop_pg(args.pg_url)
    if args.writers:
        bench_writers(args.export_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
