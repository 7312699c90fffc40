"""A whole session at once: purge (everything in it deleted), dump (as plain data, for
:mod:`peerkit.transfer`) and restore (one transaction, ids mapped)."""

from __future__ import annotations

from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import drafts, notes, pairs, participants, responses, sessions
from .values import StoreError, WorkshopSession, _name_key, _now, answers_hash, format_join_code, normalize_join_code

__all__ = ["BackupMixin"]


class BackupMixin:
    """Purge, dump and restore of :class:`~peerkit.store.Store`."""

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
