"""funnel: round levels, advancement rules, computed advancements and the qualified of a
round fed by a lower one (issue 15, item 3)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    with op.batch_alter_table("rounds", schema=None) as batch:
        batch.add_column(sa.Column("funnel_level", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("qualified_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "advancement_rules",
        sa.Column("source_round_id", sa.Integer(), nullable=False),
        sa.Column("target_round_id", sa.Integer(), nullable=False),
        sa.Column("group_kind", sa.String(length=20), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=True),
        sa.Column("min_score", sa.Integer(), nullable=True),
        sa.Column("quotas", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "top_k IS NULL OR top_k > 0", name=op.f("ck_advancement_rules_top_k_positive")
        ),
        sa.CheckConstraint(
            "min_score IS NULL OR min_score >= 0",
            name=op.f("ck_advancement_rules_min_score_nonnegative"),
        ),
        sa.CheckConstraint(
            "source_round_id <> target_round_id", name=op.f("ck_advancement_rules_not_itself")
        ),
        _fk("advancement_rules", "source_round_id", "rounds"),
        _fk("advancement_rules", "target_round_id", "rounds"),
        _fk("advancement_rules", "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("source_round_id", name=op.f("pk_advancement_rules")),
    )
    with op.batch_alter_table("advancement_rules", schema=None) as batch:
        batch.create_index(
            batch.f("ix_advancement_rules_target_round_id"), ["target_round_id"], unique=False
        )
    op.create_table(
        "advancements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_round_id", sa.Integer(), nullable=False),
        sa.Column("target_round_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("qualified", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        _fk("advancements", "source_round_id", "rounds"),
        _fk("advancements", "target_round_id", "rounds"),
        _fk("advancements", "result_id", "round_results"),
        _fk("advancements", "created_by_id", "users"),
        _fk("advancements", "confirmed_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advancements")),
    )
    with op.batch_alter_table("advancements", schema=None) as batch:
        batch.create_index(
            batch.f("ix_advancements_source_round_id"), ["source_round_id"], unique=False
        )
    op.create_table(
        "round_qualifiers",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("source_round_id", sa.Integer(), nullable=False),
        sa.Column("advancement_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        _fk("round_qualifiers", "round_id", "rounds"),
        _fk("round_qualifiers", "participant_id", "users"),
        _fk("round_qualifiers", "source_round_id", "rounds"),
        _fk("round_qualifiers", "advancement_id", "advancements"),
        sa.PrimaryKeyConstraint("round_id", "participant_id", name=op.f("pk_round_qualifiers")),
    )
    with op.batch_alter_table("round_qualifiers", schema=None) as batch:
        batch.create_index(
            batch.f("ix_round_qualifiers_source_round_id"), ["source_round_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("round_qualifiers", schema=None) as batch:
        batch.drop_index(batch.f("ix_round_qualifiers_source_round_id"))
    op.drop_table("round_qualifiers")
    with op.batch_alter_table("advancements", schema=None) as batch:
        batch.drop_index(batch.f("ix_advancements_source_round_id"))
    op.drop_table("advancements")
    with op.batch_alter_table("advancement_rules", schema=None) as batch:
        batch.drop_index(batch.f("ix_advancement_rules_target_round_id"))
    op.drop_table("advancement_rules")
    with op.batch_alter_table("rounds", schema=None) as batch:
        batch.drop_column("qualified_only")
        batch.drop_column("funnel_level")
