"""Stored lockouts and the facilitator key: wrong passcodes, resume codes and facilitator keys
are counted per scope *before* each check, in one write transaction, so a lockout holds across
reloads, kernels and servers and parallel guesses cannot slip past it (see :mod:`.access`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .access import (
    FACILITATOR_KEY_SETTING, FACILITATOR_SCOPE, MAX_FAILURES, Locked, _hash_secret, _lock_seconds, _new_code,
    _normalize_key, _verify_secret, passcode_scope,
)
from .schema import access_failures, settings
from .values import StoreError, _now

__all__ = ["LockoutMixin"]


class LockoutMixin:
    """Counted tries, lockouts and the facilitator key of :class:`~peerkit.store.Store`."""

    # -- counting tries ----------------------------------------------------------------

    def _count_attempt(self, scope: str, what: str) -> None:
        """Count one try at ``scope`` before it is checked; :class:`Locked` while locked out."""

        def work(conn: Connection) -> None:
            now = _now()
            row = conn.execute(sa.select(access_failures.c.failures, access_failures.c.locked_until)
                               .where(access_failures.c.scope == scope).with_for_update()).first()
            if row is not None and row.locked_until is not None and row.locked_until > now:
                raise Locked(what, max(1, int((row.locked_until - now).total_seconds() + 0.999)))
            failures = (row.failures if row is not None else 0) + 1
            until = now + dt.timedelta(seconds=_lock_seconds(failures)) if failures % MAX_FAILURES == 0 else None
            values = dict(failures=failures, locked_until=until, updated_at=now)
            if row is None:
                from .engine import _upsert

                _upsert(conn, access_failures, dict(scope=scope, **values), ["scope"],
                        ["failures", "locked_until", "updated_at"])
            else:
                conn.execute(access_failures.update().where(access_failures.c.scope == scope).values(**values))

        self._write_retrying(work)

    def _clear_attempts(self, scope: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(access_failures.delete().where(access_failures.c.scope == scope))

        self._write_retrying(work)

    def lockout_seconds(self, scope: str) -> int:
        """Seconds left of a lockout at ``scope`` (0 when not locked)."""
        with self._read() as conn:
            until = conn.execute(sa.select(access_failures.c.locked_until)
                                 .where(access_failures.c.scope == scope)).scalar()
        if until is None:
            return 0
        left = (until - _now()).total_seconds()
        return max(0, int(left + 0.999))

    def failures(self, scope: str) -> int:
        """Wrong tries counted at ``scope`` since the last success."""
        with self._read() as conn:
            return int(conn.execute(sa.select(access_failures.c.failures)
                                    .where(access_failures.c.scope == scope)).scalar() or 0)

    def unlock_session(self, session_id: int, passcode: str) -> bool:
        """Check the facilitator passcode with the stored lockout: every try is counted first
        (across kernels and servers), a right one clears the count. :class:`Locked` while locked."""
        self.get_session(session_id)  # a missing session is an error, not a try
        scope = passcode_scope(session_id)
        self._count_attempt(scope, "passcodes for this session")
        if not self.check_passcode(session_id, passcode):
            return False
        self._clear_attempts(scope)
        return True

    # -- the facilitator key ----------------------------------------------------------------

    def has_facilitator_key(self) -> bool:
        with self._read() as conn:
            return conn.execute(sa.select(settings.c.key)
                                .where(settings.c.key == FACILITATOR_KEY_SETTING)).first() is not None

    def set_facilitator_key(self, key: str) -> None:
        """Store the hash of the facilitator key (needed to create sessions from the web)."""
        norm = _normalize_key(key)
        if len(norm) < 8:
            raise StoreError("The facilitator key needs at least 8 letters or digits.")
        hashed = _hash_secret(norm)

        def work(conn: Connection) -> None:
            from .engine import _upsert

            _upsert(conn, settings, dict(key=FACILITATOR_KEY_SETTING, value=hashed, updated_at=_now()),
                    ["key"], ["value", "updated_at"])
            conn.execute(access_failures.delete().where(access_failures.c.scope == FACILITATOR_SCOPE))

        self._write_retrying(work)

    def new_facilitator_key(self) -> str:
        """Make, store (hashed) and return a new facilitator key, e.g. ``K7PX-3MQR-ABCD-EFGH``."""
        raw = _new_code(16)
        self.set_facilitator_key(raw)
        return "-".join(raw[i:i + 4] for i in range(0, 16, 4))

    def ensure_facilitator_key(self) -> str | None:
        """A new key when none is stored yet (returned, to be shown once), else None."""
        if self.has_facilitator_key():
            return None
        return self.new_facilitator_key()

    def check_facilitator_key(self, key: str) -> bool:
        """True for the facilitator key (case, spaces and dashes ignored); tries are counted and
        locked out like passcodes. :class:`StoreError` when no key is set."""
        with self._read() as conn:
            stored = conn.execute(sa.select(settings.c.value)
                                  .where(settings.c.key == FACILITATOR_KEY_SETTING)).scalar()
        if stored is None:
            raise StoreError("No facilitator key is set yet. Start the kit with “peerkit serve” (it prints "
                             "the key), or run “peerkit facilitator-key”.")
        self._count_attempt(FACILITATOR_SCOPE, "facilitator keys")
        if not _verify_secret(_normalize_key(key), stored):
            return False
        self._clear_attempts(FACILITATOR_SCOPE)
        return True
