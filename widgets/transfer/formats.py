"""The export and import formats: their columns, how cells and values are written and read
back, and the problems and errors an import reports (see :mod:`peerkit.transfer`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..instruments import MULTI_SEP, Scale
from ..samples import SAMPLE_JOIN_CODE
from ..store import StoreError, WorkshopSession


FORMATS = ("csv", "xlsx", "json")
JSON_FORMAT = "peerkit-session-backup"
JSON_FORMAT_VERSION = 1

PARTICIPANT_COLUMNS = [
    "session_id", "session_title", "session_date", "join_code",
    "participant_id", "display_name", "role", "pair_id", "pair_role",
]
TIDY_COLUMNS = PARTICIPANT_COLUMNS + [
    "instrument_id", "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at",
    "item_text", "value_label",
]
CODEBOOK_COLUMNS = ["instrument_id", "instrument_title", "instrument_version", "item_id", "item_text",
                    "scale", "options"]
#: What a spreadsheet may read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Columns an imported tidy file must have (the others may be missing or empty).
REQUIRED_TIDY = ["session_title", "join_code", "participant_id", "display_name", "role", "instrument_id",
                 "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at"]
REQUIRED_PARTICIPANT = ["session_title", "join_code", "participant_id", "display_name", "role"]
PAIR_ROLES = ("supervisor", "supervisee")

COLUMN_HELP: dict[str, str] = {
    "session_id": "the session's id in the exporting database (informational; a new id is assigned on import)",
    "session_title": "the session's title",
    "session_date": "the workshop date, YYYY-MM-DD (may be empty)",
    "join_code": f"the code participants type to join, e.g. {SAMPLE_JOIN_CODE}",
    "participant_id": "the participant's id in the exporting database (identifies the person within the file)",
    "display_name": "the name the participant joined with",
    "role": "supervisor, peer_specialist or other",
    "pair_id": "the participant's current pair (same number = same pair; empty when not paired)",
    "pair_role": "the participant's place in the pair: supervisor or supervisee (empty when not paired)",
    "instrument_id": "the exercise (the file name in data/instruments without .yaml)",
    "instrument_version": "the version of the exercise the answers were given to",
    "occasion": "which administration, e.g. pre or post (empty for exercises done once)",
    "item_id": "the item within the exercise (its text is in the exercise's file)",
    "value": "the answer: true/false, a whole number (e.g. 1-5), an option such as S/I/A, or text",
    "revision": "the number of the participant's submission of this exercise; only the latest (current) one is exported",
    "submitted_at": "when that revision was submitted, ISO 8601 in UTC",
    "item_text": "the item's wording (informational; ignored on import)",
    "value_label": "how the answer reads, e.g. 'S — Strength' or '4 = Often' (informational; ignored on import)",
}


# -- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an import file; ``row`` counts the header as row 1 (as a spreadsheet does).

    For JSON, ``where`` names the list (e.g. ``responses``) and ``row`` the 1-based position in it.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        out = self.file
        if self.where:
            out += f", {self.where}"
        if self.row is not None:
            out += f", row {self.row}"
        if self.column:
            out += f", column '{self.column}'"
        return f"{out}: {self.message}"


class TransferError(StoreError):
    """An import or export failed; for imports ``problems`` lists everything found (nothing was written)."""

    def __init__(self, problems: list[Problem] | str, limit: int = 50) -> None:
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            super().__init__(problems)
            return
        self.problems = problems
        head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found; nothing was imported:"
        lines = [f"  - {p}" for p in problems[:limit]]
        if len(problems) > limit:
            lines.append(f"  ... and {len(problems) - limit} more")
        super().__init__("\n".join([head, *lines]))


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_file` wrote."""

    session: WorkshopSession
    participants: int
    pairs: int
    responses: int  # revisions
    notes: int
    passcode: str | None = None  # set when a passcode was generated for the imported session
    warnings: tuple[str, ...] = ()


# -- values ------------------------------------------------------------------------------------


def neutralize_cell(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: a leading apostrophe before
    ``= + - @``, tab or carriage return (OWASP), and before an apostrophe (so that
    :func:`restore_cell` is its exact inverse)."""
    if text and (text[0] in FORMULA_STARTS or text[0] == "'"):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """Undo :func:`neutralize_cell`: one leading apostrophe before ``= + - @``, tab, CR or an
    apostrophe is removed; any other text is left as it is."""
    if len(text) > 1 and text[0] == "'" and (text[1] in FORMULA_STARTS or text[1] == "'"):
        return text[1:]
    return text



def value_text(value: Any) -> str:
    """How a value is written in CSV: ``true``/``false``, whole numbers, text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _option_text(value: Any) -> str:
    return value_text(value)


def coerce_value(scale: Scale, raw: Any) -> Any:
    """The answer ``raw`` (text from a file, or a typed cell) as the scale's Python value.

    Raises ``ValueError`` with a readable message when it is not allowed on the scale.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueError("the value is empty")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if scale.kind == "text":
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise ValueError(f"{raw!r} is not text")
        return raw if isinstance(raw, str) else str(raw)
    if scale.kind == "checklist" or scale.kind == "true_false":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ValueError(f"{raw!r} is not allowed (allowed: true, false)")
    values = list(scale.values)
    if scale.kind == "multi" and isinstance(raw, str) and MULTI_SEP in raw:
        # several options ticked: each one of the scale's values, once, joined in the scale's order
        picked = [coerce_value(scale, part) for part in raw.split(MULTI_SEP)]
        if len(set(picked)) != len(picked):
            raise ValueError(f"{raw!r} names an option twice")
        return scale.join(picked)
    if not isinstance(raw, str):
        for v in values:
            if v == raw and type(v) is type(raw):
                return v
    else:
        text = raw.strip()
        exact = [v for v in values if _option_text(v) == text]
        if exact:
            return exact[0]
        folded = [v for v in values if _option_text(v).casefold() == text.casefold()]
        if len(folded) == 1:
            return folded[0]
    allowed = ", ".join(_option_text(v) for v in values)
    shown = raw if isinstance(raw, str) else value_text(raw)
    raise ValueError(f"{shown!r} is not on the item's scale (allowed: {allowed})")


def _iso(value: dt.datetime | dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _format_of(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise TransferError(f"{path}: unknown format {fmt or '(no file extension)'!r}; "
                            f"use one of: {', '.join(FORMATS)}")
    return fmt
