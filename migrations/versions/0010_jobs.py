"""jobs: long organiser work (exports, closing a round) run outside the request, with its
progress and its stored result (issue 13, item 2)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
    "queued", "running", "done", "failed", name="jobstatus", native_enum=False, length=10
)


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=True),
        sa.Column("result_name", sa.String(length=200), nullable=True),
        sa.Column("result_mime", sa.String(length=120), nullable=True),
        sa.Column("result_size", sa.Integer(), nullable=True),
        sa.Column("result_file", sa.LargeBinary(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_jobs_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs") as batch:
        for column in ("kind", "dedupe_key", "actor_id", "status", "created_at"):
            batch.create_index(batch.f(f"ix_jobs_{column}"), [column], unique=False)


def downgrade():
    with op.batch_alter_table("jobs") as batch:
        for column in ("created_at", "status", "actor_id", "dedupe_key", "kind"):
            batch.drop_index(batch.f(f"ix_jobs_{column}"))
    op.drop_table("jobs")
