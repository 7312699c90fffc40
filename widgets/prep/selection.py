"""One exercise's answers out of the session's frame: :func:`select` (valid answers on known items,
current revisions), the answers per participant, and the respondents.

The group view asks one frame for several aggregates of an exercise, and every one starts from
the same selection: :func:`_memo` keeps such intermediate results with the frame itself, so each
is computed once per frame (a refresh reads a new frame, and starts afresh)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..instruments import Instrument
from .common import _empty, _py, default_occasion, empty_responses

__all__ = [
    "select", "answers_by_participant", "RESPONDENT_COLUMNS", "respondents",
]


_MEMO = "_peerkit_prep_memo"


def _memo(frame: pd.DataFrame, name: str, instrument: Any, occasion: Any, compute) -> Any:
    """``compute()``, once per frame, step, instrument and occasion.

    The group view asks the same frame for several aggregates of one exercise (respondents,
    bands, score summary, areas, spread ...) and every one starts from the same selection and the
    same scores: those are computed once and kept on the frame object itself, so they live exactly
    as long as the frame (a refresh reads a new frame, and with it starts afresh). Frames are
    treated as read-only snapshots (``Store.responses_frame`` returns a new one on every read);
    the public functions hand out copies, so a caller changing a result changes nothing kept.
    """
    memo = frame.__dict__.get(_MEMO)
    if memo is None:
        memo = {}
        object.__setattr__(frame, _MEMO, memo)  # not a column: plain attribute, not copied by pandas
    key = (name, id(instrument), occasion)
    hit = memo.get(key)
    if hit is not None and hit[0] is instrument:
        return hit[1]
    value = compute()
    memo[key] = (instrument, value)  # the instrument is kept too, so its id cannot be reused
    return value


def _row_index(frame: pd.DataFrame) -> dict:
    """Row positions of every (instrument, occasion) in the frame, found in one pass."""
    iid = frame["instrument_id"].astype(object)
    if "occasion" not in frame.columns:  # a frame without occasions holds first occasions only
        return {(k, ""): v for k, v in frame.groupby(iid, sort=False).indices.items()}
    occs = frame["occasion"].astype(object).where(frame["occasion"].notna(), "").astype(str)
    return frame.groupby([iid, occs], sort=False).indices


def select(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """The rows of one instrument and occasion, restricted to valid answers on known items."""
    return _select(frame, instrument, occasion).copy()


def _select(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """:func:`select`, kept with the frame (read-only: the prep functions' shared starting point)."""
    if frame is None or len(frame) == 0:
        return empty_responses()
    occ = default_occasion(instrument) if occasion is None else occasion
    return _memo(frame, "select", instrument, occ, lambda: _select_rows(frame, instrument, occ))


def _select_rows(frame: pd.DataFrame, instrument: Instrument, occ: str) -> pd.DataFrame:
    import numpy as np

    pos = _memo(frame, "rows", None, None, lambda: _row_index(frame)).get((instrument.id, occ))
    if pos is None or not len(pos):
        return empty_responses()
    df = frame.iloc[pos]
    known = {i.id: instrument.scale_for(i) for i in instrument.items}
    # each distinct (item, type, value) is converted and checked once, then broadcast to its rows
    raw = df["value"].astype(object).to_numpy()
    item_codes, _ = pd.factorize(df["item_id"].astype(object).to_numpy(), use_na_sentinel=False)
    value_codes, _ = pd.factorize(raw, use_na_sentinel=False)
    type_codes, _ = pd.factorize(np.asarray([id(type(v)) for v in raw.tolist()], dtype=np.int64))
    combined = (item_codes.astype(np.int64) * (value_codes.max() + 1) + value_codes) * (type_codes.max() + 1) + type_codes
    _, first_row, codes = np.unique(combined, return_index=True, return_inverse=True)
    items, uniq_raw = df["item_id"].to_numpy()[first_row], raw[first_row]
    uniq_values, uniq_ok = [], []
    for item_id, value in zip(items.tolist(), uniq_raw.tolist()):
        v = _py(value)
        scale = known.get(item_id)
        uniq_values.append(v)
        uniq_ok.append(scale is not None and v is not None and scale.accepts(v))
    keep = np.asarray(uniq_ok, dtype=bool)[codes.reshape(-1)]
    values = pd.Series(uniq_values, dtype="object").to_numpy()[codes.reshape(-1)]
    df = df.assign(value=pd.Series(values, index=df.index, dtype="object"))[keep]
    if "revision" in df.columns and len(df):
        df = _current_answers(df)
    return df.reset_index(drop=True)


def _current_answers(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in revision order (stable), one per participant and item: the one of the highest revision."""
    import numpy as np

    rev = df["revision"]
    if not pd.api.types.is_numeric_dtype(rev) or rev.isna().any():
        return df.sort_values("revision", kind="stable").drop_duplicates(["participant_id", "item_id"], keep="last")
    order = np.argsort(rev.to_numpy(), kind="stable")
    p, _ = pd.factorize(df["participant_id"].to_numpy()[order], use_na_sentinel=False)
    i, _ = pd.factorize(df["item_id"].astype(object).to_numpy()[order], use_na_sentinel=False)
    key = p.astype(np.int64) * (i.max() + 1) + i
    _, last_rev = np.unique(key[::-1], return_index=True)  # each key's last row in revision order
    keep = np.zeros(len(key), dtype=bool)
    keep[len(key) - 1 - last_rev] = True
    return df.iloc[order[keep]]


def answers_by_participant(frame: pd.DataFrame | None, instrument: Instrument,
                           occasion: str | None = None) -> dict[int, dict[str, Any]]:
    """``{participant_id: {item_id: value}}`` for everyone who answered the instrument."""
    df = _select(frame, instrument, occasion)
    out: dict[int, dict[str, Any]] = {}
    for pid, item_id, value in zip(df["participant_id"].tolist(), df["item_id"].tolist(), df["value"].tolist()):
        out.setdefault(int(pid), {})[item_id] = value
    return out


RESPONDENT_COLUMNS = ["participant_id", "display_name", "role", "pair_id", "answered", "n_items", "submitted_at"]


def respondents(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """One row per participant who submitted the instrument (occasion), by name."""
    return _respondents(frame, instrument, occasion).copy()


def _respondents(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    df = _select(frame, instrument, occasion)
    if df.empty:
        return _empty(RESPONDENT_COLUMNS)
    occ = default_occasion(instrument) if occasion is None else occasion
    return _memo(frame, "respondents", instrument, occ, lambda: _respondent_rows(df, instrument))


def _respondent_rows(df: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    import numpy as np

    person, pids = pd.factorize(df["participant_id"].to_numpy(), use_na_sentinel=False)
    n = len(pids)
    _, first = np.unique(person, return_index=True)  # each person's first row (persons in order of appearance)
    item, _ = pd.factorize(df["item_id"].astype(object).to_numpy(), use_na_sentinel=False)
    _, one_per_item = np.unique(person.astype(np.int64) * (item.max() + 1) + item, return_index=True)
    answered = np.bincount(person[one_per_item], minlength=n)

    def first_of(col: str) -> Any:
        """Each person's first value that is not missing (as groupby's ``first``)."""
        got = df[col].iloc[first]
        if got.isna().any():
            got = df[col].groupby(person, sort=True).first()
        return got.to_numpy()

    names, roles = first_of("display_name"), first_of("role")
    ids = np.asarray(pids).astype(int)
    # by name (case-insensitive), then id
    order = sorted(range(n), key=lambda k: (str(names[k]).casefold(), ids[k]))
    cols: dict[str, Any] = {"participant_id": ids[order], "display_name": names[order], "role": roles[order]}
    cols["pair_id"] = ([_py(v) for v in first_of("pair_id")[order].tolist()] if "pair_id" in df
                       else [None] * n)
    cols["answered"] = answered[order].astype(int)
    cols["n_items"] = np.full(n, len(instrument.items), dtype=int)
    cols["submitted_at"] = (df["submitted_at"].groupby(person, sort=True).max().to_numpy()[order]
                            if "submitted_at" in df else [None] * n)
    return pd.DataFrame(cols, columns=RESPONDENT_COLUMNS)
