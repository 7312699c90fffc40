"""The response store: sessions, participants, pairs, answers, drafts and notes.

Voila starts one kernel per browser tab, so everything that participants and the
facilitator share goes through this database (never module globals). One schema
serves both backends, chosen by URL:

- SQLite (the default, a file under ``var/``): WAL journal, a busy timeout and
  foreign keys are set on every connection; write transactions start with
  ``BEGIN IMMEDIATE`` so two writers never interleave.
- PostgreSQL (``postgresql+psycopg://...``) for many servers: the participant row
  is locked (``SELECT ... FOR UPDATE``) while a revision number is assigned, and
  a unique constraint backs that up (a clash is retried).

Answers are never overwritten: every submission is a new revision and the latest
one is current; submitting answers identical to the current revision (a double
click) stores nothing. The schema version is recorded in the database; a file
written by a newer peerkit is refused with a clear :class:`StoreError`.

pandas is imported only inside :meth:`Store.responses_frame` and
:meth:`Store.submission_status` (``frames.py``), so a participant's kernel that only submits
stays small.

:class:`Store` is put together from one mixin per responsibility: ``engine`` (connection,
transactions, errors, schema check), ``sessions`` (sessions, participants, pairs), ``answers``
(reading answers, drafts, notes), ``submit``, ``backup`` (purge, dump, restore), ``demo``,
``live``, ``access`` (joining and resuming), ``lockouts`` (counted tries, the facilitator key),
``people`` (removing and merging participants) and ``frames``; ``values`` holds what they hand
out and share.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

# the parts of the Store class, and the names this module has always offered (re-exported, so
# that ``from peerkit.store.core import ...`` keeps working)
from .answers import AnswersMixin
from .backup import BackupMixin
from .demo import (  # noqa: F401
    DEMO_INSTRUMENTS, DEMO_PASSCODE, DEMO_TITLE, DemoMixin, _completes, _load_demo_instruments, demo_answers,
)
from .engine import (  # noqa: F401
    _PING_AFTER, _WRITE_WAIT_FIRST, _WRITE_WAIT_MAX, EngineMixin, _begin_immediate, _ping_when_idle, _retryable, _upsert,
    default_url,
)
from .frames import RESPONSE_COLUMNS, STATUS_COLUMNS, FramesMixin  # noqa: F401
from .live import LiveMixin
from .lockouts import LockoutMixin
from .schema import HEAD_REVISION, JOIN_ALPHABET, MAX_NAME_LENGTH, STATUSES
from .people import PeopleMixin
from .sessions import SELF_STUDY_TITLE, SessionsMixin  # noqa: F401
from .submit import SubmitMixin
from .values import (  # noqa: F401
    Pair, Participant, StoreError, Submission, WorkshopSession, _canonical_json, _clean_text, _hash_passcode,
    _name_key, _new_join_code, _now, _verify_passcode, answers_hash, format_join_code, normalize_join_code,
)
from .access import AccessMixin, ParticipantGone, RevisionConflict, SessionClosed  # noqa: F401

__all__ = [
    "DEMO_INSTRUMENTS",
    "JOIN_ALPHABET",
    "MAX_NAME_LENGTH",
    "Pair",
    "Participant",
    "HEAD_REVISION",
    "STATUSES",
    "Store",
    "StoreError",
    "Submission",
    "WorkshopSession",
    "answers_hash",
    "default_url",
    "format_join_code",
    "normalize_join_code",
]


class Store(EngineMixin, SessionsMixin, AnswersMixin, BackupMixin, DemoMixin, SubmitMixin, LiveMixin, AccessMixin,
            LockoutMixin, PeopleMixin, FramesMixin):
    """All reads and writes of workshop data. One instance per process (kernel).

    ``url`` is a SQLAlchemy URL (default :func:`default_url`); ``busy_timeout`` is how
    long (seconds) a SQLite writer waits for another one before giving up with a
    "database is busy" :class:`StoreError`.
    """

    def __init__(self, url: str | None = None, *, busy_timeout: float = 10.0) -> None:
        self.url: str = url or default_url()
        self.busy_timeout = busy_timeout
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise StoreError(f"Not a database URL: {self.url!r} (expected e.g. sqlite:///path/peerkit.sqlite "
                             "or postgresql+psycopg://user:password@host/dbname)") from exc
        self.backend: str = parsed.get_backend_name()
        if self.backend not in ("sqlite", "postgresql"):
            raise StoreError(f"Unsupported database {self.backend!r} in {self.safe_url}: use SQLite or PostgreSQL")
        self._db_path: Path | None = None
        if self.backend == "sqlite":
            self._db_path = self._prepare_sqlite_path(parsed)
        try:
            self.engine: Engine = self._make_engine(parsed)
        except ModuleNotFoundError as exc:
            raise StoreError(f"The database driver for {self.safe_url} is not installed ({exc.name}); "
                             "for PostgreSQL install peerkit[postgres] (psycopg)") from exc
        try:
            self._ensure_schema()
        except BaseException:
            self.engine.dispose()
            raise

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.safe_url!r})"
