"""The first release's tables (sessions, participants, pairs, responses, drafts, notes).

A database written by that release (with its ``schema_version`` table saying 1) is stamped
with this revision and upgraded from here; its tables are exactly these.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peerkit.store.schema import UTCDateTime

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _inline_pair_fk() -> list[sa.ForeignKeyConstraint]:
    if op.get_bind().dialect.name == "sqlite":
        return [sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name="fk_participants_pair_id",
                                        ondelete="SET NULL")]
    return []


def upgrade() -> None:
    op.create_table('schema_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schema_version'))
    )
    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('join_code', sa.String(length=6), nullable=False),
    sa.Column('passcode_hash', sa.String(length=200), nullable=False),
    sa.Column('passcode_salt', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('kind', sa.String(length=20), server_default='workshop', nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('workshop', 'self_study', 'demo')", name=op.f('ck_sessions_kind')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_sessions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('join_code', name=op.f('uq_sessions_join_code'))
    )
    op.create_index('uq_sessions_builtin_kind', 'sessions', ['kind'], unique=True, sqlite_where=sa.text("kind != 'workshop'"), postgresql_where=sa.text("kind != 'workshop'"))
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('supervisor', 'peer_specialist', 'other')", name=op.f('ck_participants_role')),
    *_inline_pair_fk(),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_participants_session_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('session_id', 'name_key', name=op.f('uq_participants_session_id_name_key'))
    )
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.String(length=80), nullable=False),
    sa.Column('occasion', sa.String(length=80), server_default='', nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_drafts_participant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('participant_id', 'instrument_id', 'occasion', name=op.f('uq_drafts_participant_id_instrument_id_occasion'))
    )
    op.create_table('pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('supervisor_id <> supervisee_id', name=op.f('ck_pairs_distinct_members')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_pairs_session_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisee_id'], ['participants.id'], name=op.f('fk_pairs_supervisee_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['participants.id'], name=op.f('fk_pairs_supervisor_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairs')),
    sa.UniqueConstraint('supervisor_id', 'supervisee_id', name=op.f('uq_pairs_supervisor_id_supervisee_id'))
    )
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key("fk_participants_pair_id", "participants", "pairs", ["pair_id"], ["id"],
                              ondelete="SET NULL")
    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.String(length=80), nullable=False),
    sa.Column('instrument_version', sa.Integer(), nullable=False),
    sa.Column('occasion', sa.String(length=80), server_default='', nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('answers_hash', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_responses_revision_positive')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_responses_participant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('participant_id', 'instrument_id', 'occasion', 'revision', name=op.f('uq_responses_participant_id_instrument_id_occasion_revision'))
    )
    op.create_index('ix_responses_instrument', 'responses', ['instrument_id'], unique=False)
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['participants.id'], name=op.f('fk_notes_author_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'], name=op.f('fk_notes_pair_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
    sa.UniqueConstraint('pair_id', 'instrument_id', 'key', name=op.f('uq_notes_pair_id_instrument_id_key'))
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_participants_pair_id", "participants", type_="foreignkey")
    for table in ("notes", "responses", "drafts", "pairs", "participants", "sessions", "schema_version"):
        op.drop_table(table)
