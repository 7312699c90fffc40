"""Facilitator-led sessions, as plain data: the live state and the unit's order of exercises.

Pure (no widgets, no database): the store keeps a :class:`LiveState` per session
(:mod:`peerkit.store.live`), the facilitator's dashboard changes it, and every participant's
app and the group display follow it.

- **Modes.** ``"facilitator"``: the facilitator opens one exercise (and occasion) at a time;
  participants see only that one, or a waiting screen. ``"self_paced"``: participants choose
  from the list (the first release's behaviour; self-study is always self-paced).
- **Phases** of the current exercise: ``"open"`` (answers are taken), ``"closed"`` (no more
  answers; the group display still shows only the count) and ``"revealed"`` (closed, and the
  group's results are on the display; the key of a quiz is shown to participants if the
  facilitator chose so).
- **The order of a unit** is not kept here: it is the order of the exercise blocks in the
  unit's session plan (``facilitator-guide/session-plans/unit-N.md``, the
  ``<!-- generated: prompts ID [OCCASION] -->`` markers the facilitator guide is built from),
  and where a kit has no guide beside it (or the plan leaves an exercise out), the order of the
  set's instruments in their source document, each occasion of a repeated exercise placed by
  its own source lines and, in a training unit, only in the unit whose exercise number it
  carries ("1.3 ...", "6.2 ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .instruments import Instrument, sorted_by_source

__all__ = [
    "FACILITATOR",
    "LiveState",
    "MODES",
    "PHASES",
    "SELF_PACED",
    "Step",
    "fits_role",
    "has_key",
    "next_step",
    "plan_order",
    "plan_steps",
    "previous_step",
    "session_plan_order",
    "step_index",
]

FACILITATOR = "facilitator"
SELF_PACED = "self_paced"
MODES = (FACILITATOR, SELF_PACED)
PHASES = ("open", "closed", "revealed")
MODE_LABELS = {FACILITATOR: "Facilitator-led", SELF_PACED: "Self-paced"}
PHASE_LABELS = {"open": "open for answers", "closed": "closed", "revealed": "results revealed"}


@dataclass(frozen=True)
class Step:
    """One exercise (and occasion) of a unit's order."""

    instrument_id: str
    occasion: str = ""
    label: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.instrument_id, self.occasion)


@dataclass(frozen=True)
class LiveState:
    """A session's live state (what :meth:`Store.live_state` returns)."""

    session_id: int
    mode: str = SELF_PACED
    plan: str = ""  # the exercise set whose order next / previous follow, e.g. "unit-2"
    instrument_id: str | None = None
    occasion: str = ""
    phase: str = "open"
    show_key: bool = False
    version: int = 0  # 0: never written (the session's default)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; use one of {', '.join(MODES)}")
        if self.phase not in PHASES:
            raise ValueError(f"unknown phase {self.phase!r}; use one of {', '.join(PHASES)}")

    @property
    def facilitator_led(self) -> bool:
        return self.mode == FACILITATOR

    @property
    def waiting(self) -> bool:
        """Facilitator-led with no exercise open: participants see the waiting screen."""
        return self.facilitator_led and not self.instrument_id

    @property
    def current(self) -> tuple[str, str] | None:
        return (self.instrument_id, self.occasion) if self.instrument_id else None

    @property
    def revealed(self) -> bool:
        return self.phase == "revealed"

    def is_current(self, instrument_id: str, occasion: str = "") -> bool:
        return self.current == (instrument_id, occasion or "")

    def accepts(self, instrument_id: str, occasion: str = "") -> bool:
        """Whether a submission of this exercise and occasion is taken now."""
        if not self.facilitator_led:
            return True
        return self.is_current(instrument_id, occasion) and self.phase == "open"

    def refusal(self, instrument_id: str, occasion: str = "", title: str | None = None) -> str | None:
        """Why a submission is refused (plain language), or None when it is taken."""
        if self.accepts(instrument_id, occasion):
            return None
        name = f"“{title}”" if title else "this exercise"
        if self.is_current(instrument_id, occasion):
            return f"Your facilitator has closed answering for {name}, so answers can no longer be submitted."
        return f"Your facilitator leads this session and has not opened {name} for answers right now."

    def key_visible(self, instrument_id: str, occasion: str = "") -> bool:
        """Whether participants may see the answer key of this exercise now."""
        if not self.facilitator_led:
            return True
        return self.is_current(instrument_id, occasion) and self.revealed and self.show_key

    def moved_to(self, step: Step | None) -> "LiveState":
        """The state with another current exercise: it opens for answers, the key hidden."""
        if step is None:
            return replace(self, instrument_id=None, occasion="", phase="open", show_key=False)
        return replace(self, instrument_id=step.instrument_id, occasion=step.occasion, phase="open",
                       show_key=False)


