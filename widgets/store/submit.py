"""Submitting answers: the store's busiest write, when a whole room presses Submit at once.

A submit stores the answers as a new revision (the latest is current) and clears the draft, in
one transaction. It is refused when the participant is gone, the session is closed, the
facilitator has not opened (or has closed) the exercise, or -- with a ``base_revision`` -- when a
newer revision was stored meanwhile. Answers identical to the current revision store nothing
("already saved").

Everything that can be done before the transaction is done there (validation, the answers'
hash and JSON, the timestamp), and the transaction itself is short, run on the database driver
directly with statements written once. The common case -- a new answer set, taken -- is one
guarded ``INSERT ... SELECT``: it inserts the next revision only if the participant exists, the
session is open, the exercise is open (facilitator-led sessions), the answers differ from the
current revision and no newer revision than the base exists. When it inserts nothing, one read
(participant, session, live state and current revision in one statement) finds out why and the
submit refuses, or returns the identical revision ("already saved").

- **SQLite**: the writer holds the database's one write lock (``BEGIN IMMEDIATE``) for the
  insert and the draft delete. With 60 writers queued behind that lock its holding time is the
  whole story: each microsecond inside the lock is paid 60 times.
- **PostgreSQL**: one round trip with psycopg's pipeline mode: ``BEGIN``, a lock on the
  participant row (one submitter per participant at a time), a share lock on the session's
  live-state row (a close waits for this submit, or this submit sees the close), the insert
  with the draft delete in one statement, ``COMMIT``. Through SQLAlchemy statement by statement
  this was eight round trips (with the pool's pre-ping), each a context switch on a busy
  server.

A unique constraint on (participant, instrument, occasion, revision) backs the revision
number; a clash (e.g. a second tab submitting the same moment) is retried from the start, and
so are PostgreSQL's serialization failures, deadlocks and a dropped connection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from typing import TYPE_CHECKING, Any, Callable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..live import LiveState
from ..scoring import clean_answers
from .schema import UTC, responses
from .values import Submission, answers_hash

if TYPE_CHECKING:  # pragma: no cover
    from ..instruments import Instrument

__all__ = ["SubmitMixin"]

# one read for everything the decision needs: the participant's session and its status, the
# live state (NULLs: never switched, self-paced) and the current revision (NULLs: none yet)
_READ = (
    "SELECT p.session_id, s.status, s.title, "
    "ls.mode, ls.plan, ls.instrument_id, ls.occasion, ls.phase, ls.show_key, ls.version, "
    "cur.id, cur.revision, cur.answers_hash, cur.submitted_at "
    "FROM participants p "
    "JOIN sessions s ON s.id = p.session_id "
    "LEFT JOIN live_state ls ON ls.session_id = p.session_id "
    "LEFT JOIN (SELECT id, revision, answers_hash, submitted_at FROM responses "
    "WHERE participant_id = :pid AND instrument_id = :iid AND occasion = :occ "
    "ORDER BY revision DESC LIMIT 1) cur ON 1 = 1 "
    "WHERE p.id = :pid"
)
# PostgreSQL: the locks are taken before the read (in statements of their own), so that the
# read's snapshot comes after them: it sees the latest revision of this participant (one
# submitter per participant at a time) and a live state no close can change until this
# transaction ends (set_live locks that row FOR UPDATE)
_LOCK_PARTICIPANT = "SELECT 1 FROM participants WHERE id = :pid FOR UPDATE"
_LOCK_LIVE = ("SELECT 1 FROM live_state WHERE session_id = "
              "(SELECT session_id FROM participants WHERE id = :pid) FOR SHARE")
_DELETE_DRAFT = "DELETE FROM drafts WHERE participant_id = :pid AND instrument_id = :iid AND occasion = :occ"
_INSERT = ("INSERT INTO responses (participant_id, instrument_id, instrument_version, occasion, revision, "
           "answers, answers_hash, submitted_at) "
           "VALUES (:pid, :iid, :version, :occ, :revision, :answers, :digest, :when)")

# the common case in one statement: insert the next revision unless something stands in the
# way -- the participant is gone, the session closed, the exercise not open in a
# facilitator-led session (the rule of LiveState.accepts, no looser), identical answers, or a
# newer revision than the base. Nothing inserted: the full read finds out which, and says so.
_INSERT_GUARDED = (
    "INSERT INTO responses (participant_id, instrument_id, instrument_version, occasion, revision, "
    "answers, answers_hash, submitted_at) "
    "SELECT p.id, CAST(:iid AS VARCHAR), :version, CAST(:occ AS VARCHAR), COALESCE(cur.revision, 0) + 1, "
    ":answers, CAST(:digest AS VARCHAR), :when "
    "FROM participants p "
    "JOIN sessions s ON s.id = p.session_id "
    "LEFT JOIN live_state ls ON ls.session_id = p.session_id "
    "LEFT JOIN (SELECT revision, answers_hash FROM responses "
    "WHERE participant_id = :pid AND instrument_id = :iid AND occasion = :occ "
    "ORDER BY revision DESC LIMIT 1) cur ON 1 = 1 "
    "WHERE p.id = :pid AND s.status = 'open' "
    "AND (ls.mode IS NULL OR ls.mode <> 'facilitator' "
    "OR (ls.instrument_id = :iid AND ls.occasion = :occ AND ls.phase = 'open')) "
    "AND (cur.revision IS NULL OR (cur.answers_hash <> :digest AND cur.revision <= :base)) "
    "RETURNING id, revision"
)
# RETURNING needs SQLite 3.35; older libraries take the read-then-insert path every time
_SQLITE_RETURNING = sqlite3.sqlite_version_info >= (3, 35)
_NO_BASE = 2**31 - 1


def _pyformat(sql: str) -> str:
    """``:name`` -> ``%(name)s`` (psycopg's parameter style)."""
    return re.sub(r":(\w+)", r"%(\1)s", sql)


_PG = {"generic": "SET LOCAL plan_cache_mode = force_generic_plan", "read": _pyformat(_READ), "lock": _pyformat(_LOCK_PARTICIPANT), "lock_live": _pyformat(_LOCK_LIVE),
       "delete": _pyformat(_DELETE_DRAFT), "insert": _pyformat(_INSERT + " RETURNING id"),
       # the draft goes only if the answers went in (a data-modifying WITH sees the insert's rows)
       "guarded": _pyformat(f"WITH ins AS ({_INSERT_GUARDED}), del AS ({_DELETE_DRAFT} "
                            "AND EXISTS (SELECT 1 FROM ins)) SELECT id, revision FROM ins")}


def _psycopg3(dbapi: Any) -> bool:
    module = type(dbapi).__module__
    return module == "psycopg" or module.startswith("psycopg.")


def _batch(dbapi: Any) -> Any:
    """psycopg 3's pipeline (the statements go out together, one round trip), where the driver
    and its libpq (14 or newer) have it; else the statements simply run one after the other."""
    if _psycopg3(dbapi):
        import psycopg

        if psycopg.Pipeline.is_supported():
            return dbapi.pipeline()
    return contextlib.nullcontext()


def _execute(dbapi: Any, cursor: Any, sql: str, params: dict[str, Any]) -> None:
    """Run a statement prepared on the server once per connection (psycopg 3), else plainly."""
    if _psycopg3(dbapi):
        cursor.execute(sql, params, prepare=True)
    else:  # pragma: no cover - other drivers (psycopg2)
        cursor.execute(sql, params)


class _Values:
    """The submit's values converted for the driver once, before the transaction."""

    __slots__ = ("params", "when", "digest")

    def __init__(self, params: dict[str, Any], when: dt.datetime, digest: str) -> None:
        self.params, self.when, self.digest = params, when, digest


class SubmitMixin:
    """:meth:`submit` of :class:`~peerkit.store.Store` (see the module's text)."""

    def submit(self, participant_id: int, instrument: "Instrument", answers: Mapping[str, Any],
               occasion: str = "", *, base_revision: int | None = None) -> "Submission":
        """Store the answers as a new revision (the latest is current) and clear the draft.

        ``ValueError`` names an unknown item, a value not on the scale, an unknown occasion, or
        an empty response. Answers identical to the current revision store nothing and return
        that revision with ``created=False`` (a double click saves once). A closed session
        refuses submissions with a :class:`StoreError`.

        ``base_revision`` is the revision the answers were based on (0: none yet); when a newer
        one was stored meanwhile (another tab or device), :class:`RevisionConflict` is raised
        and nothing is saved, so a stale page never silently replaces newer answers.
        """
        self._check_occasion(instrument, occasion)  # type: ignore[attr-defined]
        clean = clean_answers(instrument, answers)
        if not clean:
            raise ValueError(f"{instrument.id}: nothing is answered yet, so there is nothing to submit")
        values = self._submit_values(participant_id, instrument, clean, occasion, None)
        return self._write_retrying(  # type: ignore[attr-defined]
            lambda conn: self._submit_prepared(conn, instrument, values, base_revision=base_revision, finish=True),
            reconnect=True)

    def _submit(self, conn: Connection, participant_id: int, instrument: "Instrument",
                clean: dict[str, Any], occasion: str, *, submitted_at: dt.datetime | None = None,
                check_open: bool = True, base_revision: int | None = None) -> "Submission":
        """Submit inside a transaction the caller holds (e.g. the demo session's answers)."""
        values = self._submit_values(participant_id, instrument, clean, occasion, submitted_at)
        return self._submit_prepared(conn, instrument, values, check_open=check_open, base_revision=base_revision)

    # -- the parts ----------------------------------------------------------------------------

    def _submit_values(self, participant_id: int, instrument: "Instrument", clean: dict[str, Any],
                       occasion: str, submitted_at: dt.datetime | None) -> _Values:
        bind_json, bind_time, _ = self._submit_processors()
        when = submitted_at or dt.datetime.now(UTC)
        digest = answers_hash(clean)
        params = {"pid": participant_id, "iid": instrument.id, "occ": occasion, "version": instrument.version,
                  "answers": bind_json(clean) if bind_json else clean, "digest": digest,
                  "when": bind_time(when) if bind_time else when, "revision": None}
        return _Values(params, when, digest)

    def _submit_processors(self) -> tuple[Callable | None, Callable | None, Callable | None]:
        """The dialect's converters for the answers (JSON) and the time (UTC), as SQLAlchemy
        would apply them, so the rows are the same as those written through it."""
        found = getattr(self, "_submit_procs", None)
        if found is None:
            dialect = self.engine.dialect  # type: ignore[attr-defined]
            answers_type = responses.c.answers.type.dialect_impl(dialect)
            time_type = responses.c.submitted_at.type.dialect_impl(dialect)
            found = (answers_type.bind_processor(dialect), time_type.bind_processor(dialect),
                     time_type.result_processor(dialect, None))
            self._submit_procs = found
        return found

    def _submit_prepared(self, conn: Connection, instrument: "Instrument", values: _Values, *,
                         check_open: bool = True, base_revision: int | None = None,
                         finish: bool = False) -> "Submission":
        dbapi = conn.connection.dbapi_connection
        params = values.params
        postgres = conn.dialect.name == "postgresql"
        try:
            if check_open and (finish if postgres else _SQLITE_RETURNING):
                params["base"] = _NO_BASE if base_revision is None else base_revision
                if postgres:  # one round trip: BEGIN, the locks, the insert with the draft delete, COMMIT
                    with _batch(dbapi):
                        # prepared once per connection, planned once (a generic plan): planning
                        # the guarded insert costs about as much as running it
                        dbapi.cursor().execute(_PG["generic"])
                        _execute(dbapi, dbapi.cursor(), _PG["lock"], params)
                        _execute(dbapi, dbapi.cursor(), _PG["lock_live"], params)
                        cur = dbapi.cursor()
                        _execute(dbapi, cur, _PG["guarded"], params)
                        done = cur.fetchone()
                        dbapi.commit()  # nothing inserted: an empty transaction, the full path follows
                else:
                    done = next(iter(dbapi.execute(_INSERT_GUARDED, params).fetchall()), None)
                    if done is not None:
                        dbapi.execute(_DELETE_DRAFT, params)
                        if finish:  # release the write lock now, not after SQLAlchemy's bookkeeping
                            dbapi.commit()
                if done is not None:
                    return Submission(done[0], done[1], True, values.when)
            if postgres:
                with _batch(dbapi):
                    dbapi.cursor().execute(_PG["lock"], params)
                    dbapi.cursor().execute(_PG["lock_live"], params)
                    cur = dbapi.cursor()
                    cur.execute(_PG["read"], params)
                    row = cur.fetchone()
            else:
                row = dbapi.execute(_READ, params).fetchone()
            current = self._submit_decide(row, params, instrument, values.digest, check_open, base_revision)
            if postgres:
                with _batch(dbapi):
                    cur.execute(_PG["delete"], params)
                    if current is None or current[2] != values.digest:
                        cur.execute(_PG["insert"], params)
                        new_id = cur.fetchone()[0]
                    if finish:  # the commit goes with the same round trip
                        dbapi.commit()
            else:
                dbapi.execute(_DELETE_DRAFT, params)
                if current is None or current[2] != values.digest:
                    new_id = dbapi.execute(_INSERT, params).lastrowid
        except conn.dialect.loaded_dbapi.Error as exc:
            raise self._submit_error(conn, exc, dbapi) from exc
        if current is not None and current[2] == values.digest:
            return Submission(current[0], current[1], False, self._submit_processors()[2](current[3])
                              if self._submit_processors()[2] else current[3])
        return Submission(new_id, params["revision"], True, values.when)

    def _submit_decide(self, row: Any, params: dict[str, Any], instrument: "Instrument", digest: str,
                       check_open: bool, base_revision: int | None) -> tuple | None:
        """Refuse (participant gone, session closed, exercise not open, newer revision) or set
        the new revision number in ``params``; returns the current revision's (id, revision,
        hash, submitted_at), or None."""
        from .access import ParticipantGone, RevisionConflict, SessionClosed

        if row is None:
            raise ParticipantGone(f"There is no participant with id {params['pid']}. The facilitator may have "
                                  "removed this name or deleted the session.")
        session_id, status, title = row[0], row[1], row[2]
        if check_open:
            if status != "open":
                raise SessionClosed(f"The session “{title}” is closed, so answers can no longer be submitted.")
            if row[9] is not None:  # facilitator-led: only the open exercise takes answers
                state = LiveState(session_id, mode=row[3], plan=row[4], instrument_id=row[5], occasion=row[6],
                                  phase=row[7], show_key=bool(row[8]), version=row[9])
                refusal = state.refusal(instrument.id, params["occ"], instrument.title)
                if refusal is not None:
                    raise self._live_error(refusal)  # type: ignore[attr-defined]
        current = tuple(row[10:14]) if row[10] is not None else None
        if current is not None and base_revision is not None and current[1] > base_revision and current[2] != digest:
            result = self._submit_processors()[2]
            raise RevisionConflict(current[1], result(current[3]) if result else current[3])
        params["revision"] = current[1] + 1 if current is not None else 1
        return current

    def _submit_error(self, conn: Connection, exc: Exception, dbapi: Any) -> sa.exc.DBAPIError:
        """The driver's error as SQLAlchemy would have raised it (so that unique-constraint
        clashes, serialization failures and dropped connections are retried, and the rest is
        translated into a plain message); a dropped connection is discarded from the pool."""
        dialect = conn.dialect
        gone = dialect.is_disconnect(exc, dbapi, None)
        if gone:
            conn.invalidate(exc)
        return sa.exc.DBAPIError.instance("submit", None, exc, dialect.loaded_dbapi.Error,
                                          connection_invalidated=gone, dialect=dialect)
