"""Check that an instrument's text is transcribed from its source document.

Every text field of an instrument (items, options, bands, guidance, discussion,
instructions) must be found in the source document once all whitespace is
removed on both sides. Text that the source interleaves with a sidebar is
accepted when its words appear in order within a short stretch of the source.
Titles are exempt. Used by the test suite and ``peerkit validate --sources``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .instruments import Instrument

EXEMPT_LABELS = {"True", "False", "T", "F"}
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[\w’'‘“”\"-]+")


@dataclass(frozen=True)
class Mismatch:
    field: str
    text: str

    def __str__(self) -> str:
        short = self.text if len(self.text) < 90 else self.text[:87] + "..."
        return f"{self.field}: not found in the source: {short!r}"


def _squash(text: str) -> str:
    return _WS.sub("", text)


@lru_cache(maxsize=16)
def _source(path: str) -> tuple[str, tuple[str, ...]]:
    text = Path(path).read_text(encoding="utf-8")
    # a tab-only line in the extracted PDF text is layout, not content
    return _squash(text), tuple(w.lower() for w in _WORD.findall(text))


def text_fields(ins: Instrument) -> Iterator[tuple[str, str]]:
    """(field path, text) for every transcribed text of an instrument."""
    if ins.instructions:
        yield "instructions", ins.instructions
    scales = [("scale", ins.scale)] + [
        (f"sections.{s.id}.scale", s.scale) for s in ins.sections
    ]
    for section in ins.sections:
        if section.instructions:
            yield f"sections.{section.id}.instructions", section.instructions
        for item in section.items:
            yield f"items.{item.id}.text", item.text
            if item.explanation:
                yield f"items.{item.id}.explanation", item.explanation
            for k, d in enumerate(item.details):
                yield f"items.{item.id}.details[{k}]", d
            if item.scale:
                scales.append((f"items.{item.id}.scale", item.scale))
    for where, scale in scales:
        if scale is None:
            continue
        for o in scale.options:
            if o.label not in EXEMPT_LABELS:
                yield f"{where}.options[{o.value!r}].label", o.label
            if o.description:
                yield f"{where}.options[{o.value!r}].description", o.description
    for band in ins.scoring.bands:
        yield f"scoring.bands[{band.label}].label", band.label
        if band.text:
            yield f"scoring.bands[{band.label}].text", band.text
    for g in ins.guidance:
        if g.text:
            yield f"guidance[{g.title}].text", g.text
        for k, p in enumerate(g.points):
            yield f"guidance[{g.title}].points[{k}]", p
    if ins.discussion:
        if ins.discussion.intro:
            yield "discussion.intro", ins.discussion.intro
        for q in ins.discussion.questions:
            yield f"discussion.{q.id}", q.text
    for occ in ins.occasions:
        if occ.instructions:
            yield f"occasions.{occ.id}.instructions", occ.instructions


def _in_order(words: list[str], source_words: tuple[str, ...], slack: float = 3.0) -> bool:
    """True when ``words`` occur in order within a window of the source."""
    if not words:
        return True
    first = words[0]
    limit = int(len(words) * slack) + 20
    for start, w in enumerate(source_words):
        if w != first:
            continue
        k = 1
        for j in range(start + 1, min(len(source_words), start + limit)):
            if k == len(words):
                break
            if source_words[j] == words[k]:
                k += 1
        if k == len(words):
            return True
    return False


def _paragraphs(text: str) -> list[str]:
    # line breaks (paragraphs in folded YAML text) and markdown list markers are layout
    parts = text.split("\n")
    return [p for p in (re.sub(r"^\s*(?:[-*])\s+", "", x) for x in parts) if p.strip()]


def check(ins: Instrument, seeds_dir: Path) -> list[Mismatch]:
    """Return the text fields of ``ins`` that cannot be found in its source."""
    squashed, words = _source(str(seeds_dir / ins.source.document))
    out = []
    for field, text in text_fields(ins):
        for para in _paragraphs(text):
            if _squash(para) in squashed:
                continue
            if _in_order([w.lower() for w in _WORD.findall(para)], words):
                continue
            out.append(Mismatch(field, para.strip()))
            break
    return out


if __name__ == "__main__":  # pragma: no cover - helper for transcribers
    import sys

    from .instruments import load_instrument

    seeds = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
    bad = 0
    for arg in sys.argv[1:]:
        found = check(load_instrument(arg), seeds)
        for m in found:
            print(f"{arg}: {m}")
        bad += len(found)
        print(f"{arg}: {'OK' if not found else f'{len(found)} field(s) not verbatim'}")
    sys.exit(1 if bad else 0)
