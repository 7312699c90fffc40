"""The store's tables, as SQLAlchemy Core metadata.

This is the layout a new database gets (``metadata.create_all`` and a stamp of
:data:`HEAD_REVISION`). Every change to it is also written as an Alembic migration in
``migrations/versions/`` so that an existing database is upgraded in place, answers kept;
``tests/store/test_migrations.py`` checks that the two agree on both backends.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

__all__ = [
    "HEAD_REVISION", "LEGACY_VERSION", "JOIN_ALPHABET", "JOIN_CODE_LENGTH", "MAX_KEY_LENGTH", "MAX_NAME_LENGTH",
    "MAX_TITLE_LENGTH", "SESSION_KINDS", "STATUSES", "TABLES", "UTC", "UTCDateTime", "alembic_version", "drafts",
    "LIVE_MODES", "LIVE_PHASES", "live_state", "metadata", "notes", "pairs", "participants", "responses", "schema_version", "sessions",
    "devices", "access_failures", "settings", "DEVICE_STATUSES", "RESUME_CODE_LENGTH",
]

#: The newest Alembic revision in ``migrations/versions/``: a database stamped with it needs
#: no upgrade. Kept here (not read from the migration scripts) so that opening a current
#: database does not import Alembic; a test checks it is the scripts' head.
HEAD_REVISION = "0003_identity"

#: What the first release's ``schema_version`` table says for any database this code wrote or
#: upgraded: higher than the 1 that release understands, so it refuses such a database with
#: its "newer than this peerkit" message instead of writing rows it cannot know the shape of.
LEGACY_VERSION = 2

UTC = dt.timezone.utc

#: Join codes use letters and digits that cannot be confused when read aloud or
#: copied from a projector: no 0/O, 1/I/L, and no U (V/U).
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
JOIN_CODE_LENGTH = 6

MAX_NAME_LENGTH = 60
MAX_TITLE_LENGTH = 200
MAX_KEY_LENGTH = 120
STATUSES = ("open", "closed")
DEVICE_STATUSES = ("active", "pending")
#: A participant's personal resume code: this many characters of :data:`JOIN_ALPHABET`,
#: shown as two groups of four ("K7PX-3MQR") so that it does not look like a join code.
RESUME_CODE_LENGTH = 8
SESSION_KINDS = ("workshop", "self_study", "demo")

# -- schema ---------------------------------------------------------------------------------


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive UTC text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(MAX_TITLE_LENGTH), nullable=False),
    sa.Column("date", sa.Date, nullable=True),
    sa.Column("join_code", sa.String(JOIN_CODE_LENGTH), nullable=False, unique=True),
    sa.Column("passcode_hash", sa.String(200), nullable=False),
    sa.Column("passcode_salt", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="open"),
    sa.Column("kind", sa.String(20), nullable=False, server_default="workshop"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name="status"),
    sa.CheckConstraint("kind IN ('workshop', 'self_study', 'demo')", name="kind"),
)
# at most one built-in self-study and one demo session
sa.Index("uq_sessions_builtin_kind", sessions.c.kind, unique=True,
         sqlite_where=sessions.c.kind != "workshop", postgresql_where=sessions.c.kind != "workshop")

participants = sa.Table(
    "participants", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("display_name", sa.String(MAX_NAME_LENGTH), nullable=False),
    sa.Column("name_key", sa.String(MAX_NAME_LENGTH), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("pair_id", sa.Integer,
              sa.ForeignKey("pairs.id", ondelete="SET NULL", use_alter=True, name="fk_participants_pair_id"),
              nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # the personal resume code, salted and hashed (scrypt); NULL for people who joined before it existed
    sa.Column("resume_hash", sa.String(200), nullable=True),
    sa.UniqueConstraint("session_id", "name_key"),
    sa.CheckConstraint("role IN ('supervisor', 'peer_specialist', 'other')", name="role"),
)

pairs = sa.Table(
    "pairs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("supervisor_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("supervisee_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("supervisor_id", "supervisee_id"),
    sa.CheckConstraint("supervisor_id <> supervisee_id", name="distinct_members"),
)

responses = sa.Table(
    "responses", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("instrument_id", sa.String(80), nullable=False),
    sa.Column("instrument_version", sa.Integer, nullable=False),
    sa.Column("occasion", sa.String(80), nullable=False, server_default=""),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("answers_hash", sa.String(64), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("participant_id", "instrument_id", "occasion", "revision"),
    sa.CheckConstraint("revision >= 1", name="revision_positive"),
)
sa.Index("ix_responses_instrument", responses.c.instrument_id)

drafts = sa.Table(
    "drafts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("instrument_id", sa.String(80), nullable=False),
    sa.Column("occasion", sa.String(80), nullable=False, server_default=""),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("participant_id", "instrument_id", "occasion"),
)

notes = sa.Table(
    "notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pair_id", sa.Integer, sa.ForeignKey("pairs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("instrument_id", sa.String(80), nullable=False),
    sa.Column("key", sa.String(MAX_KEY_LENGTH), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="SET NULL"), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("pair_id", "instrument_id", "key"),
)

#: A session's live state (facilitator-led mode): one row per session, written by the
#: facilitator's dashboard, read by every participant's kernel. ``version`` goes up by one on
#: every change, so a follower polls one small row; no row means the session was never
#: switched (see :mod:`peerkit.store.live` for the defaults).
LIVE_MODES = ("facilitator", "self_paced")
LIVE_PHASES = ("open", "closed", "revealed")

live_state = sa.Table(
    "live_state", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("mode", sa.String(20), nullable=False, server_default="facilitator"),
    sa.Column("plan", sa.String(40), nullable=False, server_default=""),
    sa.Column("instrument_id", sa.String(80), nullable=True),
    sa.Column("occasion", sa.String(80), nullable=False, server_default=""),
    sa.Column("phase", sa.String(10), nullable=False, server_default="open"),
    sa.Column("show_key", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("mode IN ('facilitator', 'self_paced')", name="mode"),
    sa.CheckConstraint("phase IN ('open', 'closed', 'revealed')", name="phase"),
)

#: Browsers a participant uses: the SHA-256 of each device's secret token (the token itself is
#: only in that browser). ``pending`` devices wait for the facilitator's approval.
devices = sa.Table(
    "devices", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("status", sa.String(10), nullable=False, server_default="active"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=True),
    sa.CheckConstraint("status IN ('active', 'pending')", name="status"),
)
sa.Index("ix_devices_participant_id", devices.c.participant_id)

#: Wrong passcodes, resume codes and facilitator keys, counted per scope (e.g. ``s12:passcode``,
#: ``s12:p34:resume``, ``facilitator-key``), so that a lockout holds across reloads, kernels
#: and servers.
access_failures = sa.Table(
    "access_failures", metadata,
    sa.Column("scope", sa.String(80), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Kit-wide settings (the facilitator key's hash).
settings = sa.Table(
    "settings", metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Every table peerkit writes (``alembic_version`` is Alembic's; ``schema_version`` is the
#: first release's hand-kept version, still written so that a database stays readable by it
#: until it is upgraded).
TABLES = ("sessions", "participants", "pairs", "responses", "drafts", "notes", "schema_version", "live_state",
          "devices", "access_failures", "settings")

#: Alembic's own bookkeeping table, as Alembic creates it; declared here so that the current
#: revision can be read (and a new database stamped) without importing Alembic.
alembic_version = sa.Table(
    "alembic_version", sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)

