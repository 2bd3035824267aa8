"""certificates: the contest's document template (issuer, signer, signature and seal),
each round's prize decision, and the certificates with their verification codes
(issue 14, items 5 and 6)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("parent_body", sa.String(length=200), nullable=False),
        sa.Column("organiser_name", sa.String(length=200), nullable=False),
        sa.Column("contest_name", sa.String(length=300), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("on_behalf", sa.String(length=120), nullable=False),
        sa.Column("signer_title", sa.String(length=120), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("winner_text", sa.Text(), nullable=False),
        sa.Column("participant_text", sa.Text(), nullable=False),
        sa.Column("include_participants", sa.Boolean(), nullable=False),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("seal_png", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contests.id"], name=op.f("fk_document_templates_contest_id_contests")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_document_templates_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_templates")),
        sa.UniqueConstraint("contest_id", name=op.f("uq_document_templates_contest_id")),
    )
    op.create_table(
        "round_decisions",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_decisions_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_decisions")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("prize", sa.String(length=120), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("revoked_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("rank > 0", name=op.f("ck_certificates_rank_positive")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["users.id"], name=op.f("fk_certificates_participant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["round_results.id"], name=op.f("fk_certificates_result_id_round_results")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_certificates_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
    )
    with op.batch_alter_table("certificates") as batch:
        batch.create_index(batch.f("ix_certificates_round_id"), ["round_id"], unique=False)
        batch.create_index(
            batch.f("ix_certificates_participant_id"), ["participant_id"], unique=False
        )
        batch.create_index(
            "uq_certificates_in_force",
            ["round_id", "participant_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.drop_index("uq_certificates_in_force")
        batch.drop_index(batch.f("ix_certificates_participant_id"))
        batch.drop_index(batch.f("ix_certificates_round_id"))
    op.drop_table("certificates")
    op.drop_table("round_decisions")
    op.drop_table("document_templates")
