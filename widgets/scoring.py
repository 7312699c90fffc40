"""Score one response to an instrument. Pure functions, standard library only.

A response is a mapping ``{item_id: value}``; an item that is missing or
``None`` (or blank text) is unanswered. Unanswered items are reported, never
counted as zero: sums and means are taken over the answered items only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .instruments import Band, Instrument, Item, Value

__all__ = [
    "ItemResult",
    "Score",
    "SectionScore",
    "clean_answers",
    "key_points",
    "is_answered",
    "score",
    "unanswered",
]


def is_answered(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str) and not value.strip():
        return False
    return True


def clean_answers(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Value]:
    """Keep the answered, valid items; raise ``ValueError`` naming any unknown item or bad value."""
    known = {i.id for i in instrument.items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"{instrument.id}: unknown item(s): {', '.join(unknown)}")
    out: dict[str, Value] = {}
    for item in instrument.items:
        value = answers.get(item.id)
        if not is_answered(value):
            continue
        scale = instrument.scale_for(item)
        if not scale.accepts(value):
            allowed = "text" if scale.kind == "text" else ", ".join(repr(v) for v in scale.values)
            raise ValueError(f"{instrument.id}: item '{item.id}': {value!r} is not an allowed answer ({allowed})")
        out[item.id] = value
    return out


def unanswered(instrument: Instrument, answers: Mapping[str, Any]) -> list[str]:
    """Ids of the items still to answer, in the instrument's order.

    A checklist item counts as answered when it is present (ticked or not)."""
    return [i.id for i in instrument.items if not is_answered(answers.get(i.id))]


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    value: Value | None
    correct: bool | None = None
    expected: Value | None = None
    points: int | None = None  # key method: options judged as the key does (1 for a single answer)
    max_points: int | None = None


def key_points(instrument: Instrument, item: Item, value: Any) -> tuple[int, int]:
    """(points, possible) for one keyed answer. A single answer is one point; a ``multi`` answer
    earns a point for every option ticked or left as the key has it, so a partly right answer
    scores in part (an unanswered item scores 0)."""
    scale = instrument.scale_for(item)
    if scale.kind != "multi":
        return (1 if is_answered(value) and value == item.answer and type(value) is type(item.answer)
                else 0), 1
    if not is_answered(value):
        return 0, len(scale.options)
    given, key = set(scale.chosen(value)), set(scale.chosen(item.answer))
    return sum(1 for o in scale.options if (o.value in given) == (o.value in key)), len(scale.options)


@dataclass(frozen=True)
class SectionScore:
    section_id: str
    title: str | None
    n_items: int
    answered: int
    count: int | None = None  # count method: items answered the counted value
    total: float | None = None  # sum method
    mean: float | None = None  # sum method, over answered items
    correct: int | None = None  # key method
    tally: dict[str, int] = field(default_factory=dict)
    points: int | None = None  # key method: per option for multi-select items (see key_points)
    max_points: int | None = None


@dataclass(frozen=True)
class Score:
    instrument_id: str
    method: str
    n_items: int
    answered: int
    unanswered: tuple[str, ...]
    value: float | None = None  # the figure bands are read from
    band: Band | None = None
    count: int | None = None
    total: float | None = None
    mean: float | None = None
    correct: int | None = None
    tally: dict[str, int] = field(default_factory=dict)
    points: int | None = None
    max_points: int | None = None
    sections: tuple[SectionScore, ...] = ()
    items: tuple[ItemResult, ...] = ()
    strengths: tuple[tuple[str, Value], ...] = ()
    needs: tuple[tuple[str, Value], ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unanswered


def _numeric(value: Any) -> float:
    return float(value)


def _section_score(ins: Instrument, sec_items: tuple[Item, ...], answers: Mapping[str, Any],
                   section_id: str, title: str | None) -> SectionScore:
    method = ins.scoring.method
    vals = {i.id: answers[i.id] for i in sec_items if is_answered(answers.get(i.id))}
    kw: dict[str, Any] = {}
    if method == "count":
        target = ins.scoring.value
        kw["count"] = sum(1 for v in vals.values() if v == target and type(v) is type(target))
    elif method == "sum":
        nums = [_numeric(v) for v in vals.values()]
        kw["total"] = sum(nums) if nums else None
        kw["mean"] = (sum(nums) / len(nums)) if nums else None
    elif method == "key":
        kw["correct"] = sum(1 for i in sec_items if i.id in vals and vals[i.id] == i.answer)
        pts = [key_points(ins, i, vals.get(i.id)) for i in sec_items]
        kw["points"], kw["max_points"] = sum(p for p, _ in pts), sum(m for _, m in pts)
    elif method == "tally":
        tally: dict[str, int] = {}
        for item in sec_items:
            for value in ins.scale_for(item).values:
                tally.setdefault(str(value), 0)
        for v in vals.values():
            tally[str(v)] = tally.get(str(v), 0) + 1
        kw["tally"] = tally
    return SectionScore(section_id, title, len(sec_items), len(vals), **kw)


def score(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    """Score ``answers`` by the instrument's scoring rule.

    - count: how many items were answered ``scoring.value``; the band is read from that count;
    - sum: total and mean over answered items, per section; strengths and needs are the
      highest- and lowest-rated items;
    - tally: how many items got each option;
    - key: how many answers match the key, with each item's result; ``points`` count a
      multi-select answer per option (see :func:`key_points`), other answers one point each;
    - none: only what was answered.
    """
    ins = instrument
    answers = clean_answers(ins, answers)
    method = ins.scoring.method
    missing = tuple(unanswered(ins, answers))
    whole = _section_score(ins, ins.items, answers, "", None)
    sections = tuple(_section_score(ins, s.items, answers, s.id, s.title) for s in ins.sections)

    items: tuple[ItemResult, ...] = ()
    strengths: tuple[tuple[str, Value], ...] = ()
    needs: tuple[tuple[str, Value], ...] = ()
    value: float | None = None
    if method == "count":
        value = float(whole.count or 0)
    elif method == "sum":
        value = whole.total
        rated = [(i.id, answers[i.id]) for i in ins.items if i.id in answers]
        n = ins.scoring.highlight
        nums = [_numeric(v) for _, v in rated]
        if rated and n and max(nums) > min(nums):
            # strengths: the highest-rated items above the lowest rating; needs: the
            # lowest-rated below the highest. Ties keep the instrument's order.
            hi = sorted((k for k in range(len(rated)) if nums[k] > min(nums)), key=lambda k: (-nums[k], k))
            lo = sorted((k for k in range(len(rated)) if nums[k] < max(nums)), key=lambda k: (nums[k], k))
            strengths = tuple(rated[k] for k in hi[:n])
            needs = tuple(rated[k] for k in lo[:n])
    elif method == "key":
        value = float(whole.correct or 0)
        items = tuple(
            ItemResult(i.id, answers.get(i.id),
                       (answers[i.id] == i.answer) if i.id in answers else None, i.answer,
                       *key_points(ins, i, answers.get(i.id)))
            for i in ins.items
        )
    band = ins.scoring.band_for(value) if value is not None and ins.scoring.bands else None
    if method == "count" and missing and ins.scoring.bands:
        # a band read from an incomplete quiz could understate readiness: report none
        band = None
    return Score(
        instrument_id=ins.id,
        method=method,
        n_items=len(ins.items),
        answered=len(answers),
        unanswered=missing,
        value=value,
        band=band,
        count=whole.count,
        total=whole.total,
        mean=whole.mean,
        correct=whole.correct,
        tally=whole.tally,
        points=whole.points,
        max_points=whole.max_points,
        sections=sections if (ins.scoring.by_section or method in ("sum", "tally")) else (),
        items=items,
        strengths=strengths,
        needs=needs,
    )