def fits_role(completed_by: str, role: str) -> bool:
    """Whether someone in ``role`` is counted among those expected to answer an exercise
    ``completed_by`` whom (group exercises: everyone in the room; "other": all but group ones)."""
    return completed_by in ("both", "anyone", "group") or completed_by == role or (
        role == "other" and completed_by != "group")


def has_key(instrument: Instrument) -> bool:
    """Whether the exercise has a key that participants see in their results: right answers,
    explanations of them, or score ranges with their meaning (the readiness quiz)."""
    return bool(instrument.scoring.bands) or any(
        item.answer is not None or item.explanation for item in instrument.items)


_EXERCISE_NUMBER = re.compile(r"\b(\d+)\.\d+\b")
_FIRST_LINE = re.compile(r"\d+")


def _unit_of(label: str | None) -> str | None:
    """"6.2 Exercise - Role Clarity Checklist" -> "6"; None when the label carries no number."""
    found = _EXERCISE_NUMBER.search(label or "")
    return found.group(1) if found else None


def _first_line(lines: str | None, default: int) -> int:
    found = _FIRST_LINE.match(lines or "")
    return int(found.group()) if found else default


_PLAN_BLOCK = re.compile(r"(?m)^<!-- generated: prompts (?P<id>[\w-]+)(?: (?P<occasion>[\w-]+))? -->")
PLANS = Path(__file__).resolve().parent.parent / "facilitator-guide" / "session-plans"


def plan_order(markdown: str) -> list[tuple[str, str]]:
    """The exercises a session plan page runs, in its order: ``[(instrument_id, occasion), ...]``."""
    return [(m.group("id"), m.group("occasion") or "") for m in _PLAN_BLOCK.finditer(markdown)]


def session_plan_order(notebook: str, folder: Path | None = None) -> list[tuple[str, str]]:
    """:func:`plan_order` of the session plan of ``notebook`` ("unit-2.ipynb"); [] without one."""
    page = (folder or PLANS) / (notebook.removesuffix(".ipynb") + ".md")
    try:
        return plan_order(page.read_text(encoding="utf-8"))
    except OSError:
        return []


def plan_steps(instruments: Mapping[str, Instrument] | Iterable[Instrument], tag: str,
               order: Sequence[tuple[str, str]] = ()) -> list[Step]:
    """The exercises (and occasions) of the exercise set ``tag`` ("unit-2", "handbook", ...) in
    the order they are run: ``order`` (a session plan's, see :func:`session_plan_order`) first,
    then any other exercise of the set by its place in the source document.

    A repeated exercise (occasions "pre" / "post") contributes one step per occasion, each
    placed by the occasion's own source lines; in a training unit ("unit-N") only the
    occasions whose exercise number is of that unit (an occasion without a number is kept).
    A plan entry without an occasion stands for every occasion of the exercise in the set.
    """
    found = list(instruments.values()) if isinstance(instruments, Mapping) else list(instruments)
    unit = tag.removeprefix("unit-") if tag.startswith("unit-") else None
    placed: list[tuple[tuple[str, int], int, Step]] = []
    for rank, ins in enumerate(sorted_by_source({i.id: i for i in found if tag in i.tags})):
        start = _first_line(ins.source.lines, 0)
        label = ins.source.exercise or ins.title
        if not ins.occasions:
            placed.append(((ins.source.document, start), rank, Step(ins.id, "", label)))
            continue
        for occ in ins.occasions:
            occ_unit = _unit_of(occ.exercise)
            if unit is not None and occ_unit is not None and occ_unit != unit:
                continue
            where = _first_line(occ.lines, start)
            placed.append(((ins.source.document, where), rank,
                           Step(ins.id, occ.id, f"{occ.exercise or label} ({occ.label})")))
    by_source = [step for _where, _rank, step in sorted(placed, key=lambda p: (p[0], p[1]))]
    ordered: list[Step] = []
    for instrument_id, occasion in order:
        for step in by_source:
            if step.instrument_id == instrument_id and (not occasion or step.occasion == occasion) \
                    and step not in ordered:
                ordered.append(step)
    return ordered + [step for step in by_source if step not in ordered]


def step_index(steps: list[Step], instrument_id: str | None, occasion: str = "") -> int | None:
    for k, step in enumerate(steps):
        if step.key == (instrument_id, occasion or ""):
            return k
    return None


def next_step(steps: list[Step], state: LiveState) -> Step | None:
    """The step after the current one (the first when nothing is open); None at the end."""
    if not steps:
        return None
    k = step_index(steps, state.instrument_id, state.occasion)
    if k is None:
        return steps[0]
    return steps[k + 1] if k + 1 < len(steps) else None


def previous_step(steps: list[Step], state: LiveState) -> Step | None:
    """The step before the current one; None at the start (or when nothing is open)."""
    k = step_index(steps, state.instrument_id, state.occasion)
    if not k:
        return None
    return steps[k - 1]
