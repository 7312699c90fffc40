"""What the store hands to forms and dashboards (sessions, participants, pairs, submissions),
its one error class, and the small pure helpers every part of the store uses: join codes,
names as compared, the answers' hash, passcode hashing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

from .schema import JOIN_ALPHABET, JOIN_CODE_LENGTH, UTC

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


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
