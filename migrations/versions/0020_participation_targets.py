"""participation_targets: a contest's participation targets (chỉ tiêu) per unit and in
total (issue 15, item 2)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "participation_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("target >= 0", name=op.f("ck_participation_targets_target_nonnegative")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_participation_targets_contest_id_contests"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_participation_targets_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_participation_targets_updated_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_targets")),
        sa.UniqueConstraint(
            "contest_id", "unit_id", name=op.f("uq_participation_targets_contest_id_unit_id")
        ),
    )
    with op.batch_alter_table("participation_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participation_targets_contest_id"), ["contest_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("participation_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_targets_contest_id"))
    op.drop_table("participation_targets")
