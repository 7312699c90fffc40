"""The store's side of facilitator-led sessions: one ``live_state`` row per session.

The facilitator's dashboard writes it (:meth:`LiveMixin.set_live` and the small methods
around it); every participant's kernel polls :meth:`LiveMixin.live_version`, one integer of
one row, and reads the whole state only when that number changed. The rule that a closed
exercise takes no answers is checked inside the submitting transaction
(:meth:`LiveMixin._check_live_submit`, called by ``Store._submit``): on PostgreSQL the
submit holds a share lock on the row, so a submit and a close never overlap; on SQLite every
writer already runs alone (``BEGIN IMMEDIATE``).

A session without a row is self-paced (sessions of the first release, sessions made with
:meth:`Store.create_session` by scripts and imports); :meth:`LiveMixin.create_live_session`
(the dashboard's and ``peerkit session create``'s way) starts facilitator-led. The built-in
self-study session is always self-paced.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..live import FACILITATOR, MODES, PHASES, LiveState, fits_role
from .schema import UTC, live_state, participants, responses

if TYPE_CHECKING:  # pragma: no cover
    from ..instruments import Instrument
    from .core import WorkshopSession

__all__ = ["LiveCount", "LiveMixin"]

_UNSET: Any = object()


class LiveCount(tuple):
    """``(submitted, expected)`` for one exercise and occasion; ``str()`` is "N of M"."""

    def __new__(cls, submitted: int, expected: int) -> "LiveCount":
        return super().__new__(cls, (submitted, expected))

    @property
    def submitted(self) -> int:
        return self[0]

    @property
    def expected(self) -> int:
        return self[1]

    def __str__(self) -> str:
        return f"{self[0]} of {self[1]}"


def _state(row: Any, session_id: int) -> LiveState:
    if row is None:
        return LiveState(session_id)
    return LiveState(session_id, mode=row.mode, plan=row.plan, instrument_id=row.instrument_id,
                     occasion=row.occasion, phase=row.phase, show_key=bool(row.show_key), version=row.version)


class LiveMixin:
    """Live state methods of :class:`~peerkit.store.Store` (see the module's text)."""

    # -- reading -------------------------------------------------------------------------------

    def live_version(self, session_id: int) -> int:
        """The live state's version number (0 when never set): what followers poll."""
        with self._read() as conn:  # type: ignore[attr-defined]
            found = conn.execute(sa.select(live_state.c.version)
                                 .where(live_state.c.session_id == session_id)).scalar()
        return int(found or 0)

    def live_state(self, session_id: int) -> LiveState:
        """The session's live state (self-paced, nothing open, when never set)."""
        with self._read() as conn:  # type: ignore[attr-defined]
            row = conn.execute(sa.select(live_state).where(live_state.c.session_id == session_id)).first()
            if row is None:
                self._get_session(conn, session_id)  # type: ignore[attr-defined]  # unknown id: StoreError
        return _state(row, session_id)

    def live_count(self, session_id: int, instrument: "Instrument", occasion: str = "") -> LiveCount:
        """How many of the session's participants expected to answer this exercise (by their
        role) have submitted it on this occasion, and how many are expected."""
        people = sa.select(participants.c.id, participants.c.role).where(participants.c.session_id == session_id)
        with self._read() as conn:  # type: ignore[attr-defined]
            roles = {r.id: r.role for r in conn.execute(people).all()}
            done = set(conn.execute(
                sa.select(responses.c.participant_id).distinct()
                .where(responses.c.participant_id.in_(people.with_only_columns(participants.c.id)),
                       responses.c.instrument_id == instrument.id,
                       responses.c.occasion == (occasion or ""))).scalars())
        expected = {pid for pid, role in roles.items() if fits_role(instrument.completed_by, role)}
        return LiveCount(len(done), len(expected | done))

    # -- writing -------------------------------------------------------------------------------

    def create_live_session(self, title: str, passcode: str, date: dt.date | None = None, *,
                            mode: str = FACILITATOR) -> "WorkshopSession":
        """Create a workshop session (as :meth:`Store.create_session`) that starts in ``mode``
        (facilitator-led unless told otherwise), in one transaction."""
        if mode not in MODES:
            raise self._live_error(f"Unknown session mode {mode!r}; use one of {', '.join(MODES)}")

        def work(conn: Connection) -> "WorkshopSession":
            session = self._insert_session(conn, title, passcode, date)  # type: ignore[attr-defined]
            conn.execute(live_state.insert().values(session_id=session.id, mode=mode, plan="", instrument_id=None,
                                                    occasion="", phase="open", show_key=False, version=1,
                                                    updated_at=dt.datetime.now(UTC)))
            return session

        return self._write_retrying(work)  # type: ignore[attr-defined]

    def set_live(self, session_id: int, *, mode: str | None = None, plan: str | None = None,
                 exercise: tuple[str, str] | None = _UNSET, phase: str | None = None,
                 show_key: bool | None = None) -> LiveState:
        """Change the session's live state in one transaction and return it; what is not given
        stays. Moving to another ``exercise`` (``(instrument_id, occasion)``, or None for the
        waiting screen) opens it for answers with the key hidden. The version goes up by one."""
        if mode is not None and mode not in MODES:
            raise self._live_error(f"Unknown session mode {mode!r}; use one of {', '.join(MODES)}")
        if phase is not None and phase not in PHASES:
            raise self._live_error(f"Unknown state {phase!r}; use one of {', '.join(PHASES)}")
        if plan is not None and len(plan) > 40:
            raise self._live_error("The exercise set's name is too long (at most 40 characters)")

        def work(conn: Connection) -> LiveState:
            session = self._get_session(conn, session_id)  # type: ignore[attr-defined]
            row = conn.execute(sa.select(live_state).where(live_state.c.session_id == session_id)
                               .with_for_update()).first()
            old = _state(row, session_id)
            values = {"mode": old.mode, "plan": old.plan, "instrument_id": old.instrument_id,
                      "occasion": old.occasion, "phase": old.phase, "show_key": old.show_key}
            if mode is not None:
                if mode == FACILITATOR and session.kind == "self_study":
                    raise self._live_error("Self-study is always self-paced: nobody leads it")
                values["mode"] = mode
            if plan is not None:
                values["plan"] = plan
            if exercise is not _UNSET:
                instrument_id, occasion = exercise if exercise is not None else (None, "")
                values.update(instrument_id=instrument_id or None, occasion=occasion or "", phase="open",
                              show_key=False)
            if phase is not None:
                if phase != "open" and not values["instrument_id"]:
                    raise self._live_error("Open an exercise first: there is nothing to close or reveal")
                values["phase"] = phase
            if show_key is not None:
                values["show_key"] = bool(show_key)
            new = LiveState(session_id, version=old.version + 1, **values)
            stamp = {**values, "version": new.version, "updated_at": dt.datetime.now(UTC)}
            if row is None:
                conn.execute(live_state.insert().values(session_id=session_id, **stamp))
            else:
                conn.execute(live_state.update().where(live_state.c.session_id == session_id).values(**stamp))
            return new

        return self._write_retrying(work)  # type: ignore[attr-defined]

    def set_live_mode(self, session_id: int, mode: str) -> LiveState:
        """Facilitator-led (``"facilitator"``) or self-paced (``"self_paced"``)."""
        return self.set_live(session_id, mode=mode)

    def open_exercise(self, session_id: int, instrument_id: str | None, occasion: str = "", *,
                      plan: str | None = None) -> LiveState:
        """Make this exercise (and occasion) the current one, open for answers (None: nothing open)."""
        return self.set_live(session_id, exercise=(instrument_id, occasion) if instrument_id else None, plan=plan)

    def close_answering(self, session_id: int) -> LiveState:
        """The current exercise takes no more answers (a late submit is refused)."""
        return self.set_live(session_id, phase="closed")

    def reopen_answering(self, session_id: int) -> LiveState:
        """Take answers for the current exercise again."""
        return self.set_live(session_id, phase="open")

    def reveal_results(self, session_id: int, show_key: bool | None = None) -> LiveState:
        """Close answering and show the group's results (and, if ``show_key``, the quiz's key)."""
        return self.set_live(session_id, phase="revealed", show_key=show_key)

    # -- used by Store._submit inside its transaction ---------------------------------------------

    def _check_live_submit(self, conn: Connection, session_id: int, instrument_id: str, occasion: str,
                           title: str | None = None) -> None:
        q = sa.select(live_state).where(live_state.c.session_id == session_id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update(read=True)  # a close waits for this submit, or this submit for the close
        state = _state(conn.execute(q).first(), session_id)
        refusal = state.refusal(instrument_id, occasion, title)
        if refusal is not None:
            raise self._live_error(refusal)

    @staticmethod
    def _live_error(text: str) -> Exception:
        from .core import StoreError

        return StoreError(text)
