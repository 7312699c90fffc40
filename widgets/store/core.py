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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import sqlite3
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

from ..instruments import ROLES, Instrument, data_dir, load_instrument
from .schema import (
    HEAD_REVISION, JOIN_ALPHABET, JOIN_CODE_LENGTH, MAX_KEY_LENGTH, MAX_NAME_LENGTH, MAX_TITLE_LENGTH,
    SESSION_KINDS, STATUSES, UTC, alembic_version, drafts, notes, pairs, participants, responses,
    sessions,
)
from .frames import RESPONSE_COLUMNS, STATUS_COLUMNS, FramesMixin
from .live import LiveMixin
from .submit import SubmitMixin

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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

SELF_STUDY_TITLE = "Self-study"
DEMO_TITLE = "Demo session"
DEMO_PASSCODE = "demo"
#: Instruments the demo session has answers for (those whose data file exists).
DEMO_INSTRUMENTS = (
    "readiness-timeline",
    "sia-recovery-principles",
    "program-self-evaluation",
    "role-clarity-checklist",
)
# Sample people for the demo session: (supervisor, peer specialist) per pair.
_DEMO_PAIRS = (
    ("Maria", "Sam"),
    ("James", "Priya"),
    ("Aisha", "Luis"),
    ("Tom", "Hannah"),
    ("Grace", "Kofi"),
    ("Daniel", "Ruth"),
)

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
T = TypeVar("T")


class StoreError(Exception):
    """A problem the user can act on: bad join code, closed session, locked or read-only file, ..."""


# -- dataclasses handed to forms and dashboards ----------------------------------


@dataclass(frozen=True)
class WorkshopSession:
    """One workshop (or the built-in self-study / demo session)."""

    id: int
    title: str
    date: dt.date | None
    join_code: str  # display form "ABC-DEF"
    status: str  # "open" | "closed"
    created_at: dt.datetime
    kind: str = "workshop"  # "workshop" | "self_study" | "demo"

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Participant:
    """A person in a session; ``pair_id`` is their current pair, if any."""

    id: int
    session_id: int
    display_name: str
    role: str  # "supervisor" | "peer_specialist" | "other"
    pair_id: int | None


@dataclass(frozen=True)
class Pair:
    """A supervisor and a supervisee (the supervisee is usually a peer specialist)."""

    id: int
    session_id: int
    supervisor_id: int
    supervisee_id: int


@dataclass(frozen=True)
class Submission:
    """What :meth:`Store.submit` stored (``created=False``: identical answers, nothing new)."""

    response_id: int
    revision: int
    created: bool
    submitted_at: dt.datetime


# -- small helpers ----------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def normalize_join_code(text: str) -> str | None:
    """``" abc-def "`` -> ``"ABCDEF"``; ``None`` when it cannot be a join code."""
    code = re.sub(r"[\s\-_.]", "", text or "").upper()
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in code):
        return None
    return code


def format_join_code(code: str) -> str:
    """``"ABCDEF"`` -> ``"ABC-DEF"`` (how a join code is shown and read aloud)."""
    half = JOIN_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def _new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


_ZWJ = "\u200d"  # joins emoji sequences; kept


def _clean_text(text: str) -> str:
    """NFC, trimmed, inner runs of whitespace collapsed to one space, invisible format
    characters (zero-width spaces, direction overrides) removed.

    Control characters (NUL and the like) are refused with a :class:`StoreError`: PostgreSQL
    cannot store NUL, and none of them belong in a name or a title.
    """
    words = unicodedata.normalize("NFC", text or "").split()
    joined = " ".join(words)
    bad = sorted({f"U+{ord(ch):04X}" for ch in joined if unicodedata.category(ch) in ("Cc", "Cs")})
    if bad:
        raise StoreError(f"Please use only visible characters (found the control character(s) {', '.join(bad)})")
    cleaned = "".join(ch for ch in joined if ch == _ZWJ or unicodedata.category(ch) != "Cf")
    return " ".join(cleaned.split())


def _name_key(display_name: str) -> str:
    return _clean_text(display_name).casefold()


def _canonical_json(answers: Mapping[str, Any]) -> str:
    return json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def answers_hash(answers: Mapping[str, Any]) -> str:
    """SHA-256 of the answers' canonical JSON (key order does not matter; True differs from 1)."""
    return hashlib.sha256(_canonical_json(answers).encode("utf-8")).hexdigest()


def _hash_passcode(passcode: str, salt: bytes) -> str:
    secret = unicodedata.normalize("NFC", passcode.strip()).encode("utf-8")
    digest = hashlib.scrypt(secret, salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${digest.hex()}"


def _verify_passcode(passcode: str, stored: str, salt_hex: str) -> bool:
    try:
        method, n, r, p, hexdigest = stored.split("$")
        if method != "scrypt":
            return False
        secret = unicodedata.normalize("NFC", (passcode or "").strip()).encode("utf-8")
        digest = hashlib.scrypt(secret, salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p),
                                dklen=len(hexdigest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), hexdigest)


def default_url() -> str:
    """``$PEERKIT_DB_URL`` if set, else ``sqlite:///<$PEERKIT_HOME or <repo>/var>/peerkit.sqlite``.

    The folder of the default file is created; :class:`StoreError` names it when that fails.
    """
    env = os.environ.get("PEERKIT_DB_URL", "").strip()
    if env:
        return env
    home = os.environ.get("PEERKIT_HOME", "").strip()
    folder = Path(home).expanduser() if home else Path(__file__).resolve().parents[2] / "var"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the data folder {folder}: {exc.strerror or exc}. "
                         "Set PEERKIT_HOME or PEERKIT_DB_URL to a writable location.") from exc
    return f"sqlite:///{folder / 'peerkit.sqlite'}"


