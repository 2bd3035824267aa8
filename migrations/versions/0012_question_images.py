"""question pictures: the question_images table (content-addressed, in the database like
essay files) and each question's image_id and image_alt (issue 14)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "question_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_question_images_size_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_images")),
        sa.UniqueConstraint("sha256", name=op.f("uq_question_images_sha256")),
    )
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("image_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("image_alt", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(
            batch.f("fk_questions_image_id_question_images"),
            "question_images",
            ["image_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_questions_image_id"), ["image_id"], unique=False)


def downgrade():
    with op.batch_alter_table("questions") as batch:
        batch.drop_index(batch.f("ix_questions_image_id"))
        batch.drop_constraint(
            batch.f("fk_questions_image_id_question_images"), type_="foreignkey"
        )
        batch.drop_column("image_alt")
        batch.drop_column("image_id")
    op.drop_table("question_images")
