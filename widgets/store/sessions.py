"""Sessions, participants and pairs: creating and finding sessions, their status and passcode,
joining (by name, for the command line and imports), pairing supervisors with supervisees."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..instruments import ROLES
from .access import ParticipantGone
from .schema import MAX_NAME_LENGTH, MAX_TITLE_LENGTH, STATUSES, pairs, participants, sessions
from .values import (
    Pair, Participant, StoreError, WorkshopSession, _clean_text, _hash_passcode, _name_key, _new_join_code, _now,
    _verify_passcode, format_join_code, normalize_join_code,
)

__all__ = ["SELF_STUDY_TITLE", "SessionsMixin"]

SELF_STUDY_TITLE = "Self-study"


class SessionsMixin:
    """Sessions, participants and pairs of :class:`~peerkit.store.Store`."""

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
