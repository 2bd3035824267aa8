"""essays: settings, rubric, stages, entries with versions and files, judge assignments,
scores and stage results (reviewed; upgrade and downgrade tested on SQLite and PostgreSQL)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 01:25:51.281269

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('essay_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('max_points', sa.Integer(), nullable=False),
    sa.CheckConstraint('max_points > 0', name=op.f('ck_essay_criteria_max_points_positive')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_essay_criteria_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_criteria')),
    sa.UniqueConstraint('contest_id', 'position', name=op.f('uq_essay_criteria_contest_id_position'))
    )
    op.create_table('essay_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='entrystatus', native_enum=False, length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('declared_at', sa.DateTime(), nullable=True),
    sa.Column('autosave_seq', sa.BigInteger(), nullable=False),
    sa.Column('disqualified_at', sa.DateTime(), nullable=True),
    sa.Column('disqualified_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('number > 0', name=op.f('ck_essay_entries_number_positive')),
    sa.CheckConstraint('word_count >= 0', name=op.f('ck_essay_entries_word_count_nonnegative')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_essay_entries_contest_id_contests')),
    sa.ForeignKeyConstraint(['participant_id'], ['users.id'], name=op.f('fk_essay_entries_participant_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_entries')),
    sa.UniqueConstraint('code', name=op.f('uq_essay_entries_code')),
    sa.UniqueConstraint('contest_id', 'participant_id', 'number', name=op.f('uq_essay_entries_contest_id_participant_id_number'))
    )
    with op.batch_alter_table('essay_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_essay_entries_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_essay_entries_participant_id'), ['participant_id'], unique=False)

    op.create_table('essay_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('min_words', sa.Integer(), nullable=True),
    sa.Column('max_words', sa.Integer(), nullable=True),
    sa.Column('allow_online', sa.Boolean(), nullable=False),
    sa.Column('allow_docx', sa.Boolean(), nullable=False),
    sa.Column('allow_pdf', sa.Boolean(), nullable=False),
    sa.Column('max_entries', sa.Integer(), nullable=False),
    sa.Column('judges_per_entry', sa.Integer(), nullable=False),
    sa.Column('discrepancy_x100', sa.Integer(), nullable=False),
    sa.Column('discrepancy_rule', sa.Enum('third_judge', 'closest_two_mean', name='discrepancyrule', native_enum=False, length=30), nullable=False),
    sa.Column('prize_tiers', sa.JSON(), nullable=False),
    sa.Column('excluded_user_ids', sa.JSON(), nullable=False),
    sa.Column('judge_ids', sa.JSON(), nullable=False),
    sa.Column('results_published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('allow_online OR allow_docx OR allow_pdf', name=op.f('ck_essay_settings_some_form_allowed')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_essay_settings_window_order')),
    sa.CheckConstraint('discrepancy_x100 >= 0', name=op.f('ck_essay_settings_discrepancy_nonnegative')),
    sa.CheckConstraint('judges_per_entry BETWEEN 1 AND 10', name=op.f('ck_essay_settings_judges_per_entry_range')),
    sa.CheckConstraint('max_entries > 0', name=op.f('ck_essay_settings_max_entries_positive')),
    sa.CheckConstraint('max_words IS NULL OR min_words IS NULL OR max_words >= min_words', name=op.f('ck_essay_settings_word_limits_order')),
    sa.CheckConstraint('min_words IS NULL OR min_words >= 0', name=op.f('ck_essay_settings_min_words_nonnegative')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_essay_settings_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_settings')),
    sa.UniqueConstraint('contest_id', name=op.f('uq_essay_settings_contest_id'))
    )
    op.create_table('essay_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('advance_rule', sa.Enum('top_k', 'cutoff', name='advancerule', native_enum=False, length=20), nullable=True),
    sa.Column('advance_value', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('advance_value IS NULL OR advance_value >= 0', name=op.f('ck_essay_stages_advance_value_nonnegative')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_essay_stages_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_stages')),
    sa.UniqueConstraint('contest_id', 'position', name=op.f('uq_essay_stages_contest_id_position'))
    )
    op.create_table('essay_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('is_extra', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('assigned', 'draft', 'submitted', name='assignmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('total_x100', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('total_x100 IS NULL OR total_x100 >= 0', name=op.f('ck_essay_assignments_total_nonnegative')),
    sa.ForeignKeyConstraint(['entry_id'], ['essay_entries.id'], name=op.f('fk_essay_assignments_entry_id_essay_entries')),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_essay_assignments_judge_id_users')),
    sa.ForeignKeyConstraint(['stage_id'], ['essay_stages.id'], name=op.f('fk_essay_assignments_stage_id_essay_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_assignments')),
    sa.UniqueConstraint('stage_id', 'entry_id', 'judge_id', name=op.f('uq_essay_assignments_stage_id_entry_id_judge_id'))
    )
    with op.batch_alter_table('essay_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_essay_assignments_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_essay_assignments_judge_id_status', ['judge_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_essay_assignments_stage_id'), ['stage_id'], unique=False)

    op.create_table('essay_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('docx', 'pdf', name='filekind', native_enum=False, length=20), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('extracted_text', sa.Text(), nullable=True),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_essay_files_size_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['essay_entries.id'], name=op.f('fk_essay_files_entry_id_essay_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_files'))
    )
    with op.batch_alter_table('essay_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_essay_files_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('uq_essay_files_one_current', ['entry_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    op.create_table('essay_stage_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('final_x100', sa.Integer(), nullable=True),
    sa.Column('first_x100', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('advanced', sa.Boolean(), nullable=False),
    sa.Column('prize', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['essay_entries.id'], name=op.f('fk_essay_stage_entries_entry_id_essay_entries')),
    sa.ForeignKeyConstraint(['stage_id'], ['essay_stages.id'], name=op.f('fk_essay_stage_entries_stage_id_essay_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_stage_entries')),
    sa.UniqueConstraint('stage_id', 'entry_id', name=op.f('uq_essay_stage_entries_stage_id_entry_id'))
    )
    with op.batch_alter_table('essay_stage_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_essay_stage_entries_entry_id'), ['entry_id'], unique=False)

    op.create_table('essay_entry_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['essay_entries.id'], name=op.f('fk_essay_entry_versions_entry_id_essay_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['essay_files.id'], name=op.f('fk_essay_entry_versions_file_id_essay_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_entry_versions')),
    sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_essay_entry_versions_entry_id_number'))
    )
    op.create_table('essay_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points_x100', sa.Integer(), nullable=False),
    sa.CheckConstraint('points_x100 % 25 = 0', name=op.f('ck_essay_scores_points_quarter_steps')),
    sa.CheckConstraint('points_x100 >= 0', name=op.f('ck_essay_scores_points_nonnegative')),
    sa.ForeignKeyConstraint(['assignment_id'], ['essay_assignments.id'], name=op.f('fk_essay_scores_assignment_id_essay_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['essay_criteria.id'], name=op.f('fk_essay_scores_criterion_id_essay_criteria')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_scores')),
    sa.UniqueConstraint('assignment_id', 'criterion_id', name=op.f('uq_essay_scores_assignment_id_criterion_id'))
    )


def downgrade():
    op.drop_table('essay_scores')
    op.drop_table('essay_entry_versions')
    with op.batch_alter_table('essay_stage_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_essay_stage_entries_entry_id'))

    op.drop_table('essay_stage_entries')
    with op.batch_alter_table('essay_files', schema=None) as batch_op:
        batch_op.drop_index('uq_essay_files_one_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_essay_files_entry_id'))

    op.drop_table('essay_files')
    with op.batch_alter_table('essay_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_essay_assignments_stage_id'))
        batch_op.drop_index('ix_essay_assignments_judge_id_status')
        batch_op.drop_index(batch_op.f('ix_essay_assignments_entry_id'))

    op.drop_table('essay_assignments')
    op.drop_table('essay_stages')
    op.drop_table('essay_settings')
    with op.batch_alter_table('essay_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_essay_entries_participant_id'))
        batch_op.drop_index(batch_op.f('ix_essay_entries_contest_id'))

    op.drop_table('essay_entries')
    op.drop_table('essay_criteria')
