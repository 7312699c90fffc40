"""Who may act as whom: device tokens, resume codes, stored lockouts and the facilitator key.

Identity without accounts:

- **Joining** with a new name creates the participant, a secret **device token** (kept by that
  browser, e.g. in localStorage) and a short personal **resume code** shown to the person once
  (and on their results). Only hashes are stored: the token's SHA-256 (it has 256 bits of
  randomness), the resume code salted with scrypt.
- **A name already taken** in the session is refused (:class:`NameTaken`): the person picks
  another name, resumes with their resume code (:meth:`AccessMixin.resume_with_code`) or asks
  the facilitator, who approves the new device from the dashboard
  (:meth:`AccessMixin.request_device`, :meth:`AccessMixin.approve_device`).
- **The same browser** resumes with its token (:meth:`AccessMixin.resume_device`), also after a
  reload or a server restart, and also in a closed session (to read results).

Wrong passcodes, resume codes and facilitator keys are counted in the store per scope
(:data:`access_failures`): every attempt is counted *before* it is checked, in one write
transaction, so a lockout holds across reloads, kernels and servers and parallel guesses
cannot slip past it.

Facilitators can also remove a participant (a ghost or a typo) or merge one participant into
another, keeping or deleting the merged person's answers.

This module holds the joining and resuming, the errors and values the apps see and the
helpers; the counting of tries and the facilitator key are in :mod:`.lockouts`, removing and
merging people in :mod:`.people`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .values import Participant, StoreError, WorkshopSession, _name_key, _now
from .schema import JOIN_ALPHABET, RESUME_CODE_LENGTH, access_failures, devices, drafts, participants, responses

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "Access", "AccessMixin", "DevicePending", "Locked", "NameTaken", "ParticipantGone", "PendingDevice",
    "RevisionConflict",
    "SessionClosed", "format_resume_code", "hash_token", "normalize_resume_code",
]

#: Wrong tries in a row before a lockout, and how long the first lockout lasts (each further
#: round of wrong tries doubles it, up to :data:`MAX_LOCK_SECONDS`).
MAX_FAILURES = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60
#: Devices waiting for approval per participant (older requests are dropped).
MAX_PENDING = 3
FACILITATOR_KEY_SETTING = "facilitator_key"
FACILITATOR_SCOPE = "facilitator-key"
_CODE_N, _CODE_R, _CODE_P = 2**12, 8, 1


# -- errors -------------------------------------------------------------------------------


class NameTaken(StoreError):
    """Someone in the session already uses this name (on another device)."""

    def __init__(self, name: str, self_study: bool = False) -> None:
        self.name = name
        ask = "" if self_study else ", or ask the facilitator to let this device in"
        super().__init__(f"Someone in this session already uses the name “{name}”. Pick another name; "
                         f"if it is you, continue with your personal resume code{ask}.")


class Locked(StoreError):
    """Too many wrong tries: refused for ``seconds`` more."""

    def __init__(self, what: str, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(f"Too many wrong {what}. For safety, try again in {_duration(seconds)}.")


class DevicePending(StoreError):
    """This browser asked to continue as someone; the facilitator has not approved it yet."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Waiting for the facilitator to let this device continue as “{name}”.")


class SessionClosed(StoreError):
    """The session takes no new participants and no answers (trying again will not help)."""

    final = True


class ParticipantGone(StoreError):
    """The participant no longer exists: removed by the facilitator, or the session deleted."""

    final = True


class RevisionConflict(StoreError):
    """A newer revision than the one the form was based on was stored meanwhile (another tab
    or device): nothing was saved."""

    def __init__(self, current_revision: int, submitted_at: dt.datetime | None) -> None:
        self.current_revision = current_revision
        self.submitted_at = submitted_at
        super().__init__("Newer answers to this exercise were submitted from another tab or device "
                         "while this page was open, so nothing was saved yet.")


