"""personal data on schedule (L4, issue 11 item 8): each contest has a complaint period
(30 days after results are published unless the organiser sets another), and a participant
remembers when `privacy purge` erased their CCCD, phone and birth date

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contests") as batch:
        batch.add_column(
            sa.Column("complaint_days", sa.Integer(), nullable=False, server_default="30")
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("personal_data_purged_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("personal_data_purged_at")
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("complaint_days")
