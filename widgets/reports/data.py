"""What a report is drawn from: a :class:`SessionData` snapshot of one session, the paper size,
and file names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from .. import prep
from ..instruments import Instrument, load_all, sorted_by_source

__all__ = ["PAPERS", "Paper", "SessionData", "collect", "paper", "slug"]


@dataclass
class SessionData:
    """What a report needs about one session, read from the store at one moment."""

    session: Any  # peerkit.store.WorkshopSession (title, date, join_code, id)
    participants: Any  # list[Participant] or a DataFrame (see prep.participants_frame)
    responses: pd.DataFrame
    status: pd.DataFrame | None = None
    pairs: Sequence[Any] = ()
    notes: Callable[[int, str], Mapping[str, str]] | Mapping[tuple[int, str], Mapping[str, str]] = field(
        default_factory=dict)
    instruments: Mapping[str, Instrument] | None = None
    collected_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())

    def instrument_map(self) -> dict[str, Instrument]:
        return dict(self.instruments) if self.instruments is not None else load_all()

    def pair_notes(self, pair_id: int, instrument_id: str) -> Mapping[str, str]:
        if callable(self.notes):
            return self.notes(pair_id, instrument_id)
        return self.notes.get((pair_id, instrument_id), {})

    def participants_df(self) -> pd.DataFrame:
        return prep.participants_frame(self.participants)

    def pairs_df(self) -> pd.DataFrame:
        return prep.pairs_frame(self.participants, self.pairs)

    def status_df(self) -> pd.DataFrame:
        if self.status is not None:
            return self.status
        # derived from the responses (one row per participant x instrument x occasion)
        df = self.responses
        if df is None or df.empty:
            return pd.DataFrame(columns=prep.STATUS_COLUMNS)
        return (df.groupby(["participant_id", "display_name", "role", "instrument_id", "occasion"], sort=False)
                .agg(submitted_at=("submitted_at", "max"), revision=("revision", "max")).reset_index())

    def used_instruments(self) -> list[Instrument]:
        """Instruments with at least one submission, in the order of their source documents."""
        found = self.instrument_map()
        ids = (set(self.responses["instrument_id"].unique())
               if self.responses is not None and len(self.responses) else set())
        return [i for i in sorted_by_source(found) if i.id in ids]

    def session_title(self) -> str:
        return str(getattr(self.session, "title", "") or "Untitled session")

    def session_date(self) -> str:
        d = getattr(self.session, "date", None)
        if not d:
            return ""
        return f"{d:%B} {d.day}, {d:%Y}" if hasattr(d, "strftime") else str(d)

    def made_at(self) -> str:
        t = self.collected_at
        return f"{t:%B} {t.day}, {t:%Y}, {t:%H:%M}"


def collect(store: Any, session_id: int, instruments: Mapping[str, Instrument] | None = None) -> SessionData:
    """Read one session from the store (everything a report shows)."""
    return SessionData(
        session=store.get_session(session_id),
        participants=store.participants(session_id),
        responses=store.responses_frame(session_id),
        status=store.submission_status(session_id),
        pairs=list(store.pairs(session_id)) if hasattr(store, "pairs") else [],
        notes=store.notes,
        instruments=instruments,
    )


def session_data(source: Any, session_id: int | None = None,
                 instruments: Mapping[str, Instrument] | None = None) -> SessionData:
    """``source`` as a snapshot: a :class:`SessionData` as it is, or a store read for ``session_id``."""
    if isinstance(source, SessionData):
        return source
    if session_id is None:
        raise ValueError("a session id is needed to read a report from the store")
    return collect(source, session_id, instruments)


def pair_session_data(source: Any, pair_id: int, session_id: int | None = None,
                      instruments: Mapping[str, Instrument] | None = None) -> SessionData:
    """Like :func:`session_data`; with a store the pair's own session is found when not given."""
    if not isinstance(source, SessionData) and session_id is None:
        session_id = source.get_pair(pair_id).session_id
    return session_data(source, session_id, instruments)


def slug(text: str, fallback: str = "report") -> str:
    """``text`` as a safe file-name part: lower case letters, digits and dashes."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return s[:60].strip("-") or fallback


# -- paper -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paper:
    """A paper size: its CSS ``@page size`` keyword and its size in points (PDF units)."""

    name: str
    css: str
    width_pt: float
    height_pt: float
    label: str


PAPERS = {
    "letter": Paper("letter", "letter", 612.0, 792.0, "US Letter"),
    "a4": Paper("a4", "A4", 595.28, 841.89, "A4"),
}
DEFAULT_PAPER = "letter"  # the sources are American


def paper(value: str | Paper | None = None) -> Paper:
    """The :class:`Paper` named ``value`` ("letter", the default, or "a4"; any case)."""
    if isinstance(value, Paper):
        return value
    key = (value or DEFAULT_PAPER).strip().lower().replace(" ", "").replace("us", "")
    if key not in PAPERS:
        raise ValueError(f"unknown paper size {value!r}: use 'letter' (US Letter) or 'a4'")
    return PAPERS[key]
