"""The response store: sessions, participants, pairs, answers, drafts and notes.

``schema`` holds the tables, ``migrate`` creates or upgrades a database with Alembic
(scripts in ``migrations/versions/``), and ``core`` the :class:`Store` that every kernel uses.
Callers import from here.
"""

from __future__ import annotations

from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all
from .core import (  # noqa: F401
    RESPONSE_COLUMNS, STATUS_COLUMNS, _clean_text, _load_demo_instruments, _name_key, demo_answers,
)
from .access import (  # noqa: F401
    Access, DevicePending, Locked, NameTaken, ParticipantGone, PendingDevice, RevisionConflict, SessionClosed, format_resume_code,
    hash_token, normalize_resume_code,
)
from .access import __all__ as _access_all
from .schema import (  # noqa: F401
    HEAD_REVISION, JOIN_CODE_LENGTH, MAX_KEY_LENGTH, MAX_NAME_LENGTH, MAX_TITLE_LENGTH, SESSION_KINDS,
)

__all__ = [*_core_all, *(n for n in _access_all if n != "AccessMixin"), "RESPONSE_COLUMNS", "STATUS_COLUMNS", "JOIN_CODE_LENGTH", "MAX_KEY_LENGTH", "MAX_TITLE_LENGTH", "demo_answers"]