# -- the store ------------------------------------------------------------------------------

from .access import AccessMixin, ParticipantGone, RevisionConflict, SessionClosed  # noqa: E402  (needs StoreError and the dataclasses above)


class Store(SubmitMixin, LiveMixin, AccessMixin, FramesMixin):
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

    # -- connection set-up ---------------------------------------------------------------

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except ArgumentError:
            return "<invalid URL>"

    def _prepare_sqlite_path(self, parsed: sa.URL) -> Path | None:
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        path = Path(database).expanduser()
        folder = path.parent
        if not folder.exists():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"Cannot create the data folder {folder} for the database file {path}: "
                                 f"{exc.strerror or exc}") from exc
        elif not folder.is_dir():
            raise StoreError(f"Cannot use the database file {path}: {folder} is not a folder")
        return path.resolve()

    def _make_engine(self, parsed: sa.URL) -> Engine:
        if self.backend == "sqlite":
            engine = sa.create_engine(parsed, connect_args={"timeout": self.busy_timeout})
            timeout_ms = int(self.busy_timeout * 1000)

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_connection: Any, _record: Any) -> None:
                # SQLAlchemy, not the sqlite3 module, emits BEGIN (see _on_begin)
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                try:
                    cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
                    cursor.execute("PRAGMA foreign_keys = ON")
                    cursor.execute("PRAGMA journal_mode = WAL")
                    cursor.execute("PRAGMA synchronous = NORMAL")
                finally:
                    cursor.close()

            @event.listens_for(engine, "begin")
            def _on_begin(conn: Connection) -> None:
                # writers take the write lock up front: no two can assign the same revision,
                # and none fails half-way on a lock upgrade
                if conn.get_execution_options().get("peerkit_write", False):
                    _begin_immediate(conn.connection.dbapi_connection, self.busy_timeout, timeout_ms)
                else:
                    conn.exec_driver_sql("BEGIN")

            return engine
        connect_args = {"connect_timeout": 10} if parsed.get_driver_name() in ("psycopg", "psycopg2") else {}
        engine = sa.create_engine(parsed, connect_args=connect_args)
        _ping_when_idle(engine)
        return engine

    def close(self) -> None:
        """Release every database connection of this store."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.safe_url!r})"

    # -- error translation and transactions -------------------------------------------

    def _translate(self, exc: BaseException) -> StoreError | None:
        """A user-facing :class:`StoreError` for environmental database errors, else None."""
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        low = text.lower()
        where = str(self._db_path) if self._db_path else self.safe_url
        folder = str(self._db_path.parent) if self._db_path else None
        if self.backend == "sqlite":
            if "database is locked" in low or "database is busy" in low or "database table is locked" in low:
                return StoreError(
                    f"The database {where} is busy: another program kept it locked for more than "
                    f"{self.busy_timeout:g} s. Try again in a moment; if this keeps happening, close "
                    "other programs that use this file.")
            if "readonly" in low or "read-only" in low:
                return StoreError(
                    f"The database file {where} is read-only, so nothing can be saved. Make the file "
                    f"and its folder {folder} writable (the folder also holds the -wal and -shm files), "
                    "or point PEERKIT_DB_URL at a writable location.")
            if "unable to open database" in low:
                return StoreError(
                    f"Cannot open the database file {where}: check that the folder {folder or ''} exists "
                    "and is writable (SQLite also writes -wal and -shm files next to it).")
            if "disk is full" in low or "disk i/o error" in low:
                return StoreError(f"Cannot write the database file {where}: {text}")
            if "file is not a database" in low or "malformed" in low:
                return StoreError(f"The file {where} is not a usable peerkit database: {text}")
            if isinstance(orig, sqlite3.OperationalError):
                return StoreError(f"Database error in {where}: {text}")
            return None
        if isinstance(exc, sa.exc.DataError):
            return StoreError(f"The database {self.safe_url} refused a value: {text}")
        if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
            if "read-only transaction" in low or "permission denied" in low:
                return StoreError(f"The database {self.safe_url} refuses writes: {text}")
            return StoreError(f"Cannot use the database {self.safe_url}: {text}")
        return None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if _retryable(exc):
                raise
            translated = self._translate(exc)
            if translated is None:
                raise
            raise translated from exc
        except sqlite3.Error as exc:
            translated = self._translate(exc)
            if translated is None:
                raise
            raise translated from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn:
            conn.execution_options(peerkit_write=True)
            with conn.begin():
                yield conn

    def _write_retrying(self, work: Callable[[Connection], T], attempts: int = 5, *,
                        reconnect: bool = False) -> T:
        """Run ``work`` in a write transaction; retry when a unique constraint lost a race.

        With ``reconnect``, a write whose pooled connection turned out dropped by the server is
        run once more on a new connection (only for work that is safe to repeat even if the lost
        connection had committed it: a repeated submit finds its answers already saved).
        """
        for attempt in range(attempts):
            try:
                with self._write() as conn:
                    return work(conn)
            except StoreError as exc:
                cause = exc.__cause__
                if not (reconnect and attempt == 0 and isinstance(cause, DBAPIError) and cause.connection_invalidated):
                    raise
            except DBAPIError as exc:
                if not (isinstance(exc, IntegrityError) or _retryable(exc)):
                    raise
                if attempt == attempts - 1:
                    raise StoreError(f"Could not save after {attempts} attempts because of concurrent "
                                     f"changes: {str(exc.orig).splitlines()[0]}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- schema -------------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        # the common case (schema present and current) needs no write lock and no Alembic import:
        # a room of kernels opens the database at once
        with self._read() as conn:
            if sa.inspect(conn).has_table("alembic_version"):
                found = conn.execute(sa.select(alembic_version.c.version_num)).scalars().all()
                if found == [HEAD_REVISION]:
                    return
        from .migrate import prepare  # creates a new database, or upgrades an older one

        with self._write() as conn:
            if self.backend == "postgresql":
                # serialise creation and upgrades between processes starting at once
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7370110)"))
            prepare(conn, self._where())

    def _where(self) -> str:
        return str(self._db_path) if self._db_path else self.safe_url

    def schema_version(self) -> str:
        """The Alembic revision the database is at (:data:`HEAD_REVISION` once opened)."""
        with self._read() as conn:
            return str(conn.execute(sa.select(alembic_version.c.version_num)).scalar_one())

    # -- sessions -----------------------------------------------------------------------------

    @staticmethod
    def _session(row: Any) -> WorkshopSession:
        return WorkshopSession(id=row.id, title=row.title, date=row.date,
                               join_code=format_join_code(row.join_code), status=row.status,
                               created_at=row.created_at, kind=row.kind)

    _SESSION_COLS = (sessions.c.id, sessions.c.title, sessions.c.date, sessions.c.join_code,
                     sessions.c.status, sessions.c.created_at, sessions.c.kind)

    def _insert_session(self, conn: Connection, title: str, passcode: str, date: dt.date | None,
                        kind: str = "workshop", *, join_code: str | None = None,
                        status: str = "open", created_at: dt.datetime | None = None,
                        passcode_hash: tuple[str, str] | None = None) -> WorkshopSession:
        title = _clean_text(title)
        if not title:
            raise StoreError("A session needs a title")
        if len(title) > MAX_TITLE_LENGTH:
            raise StoreError(f"The session title is too long ({len(title)} characters; at most {MAX_TITLE_LENGTH})")
        if date is not None and not isinstance(date, dt.date):
            raise StoreError(f"The session date must be a date, not {date!r}")
        if isinstance(date, dt.datetime):
            date = date.date()
        if passcode_hash is None:
            if not (passcode or "").strip():
                raise StoreError("A session needs a facilitator passcode (it may not be empty)")
            salt = secrets.token_bytes(16)
            hashed, salt_hex = _hash_passcode(passcode, salt), salt.hex()
        else:
            hashed, salt_hex = passcode_hash
        for _ in range(20):
            code = join_code or _new_join_code()
            taken = conn.execute(sa.select(sessions.c.id).where(sessions.c.join_code == code)).first()
            if taken is None:
                break
            if join_code:
                raise StoreError(f"A session with join code {format_join_code(code)} already exists (id {taken.id})")
        else:  # pragma: no cover - 30**6 codes
            raise StoreError("Could not find a free join code; try again")
        created = created_at or _now()
        new_id = conn.execute(sessions.insert().values(
            title=title, date=date, join_code=code, passcode_hash=hashed, passcode_salt=salt_hex,
            status=status, kind=kind, created_at=created)).inserted_primary_key[0]
        return WorkshopSession(new_id, title, date, format_join_code(code), status, created, kind)

    def create_session(self, title: str, passcode: str, date: dt.date | None = None) -> WorkshopSession:
        """Create an open workshop session with a fresh join code; the passcode is stored salted and hashed."""
        return self._write_retrying(lambda conn: self._insert_session(conn, title, passcode, date))

    def _get_session(self, conn: Connection, session_id: int, *, lock: bool = False) -> WorkshopSession:
        q = sa.select(*self._SESSION_COLS).where(sessions.c.id == session_id)
        row = conn.execute(q.with_for_update() if lock else q).first()
        if row is None:
            raise StoreError(f"There is no session with id {session_id}")
        return self._session(row)

    def get_session(self, session_id: int) -> WorkshopSession:
        """The session with this id; :class:`StoreError` when there is none."""
        with self._read() as conn:
            return self._get_session(conn, session_id)

    def find_session(self, join_code: str) -> WorkshopSession | None:
        """The session with this join code (case, spaces and dashes ignored), or None."""
        code = normalize_join_code(join_code)
        if code is None:
            return None
        with self._read() as conn:
            row = conn.execute(sa.select(*self._SESSION_COLS).where(sessions.c.join_code == code)).first()
        return self._session(row) if row else None

    def list_sessions(self) -> list[WorkshopSession]:
        """Every session, newest first."""
        with self._read() as conn:
            rows = conn.execute(sa.select(*self._SESSION_COLS)
                                .order_by(sessions.c.created_at.desc(), sessions.c.id.desc())).all()
        return [self._session(r) for r in rows]

    def set_status(self, session_id: int, status: str) -> None:
        """Open or close a session (a closed session accepts no joins and no submissions)."""
        if status not in STATUSES:
            raise StoreError(f"Unknown session status {status!r}; use 'open' or 'closed'")

        def work(conn: Connection) -> None:
            session = self._get_session(conn, session_id, lock=True)
            if session.kind == "self_study" and status == "closed":
                raise StoreError("The self-study session cannot be closed")
            conn.execute(sessions.update().where(sessions.c.id == session_id).values(status=status))

        self._write_retrying(work)

    def set_passcode(self, session_id: int, passcode: str) -> None:
        """Replace a session's facilitator passcode."""
        if not (passcode or "").strip():
            raise StoreError("The passcode may not be empty")
        salt = secrets.token_bytes(16)
        hashed = _hash_passcode(passcode, salt)

        def work(conn: Connection) -> None:
            self._get_session(conn, session_id, lock=True)
            conn.execute(sessions.update().where(sessions.c.id == session_id)
                         .values(passcode_hash=hashed, passcode_salt=salt.hex()))

        self._write_retrying(work)

    def check_passcode(self, session_id: int, passcode: str) -> bool:
        """True when ``passcode`` is the session's facilitator passcode (constant-time compare)."""
        with self._read() as conn:
            row = conn.execute(sa.select(sessions.c.passcode_hash, sessions.c.passcode_salt)
                               .where(sessions.c.id == session_id)).first()
        if row is None:
            raise StoreError(f"There is no session with id {session_id}")
        return _verify_passcode(passcode, row.passcode_hash, row.passcode_salt)

    def _builtin_session(self, kind: str, title: str, passcode: str) -> WorkshopSession:
        with self._read() as conn:
            row = conn.execute(sa.select(*self._SESSION_COLS).where(sessions.c.kind == kind)).first()
        if row is not None:
            return self._session(row)

        def work(conn: Connection) -> WorkshopSession:
            row = conn.execute(sa.select(*self._SESSION_COLS).where(sessions.c.kind == kind)).first()
            if row is not None:
                return self._session(row)
            return self._insert_session(conn, title, passcode, None, kind)

        return self._write_retrying(work)

    def self_study_session(self) -> WorkshopSession:
        """The built-in, always-open session for people working alone (created on first use)."""
        return self._builtin_session("self_study", SELF_STUDY_TITLE, secrets.token_urlsafe(24))

    # -- participants ---------------------------------------------------------------------------

    @staticmethod
    def _participant(row: Any) -> Participant:
        return Participant(id=row.id, session_id=row.session_id, display_name=row.display_name,
                           role=row.role, pair_id=row.pair_id)

    _PARTICIPANT_COLS = (participants.c.id, participants.c.session_id, participants.c.display_name,
                         participants.c.role, participants.c.pair_id)

    @staticmethod
    def _check_name_role(display_name: str, role: str) -> str:
        name = _clean_text(display_name)
        if not name:
            raise StoreError("Please enter a name")
        if len(name) > MAX_NAME_LENGTH:
            raise StoreError(f"The name is too long ({len(name)} characters; at most {MAX_NAME_LENGTH})")
        if role not in ROLES:
            raise StoreError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}")
        return name

    def _join(self, conn: Connection, session_id: int, name: str, role: str,
              created_at: dt.datetime | None = None) -> Participant:
        key = _name_key(name)
        row = conn.execute(sa.select(*self._PARTICIPANT_COLS).where(
            participants.c.session_id == session_id, participants.c.name_key == key)).first()
        if row is not None:
            return self._participant(row)
        new_id = conn.execute(participants.insert().values(
            session_id=session_id, display_name=name, name_key=key, role=role,
            created_at=created_at or _now())).inserted_primary_key[0]
        return Participant(new_id, session_id, name, role, None)

    def join(self, session_id: int, display_name: str, role: str) -> Participant:
        """Join an open session, or resume: the same name (trimmed, any case) is the same participant.

        On resume the participant keeps the role they joined with. This trusts the caller (the
        command line, imports, tests): the participant app joins with :meth:`join_device`, which
        never hands an existing name to another device.
        """
        name = self._check_name_role(display_name, role)

        def work(conn: Connection) -> Participant:
            session = self._get_session(conn, session_id)
            if session.status != "open":
                raise StoreError(f"The session “{session.title}” ({session.join_code}) is closed; "
                                 "ask the facilitator to open it.")
            return self._join(conn, session_id, name, role)

        return self._write_retrying(work)

    def _get_participant(self, conn: Connection, participant_id: int, *, lock: bool = False) -> Participant:
        q = sa.select(*self._PARTICIPANT_COLS).where(participants.c.id == participant_id)
        row = conn.execute(q.with_for_update() if lock else q).first()
        if row is None:
            raise ParticipantGone(f"There is no participant with id {participant_id}. The facilitator may have "
                                  "removed this name or deleted the session.")
        return self._participant(row)

    def get_participant(self, participant_id: int) -> Participant:
        """The participant with this id; :class:`StoreError` when there is none."""
        with self._read() as conn:
            return self._get_participant(conn, participant_id)

    def participants(self, session_id: int) -> list[Participant]:
        """The session's participants in the order they joined."""
        with self._read() as conn:
            self._get_session(conn, session_id)
            rows = conn.execute(sa.select(*self._PARTICIPANT_COLS)
                                .where(participants.c.session_id == session_id)
                                .order_by(participants.c.id)).all()
        return [self._participant(r) for r in rows]

    def _set_pair(self, conn: Connection, supervisor_id: int, supervisee_id: int,
                  created_at: dt.datetime | None = None) -> int:
        if supervisor_id == supervisee_id:
            raise StoreError("A pair needs two different participants")
        # lock both rows in id order, so two pairings of the same people cannot deadlock
        locked = {pid: self._get_participant(conn, pid, lock=True) for pid in sorted((supervisor_id, supervisee_id))}
        sup, sub = locked[supervisor_id], locked[supervisee_id]
        if sup.session_id != sub.session_id:
            raise StoreError(f"{sup.display_name} and {sub.display_name} are in different sessions "
                             f"({sup.session_id} and {sub.session_id}); a pair must be in one session")
        row = conn.execute(sa.select(pairs.c.id).where(pairs.c.supervisor_id == supervisor_id,
                                                       pairs.c.supervisee_id == supervisee_id)).first()
        if row is not None:
            pair_id = row.id
        else:
            pair_id = conn.execute(pairs.insert().values(
                session_id=sup.session_id, supervisor_id=supervisor_id, supervisee_id=supervisee_id,
                created_at=created_at or _now())).inserted_primary_key[0]
        # former partners of either member are left without a pair (old pairs and their notes stay)
        old = [p for p in (sup.pair_id, sub.pair_id) if p is not None and p != pair_id]
        if old:
            conn.execute(participants.update().where(participants.c.pair_id.in_(old)).values(pair_id=None))
        conn.execute(participants.update().where(participants.c.id.in_([supervisor_id, supervisee_id]))
                     .values(pair_id=pair_id))
        return pair_id

    def set_pair(self, supervisor_id: int, supervisee_id: int) -> int:
        """Pair a supervisor with a supervisee (both in one session); returns the pair id.

        Either member's previous pair is dissolved (its notes are kept); pairing the same two
        people again returns their existing pair id.
        """
        return self._write_retrying(lambda conn: self._set_pair(conn, supervisor_id, supervisee_id))

    def unpair(self, participant_id: int) -> None:
        """Dissolve the participant's current pair (both members become unpaired)."""

        def work(conn: Connection) -> None:
            p = self._get_participant(conn, participant_id, lock=True)
            if p.pair_id is not None:
                conn.execute(participants.update().where(participants.c.pair_id == p.pair_id)
                             .values(pair_id=None))

        self._write_retrying(work)

    def get_pair(self, pair_id: int) -> Pair:
        """The pair with this id (current or dissolved)."""
        with self._read() as conn:
            return self._get_pair(conn, pair_id)

    def _get_pair(self, conn: Connection, pair_id: int) -> Pair:
        row = conn.execute(sa.select(pairs.c.id, pairs.c.session_id, pairs.c.supervisor_id,
                                     pairs.c.supervisee_id).where(pairs.c.id == pair_id)).first()
        if row is None:
            raise StoreError(f"There is no pair with id {pair_id}")
        return Pair(row.id, row.session_id, row.supervisor_id, row.supervisee_id)

    def pairs(self, session_id: int) -> list[Pair]:
        """The session's current pairs (both members still linked), in creation order."""
        sup = participants.alias("sup")
        sub = participants.alias("sub")
        q = (sa.select(pairs.c.id, pairs.c.session_id, pairs.c.supervisor_id, pairs.c.supervisee_id)
             .join(sup, sa.and_(sup.c.id == pairs.c.supervisor_id, sup.c.pair_id == pairs.c.id))
             .join(sub, sa.and_(sub.c.id == pairs.c.supervisee_id, sub.c.pair_id == pairs.c.id))
             .where(pairs.c.session_id == session_id).order_by(pairs.c.id))
        with self._read() as conn:
            return [Pair(*row) for row in conn.execute(q).all()]

    def partner(self, participant_id: int) -> Participant | None:
        """The other member of the participant's current pair, or None."""
        with self._read() as conn:
            me = self._get_participant(conn, participant_id)
            if me.pair_id is None:
                return None
            row = conn.execute(sa.select(*self._PARTICIPANT_COLS).where(
                participants.c.pair_id == me.pair_id, participants.c.id != participant_id)).first()
        return self._participant(row) if row else None

    # -- answers --------------------------------------------------------------------------------

    @staticmethod
    def _check_occasion(instrument: Instrument, occasion: str) -> None:
        if occasion not in instrument.occasion_ids:
            allowed = ", ".join(repr(o) for o in instrument.occasion_ids)
            raise ValueError(f"{instrument.id}: unknown occasion {occasion!r} (allowed: {allowed})")

    def save_draft(self, participant_id: int, instrument_id: str, answers: Mapping[str, Any],
                   occasion: str = "") -> None:
        """Keep unfinished answers (one draft per participant, instrument and occasion; replaced)."""
        try:
            payload = json.loads(json.dumps(dict(answers)))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{instrument_id}: a draft must hold text, numbers and true/false only ({exc})") from exc

        def work(conn: Connection) -> None:
            self._get_participant(conn, participant_id)
            _upsert(conn, drafts, dict(participant_id=participant_id, instrument_id=instrument_id,
                                       occasion=occasion, answers=payload, updated_at=_now()),
                    ["participant_id", "instrument_id", "occasion"], ["answers", "updated_at"])

        self._write_retrying(work)

    def load_draft(self, participant_id: int, instrument_id: str, occasion: str = "") -> dict | None:
        """The saved draft, or None."""
        with self._read() as conn:
            return conn.execute(sa.select(drafts.c.answers).where(
                drafts.c.participant_id == participant_id, drafts.c.instrument_id == instrument_id,
                drafts.c.occasion == occasion)).scalar()

    def _current_query(self, where: Sequence[Any]) -> sa.Select:
        """Current (latest) revisions matching ``where`` (conditions on ``responses``)."""
        latest = (sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion,
                            sa.func.max(responses.c.revision).label("revision"))
                  .where(*where)
                  .group_by(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion)
                  .subquery("latest"))
        return sa.select(responses).join(latest, sa.and_(
            responses.c.participant_id == latest.c.participant_id,
            responses.c.instrument_id == latest.c.instrument_id,
            responses.c.occasion == latest.c.occasion,
            responses.c.revision == latest.c.revision))

    def current_answers(self, participant_id: int, instrument_id: str, occasion: str = "") -> dict | None:
        """The current revision's answers, or None when nothing was submitted."""
        with self._read() as conn:
            return conn.execute(
                sa.select(responses.c.answers).where(
                    responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                    responses.c.occasion == occasion)
                .order_by(responses.c.revision.desc()).limit(1)).scalar()

    def revisions(self, participant_id: int, instrument_id: str, occasion: str = "") -> list[Submission]:
        """Every stored revision, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(responses.c.id, responses.c.revision, responses.c.submitted_at).where(
                    responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                    responses.c.occasion == occasion).order_by(responses.c.revision)).all()
        return [Submission(r.id, r.revision, True, r.submitted_at) for r in rows]

    def revision_answers(self, participant_id: int, instrument_id: str, revision: int,
                         occasion: str = "") -> dict | None:
        """The answers of one stored revision (None when there is no such revision)."""
        with self._read() as conn:
            return conn.execute(sa.select(responses.c.answers).where(
                responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                responses.c.occasion == occasion, responses.c.revision == revision)).scalar()

    def pair_answers(self, pair_id: int, instrument_id: str, occasion: str = "") -> tuple[dict | None, dict | None]:
        """(supervisor's, supervisee's) current answers; None for a member who has not submitted."""
        with self._read() as conn:
            pair = self._get_pair(conn, pair_id)
            q = self._current_query([responses.c.participant_id.in_([pair.supervisor_id, pair.supervisee_id]),
                                     responses.c.instrument_id == instrument_id,
                                     responses.c.occasion == occasion])
            found = {r.participant_id: r.answers for r in conn.execute(q).all()}
        return found.get(pair.supervisor_id), found.get(pair.supervisee_id)

    def pre_post(self, participant_id: int, instrument_id: str) -> tuple[dict | None, dict | None]:
        """The participant's current answers on the occasions "pre" and "post" (None if missing)."""
        with self._read() as conn:
            q = self._current_query([responses.c.participant_id == participant_id,
                                     responses.c.instrument_id == instrument_id,
                                     responses.c.occasion.in_(["pre", "post"])])
            found = {r.occasion: r.answers for r in conn.execute(q).all()}
        return found.get("pre"), found.get("post")

    # -- notes ------------------------------------------------------------------------------------

    def save_note(self, pair_id: int, instrument_id: str, key: str, text: str,
                  author_id: int | None = None) -> None:
        """Save (replace) a pair's note, e.g. an answer to a discussion question or an action step."""
        key = (key or "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise StoreError(f"A note needs a key of 1 to {MAX_KEY_LENGTH} characters")
        if not isinstance(text, str):
            raise StoreError("A note's text must be text")

        def work(conn: Connection) -> None:
            pair = self._get_pair(conn, pair_id)
            if author_id is not None and self._get_participant(conn, author_id).session_id != pair.session_id:
                raise StoreError(f"Participant {author_id} is not in the pair's session")
            _upsert(conn, notes, dict(pair_id=pair_id, instrument_id=instrument_id, key=key, text=text,
                                      author_id=author_id, updated_at=_now()),
                    ["pair_id", "instrument_id", "key"], ["text", "author_id", "updated_at"])

        self._write_retrying(work)

    def notes(self, pair_id: int, instrument_id: str) -> dict[str, str]:
        """The pair's notes for an instrument, {key: text}, in the order first written."""
        with self._read() as conn:
            rows = conn.execute(sa.select(notes.c.key, notes.c.text).where(
                notes.c.pair_id == pair_id, notes.c.instrument_id == instrument_id).order_by(notes.c.id)).all()
        return {r.key: r.text for r in rows}

    # -- data management ------------------------------------------------------------------------

    def _purge(self, conn: Connection, session_id: int) -> None:
        members = sa.select(participants.c.id).where(participants.c.session_id == session_id)
        session_pairs = sa.select(pairs.c.id).where(pairs.c.session_id == session_id)
        conn.execute(notes.delete().where(notes.c.pair_id.in_(session_pairs)))
        self._purge_access(conn, session_id)
        conn.execute(notes.update().where(notes.c.author_id.in_(members)).values(author_id=None))
        conn.execute(drafts.delete().where(drafts.c.participant_id.in_(members)))
        conn.execute(responses.delete().where(responses.c.participant_id.in_(members)))
        conn.execute(participants.update().where(participants.c.session_id == session_id).values(pair_id=None))
        conn.execute(pairs.delete().where(pairs.c.session_id == session_id))
        conn.execute(participants.delete().where(participants.c.session_id == session_id))
        conn.execute(sessions.delete().where(sessions.c.id == session_id))

    def purge_session(self, session_id: int) -> None:
        """Delete the session and everything in it: participants, pairs, answers, drafts, notes."""

        def work(conn: Connection) -> None:
            self._get_session(conn, session_id, lock=True)
            self._purge(conn, session_id)

        self._write_retrying(work)

    def dump_session(self, session_id: int) -> dict[str, Any]:
        """Everything of a session as plain data (for :mod:`peerkit.transfer`): the session
        (with its passcode hash), participants, pairs, every revision and the notes.
        Drafts are not included."""
        with self._read() as conn:
            srow = conn.execute(sa.select(sessions).where(sessions.c.id == session_id)).first()
            if srow is None:
                raise StoreError(f"There is no session with id {session_id}")
            prows = conn.execute(sa.select(participants).where(participants.c.session_id == session_id)
                                 .order_by(participants.c.id)).all()
            pair_rows = conn.execute(sa.select(pairs).where(pairs.c.session_id == session_id)
                                     .order_by(pairs.c.id)).all()
            members = sa.select(participants.c.id).where(participants.c.session_id == session_id)
            rrows = conn.execute(sa.select(responses).where(responses.c.participant_id.in_(members))
                                 .order_by(responses.c.participant_id, responses.c.instrument_id,
                                           responses.c.occasion, responses.c.revision)).all()
            nrows = conn.execute(sa.select(notes).where(
                notes.c.pair_id.in_(sa.select(pairs.c.id).where(pairs.c.session_id == session_id)))
                .order_by(notes.c.pair_id, notes.c.instrument_id, notes.c.id)).all()
        return {
            "session": {"id": srow.id, "title": srow.title, "date": srow.date,
                        "join_code": format_join_code(srow.join_code), "status": srow.status,
                        "created_at": srow.created_at, "passcode_hash": srow.passcode_hash,
                        "passcode_salt": srow.passcode_salt},
            "participants": [{"id": r.id, "display_name": r.display_name, "role": r.role,
                              "pair_id": r.pair_id, "created_at": r.created_at} for r in prows],
            "pairs": [{"id": r.id, "supervisor_id": r.supervisor_id, "supervisee_id": r.supervisee_id,
                       "created_at": r.created_at} for r in pair_rows],
            "responses": [{"participant_id": r.participant_id, "instrument_id": r.instrument_id,
                           "instrument_version": r.instrument_version, "occasion": r.occasion,
                           "revision": r.revision, "answers": r.answers, "submitted_at": r.submitted_at}
                          for r in rrows],
            "notes": [{"pair_id": r.pair_id, "instrument_id": r.instrument_id, "key": r.key, "text": r.text,
                       "author_id": r.author_id, "updated_at": r.updated_at} for r in nrows],
        }

    def restore_session(self, data: Mapping[str, Any], *, new_code: bool = False,
                        passcode: str | None = None) -> WorkshopSession:
        """Write a validated session (the shape :meth:`dump_session` returns) in one transaction.

        Ids in ``data`` are the exporting database's; new ids are assigned and every reference
        is mapped. Answers are stored as given (validate them first: :mod:`peerkit.transfer`
        does). The join code is kept unless ``new_code`` is true; a join code already in use
        is a :class:`StoreError`. Without a passcode hash in ``data``, ``passcode`` is hashed.
        """
        s = data["session"]

        def work(conn: Connection) -> WorkshopSession:
            code = None if new_code else normalize_join_code(s.get("join_code") or "")
            if code is not None:
                taken = conn.execute(sa.select(sessions.c.id, sessions.c.title)
                                     .where(sessions.c.join_code == code)).first()
                if taken is not None:
                    raise StoreError(
                        f"This database already has a session with join code {format_join_code(code)} "
                        f"(id {taken.id}, '{taken.title}'). Purge it first, or import with a new join code "
                        "(peerkit import --new-code).")
            hashed = ((s["passcode_hash"], s["passcode_salt"])
                      if s.get("passcode_hash") and s.get("passcode_salt") else None)
            if hashed is None and not passcode:
                raise StoreError("The imported session needs a facilitator passcode")
            session = self._insert_session(conn, s["title"], passcode or "", s.get("date"), join_code=code,
                                           status=s.get("status", "open"), created_at=s.get("created_at"),
                                           passcode_hash=hashed)
            pid: dict[Any, int] = {}
            for p in data.get("participants", []):
                pid[p["id"]] = conn.execute(participants.insert().values(
                    session_id=session.id, display_name=p["display_name"],
                    name_key=_name_key(p["display_name"]), role=p["role"],
                    created_at=p.get("created_at") or _now())).inserted_primary_key[0]
            pair_map: dict[Any, int] = {}
            for pr in data.get("pairs", []):
                pair_map[pr["id"]] = conn.execute(pairs.insert().values(
                    session_id=session.id, supervisor_id=pid[pr["supervisor_id"]],
                    supervisee_id=pid[pr["supervisee_id"]],
                    created_at=pr.get("created_at") or _now())).inserted_primary_key[0]
            for p in data.get("participants", []):
                if p.get("pair_id") is not None:
                    conn.execute(participants.update().where(participants.c.id == pid[p["id"]])
                                 .values(pair_id=pair_map[p["pair_id"]]))
            rows = [dict(participant_id=pid[r["participant_id"]], instrument_id=r["instrument_id"],
                         instrument_version=r["instrument_version"], occasion=r.get("occasion", ""),
                         revision=r["revision"], answers=r["answers"], answers_hash=answers_hash(r["answers"]),
                         submitted_at=r["submitted_at"]) for r in data.get("responses", [])]
            if rows:
                conn.execute(responses.insert(), rows)
            nrows = [dict(pair_id=pair_map[n["pair_id"]], instrument_id=n["instrument_id"], key=n["key"],
                          text=n["text"], author_id=pid.get(n.get("author_id")) if n.get("author_id") is not None
                          else None, updated_at=n.get("updated_at") or _now()) for n in data.get("notes", [])]
            if nrows:
                conn.execute(notes.insert(), nrows)
            return session

        return self._write_retrying(work, attempts=2)

    def load_demo(self, instruments: Mapping[str, Instrument] | None = None) -> WorkshopSession:
        """The demo session ("Demo session", passcode "demo"): 6 supervisors and 6 peer
        specialists in pairs, with sample answers for the demo instruments that exist.

        Idempotent: running it again adds only what is missing (e.g. answers for an
        instrument whose file appeared since) and never changes existing answers.
        ``instruments`` are the instruments to fill in; by default those of
        :data:`DEMO_INSTRUMENTS` whose files exist in ``data/instruments``.
        """
        found = dict(instruments) if instruments is not None else _load_demo_instruments()
        chosen = list(found.values())
        session = self._builtin_session("demo", DEMO_TITLE, DEMO_PASSCODE)

        def work(conn: Connection) -> None:
            self._get_session(conn, session.id, lock=True)
            people: list[tuple[Participant, Participant]] = []
            for sup_name, ps_name in _DEMO_PAIRS:
                sup = self._join(conn, session.id, sup_name, "supervisor")
                ps = self._join(conn, session.id, ps_name, "peer_specialist")
                if sup.pair_id is None and ps.pair_id is None:
                    self._set_pair(conn, sup.id, ps.id)
                people.append((sup, ps))
            have = {(r.participant_id, r.instrument_id, r.occasion) for r in conn.execute(
                sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion).distinct()
                .where(responses.c.participant_id.in_([p.id for pair in people for p in pair]))).all()}
            for ins in chosen:
                for k, occasion in enumerate(ins.occasion_ids):
                    for pair_no, members in enumerate(people):
                        for member in members:
                            if not _completes(ins, member.role) or (member.id, ins.id, occasion) in have:
                                continue
                            answers = demo_answers(ins, pair_no, member.role, occasion, k)
                            if answers:
                                self._submit(conn, member.id, ins, answers, occasion, check_open=False)

        self._write_retrying(work)
        return self.get_session(session.id)


