"""answers remember the device that saved them; attempts keep the quiz page's report of
the answers it could not send before the end (issue 10, item 7)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("client", sa.String(length=64), nullable=True))
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("unsent", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("unsent_reported_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("unsent_reported_at")
        batch.drop_column("unsent")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("client")
