"""Identity without accounts: device tokens, resume codes, stored lockouts, kit settings.

- ``devices``: the SHA-256 of each browser's secret token, per participant (active, or pending
  the facilitator's approval);
- ``participants.resume_hash``: the participant's personal resume code, salted and hashed;
- ``access_failures``: wrong passcodes / resume codes / facilitator keys per scope, so that a
  lockout holds across reloads, kernels and servers;
- ``settings``: kit-wide values (the facilitator key's hash).

Participants who joined before this revision have no device and no resume code: they resume
on a new device through the facilitator (or a resume code the facilitator issues).

Revision ID: 0003_identity
Revises: 0002_live_state
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peerkit.store.schema import UTCDateTime

revision = "0003_identity"
down_revision = "0002_live_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("participants", sa.Column("resume_hash", sa.String(length=200), nullable=True))
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('active', 'pending')", name=op.f("ck_devices_status")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], name=op.f("fk_devices_participant_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    op.create_index("ix_devices_participant_id", "devices", ["participant_id"], unique=False)
    op.create_table(
        "access_failures",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_access_failures")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_table("access_failures")
    op.drop_index("ix_devices_participant_id", table_name="devices")
    op.drop_table("devices")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("resume_hash")
