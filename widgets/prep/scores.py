"""Everyone's scores for an exercise (computed for the whole group at once, equal to
:func:`peerkit.scoring.score` on each person's answers), the band distribution and the score
summary by role."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..instruments import Instrument
from ..scoring import is_answered
from .common import ROLE_ORDER, _empty, _roles_present, default_occasion
from .selection import _memo, _respondents, _select

__all__ = [
    "SCORE_COLUMNS", "scores", "NOT_BANDED", "band_distribution", "SCORE_SUMMARY_COLUMNS", "score_summary",
]


SCORE_COLUMNS = ["participant_id", "display_name", "role", "answered", "n_items", "complete",
                 "value", "mean", "band"]


def scores(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """Each respondent's score (``peerkit.scoring.score``): value, mean and band.

    Computed for the whole group at once (:func:`_score_rows`), with the same results as
    ``peerkit.scoring.score`` on each respondent's answers (tests check this on every instrument)."""
    return _scores(frame, instrument, occasion).copy()


def _scores(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    people = _respondents(frame, instrument, occasion)
    if people.empty:
        return _empty(SCORE_COLUMNS)
    occ = default_occasion(instrument) if occasion is None else occasion
    return _memo(frame, "scores", instrument, occ,
                 lambda: _score_rows(_select(frame, instrument, occ), people, instrument))


def _score_rows(df: pd.DataFrame, people: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """:func:`peerkit.scoring.score`'s answered, complete, value, mean and band for every respondent.

    ``df`` is :func:`select`'s output (valid answers on known items). Each distinct (item, answer)
    is judged once by the scoring module's own rules (``is_answered``; ``==`` against the counted
    value or the key), then the per-answer results are summed per participant with numpy.
    """
    import numpy as np

    ins = instrument
    method = ins.scoring.method
    if df.duplicated(["participant_id", "item_id"]).any():  # as a dict of answers would keep them
        df = df.drop_duplicates(["participant_id", "item_id"], keep="last")
    answers = df["value"].tolist()
    items = df["item_id"].tolist()
    codes, uniq = pd.factorize(pd.Series([(i, type(v), v) for i, v in zip(items, answers)], dtype=object))
    target = ins.scoring.value
    key = {i.id: i.answer for i in ins.items}
    answered_u = np.zeros(len(uniq), dtype=bool)
    hit_u = np.zeros(len(uniq), dtype=float)  # counted / correct (0 or 1), or the rating (sum)
    for k, (item_id, _t, v) in enumerate(uniq):
        if not is_answered(v):
            continue
        answered_u[k] = True
        if method == "count":
            hit_u[k] = 1.0 if (v == target and type(v) is type(target)) else 0.0
        elif method == "key":
            hit_u[k] = 1.0 if v == key[item_id] else 0.0
        elif method == "sum":
            hit_u[k] = float(v)
    person, order = pd.factorize(df["participant_id"].astype(int))
    n_people = len(order)
    answered = np.bincount(person, weights=answered_u[codes].astype(float), minlength=n_people).astype(int)
    hits = np.bincount(person, weights=np.where(answered_u[codes], hit_u[codes], 0.0), minlength=n_people)
    where = pd.Index(order).get_indexer(people["participant_id"].astype(int))
    answered, hits = answered[where], hits[where]
    n_items = len(ins.items)
    nan = math.nan
    if method in ("count", "key"):
        value = hits.astype(float)
    elif method == "sum":
        value = np.where(answered > 0, hits, nan)
    else:
        value = np.full(len(people), nan)
    mean = np.where(answered > 0, hits / np.maximum(answered, 1), nan) if method == "sum" else np.full(len(people), nan)
    bands: list[Any] = [None] * len(people)
    if ins.scoring.bands:
        label: dict[float, Any] = {}
        for k, v in enumerate(value.tolist()):
            if math.isnan(v) or (method == "count" and answered[k] < n_items):
                continue  # no value; or an unfinished quiz, whose band could understate readiness
            if v not in label:
                band = ins.scoring.band_for(v)
                label[v] = band.label if band is not None else None
            bands[k] = label[v]
    return pd.DataFrame({
        "participant_id": people["participant_id"].astype(int).to_numpy(),
        "display_name": people["display_name"].to_numpy(),
        "role": people["role"].to_numpy(),
        "answered": answered.astype(int),
        "n_items": n_items,
        "complete": answered == n_items,
        "value": value.astype(float),
        "mean": mean.astype(float),
        "band": pd.Series(bands, dtype="object").to_numpy(),
    }, columns=SCORE_COLUMNS)


NOT_BANDED = "Not complete (no band)"


def band_distribution(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """How many respondents fall in each scoring band, in the instrument's band order.

    Columns: band, min, max, text, n, share (of respondents), n_supervisor,
    n_peer_specialist, n_other. A last row ``Not complete (no band)`` counts the
    respondents whose answers give no band (e.g. an unfinished quiz), when there are any.
    Empty when the instrument has no bands.
    """
    role_cols = [f"n_{r}" for r in ROLE_ORDER]
    cols = ["band", "min", "max", "text", "n", "share", *role_cols]
    if not instrument.scoring.bands:
        return _empty(cols)
    sc = _scores(frame, instrument, occasion)
    total = len(sc)
    rows = []

    def counts(mask: pd.Series) -> dict[str, int]:
        part = sc[mask]
        return {f"n_{r}": int((part["role"] == r).sum()) for r in ROLE_ORDER}

    for band in instrument.scoring.bands:
        mask = sc["band"] == band.label if total else pd.Series([], dtype=bool)
        n = int(mask.sum()) if total else 0
        rows.append({"band": band.label, "min": band.min, "max": band.max, "text": band.text, "n": n,
                     "share": (n / total) if total else math.nan,
                     **(counts(mask) if total else {c: 0 for c in role_cols})})
    if total:
        mask = sc["band"].isna()
        if mask.any():
            n = int(mask.sum())
            rows.append({"band": NOT_BANDED, "min": math.nan, "max": math.nan, "text": "", "n": n,
                         "share": n / total, **counts(mask)})
    out = pd.DataFrame(rows, columns=cols)
    for c in ["n", *role_cols]:
        out[c] = out[c].astype(int)
    return out


SCORE_SUMMARY_COLUMNS = ["role", "n", "mean", "min", "max"]


def score_summary(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None,
                  include_all: bool = True) -> pd.DataFrame:
    """Scores (count / total / correct) by role: n, mean, min, max. Empty for unscored instruments."""
    if instrument.scoring.method in ("none", "tally"):
        return _empty(SCORE_SUMMARY_COLUMNS)
    sc = _scores(frame, instrument, occasion)
    if sc.empty:
        return _empty(SCORE_SUMMARY_COLUMNS)
    import numpy as np

    values = pd.to_numeric(sc["value"], errors="coerce").to_numpy(dtype=float)
    roles = sc["role"].to_numpy(dtype=object)
    groups = [(r, values[roles == r]) for r in _roles_present(sc["role"])]
    if include_all:
        groups.append(("all", values))
    rows = []
    for role, part in groups:
        vals = part[~np.isnan(part)]
        rows.append({"role": role, "n": int(len(vals)),
                     "mean": vals.mean() if len(vals) else math.nan,
                     "min": vals.min() if len(vals) else math.nan,
                     "max": vals.max() if len(vals) else math.nan})
    return pd.DataFrame(rows, columns=SCORE_SUMMARY_COLUMNS)