# -- values handed to the apps ------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """A device's way in: the session, the participant, and what to hand to the browser.

    ``token`` is a new device token to keep in this browser (None when the browser already has
    it); ``resume_code`` is shown once, when the participant is created or a new code is issued.
    """

    session: WorkshopSession
    participant: Participant
    token: str | None = None
    resume_code: str | None = None


@dataclass(frozen=True)
class PendingDevice:
    """A device asking to continue as a participant (shown on the dashboard)."""

    id: int
    participant_id: int
    display_name: str
    created_at: dt.datetime


# -- helpers ----------------------------------------------------------------------------------


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


def hash_token(token: str) -> str:
    """SHA-256 of a device token (a token carries 256 random bits, so no salt is needed)."""
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalize_resume_code(text: str) -> str:
    """``" k7px-3mqr "`` -> ``"K7PX3MQR"`` (spaces, dashes and case ignored)."""
    return re.sub(r"[\s\-_.]", "", text or "").upper()


def format_resume_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _new_code(length: int = RESUME_CODE_LENGTH) -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(length))


def _hash_secret(text: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(text.encode("utf-8"), salt=salt, n=_CODE_N, r=_CODE_R, p=_CODE_P, dklen=32)
    return f"scrypt${_CODE_N}${_CODE_R}${_CODE_P}${salt.hex()}${digest.hex()}"


def _verify_secret(text: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        method, n, r, p, salt_hex, hexdigest = stored.split("$")
        if method != "scrypt":
            return False
        digest = hashlib.scrypt(text.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                                p=int(p), dklen=len(hexdigest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), hexdigest)


def _normalize_key(text: str) -> str:
    return re.sub(r"[\s\-]", "", text or "").upper()


def _lock_seconds(failures: int) -> int:
    rounds = max(failures // MAX_FAILURES, 1)
    return min(FIRST_LOCK_SECONDS * 2 ** (rounds - 1), MAX_LOCK_SECONDS)


def passcode_scope(session_id: int) -> str:
    return f"s{session_id}:passcode"


def resume_scope(session_id: int, participant_id: int) -> str:
    return f"s{session_id}:p{participant_id}:resume"


# -- the mixin ----------------------------------------------------------------------------------


class AccessMixin:
    """Store methods for identity and access (mixed into :class:`~peerkit.store.Store`)."""

    # -- joining and resuming ----------------------------------------------------------------

    def _new_device(self, conn: Connection, participant_id: int, status: str = "active") -> str:
        token = new_token()
        now = _now()
        conn.execute(devices.insert().values(participant_id=participant_id, token_hash=hash_token(token),
                                             status=status, created_at=now,
                                             last_seen=now if status == "active" else None))
        return token

    @staticmethod
    def _closed_error(session: WorkshopSession) -> SessionClosed:
        return SessionClosed(f"The session “{session.title}” is closed, so nobody new can join and no more "
                             "answers are taken. If you joined it earlier on this device, reload the page to "
                             "see your results.")

    def join_device(self, session_id: int, display_name: str, role: str) -> Access:
        """Join an open session as a new participant, on this device.

        Returns the participant with a new device token and resume code. A name already used
        in the session (trimmed, any case) raises :class:`NameTaken`: it is never resumed by
        name. A closed session raises :class:`SessionClosed`.
        """
        name = self._check_name_role(display_name, role)
        code = _new_code()
        code_hash = _hash_secret(code)  # scrypt outside the write transaction

        def work(conn: Connection) -> Access:
            session = self._get_session(conn, session_id)
            if session.status != "open":
                raise self._closed_error(session)
            key = _name_key(name)
            taken = conn.execute(sa.select(participants.c.id).where(
                participants.c.session_id == session_id, participants.c.name_key == key)).first()
            if taken is not None:
                raise NameTaken(name, self_study=session.kind == "self_study")
            now = _now()
            pid = conn.execute(participants.insert().values(
                session_id=session_id, display_name=name, name_key=key, role=role, created_at=now,
                resume_hash=code_hash)).inserted_primary_key[0]
            token = self._new_device(conn, pid)
            return Access(session, Participant(pid, session_id, name, role, None), token, format_resume_code(code))

        return self._write_retrying(work)

    def _device_row(self, conn: Connection, token: str) -> Any:
        return conn.execute(
            sa.select(devices.c.id, devices.c.status, devices.c.participant_id)
            .where(devices.c.token_hash == hash_token(token))).first()

    def resume_device(self, token: str) -> Access | None:
        """The session and participant this browser's token belongs to, or None (unknown token,
        or the session was purged, or the participant removed). Works in closed sessions too.
        :class:`DevicePending` while the facilitator has not approved the device."""
        if not token or len(token) > 200:
            return None
        with self._read() as conn:
            row = self._device_row(conn, token)
            if row is None:
                return None
            participant = self._get_participant(conn, row.participant_id)
            session = self._get_session(conn, participant.session_id)
        if row.status != "active":
            raise DevicePending(participant.display_name)

        def touch(conn: Connection) -> None:
            conn.execute(devices.update().where(devices.c.id == row.id).values(last_seen=_now()))

        try:
            self._write_retrying(touch)
        except StoreError:  # a read-only store still lets people read their answers
            pass
        return Access(session, participant)

    def _named(self, conn: Connection, session_id: int, display_name: str) -> Any:
        row = conn.execute(sa.select(*self._PARTICIPANT_COLS, participants.c.resume_hash).where(
            participants.c.session_id == session_id,
            participants.c.name_key == _name_key(display_name))).first()
        if row is None:
            raise StoreError(f"Nobody called “{(display_name or '').strip()}” has joined this session. "
                             "Check the spelling of the name you joined with.")
        return row

    def resume_with_code(self, session_id: int, display_name: str, code: str) -> Access:
        """Continue as the participant with this name on a new device, with their resume code.

        Wrong codes are counted per participant in the store (:class:`Locked` after
        :data:`MAX_FAILURES`). Returns a new device token for this browser.
        """
        with self._read() as conn:
            session = self._get_session(conn, session_id)
            row = self._named(conn, session_id, display_name)
        if not row.resume_hash:
            raise StoreError(f"“{row.display_name}” has no resume code yet. Ask the facilitator to let this "
                             "device in, or to give you a new resume code.")
        scope = resume_scope(session_id, row.id)
        self._count_attempt(scope, "resume codes for this name")
        if not _verify_secret(normalize_resume_code(code), row.resume_hash):
            left = MAX_FAILURES - self.failures(scope) % MAX_FAILURES
            raise StoreError(f"That resume code is not right for “{row.display_name}”. Check it (it is on your "
                             f"results screen on your first device) and try again ({left} "
                             f"{'try' if left == 1 else 'tries'} left before a pause).")
        self._clear_attempts(scope)
        token = self._write_retrying(lambda conn: self._new_device(conn, row.id))
        return Access(session, self._participant(row), token)

    def request_device(self, session_id: int, display_name: str) -> tuple[Participant, str]:
        """Ask the facilitator to let this device continue as the named participant.

        Returns (participant, token): the browser keeps the token; it works once the facilitator
        approves it (:meth:`approve_device`). Older pending requests beyond :data:`MAX_PENDING`
        are dropped.
        """

        def work(conn: Connection) -> tuple[Participant, str]:
            session = self._get_session(conn, session_id)
            if session.kind == "self_study":
                raise StoreError("Self-study has no facilitator; continue with your resume code.")
            row = self._named(conn, session_id, display_name)
            token = self._new_device(conn, row.id, status="pending")
            old = conn.execute(sa.select(devices.c.id).where(
                devices.c.participant_id == row.id, devices.c.status == "pending")
                .order_by(devices.c.id.desc()).offset(MAX_PENDING)).scalars().all()
            if old:
                conn.execute(devices.delete().where(devices.c.id.in_(old)))
            return self._participant(row), token

        return self._write_retrying(work)

    def pending_devices(self, session_id: int) -> list[PendingDevice]:
        """Devices waiting for approval in the session, oldest first."""
        q = (sa.select(devices.c.id, devices.c.participant_id, participants.c.display_name, devices.c.created_at)
             .join(participants, participants.c.id == devices.c.participant_id)
             .where(participants.c.session_id == session_id, devices.c.status == "pending")
             .order_by(devices.c.id))
        with self._read() as conn:
            return [PendingDevice(*r) for r in conn.execute(q).all()]

    def _pending_in(self, conn: Connection, device_id: int, session_id: int) -> None:
        found = conn.execute(sa.select(devices.c.id).join(participants, participants.c.id == devices.c.participant_id)
                             .where(devices.c.id == device_id, participants.c.session_id == session_id,
                                    devices.c.status == "pending")).first()
        if found is None:
            raise StoreError("That request is no longer waiting (it was answered, or withdrawn).")

    def approve_device(self, session_id: int, device_id: int) -> None:
        """Let a waiting device continue as its participant."""

        def work(conn: Connection) -> None:
            self._pending_in(conn, device_id, session_id)
            conn.execute(devices.update().where(devices.c.id == device_id).values(status="active"))

        self._write_retrying(work)

    def reject_device(self, session_id: int, device_id: int) -> None:
        """Refuse a waiting device (its token no longer works)."""

        def work(conn: Connection) -> None:
            self._pending_in(conn, device_id, session_id)
            conn.execute(devices.delete().where(devices.c.id == device_id))

        self._write_retrying(work)

    def forget_device(self, token: str) -> None:
        """This browser no longer acts as its participant (e.g. "Leave"): its token is deleted."""
        if not token:
            return

        def work(conn: Connection) -> None:
            conn.execute(devices.delete().where(devices.c.token_hash == hash_token(token)))

        self._write_retrying(work)

    def device_count(self, participant_id: int) -> int:
        """Active devices of a participant."""
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(devices).where(
                devices.c.participant_id == participant_id, devices.c.status == "active")).scalar() or 0)

    def new_resume_code(self, participant_id: int) -> str:
        """Issue a new resume code for a participant (the old one stops working); returns it."""
        code = _new_code()
        hashed = _hash_secret(code)

        def work(conn: Connection) -> None:
            p = self._get_participant(conn, participant_id, lock=True)
            conn.execute(participants.update().where(participants.c.id == participant_id)
                         .values(resume_hash=hashed))
            conn.execute(access_failures.delete().where(
                access_failures.c.scope == resume_scope(p.session_id, participant_id)))

        self._write_retrying(work)
        return format_resume_code(code)

    # -- revisions ---------------------------------------------------------------------------

    def discard_draft(self, participant_id: int, instrument_id: str, occasion: str = "") -> None:
        """Drop a draft (e.g. a stale tab's, after it loaded the newer answers)."""

        def work(conn: Connection) -> None:
            conn.execute(drafts.delete().where(drafts.c.participant_id == participant_id,
                                               drafts.c.instrument_id == instrument_id,
                                               drafts.c.occasion == occasion))

        self._write_retrying(work)

    def current_revision(self, participant_id: int, instrument_id: str, occasion: str = "") -> int:
        """The number of the current revision (0 when nothing was submitted)."""
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.max(responses.c.revision)).where(
                responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                responses.c.occasion == occasion)).scalar() or 0)

    # -- purging -------------------------------------------------------------------------------

    def _purge_access(self, conn: Connection, session_id: int) -> None:
        members = sa.select(participants.c.id).where(participants.c.session_id == session_id)
        conn.execute(devices.delete().where(devices.c.participant_id.in_(members)))
        conn.execute(access_failures.delete().where(access_failures.c.scope.like(f"s{session_id}:%")))


def facilitator_key_note(store: Any, configured: str | None = None) -> str:
    """What ``peerkit serve`` prints about the facilitator key (needed to create sessions from
    the dashboard): a configured key (``$PEERKIT_FACILITATOR_KEY``) is stored; on the first
    start a new key is made and shown once; later starts say how to make a new one."""
    if configured and configured.strip():
        store.set_facilitator_key(configured)
        return ("Facilitator key: the one in PEERKIT_FACILITATOR_KEY (needed to create sessions in the "
                "dashboard).")
    key = store.ensure_facilitator_key()
    if key:
        return (f"Facilitator key (needed to create sessions in the dashboard; shown only now, keep it "
                f"somewhere safe): {key}")
    return ("Facilitator key: set earlier. Lost it? Make a new one with: peerkit facilitator-key")
