"""Instrument model: load and validate the exercise files in ``data/instruments``.

Every exercise of the curriculum is a YAML file. This module turns a file into a
small immutable :class:`Instrument` (pydantic models, frozen) and reports any
problem as an :class:`InstrumentError` naming the file, the line and the field.

No user-interface code lives here; the module is safe to import anywhere.

The model lives in :mod:`~peerkit.instruments.model`, finding, parsing and loading the files
in :mod:`~peerkit.instruments.loading`; both are imported from here.
"""

from __future__ import annotations

from .loading import (
    InstrumentError,
    data_dir,
    get_instrument,
    instrument_files,
    load_all,
    load_instrument,
    parse_instrument,
    parse_model,
    sorted_by_source,
    validate_all,
)
from .model import (
    COMPLETED_BY,
    GAP,
    ID_PATTERN,
    MULTI_SEP,
    RANGES,
    ROLES,
    SCALE_KINDS,
    Band,
    Discussion,
    Guidance,
    Id,
    Instrument,
    Interleaved,
    Item,
    Occasion,
    Option,
    Question,
    Scale,
    Scoring,
    Section,
    Source,
    Text,
    Value,
    parse_ranges,
)

__all__ = [
    "Band",
    "Discussion",
    "GAP",
    "MULTI_SEP",
    "Guidance",
    "Instrument",
    "InstrumentError",
    "Item",
    "Occasion",
    "Option",
    "Scale",
    "Scoring",
    "Section",
    "Source",
    "data_dir",
    "instrument_files",
    "load_all",
    "load_instrument",
    "get_instrument",
    "validate_all",
]
