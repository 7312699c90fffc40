"""The instrument model: an exercise file as small immutable pydantic models (frozen), from
the :class:`Option` of a :class:`Scale` up to the whole :class:`Instrument`, each checking its
own rules (a scale's options, overlapping bands, an answer key that fits the scale, ...)."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator


ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
Text = Annotated[str, Field(min_length=1)]
Value = Union[bool, int, str]

SCALE_KINDS = ("true_false", "sia", "frequency", "choice", "multi", "checklist", "text")
# Marks, in a transcribed text, a place where the source itself has words missing.
GAP = "[gap in the source]"
# Joins the chosen options of a ``multi`` answer into one stored value ("agenda+busy-work").
MULTI_SEP = "+"


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """ "899-970, 980-990" -> [(899, 970), (980, 990)]."""
    out = []
    for part in text.split(","):
        start, _, end = part.strip().partition("-")
        out.append((int(start), int(end or start)))
    return out
COMPLETED_BY = ("supervisor", "peer_specialist", "both", "group", "anyone")
ROLES = ("supervisor", "peer_specialist", "other")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    """One answer a participant can choose."""

    value: Value
    label: Text
    short: str | None = None
    description: str | None = None


class Scale(_Model):
    """How an item is answered.

    ``kind`` chooses the control: true_false, sia (Strong/Incomplete/Absent),
    frequency (1-5), choice (options, optionally with an answer key), multi (tick every
    option that applies; stored as the chosen values joined by ``+``), checklist (tick or
    not) and text (free reflection).
    """

    kind: Literal["true_false", "sia", "frequency", "choice", "multi", "checklist", "text"]
    label: str | None = None
    options: tuple[Option, ...] = ()
    ordinal: bool = False
    by_kit: bool = Field(default=False, description="the options are the kit's, not the source's "
                                                    "(shown as the kit's; not checked against the source)")

    @model_validator(mode="after")
    def _check_options(self) -> "Scale":
        if self.kind in ("checklist", "text"):
            if self.options:
                raise ValueError(f"a {self.kind} scale takes no options")
            if self.ordinal:
                raise ValueError(f"a {self.kind} scale cannot be ordinal")
            return self
        if len(self.options) < 2:
            raise ValueError(f"a {self.kind} scale needs at least two options")
        values = [o.value for o in self.options]
        dupes = sorted({repr(v) for v in values if values.count(v) > 1})
        if dupes:
            raise ValueError(f"option values must be unique; repeated: {', '.join(dupes)}")
        if self.kind == "multi" and not all(isinstance(v, str) and MULTI_SEP not in v for v in values):
            raise ValueError(f"a multi scale has text option values without '{MULTI_SEP}'")
        if self.kind == "true_false" and set(values) != {True, False}:
            raise ValueError("a true_false scale has exactly the options true and false")
        if self.kind == "frequency" and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise ValueError("a frequency scale has whole-number option values")
        return self

    @property
    def values(self) -> tuple[Value, ...]:
        if self.kind == "checklist":
            return (True, False)
        return tuple(o.value for o in self.options)

    def chosen(self, value: Value | None) -> tuple[str, ...]:
        """The options a ``multi`` answer holds, in the scale's order ("" holds none)."""
        if not isinstance(value, str) or not value:
            return ()
        parts = set(value.split(MULTI_SEP))
        return tuple(str(o.value) for o in self.options if o.value in parts)

    def join(self, values: Any) -> str:
        """The stored value of a ``multi`` answer choosing ``values`` (in the scale's order)."""
        picked = set(values)
        return MULTI_SEP.join(str(o.value) for o in self.options if o.value in picked)

    def option(self, value: Value) -> Option | None:
        for o in self.options:
            if o.value == value and type(o.value) is type(value):
                return o
        return None

    def answer_label(self, value: Value, *, compact: bool = False) -> str:
        """How an answer reads to a person (plain text, not escaped).

        ``compact`` is the short form for tables ("S", "4 (Frequently)"); the full form is
        for participants ("4 = Frequently", "B) ‘Non-Peer’ environment").
        """
        if self.kind == "checklist":
            return "ticked" if value is True else "not ticked"
        if self.kind == "text":
            return str(value)
        if self.kind == "multi":
            picked = [o for o in self.options if o.value in self.chosen(value)]
            if not picked:
                return "none"
            return " + ".join((o.short or o.label) if compact else o.label for o in picked)
        opt = self.option(value)
        if opt is None:
            return str(value)
        if self.kind == "frequency":
            return f"{opt.value} ({opt.label})" if compact else f"{opt.short or opt.value} = {opt.label}"
        if compact:
            return opt.short or opt.label
        if self.kind == "choice" and opt.short and opt.short != opt.label:
            return f"{opt.short}) {opt.label}"
        return opt.label

    def accepts(self, value: Any) -> bool:
        """True when ``value`` is a valid answer on this scale."""
        if self.kind == "text":
            return isinstance(value, str)
        if self.kind == "checklist":
            return isinstance(value, bool)
        if self.kind == "multi":
            # one or more options, each once, in the scale's order
            return isinstance(value, str) and value != "" and value == self.join(value.split(MULTI_SEP))
        return self.option(value) is not None


