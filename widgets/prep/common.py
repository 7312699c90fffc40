"""What every part of :mod:`peerkit.prep` shares: the frames' columns, the order and labels of
roles, plain Python values from pandas, numeric positions of answers, empty frames."""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import pandas as pd

from ..instruments import Instrument, Scale

__all__ = [
    "RESPONSE_COLUMNS", "PARTICIPANT_COLUMNS", "STATUS_COLUMNS", "ROLE_ORDER", "ROLE_LABELS", "role_label",
    "empty_responses", "default_occasion", "instrument_key", "item_score", "option_keys", "ITEM_COLUMNS",
]


RESPONSE_COLUMNS = [
    "session_id", "participant_id", "display_name", "role", "pair_id", "instrument_id",
    "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at",
]


PARTICIPANT_COLUMNS = ["participant_id", "session_id", "display_name", "role", "pair_id"]


STATUS_COLUMNS = ["participant_id", "display_name", "role", "instrument_id", "occasion",
                  "submitted_at", "revision"]


ROLE_ORDER = ("supervisor", "peer_specialist", "other")


ROLE_LABELS = {
    "supervisor": "Supervisor",
    "peer_specialist": "Peer specialist",
    "other": "Other",
    "all": "Everyone",
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, str(role).replace("_", " ").capitalize())


def _py(value: Any) -> Any:
    """A plain Python bool / int / str from whatever pandas or numpy handed over."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
    except ImportError:  # pragma: no cover - pandas brings numpy
        pass
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def empty_responses() -> pd.DataFrame:
    return pd.DataFrame(columns=RESPONSE_COLUMNS, dtype=object)


def default_occasion(instrument: Instrument) -> str:
    return instrument.occasion_ids[0]


def instrument_key(instrument: Instrument | str, occasion: str = "") -> str:
    """The column name used for an instrument (and occasion) in wide tables."""
    iid = instrument if isinstance(instrument, str) else instrument.id
    return f"{iid}:{occasion}" if occasion else iid


def _roles_present(roles: Iterable[str]) -> list[str]:
    uniq = pd.unique(pd.Series(roles if isinstance(roles, pd.Series) else list(roles), dtype=object))
    present = list(dict.fromkeys(str(r) for r in uniq if r is not None and r == r))
    ordered = [r for r in ROLE_ORDER if r in present]
    return ordered + sorted(r for r in present if r not in ROLE_ORDER)


def _numeric_kind(scale: Scale) -> str | None:
    if scale.kind == "frequency" or (scale.ordinal and scale.kind not in ("checklist", "text")):
        return "ordinal"
    if scale.kind in ("true_false", "checklist"):
        return "binary"
    return None


def item_score(instrument: Instrument, item_id: str, value: Any) -> float | None:
    """The numeric position of an answer (see the module notes), None when it has none."""
    value = _py(value)
    if value is None:
        return None
    scale = instrument.scale_for(item_id)
    kind = _numeric_kind(scale)
    if kind is None:
        return None
    if kind == "binary":
        return 1.0 if value is True else 0.0 if value is False else None
    if scale.kind == "frequency":
        return float(value)
    values = list(scale.values)
    for k, v in enumerate(values):
        if v == value and type(v) is type(value):
            return float(len(values) - k)
    return None


def option_keys(instrument: Instrument, items: Sequence | None = None) -> list[str]:
    """The answer keys (``str(value)``) of the instrument's non-text items, in scale order."""
    keys: list[str] = []
    for item in items if items is not None else instrument.items:
        scale = instrument.scale_for(item)
        if scale.kind == "text":
            continue
        for v in scale.values:
            if str(v) not in keys:
                keys.append(str(v))
    return keys


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns), dtype=object)


ITEM_COLUMNS = ["item_id", "number", "text", "section_id"]
