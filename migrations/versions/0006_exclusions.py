"""exclusion lists become a table (who, which round or contest, why, who added them), filled
from the two JSON columns they replace (issue 10, item 4)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

The JSON columns ``rounds.excluded_user_ids`` and ``essay_settings.excluded_user_ids`` are
copied into ``exclusions`` (reason "Chuyển từ danh sách cũ"; ids of accounts that no
longer exist are dropped) and then dropped. SQLite drops them with its own ``ALTER TABLE
… DROP COLUMN`` (SQLite 3.35+), not by copying the table: a copy would have to drop
``rounds`` while attempts still point at it. The downgrade writes every row back (a
contest-wide quiz row into each of the contest's rounds) and drops the table.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MIGRATED_REASON = "Chuyển từ danh sách cũ"

_rounds = sa.table(
    "rounds",
    sa.column("id", sa.Integer),
    sa.column("contest_id", sa.Integer),
    sa.column("excluded_user_ids", sa.JSON),
)
_settings = sa.table(
    "essay_settings",
    sa.column("contest_id", sa.Integer),
    sa.column("excluded_user_ids", sa.JSON),
)
_users = sa.table("users", sa.column("id", sa.Integer))
_exclusions = sa.table(
    "exclusions",
    sa.column("contest_id", sa.Integer),
    sa.column("round_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("reason", sa.Text),
    sa.column("created_by_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
)


def _create_table():
    op.create_table(
        "exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_exclusions_reason_present")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_exclusions_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exclusions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_exclusions_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exclusions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusions")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_exclusions_round_id_user_id")),
    )
    with op.batch_alter_table("exclusions") as batch:
        batch.create_index(batch.f("ix_exclusions_contest_id"), ["contest_id"], unique=False)
        batch.create_index(batch.f("ix_exclusions_user_id"), ["user_id"], unique=False)
        batch.create_index(
            "uq_exclusions_contest_wide",
            ["contest_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("round_id IS NULL"),
            postgresql_where=sa.text("round_id IS NULL"),
        )


def _ids(value) -> list[int]:
    """The user ids a JSON list held (ints or digit strings; anything else is dropped)."""
    out = []
    for item in value or ():
        if isinstance(item, bool):
            continue
        if isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit()):
            out.append(int(item))
    return sorted(set(out))


def _copy_json_lists(conn):
    users = set(conn.scalars(sa.select(_users.c.id)))
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for round_id, contest_id, value in conn.execute(
        sa.select(_rounds.c.id, _rounds.c.contest_id, _rounds.c.excluded_user_ids)
    ):
        rows += [
            {"contest_id": contest_id, "round_id": round_id, "user_id": uid}
            for uid in _ids(value)
            if uid in users
        ]
    for contest_id, value in conn.execute(
        sa.select(_settings.c.contest_id, _settings.c.excluded_user_ids)
    ):
        rows += [
            {"contest_id": contest_id, "round_id": None, "user_id": uid}
            for uid in _ids(value)
            if uid in users
        ]
    for row in rows:
        row.update(reason=MIGRATED_REASON, created_by_id=None, created_at=now)
    if rows:
        conn.execute(_exclusions.insert(), rows)


def _drop_column(table: str) -> None:
    # recreate="never": a plain ALTER TABLE … DROP COLUMN on SQLite too (see the docstring).
    with op.batch_alter_table(table, recreate="never") as batch:
        batch.drop_column("excluded_user_ids")


def upgrade():
    _create_table()
    _copy_json_lists(op.get_bind())
    _drop_column("rounds")
    _drop_column("essay_settings")


def _add_column(table: str) -> None:
    with op.batch_alter_table(table, recreate="never") as batch:
        batch.add_column(
            sa.Column("excluded_user_ids", sa.JSON(), nullable=False, server_default="[]")
        )
    if op.get_bind().dialect.name == "postgresql":
        with op.batch_alter_table(table) as batch:
            batch.alter_column("excluded_user_ids", server_default=None)


def _restore_json_lists(conn):
    rounds_of: dict[int, list[int]] = {}
    for round_id, contest_id in conn.execute(sa.select(_rounds.c.id, _rounds.c.contest_id)):
        rounds_of.setdefault(contest_id, []).append(round_id)
    essay_contests = set(conn.scalars(sa.select(_settings.c.contest_id)))
    per_round: dict[int, set[int]] = {}
    per_essay: dict[int, set[int]] = {}
    for contest_id, round_id, user_id in conn.execute(
        sa.select(_exclusions.c.contest_id, _exclusions.c.round_id, _exclusions.c.user_id)
    ):
        if round_id is not None:
            per_round.setdefault(round_id, set()).add(user_id)
        elif contest_id in essay_contests:
            per_essay.setdefault(contest_id, set()).add(user_id)
        else:
            for rid in rounds_of.get(contest_id, ()):
                per_round.setdefault(rid, set()).add(user_id)
    for round_id, ids in per_round.items():
        conn.execute(
            _rounds.update().where(_rounds.c.id == round_id).values(excluded_user_ids=sorted(ids))
        )
    for contest_id, ids in per_essay.items():
        conn.execute(
            _settings.update()
            .where(_settings.c.contest_id == contest_id)
            .values(excluded_user_ids=sorted(ids))
        )


def downgrade():
    _add_column("rounds")
    _add_column("essay_settings")
    _restore_json_lists(op.get_bind())
    with op.batch_alter_table("exclusions") as batch:
        batch.drop_index("uq_exclusions_contest_wide")
        batch.drop_index(batch.f("ix_exclusions_user_id"))
        batch.drop_index(batch.f("ix_exclusions_contest_id"))
    op.drop_table("exclusions")
