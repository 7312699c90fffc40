"""Where a form keeps its answers: the store (for one participant and occasion) or memory.

A form only needs four methods (:class:`FormBackend`); :class:`StoreBackend` adapts
``peerkit.store.Store`` and :class:`MemoryBackend` keeps everything in a dict (tests,
demonstrations without a database). ``occasion_answers`` is optional: it lets the results
compare this occasion with another one (pre -> post).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..instruments import Instrument
from ..scoring import clean_answers

__all__ = [
    "BackendError",
    "SubmitConflict",
    "FormBackend",
    "MemoryBackend",
    "MemorySubmission",
    "StoreBackend",
]


class BackendError(Exception):
    """A user-facing problem raised by :class:`MemoryBackend` (the store raises StoreError)."""


class SubmitConflict(BackendError):
    """Newer answers were stored (from another tab or device) after the revision a form was
    based on; nothing was saved. ``current_revision`` is the newest revision."""

    def __init__(self, current_revision: int, submitted_at: Any = None) -> None:
        self.current_revision = current_revision
        self.submitted_at = submitted_at
        super().__init__("Newer answers to this exercise were submitted from another tab or device while "
                         "this page was open, so nothing was saved yet.")


@runtime_checkable
class FormBackend(Protocol):
    def save_draft(self, answers: dict) -> None: ...
    def load_draft(self) -> dict | None: ...
    def submit(self, answers: dict) -> Any: ...  # has .revision, .created, .submitted_at
    def current_answers(self) -> dict | None: ...


class StoreBackend:
    """One participant's answers to one instrument (and occasion) in a ``peerkit.store.Store``."""

    def __init__(self, store: Any, participant_id: int, instrument: Instrument, occasion: str = ""):
        self.store = store
        self.participant_id = participant_id
        self.instrument = instrument
        self.occasion = occasion or ""

    def save_draft(self, answers: dict) -> None:
        self.store.save_draft(self.participant_id, self.instrument.id, dict(answers), self.occasion)

    def load_draft(self) -> dict | None:
        return self.store.load_draft(self.participant_id, self.instrument.id, self.occasion)

    def submit(self, answers: dict, base_revision: int | None = None) -> Any:
        """Store a revision; with ``base_revision`` a newer one stored meanwhile raises
        :class:`SubmitConflict` instead of being replaced silently."""
        from ..store import RevisionConflict  # the store is loaded already (this backend wraps one)

        try:
            return self.store.submit(self.participant_id, self.instrument, dict(answers), self.occasion,
                                     base_revision=base_revision)
        except RevisionConflict as exc:
            raise SubmitConflict(exc.current_revision, exc.submitted_at) from exc

    def current_answers(self) -> dict | None:
        return self.store.current_answers(self.participant_id, self.instrument.id, self.occasion)

    def current_revision(self) -> int:
        return self.store.current_revision(self.participant_id, self.instrument.id, self.occasion)

    def discard_draft(self) -> None:
        self.store.discard_draft(self.participant_id, self.instrument.id, self.occasion)

    def occasion_answers(self, occasion: str) -> dict | None:
        return self.store.current_answers(self.participant_id, self.instrument.id, occasion or "")

    def __repr__(self) -> str:
        return (f"StoreBackend(participant={self.participant_id}, instrument={self.instrument.id!r}, "
                f"occasion={self.occasion!r})")


@dataclass(frozen=True)
class MemorySubmission:
    response_id: int
    revision: int
    created: bool
    submitted_at: _dt.datetime


class MemoryBackend:
    """The same contract as the store, kept in memory.

    Backends made with :meth:`for_occasion` share their storage, so pre -> post works.
    Set ``fail_with`` to an exception to make the next save/submit raise it (tests).
    """

    def __init__(self, instrument: Instrument, occasion: str = "", *, _shared: dict | None = None):
        self.instrument = instrument
        self.occasion = occasion or ""
        self._shared = _shared if _shared is not None else {"drafts": {}, "revisions": {}, "ids": 0}
        self.fail_with: BaseException | None = None
        self.draft_saves = 0

    def for_occasion(self, occasion: str) -> "MemoryBackend":
        return MemoryBackend(self.instrument, occasion, _shared=self._shared)

    def _raise_if_failing(self) -> None:
        if self.fail_with is not None:
            exc, self.fail_with = self.fail_with, None
            raise exc

    @property
    def revisions(self) -> list[tuple[MemorySubmission, dict]]:
        return self._shared["revisions"].setdefault(self.occasion, [])

    def save_draft(self, answers: dict) -> None:
        self._raise_if_failing()
        self.draft_saves += 1
        self._shared["drafts"][self.occasion] = dict(answers)

    def load_draft(self) -> dict | None:
        draft = self._shared["drafts"].get(self.occasion)
        return dict(draft) if draft is not None else None

    def submit(self, answers: dict, base_revision: int | None = None) -> MemorySubmission:
        self._raise_if_failing()
        clean = clean_answers(self.instrument, answers)
        revs = self.revisions
        if base_revision is not None and len(revs) > base_revision and revs[-1][1] != clean:
            raise SubmitConflict(len(revs), revs[-1][0].submitted_at)
        if revs and revs[-1][1] == clean:
            self._shared["drafts"].pop(self.occasion, None)
            last = revs[-1][0]
            return MemorySubmission(last.response_id, last.revision, False, last.submitted_at)
        self._shared["ids"] += 1
        sub = MemorySubmission(self._shared["ids"], len(revs) + 1, True,
                               _dt.datetime.now(_dt.timezone.utc))
        revs.append((sub, clean))
        self._shared["drafts"].pop(self.occasion, None)
        return sub

    def current_answers(self) -> dict | None:
        revs = self.revisions
        return dict(revs[-1][1]) if revs else None

    def current_revision(self) -> int:
        return len(self.revisions)

    def discard_draft(self) -> None:
        self._shared["drafts"].pop(self.occasion, None)

    def occasion_answers(self, occasion: str) -> dict | None:
        return self.for_occasion(occasion).current_answers()