# -- helpers outside the class -----------------------------------------------------------------


# waits between tries for SQLite's write lock: short and jittered, instead of the built-in
# busy handler's steps that grow to 100 ms (the tail of many writers arriving at once); 25 ms
# at most: shorter waits make dozens of polling writers starve the one holding the lock on 2 cores
_WRITE_WAIT_FIRST = 0.0005
_WRITE_WAIT_MAX = 0.025


def _begin_immediate(dbapi_connection: Any, timeout: float, timeout_ms: int) -> None:
    """``BEGIN IMMEDIATE``, retried with short jittered waits while another writer holds the lock.

    Raises SQLite's own "database is locked" error after ``timeout`` seconds, as the busy handler
    would. The connection's busy timeout is off only for these tries and restored afterwards.
    """
    deadline = time.monotonic() + timeout
    wait = _WRITE_WAIT_FIRST
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                low = str(exc).lower()
                if ("locked" not in low and "busy" not in low) or time.monotonic() >= deadline:
                    raise
            time.sleep(random.uniform(wait / 2, wait))
            wait = min(wait * 2, _WRITE_WAIT_MAX)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {timeout_ms}")


#: a pooled PostgreSQL connection idle for longer than this is checked (``SELECT 1``) before use
_PING_AFTER = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has been idle for a while.

    A connection in steady use (a kernel polling the live state every 2 s, saving drafts) is
    not pinged: the ping is a round trip of its own before every statement, and a room
    submitting at once pays it 60 times. A connection that dies anyway fails its statement;
    SQLAlchemy then discards the pool's connections and the write is retried on a new one.
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["peerkit_used"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["peerkit_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("peerkit_used", 0.0) < _PING_AFTER:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: the pool opens a new connection
            raise sa.exc.DisconnectionError(f"stale connection: {exc}") from exc


def _retryable(exc: BaseException) -> bool:
    """A PostgreSQL deadlock or serialization failure: the transaction can simply be run again."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40001", "40P01")


def _upsert(conn: Connection, table: sa.Table, values: dict[str, Any], keys: list[str], update: list[str]) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=keys,
                                            set_={c: stmt.excluded[c] for c in update}))


def _load_demo_instruments() -> dict[str, Instrument]:
    """The demo instruments whose files exist (a broken file raises InstrumentError)."""
    out: dict[str, Instrument] = {}
    for ins_id in DEMO_INSTRUMENTS:
        path = data_dir() / "instruments" / f"{ins_id}.yaml"
        if path.exists():
            out[ins_id] = load_instrument(path)
    return out


def _completes(instrument: Instrument, role: str) -> bool:
    """Whether someone in ``role`` fills in the instrument (by its ``completed_by``)."""
    who = instrument.completed_by
    return who in ("both", "anyone", "group") or who == role


def demo_answers(instrument: Instrument, pair_no: int, role: str, occasion: str = "",
                 occasion_index: int = 0) -> dict[str, Any]:
    """Plausible, reproducible sample answers for the demo session.

    Drawn with seeded ``random.Random`` over each item's scale values, so they fit whatever
    items the data file has. Members of a pair share a view of each item and differ now and
    then; later occasions (e.g. "post") lean towards the better end of the scale and keep
    ticked checklist items. Free-text items are left empty.
    """
    out: dict[str, Any] = {}
    later = occasion_index > 0
    for item in instrument.items:
        scale = instrument.scale_for(item)
        if scale.kind == "text":
            continue
        # the pair's shared view, this person's own view (the same on every occasion),
        # and what changed on this occasion
        shared = random.Random(f"{instrument.id}|{pair_no}|{item.id}")
        person = random.Random(f"{instrument.id}|{pair_no}|{role}|{item.id}")
        now = random.Random(f"{instrument.id}|{pair_no}|{role}|{occasion}|{item.id}")
        values = list(scale.values)
        if scale.kind == "checklist":
            first = shared.random() < 0.45
            first = first if person.random() > 0.15 else not first
            out[item.id] = (first or now.random() < 0.6) if later else first
            continue
        if now.random() < 0.03:  # now and then an item is left unanswered
            continue
        if scale.kind == "true_false":
            base = shared.random() < 0.6
            out[item.id] = base if person.random() > 0.2 else not base
            continue
        if scale.ordinal or scale.kind in ("sia", "frequency"):
            n = len(values)  # the first option is the best (S, or 5 on a 5..1 list)
            if scale.kind == "frequency" and values != sorted(values, reverse=True):
                values = sorted(values, reverse=True)
            pos = round(shared.triangular(0, n - 1, (n - 1) * 0.35))
            if person.random() < 0.35:
                pos += person.choice((-1, 1))
            if later and now.random() < 0.5:
                pos -= 1
            out[item.id] = values[min(max(pos, 0), n - 1)]
            continue
        base = shared.choice(values)
        out[item.id] = base if person.random() > 0.3 else person.choice(values)
    return out