class Item(_Model):
    id: Id
    text: Text
    number: str | None = None
    scale: Scale | None = None
    answer: Value | None = None
    explanation: str | None = None
    details: tuple[str, ...] = ()
    heading: str | None = Field(default=None, description=(
        "text the source prints before this item and the ones after it, e.g. a table row's "
        "'Related Knowledge*' above its skills: shown above the item, never answered"))


class Section(_Model):
    id: Id
    title: str | None = None
    instructions: str | None = None
    scale: Scale | None = None
    items: tuple[Item, ...] = Field(min_length=1)
    footnote: str | None = Field(default=None, description="the source's note under the section "
                                                            "(e.g. a table's '* A partial list')")
    columns: tuple[str, ...] = Field(default=(), description=(
        "the column headings of the source table the section comes from (area, row heading, items)"))


class Band(_Model):
    """A score range (inclusive) with its label and recommendation."""

    min: float
    max: float
    label: Text
    text: str = ""

    @model_validator(mode="after")
    def _order(self) -> "Band":
        if self.min > self.max:
            raise ValueError(f"band '{self.label}': min {self.min} is above max {self.max}")
        return self

    def contains(self, score: float) -> bool:
        return self.min <= score <= self.max


class Scoring(_Model):
    """How a response is scored.

    - ``count``: number of items answered ``value`` (True for quizzes and checklists);
    - ``sum``: total and mean of ordinal values (1-5 frequency), per section too;
    - ``tally``: how many items got each option (S/I/A);
    - ``key``: number of items answered as the answer key says;
    - ``none``: reflection only.
    """

    method: Literal["count", "sum", "tally", "key", "none"]
    value: Value | None = None
    by_section: bool = False
    bands: tuple[Band, ...] = ()
    highlight: int = Field(default=3, ge=0, description="how many strengths / needs to list")

    @model_validator(mode="after")
    def _check(self) -> "Scoring":
        if self.method == "count" and self.value is None:
            raise ValueError("count scoring needs 'value' (the answer that is counted)")
        bands = sorted(self.bands, key=lambda b: b.min)
        for lo, hi in zip(bands, bands[1:]):
            if hi.min <= lo.max:
                raise ValueError(f"bands '{lo.label}' and '{hi.label}' overlap")
        return self

    def band_for(self, score: float) -> Band | None:
        for band in self.bands:
            if band.contains(score):
                return band
        return None


RANGES = r"^\d+(-\d+)?(, ?\d+(-\d+)?)*$"


class Interleaved(_Model):
    """Words of another column that the text extraction put on one of the exercise's lines."""

    line: int = Field(ge=1)
    text: Text


class Source(_Model):
    document: Text = Field(description="the source document's file name, found in the folder of "
                                       "source documents ($PEERKIT_SEEDS)")
    title: Text
    exercise: str | None = None
    lines: Annotated[str, Field(pattern=r"^\d+-\d+(, ?\d+-\d+)*$")]
    skip: Annotated[str | None, Field(pattern=RANGES, description=(
        "source lines inside 'lines' that belong to something else (a sidebar the text "
        "extraction interleaved with the exercise): the source check leaves them out"))] = None
    furniture: tuple[str, ...] = Field(default=(), description=(
        "page furniture of the source (running headers, footers) that may stand between the "
        "exercise's words; page numbers are always furniture"))
    credit: str | None = Field(default=None, description="the source's credit line for the exercise")
    omitted: tuple[str, ...] = Field(default=(), description=(
        "text between the exercise's items that the kit leaves out on purpose (a table's column "
        "headings, a slide's aside), named so that the source check can tell it from a dropped word"))
    interleaved: tuple[Interleaved, ...] = Field(default=(), description=(
        "words of another column on a line of the exercise, removed by the source check (the "
        "words must be on that line, exactly)"))


class Guidance(_Model):
    """Text shown with the results, e.g. the options to speed up a timeline."""

    title: Text
    text: str | None = None
    points: tuple[str, ...] = ()
    numbers: tuple[str, ...] = Field(default=(), description=(
        "the source's numbers of the points ('1', '2', '3'), when it numbers them"))

    def labelled(self) -> list[tuple[str | None, str]]:
        """(the source's number or None, point): None where the source bullets the list."""
        return list(zip(self.numbers or (None,) * len(self.points), self.points))

    @model_validator(mode="after")
    def _numbers(self) -> "Guidance":
        if self.numbers and len(self.numbers) != len(self.points):
            raise ValueError(f"guidance '{self.title}': {len(self.numbers)} numbers for {len(self.points)} points")
        return self


