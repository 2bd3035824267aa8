"""answer keys after the fact: key revisions per question version, participants' disputes,
the organisers' decisions, and the contest's challenge window (issue 14, items 3 and 4)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    with op.batch_alter_table("contests") as batch:
        batch.add_column(
            sa.Column("challenge_days", sa.Integer(), nullable=False, server_default="3")
        )
    op.create_table(
        "key_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("accepted", sa.JSON(), nullable=False),
        sa.Column("void", sa.Boolean(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("revision > 0", name=op.f("ck_key_revisions_revision_positive")),
        _fk("key_revisions", "question_id", "questions"),
        _fk("key_revisions", "round_id", "rounds"),
        _fk("key_revisions", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_revisions")),
        sa.UniqueConstraint(
            "question_id", "revision", name=op.f("uq_key_revisions_question_id_revision")
        ),
    )
    with op.batch_alter_table("key_revisions") as batch:
        batch.create_index(batch.f("ix_key_revisions_question_id"), ["question_id"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("disputes", "round_id", "rounds"),
        _fk("disputes", "participant_id", "users"),
        _fk("disputes", "attempt_id", "attempts"),
        _fk("disputes", "question_id", "questions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint(
            "round_id",
            "participant_id",
            "question_id",
            name=op.f("uq_disputes_round_id_participant_id_question_id"),
        ),
    )
    with op.batch_alter_table("disputes") as batch:
        batch.create_index(batch.f("ix_disputes_round_id"), ["round_id"])
        batch.create_index(batch.f("ix_disputes_participant_id"), ["participant_id"])
    op.create_table(
        "dispute_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("key_revision_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _fk("dispute_decisions", "round_id", "rounds"),
        _fk("dispute_decisions", "question_id", "questions"),
        _fk("dispute_decisions", "key_revision_id", "key_revisions"),
        _fk("dispute_decisions", "decided_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_decisions")),
        sa.UniqueConstraint(
            "round_id", "question_id", name=op.f("uq_dispute_decisions_round_id_question_id")
        ),
    )
    with op.batch_alter_table("dispute_decisions") as batch:
        batch.create_index(batch.f("ix_dispute_decisions_round_id"), ["round_id"])


def downgrade():
    op.drop_table("dispute_decisions")
    op.drop_table("disputes")
    op.drop_table("key_revisions")
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("challenge_days")
