"""essay similarity flags: essay_similarity_runs (one stored comparison per stage, with
its settings and a hash of the entry versions it read) and essay_similar_pairs (issue 14,
item 7)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "essay_similarity_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("threshold_pct", sa.Integer(), nullable=False),
        sa.Column("shingle_words", sa.Integer(), nullable=False),
        sa.Column("fold_diacritics", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_essay_similarity_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["essay_stages.id"],
            name=op.f("fk_essay_similarity_runs_stage_id_essay_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_essay_similarity_runs")),
        sa.UniqueConstraint("stage_id", name=op.f("uq_essay_similarity_runs_stage_id")),
    )
    op.create_table(
        "essay_similar_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entry_a_id", sa.Integer(), nullable=False),
        sa.Column("entry_b_id", sa.Integer(), nullable=False),
        sa.Column("jaccard_x1000", sa.Integer(), nullable=False),
        sa.Column("shared_shingles", sa.Integer(), nullable=False),
        sa.CheckConstraint("entry_a_id < entry_b_id", name=op.f("ck_essay_similar_pairs_ordered")),
        sa.CheckConstraint(
            "jaccard_x1000 BETWEEN 0 AND 1000", name=op.f("ck_essay_similar_pairs_jaccard_range")
        ),
        sa.ForeignKeyConstraint(
            ["entry_a_id"],
            ["essay_entries.id"],
            name=op.f("fk_essay_similar_pairs_entry_a_id_essay_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_b_id"],
            ["essay_entries.id"],
            name=op.f("fk_essay_similar_pairs_entry_b_id_essay_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["essay_similarity_runs.id"],
            name=op.f("fk_essay_similar_pairs_run_id_essay_similarity_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_essay_similar_pairs")),
    )
    with op.batch_alter_table("essay_similar_pairs") as batch:
        batch.create_index(batch.f("ix_essay_similar_pairs_run_id"), ["run_id"], unique=False)


def downgrade():
    with op.batch_alter_table("essay_similar_pairs") as batch:
        batch.drop_index(batch.f("ix_essay_similar_pairs_run_id"))
    op.drop_table("essay_similar_pairs")
    op.drop_table("essay_similarity_runs")