class Question(_Model):
    id: Id
    text: Text
    number: str | None = Field(default=None, description="the source's label for the question or step ('3')")


class Discussion(_Model):
    title: str | None = None
    intro: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)

    def numbered(self) -> list[tuple[str, Question]]:
        """(label, question): the source's number where it gives one, else 1, 2, ..."""
        return [(q.number or str(k), q) for k, q in enumerate(self.questions, 1)]

    def labelled(self) -> list[tuple[str | None, Question]]:
        """(the source's number or None, question): None where the source bullets the list."""
        return [(q.number, q) for q in self.questions]


class Occasion(_Model):
    """One administration of a repeated instrument (e.g. pre and post)."""

    id: Id
    label: Text
    exercise: str | None = None
    instructions: str | None = None
    lines: str | None = None


class Instrument(_Model):
    id: Id
    version: int = Field(ge=1)
    title: Text
    source: Source
    unit: str | None = None
    completed_by: Literal["supervisor", "peer_specialist", "both", "group", "anyone"]
    compare: bool = False
    instructions: str | None = None
    scale: Scale | None = None
    sections: tuple[Section, ...] = Field(min_length=1)
    scoring: Scoring = Scoring(method="none")
    guidance: tuple[Guidance, ...] = ()
    discussion: Discussion | None = None
    occasions: tuple[Occasion, ...] = ()
    tags: tuple[str, ...] = ()
    kit_note: str | None = Field(default=None, description=(
        "what the kit adds to the source (a derived key or format, what a tick means): shown "
        "on the form and in the plans, always labelled as the kit's"))

    @model_validator(mode="after")
    def _check(self) -> "Instrument":
        seen: set[str] = set()
        for section in self.sections:
            for item in section.items:
                if item.id in seen:
                    raise ValueError(f"item id '{item.id}' is used twice")
                seen.add(item.id)
                scale = item.scale or section.scale or self.scale
                if scale is None:
                    raise ValueError(
                        f"item '{item.id}' has no scale (set 'scale' on the item, its section or the instrument)"
                    )
                if item.answer is not None and not scale.accepts(item.answer):
                    raise ValueError(
                        f"item '{item.id}': answer {item.answer!r} is not one of the scale's values "
                        f"{list(scale.values)!r}"
                    )
        section_ids = [s.id for s in self.sections]
        if len(set(section_ids)) != len(section_ids):
            raise ValueError("section ids must be unique")
        if self.scoring.method == "key":
            missing = [i.id for i in self.items if i.answer is None]
            if missing:
                raise ValueError(f"key scoring needs an answer for every item; missing: {', '.join(missing)}")
        if self.scoring.method == "sum":
            bad = [i.id for i in self.items if not self.scale_for(i).ordinal]
            if bad:
                raise ValueError(f"sum scoring needs ordinal scales; not ordinal: {', '.join(bad[:5])}")
        if self.scoring.method == "count":
            bad = [i.id for i in self.items if not self.scale_for(i).accepts(self.scoring.value)]
            if bad:
                raise ValueError(
                    f"count scoring counts {self.scoring.value!r}, which items {', '.join(bad[:5])} cannot take"
                )
        occ = [o.id for o in self.occasions]
        if len(set(occ)) != len(occ):
            raise ValueError("occasion ids must be unique")
        if not self.kit_note and any(self.scale_for(i).by_kit for i in self.items):
            raise ValueError("a scale of the kit's own (by_kit) needs a kit_note saying so on screen")
        return self

    # -- convenience -------------------------------------------------
    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def _item_index(self) -> dict[str, tuple[Item, Section]]:
        """item id -> (item, its section); built once per (immutable) instrument."""
        return {item.id: (item, section) for section in self.sections for item in section.items}

    def item(self, item_id: str) -> Item:
        found = self._item_index.get(item_id)
        if found is None:
            raise KeyError(f"{self.id}: no item '{item_id}'")
        return found[0]

    def section_of(self, item_id: str) -> Section:
        found = self._item_index.get(item_id)
        if found is None:
            raise KeyError(f"{self.id}: no item '{item_id}'")
        return found[1]

    def scale_for(self, item: Item | str) -> Scale:
        if isinstance(item, str):
            item = self.item(item)
        section = self.section_of(item.id)
        scale = item.scale or section.scale or self.scale
        assert scale is not None  # guaranteed by validation
        return scale

    @property
    def kinds(self) -> set[str]:
        return {self.scale_for(i).kind for i in self.items}

    @property
    def occasion_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.occasions) or ("",)
