"""Sections that single benchmark scripts keep in BENCHMARKS.md between their own markers."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["BENCHMARKS", "write_benchmarks_section", "write_marked_section"]

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def write_marked_section(path: Path, start: str, end: str, block: str) -> None:
    """Put ``block`` (which begins with ``start`` and ends with ``end``) in place of the text
    between those markers in ``path``, or append it when the file has none yet."""
    block = block.rstrip("\n") + "\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# peerkit benchmarks\n"
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end) + r"\n?", lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


def write_benchmarks_section(start: str, end: str, block: str, path: Path | None = None,
                             what: str = "the section") -> Path:
    """:func:`write_marked_section` into BENCHMARKS.md (or ``path``), saying where it went: how a
    benchmark that runs on its own (``--write``) puts its section back after ``run.py``."""
    path = path or BENCHMARKS
    write_marked_section(path, start, end, block)
    print(f"wrote {what} to {path}")
    return path
