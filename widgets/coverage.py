"""What the kit holds of each source document, in words: the README's coverage paragraph.

Pure: built from the data files (``data/instruments`` and ``data/reading``), so the sentence a
reader sees cannot drift from what the kit holds. ``facilitator-guide/_build_plans.py`` writes it
into the README between ``<!-- generated: coverage -->`` markers and the test suite checks that it
is current.
"""

from __future__ import annotations

from collections import Counter

from .instruments import Instrument, load_all, parse_ranges
from .reading import Reading, load_readings

__all__ = ["NOT_IN_THE_KIT", "coverage_markdown", "source_order"]

# Parts of the sources the kit does not turn into a form, and why (shown in the README).
NOT_IN_THE_KIT = (
    "Exercise 5.2 of the training manual (Integrating Peer Workers) is named in Unit 5's list but has "
    "no body in the manual, so the kit has no form for it.",
)


def source_order(instruments: dict[str, Instrument], readings: dict[str, Reading]) -> list[str]:
    """Source titles, most exercises first (ties by title)."""
    count = Counter(i.source.title for i in instruments.values())
    titles = set(count) | {r.source.title for r in readings.values()}
    return sorted(titles, key=lambda t: (-count[t], t))


def coverage_markdown(instruments: dict[str, Instrument] | None = None,
                      readings: dict[str, Reading] | None = None) -> str:
    """The README's paragraph: exercises per source, and what is reading material only."""
    instruments = load_all() if instruments is None else instruments
    readings = load_readings() if readings is None else readings
    count = Counter(i.source.title for i in instruments.values())
    parts = []
    for title in source_order(instruments, readings):
        n = count[title]
        text = f"*{title}*: {n} exercise{'s' if n != 1 else ''}"
        read = [r for r in sorted(readings.values(), key=lambda r: parse_ranges(r.source.lines)[0])
                if r.source.title == title]
        if read:
            text += " and reading material (" + "; ".join(f"“{r.title}”" for r in read) + ")"
        parts.append(text)
    n_docs = len(source_order(instruments, readings))
    lines = [
        f"It holds the exercises of {n_docs} source documents: "
        f"{len(instruments)} exercises in all, one file each in `data/instruments/`, and "
        f"{len(readings)} pieces of reading material in `data/reading/` (the sources' lists and handouts "
        "that ask nobody to answer, shown as text in the notebooks and session plans). By source: "
        + "; ".join(parts) + ".",
        "",
        " ".join(NOT_IN_THE_KIT),
    ]
    return "\n".join(lines) + "\n"

