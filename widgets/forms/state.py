"""FormState: the answers of one person to one instrument, independent of any widget."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..instruments import Instrument, Value
from ..scoring import is_answered

__all__ = ["FormState", "Observer"]

# observer(state, item_id, value); item_id is None when many answers changed at once (load)
Observer = Callable[["FormState", "str | None", Any], None]


class FormState:
    """Answers, a dirty flag and observers.

    - ``answers`` holds only answered items (``None`` and blank text mean unanswered);
    - ``dirty`` is True when answers changed since the last submit (or load);
    - ``submitted`` is the last submitted answer set, if any;
    - checklist items: an untouched box is "not ticked", so checklists never count as
      unanswered; :meth:`to_submit` records every box (False where not ticked).
    """

    def __init__(self, instrument: Instrument, answers: Mapping[str, Any] | None = None):
        self.instrument = instrument
        self.answers: dict[str, Value] = {}
        self.dirty = False
        self.submitted: dict[str, Value] | None = None
        self._observers: list[Observer] = []
        self._kind = {i.id: instrument.scale_for(i).kind for i in instrument.items}
        if answers:
            self.load(answers)

    # -- observers ---------------------------------------------------------
    def observe(self, fn: Observer) -> None:
        self._observers.append(fn)

    def unobserve(self, fn: Observer) -> None:
        self._observers = [f for f in self._observers if f is not fn]

    def _notify(self, item_id: str | None, value: Any) -> None:
        for fn in list(self._observers):
            fn(self, item_id, value)

    # -- answers -----------------------------------------------------------
    def get(self, item_id: str) -> Value | None:
        return self.answers.get(item_id)

    def kind(self, item_id: str) -> str:
        return self._kind[item_id]

    def accepts(self, item_id: str, value: Any) -> bool:
        return item_id in self._kind and self.instrument.scale_for(item_id).accepts(value)

    def set(self, item_id: str, value: Any) -> bool:
        """Record one answer; returns True (and notifies) only when it actually changed."""
        if item_id not in self._kind:
            raise KeyError(f"{self.instrument.id}: no item '{item_id}'")
        if not is_answered(value):
            if item_id not in self.answers:
                return False
            del self.answers[item_id]
        else:
            if not self.accepts(item_id, value):
                raise ValueError(f"{self.instrument.id}: item '{item_id}': {value!r} is not an allowed answer")
            old = self.answers.get(item_id, None)
            if item_id in self.answers and old == value and type(old) is type(value):
                return False
            self.answers[item_id] = value
        self.dirty = True
        self._notify(item_id, value)
        return True

    def load(self, answers: Mapping[str, Any] | None, *, submitted: bool = False) -> list[str]:
        """Replace all answers (e.g. a restored draft). Unknown items and values that the
        scale does not accept are left out; their ids are returned."""
        dropped = []
        self.answers = {}
        for item_id, value in (answers or {}).items():
            if not is_answered(value):
                continue
            if self.accepts(item_id, value):
                self.answers[item_id] = value
            else:
                dropped.append(item_id)
        self.dirty = False
        if submitted:
            self.submitted = dict(self.answers)
        self._notify(None, None)
        return dropped

    def mark_submitted(self, answers: Mapping[str, Any]) -> None:
        self.submitted = dict(answers)
        self.dirty = False

    # -- progress ----------------------------------------------------------
    def unanswered(self) -> list[str]:
        """Item ids still to answer, in order (checklist boxes are never 'unanswered')."""
        return [i.id for i in self.instrument.items
                if self._kind[i.id] != "checklist" and i.id not in self.answers]

    def progress(self) -> tuple[int, int]:
        """(answered, total) over the items that are not checklist boxes."""
        ids = [i for i, k in self._kind.items() if k != "checklist"]
        return sum(1 for i in ids if i in self.answers), len(ids)

    def ticked(self) -> tuple[int, int]:
        ids = [i for i, k in self._kind.items() if k == "checklist"]
        return sum(1 for i in ids if self.answers.get(i) is True), len(ids)

    def progress_text(self) -> str:
        parts = []
        done, total = self.progress()
        if total:
            parts.append(f"{done} of {total} answered")
        ticked, boxes = self.ticked()
        if boxes:
            parts.append(f"{ticked} of {boxes} ticked")
        return " · ".join(parts)

    def to_submit(self) -> dict[str, Value]:
        """The answers to submit, in instrument order; every checklist box is recorded."""
        out: dict[str, Value] = {}
        for item in self.instrument.items:
            if item.id in self.answers:
                out[item.id] = self.answers[item.id]
            elif self._kind[item.id] == "checklist":
                out[item.id] = False
        return out
