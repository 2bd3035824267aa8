"""rounds have a life-cycle: a new round is a draft until it is published (issue 10,
item 2); the rounds that exist already are published, so nothing live disappears

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_rounds = sa.table(
    "rounds", sa.column("published_at", sa.DateTime), sa.column("created_at", sa.DateTime)
)


def upgrade():
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
    op.execute(_rounds.update().values(published_at=_rounds.c.created_at))


def downgrade():
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("published_at")
