"""Live session state for facilitator-led sessions: one row per session (mode, current
exercise and occasion, open / closed / revealed, whether the key is shown, a version counter).

Sessions of the first release get no row: they stay self-paced, as they were.

Revision ID: 0002_live_state
Revises: 0001_baseline
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peerkit.store.schema import UTCDateTime

revision = "0002_live_state"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_state",
        sa.Column("session_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mode", sa.String(length=20), server_default="facilitator", nullable=False),
        sa.Column("plan", sa.String(length=40), server_default="", nullable=False),
        sa.Column("instrument_id", sa.String(length=80), nullable=True),
        sa.Column("occasion", sa.String(length=80), server_default="", nullable=False),
        sa.Column("phase", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("show_key", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('facilitator', 'self_paced')", name=op.f("ck_live_state_mode")),
        sa.CheckConstraint("phase IN ('open', 'closed', 'revealed')", name=op.f("ck_live_state_phase")),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], name=op.f("fk_live_state_session_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_live_state")),
    )


def downgrade() -> None:
    op.drop_table("live_state")
