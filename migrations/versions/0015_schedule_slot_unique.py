"""a scheduled run's key is unique: the partial index uq_jobs_schedule_slot on
jobs.dedupe_key for the keys 'schedule:<name>:<slot>', so two schedulers without Redis
cannot queue the same slot twice (review)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SCHEDULED_KEYS = sa.text("dedupe_key LIKE 'schedule:%'")


def upgrade():
    op.create_index(
        "uq_jobs_schedule_slot",
        "jobs",
        ["dedupe_key"],
        unique=True,
        sqlite_where=SCHEDULED_KEYS,
        postgresql_where=SCHEDULED_KEYS,
    )


def downgrade():
    op.drop_index("uq_jobs_schedule_slot", table_name="jobs")
