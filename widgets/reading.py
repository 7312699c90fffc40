"""Reading material: what a source gives as content without asking anyone to answer.

A list (the proficiencies of a peer worker), a handout (the manual's CPS job description), a
glossary (the slide deck's common terms) is shown as text in the notebooks and the session
plans, never as questions. Each is a YAML file in ``data/reading/``, validated like the
exercises (pydantic; errors name the file, the line and the field) and checked against its
source by :mod:`peerkit.fidelity`. Whatever the kit adds (a heading, a note) is labelled as
the kit's: headings are the kit's, ``kit_note`` says so on screen.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from .instruments import Id, InstrumentError, Source, Text, data_dir, parse_model
from .instruments.model import _Model

__all__ = ["Entry", "Part", "Reading", "get_reading", "load_readings", "reading_files"]


class Entry(_Model):
    """One entry of a list: the source's number (if it prints one), its text and sub-points."""

    text: Text
    number: str | None = None
    details: tuple[str, ...] = ()


class Part(_Model):
    """A stretch of the material: a heading (the source's own, checked), paragraphs, a list and
    the text after the list, in the source's order."""

    title: str | None = Field(default=None, description="the kit's heading for the part (not checked)")
    heading: str | None = Field(default=None, description="the source's own heading (checked)")
    text: str | None = None
    entries: tuple[Entry, ...] = ()
    after: str | None = None


class Reading(_Model):
    id: Id
    version: int = Field(ge=1)
    title: Text
    source: Source
    unit: str | None = None
    tags: tuple[str, ...] = ()
    kit_note: str | None = Field(default=None, description="what the kit adds, shown as the kit's")
    goes_with: tuple[str, ...] = Field(default=(), description="ids of the exercises it is read with")
    parts: tuple[Part, ...] = Field(min_length=1)

    # the fidelity check treats an exercise and a reading alike
    occasions: tuple = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for p in self.parts for e in p.entries)


def reading_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or data_dir()) / "reading").glob("*.yaml"))


def load_reading(path: Path | str) -> Reading:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(path, ["file not found"]) from None
    reading = parse_model(Reading, text, path)
    if reading.id != path.stem:
        raise InstrumentError(path, [f"line 1, field 'id': '{reading.id}' must match the file name '{path.stem}'"])
    return reading


@lru_cache(maxsize=8)
def _load_cached(root: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, Reading]:
    return {p.stem: load_reading(p) for p in reading_files(Path(root))}


def load_readings(root: Path | None = None) -> dict[str, Reading]:
    """All reading material by id, in file-name order. Cached until a file changes."""
    root = root or data_dir()
    stamp = tuple((p.name, p.stat().st_mtime) for p in reading_files(root))
    return dict(_load_cached(str(root), stamp))


def get_reading(reading_id: str, root: Path | None = None) -> Reading:
    found = load_readings(root)
    if reading_id not in found:
        raise KeyError(f"unknown reading '{reading_id}' (known: {', '.join(sorted(found)) or 'none'})")
    return found[reading_id]
