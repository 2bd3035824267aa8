"""users.scope_unit_id: a unit organiser's unit (issue 15, item 1): an organiser with one
sees and manages only that unit's subtree

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_scope_unit_id"), ["scope_unit_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_users_scope_unit_id_units"),
            "units",
            ["scope_unit_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_scope_unit_id_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_scope_unit_id"))
        batch_op.drop_column("scope_unit_id")
