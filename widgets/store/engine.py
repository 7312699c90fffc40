"""The store's database connection: engine set-up for SQLite and PostgreSQL, the SQLite write
lock taken up front (``BEGIN IMMEDIATE`` with short jittered retries), pooled PostgreSQL
connections checked only after being idle, read and write transactions with retries, errors
translated into plain messages, and the schema check when a store opens."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

from .schema import HEAD_REVISION, alembic_version
from .values import StoreError

__all__ = ["EngineMixin", "default_url"]

T = TypeVar("T")


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


class EngineMixin:
    """Connection set-up, transactions and error translation of :class:`~peerkit.store.Store`."""

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
