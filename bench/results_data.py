"""The results benchmark's data: a scratch database with units, participants and closed
rounds of attempts (bench_results.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

OPENS = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)


def _create_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    base = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    base = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _generate(url: str, participants: int, attempts: int, export_rows: int) -> dict:
    """Migrate and fill the database; returns the ids of the two rounds."""
    from flask_migrate import upgrade

    from contest import create_app
    from contest.extensions import db
    from contest.models import Category, Contest, Round, Unit, UnitKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
        province = Unit(
            name="Tỉnh Đo Hiệu Năng", name_key="tinh do hieu nang", kind=UnitKind.province
        )
        db.session.add(province)
        db.session.flush()
        units = [
            Unit(
                name=f"Xã {i}",
                name_key=f"xa {i}",
                kind=UnitKind.commune,
                parent_id=province.id,
                headcount=5000 + 100 * i,
            )
            for i in range(1, 60)
        ]
        categories = [
            Category(name=n, position=i)
            for i, n in enumerate(
                ["Cán bộ, công chức, viên chức", "Học sinh, sinh viên", "Nhân dân"]
            )
        ]
        db.session.add_all(units + categories)
        contest = Contest(
            title="Cuộc thi đo hiệu năng", slug="do-hieu-nang", is_published=True, created_at=OPENS
        )
        db.session.add(contest)
        db.session.flush()
        tiers = [
            {"name": "Giải Nhất", "count": 1},
            {"name": "Giải Nhì", "count": 2},
            {"name": "Giải Ba", "count": 3},
            {"name": "Giải Khuyến khích", "count": 10},
            {"name": "Giải tập thể", "count": 3, "collective": True},
        ]
        big = Round(
            contest_id=contest.id,
            name="Đợt lớn",
            opens_at=OPENS,
            closes_at=CLOSES,
            question_count=20,
            bank_ids=[],
            created_at=OPENS,
            published_at=OPENS,
            prize_tiers=tiers,
            prize_options={
                "max_share": 0.5,
                "category_quotas": {str(categories[1].id): 6},
                "collective_method": "points",
            },
        )
        small = Round(
            contest_id=contest.id,
            name="Đợt xuất Excel",
            opens_at=OPENS,
            closes_at=CLOSES,
            question_count=20,
            bank_ids=[],
            created_at=OPENS,
            published_at=OPENS,
            prize_tiers=tiers,
        )
        db.session.add_all([big, small])
        db.session.commit()
        unit_ids = [u.id for u in units]
        category_ids = [c.id for c in categories]
        ids = {"big": big.id, "small": small.id}
        engine = db.engine
        if engine.dialect.name == "postgresql":
            _fill_pg(engine, ids, unit_ids, category_ids, participants, attempts, export_rows)
        else:
            _fill_sqlite(engine, ids, unit_ids, category_ids, participants, attempts, export_rows)
        db.session.remove()
        engine.dispose()
    return ids


def _users(participants, unit_ids, category_ids):
    rnd = random.Random(1)
    created = datetime(2026, 1, 1)
    for i in range(1, participants + 1):
        born = date(1960 + i % 45, 1 + i % 12, 1 + i % 28)
        female = i % 2
        cccd = (
            f"062{(1 if female else 0) + (2 if born.year >= 2000 else 0)}"
            f"{born.year % 100:02d}{i:06d}"
        )
        yield (
            i,
            "participant",
            f"Người Thi Số {i}",
            f"nguoi thi so {i}",
            born,
            "female" if female else "male",
            cccd,
            f"09{i:08d}",
            rnd.choice(unit_ids),
            rnd.choice(category_ids),
            "x",
            f"t{i}",
            True,
            False,
            created,
        )


def _attempt_rows(ids, participants, attempts, export_rows):
    rnd = random.Random(2)
    extra = attempts - 3 * participants
    counts = [3] * participants
    step = 1 if extra >= 0 else -1
    for _ in range(abs(extra)):
        j = rnd.randrange(participants)
        if counts[j] + step >= 1:
            counts[j] += step
    aid = 0
    window = int((CLOSES - OPENS).total_seconds()) - 3600
    base = OPENS.replace(tzinfo=None)
    for pid, n in enumerate(counts, start=1):
        skill = rnd.random()
        for number in range(1, n + 1):
            aid += 1
            duration = rnd.randrange(60_000, 900_000)
            started = base + timedelta(seconds=rnd.randrange(window))
            submitted = started + timedelta(milliseconds=duration)
            score = min(20, max(0, int(rnd.gauss(10 + 9 * skill, 3))))
            prediction = None if rnd.random() < 0.05 else rnd.randrange(0, 20_000)
            yield (
                aid,
                ids["big"],
                pid,
                number,
                False,
                aid,
                "submitted",
                started,
                started + timedelta(minutes=15),
                submitted,
                score,
                20,
                duration,
                prediction,
            )
    for pid in range(1, export_rows + 1):
        aid += 1
        duration = rnd.randrange(60_000, 900_000)
        started = base + timedelta(seconds=rnd.randrange(window))
        yield (
            aid,
            ids["small"],
            pid,
            1,
            False,
            aid,
            "submitted",
            started,
            started + timedelta(minutes=15),
            started + timedelta(milliseconds=duration),
            rnd.randrange(0, 21),
            20,
            duration,
            rnd.randrange(0, 20_000),
        )


USER_COLUMNS = (
    "id, role, full_name, name_key, birth_date, gender, id_number, phone, unit_id, "
    "category_id, password_hash, session_token, is_active_account, "
    "must_change_password, created_at"
)
ATTEMPT_COLUMNS = (
    "id, round_id, participant_id, number, is_practice, seed, status, "
    "started_at, deadline, submitted_at, score, total, duration_ms, prediction"
)


def _fill_sqlite(engine, ids, unit_ids, category_ids, participants, attempts, export_rows):
    import itertools

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")

        def iso(v):
            return (
                v.isoformat(" ")
                if isinstance(v, datetime)
                else (v.isoformat() if isinstance(v, date) else v)
            )

        rows = _users(participants, unit_ids, category_ids)
        while chunk := list(itertools.islice(rows, 50_000)):
            cur.executemany(
                f"INSERT INTO users ({USER_COLUMNS}) VALUES ({','.join('?' * 15)})",
                [tuple(map(iso, r)) for r in chunk],
            )
        rows = _attempt_rows(ids, participants, attempts, export_rows)
        while chunk := list(itertools.islice(rows, 50_000)):
            cur.executemany(
                f"INSERT INTO attempts ({ATTEMPT_COLUMNS}) VALUES ({','.join('?' * 14)})",
                [
                    tuple(
                        v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                        for v in r
                    )
                    for r in chunk
                ],
            )
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def _fill_pg(engine, ids, unit_ids, category_ids, participants, attempts, export_rows):
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            with cur.copy(f"COPY users ({USER_COLUMNS}) FROM STDIN") as copy:
                for row in _users(participants, unit_ids, category_ids):
                    copy.write_row(row)
            with cur.copy(f"COPY attempts ({ATTEMPT_COLUMNS}) FROM STDIN") as copy:
                for row in _attempt_rows(ids, participants, attempts, export_rows):
                    copy.write_row(row)
            cur.execute("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")
            cur.execute("SELECT setval('attempts_id_seq', (SELECT max(id) FROM attempts))")
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        conn.autocommit = False
    finally:
        raw.close()


# --- steps -----------------------------------------------------------------------------------
