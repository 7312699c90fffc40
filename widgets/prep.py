"""Data preparation for the facilitator dashboard and the reports.

Pure functions: the tidy responses frame (``Store.responses_frame``; one row per
participant x item answered, current revisions only) and an :class:`Instrument` in,
pandas DataFrames out. No matplotlib, no ipywidgets, no store: everything here is
tested on frames built by hand.

Conventions
-----------
- ``occasion=None`` means the instrument's first occasion (``""`` for instruments
  that are given once). Repeated instruments are summarised one occasion at a time.
- Rows whose item is not in the instrument (another version) or whose value is not
  on the item's scale are left out, never guessed.
- Numeric positions: frequency items use their value (1-5); other ordinal scales
  number their options from the bottom (S/I/A: S=3, I=2, A=1, as in
  :mod:`peerkit.compare`); true/false and checklist items count True as 1, False as 0.
- Spread uses the sample standard deviation (ddof=1): NaN for a single answer.
- Roles are ordered supervisor, peer_specialist, other; ``"all"`` is everyone.
- Every function returns a DataFrame with its documented columns, also when empty.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import pandas as pd

from .compare import compare_pair, largest_gaps, pre_post, section_summary
from .instruments import Instrument, Scale
from .scoring import is_answered

__all__ = [
    "RESPONSE_COLUMNS",
    "ROLE_ORDER",
    "ROLE_LABELS",
    "action_items",
    "answers_by_participant",
    "area_means",
    "band_distribution",
    "default_occasion",
    "discussion_steps",
    "empty_responses",
    "group_pre_post",
    "group_pre_post_sections",
    "instrument_key",
    "item_score",
    "item_spread",
    "option_counts",
    "option_keys",
    "pair_answers",
    "pair_areas",
    "pair_gaps",
    "pair_table",
    "pairs_frame",
    "participants_frame",
    "person_pre_post",
    "pre_post_occasions",
    "pre_post_summary",
    "respondents",
    "role_counts",
    "role_label",
    "score_summary",
    "scores",
    "select",
    "submission_counts",
    "submission_long",
    "submission_matrix",
    "suppress_small_groups",
    "text_answers",
    "widest_disagreement",
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


# -- small helpers -----------------------------------------------------------

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


# -- one frame, many views: results kept with the frame ---------------------------------

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


# -- selecting one instrument's answers ---------------------------------------

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

    out = pd.DataFrame({"participant_id": pids, "display_name": first_of("display_name"),
                        "role": first_of("role"), "answered": answered})
    out["pair_id"] = [_py(v) for v in first_of("pair_id").tolist()] if "pair_id" in df else None
    out["n_items"] = len(instrument.items)
    out["submitted_at"] = (df["submitted_at"].groupby(person, sort=True).max().to_numpy()
                           if "submitted_at" in df else None)
    out["participant_id"] = out["participant_id"].astype(int)
    out["answered"] = out["answered"].astype(int)
    out = out[RESPONDENT_COLUMNS]
    out = out.assign(_name=out["display_name"].astype(str).str.casefold())
    return out.sort_values(["_name", "participant_id"], kind="stable").drop(columns="_name").reset_index(drop=True)


# -- scores and bands -----------------------------------------------------------

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
    groups = [(r, sc[sc["role"] == r]) for r in _roles_present(sc["role"])]
    if include_all:
        groups.append(("all", sc))
    rows = []
    for role, part in groups:
        vals = pd.to_numeric(part["value"], errors="coerce").dropna()
        rows.append({"role": role, "n": int(len(vals)),
                     "mean": vals.mean() if len(vals) else math.nan,
                     "min": vals.min() if len(vals) else math.nan,
                     "max": vals.max() if len(vals) else math.nan})
    return pd.DataFrame(rows, columns=SCORE_SUMMARY_COLUMNS)


# -- answers per item -----------------------------------------------------------

ITEM_COLUMNS = ["item_id", "number", "text", "section_id"]


def option_counts(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None,
                  by_role: bool = True, include_all: bool = True) -> pd.DataFrame:
    """How many people gave each answer to each (non-text) item, by role.

    One row per item x role (roles of the respondents, then ``"all"``); columns
    item_id, number, text, section_id, role, n (answers), then one column per answer
    key (``str(value)``: "S", "I", "A"; "True", "False"; "5" ... "1") in scale order.
    """
    items = [i for i in instrument.items if instrument.scale_for(i).kind != "text"]
    keys = option_keys(instrument, items)
    cols = [*ITEM_COLUMNS, "role", "n", *keys]
    df = _select(frame, instrument, occasion)
    if df.empty or not items:
        return _empty(cols)
    roles = _roles_present(df["role"]) if by_role else []
    if include_all or not by_role:
        roles = roles + ["all"]
    keyed = df.assign(key=[str(v) for v in df["value"].tolist()], role=df["role"].astype(object))
    by_role_counts = keyed.groupby(["item_id", "role", "key"]).size().to_dict()
    all_counts = keyed.groupby(["item_id", "key"]).size().to_dict()
    section_of = {i.id: s.id for s in instrument.sections for i in s.items}
    rows = []
    for item in items:
        for role in roles:
            if role == "all":
                got = {k: int(all_counts.get((item.id, k), 0)) for k in keys}
            else:
                got = {k: int(by_role_counts.get((item.id, role, k), 0)) for k in keys}
            row = {"item_id": item.id, "number": item.number or "", "text": item.text,
                   "section_id": section_of[item.id], "role": role, "n": sum(got.values())}
            row.update(got)
            rows.append(row)
    out = pd.DataFrame(rows, columns=cols)
    for c in ["n", *keys]:
        out[c] = out[c].astype(int)
    return out


def _person_item_scores(df: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """df with a numeric ``score`` column (rows without a numeric position dropped)."""
    cache: dict[tuple[str, type, Any], float | None] = {}
    vals = []
    for item_id, value in zip(df["item_id"].tolist(), df["value"].tolist()):
        key = (item_id, type(value), value)
        if key not in cache:
            cache[key] = item_score(instrument, item_id, value)
        vals.append(cache[key])
    out = df.assign(score=pd.Series(vals, index=df.index, dtype="float64"))
    return out[out["score"].notna()]


def _scored(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None) -> pd.DataFrame:
    """:func:`_person_item_scores` of :func:`select`, kept with the frame (read-only)."""
    df = _select(frame, instrument, occasion)
    if df.empty:
        return df
    occ = default_occasion(instrument) if occasion is None else occasion
    return _memo(frame, "scored", instrument, occ, lambda: _person_item_scores(df, instrument))


AREA_COLUMNS = ["section_id", "section", "role", "n", "mean", "std", "min", "max"]


def area_means(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None,
               include_all: bool = True) -> pd.DataFrame:
    """Area (section) means by role with spread, for sections rated on an ordinal scale.

    Each respondent's area score is the mean of the items they answered in the area;
    per area x role: n (respondents), mean, std (ddof=1), min, max of those area scores.
    """
    sections = [s for s in instrument.sections
                if all(_numeric_kind(instrument.scale_for(i)) == "ordinal" for i in s.items)]
    if not sections or _select(frame, instrument, occasion).empty:
        return _empty(AREA_COLUMNS)
    df = _scored(frame, instrument, occasion)
    sec_of = {i.id: s.id for s in sections for i in s.items}
    df = df[df["item_id"].isin(list(sec_of))]
    df = df.assign(section_id=df["item_id"].map(sec_of))
    person = df.groupby(["section_id", "participant_id"], sort=False).agg(
        role=("role", "first"), score=("score", "mean")).reset_index()
    roles = _roles_present(person["role"]) + (["all"] if include_all else [])
    rows = []
    for s in sections:
        at = person[person["section_id"] == s.id]
        for role in roles:
            part = at if role == "all" else at[at["role"] == role]
            v = part["score"]
            rows.append({"section_id": s.id, "section": s.title or s.id, "role": role, "n": int(len(v)),
                         "mean": v.mean() if len(v) else math.nan,
                         "std": v.std(ddof=1) if len(v) > 1 else math.nan,
                         "min": v.min() if len(v) else math.nan,
                         "max": v.max() if len(v) else math.nan})
    out = pd.DataFrame(rows, columns=AREA_COLUMNS)
    out["n"] = out["n"].astype(int)
    return out


SPREAD_COLUMNS = [*ITEM_COLUMNS, "n", "mean", "std", "min", "max", "range", "modal_share", "distinct",
                  *[f"mean_{r}" for r in ROLE_ORDER], "role_gap", "abs_role_gap"]


def item_spread(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """Per non-text item: how far the group's answers spread, and the gap between roles.

    Columns: item_id, number, text, section_id, n, mean, std (ddof=1), min, max, range
    (numeric positions, see the module notes; NaN for nominal items), modal_share (share
    of the most common answer), distinct (different answers), mean_supervisor,
    mean_peer_specialist, mean_other, role_gap (peer specialists' mean minus
    supervisors'), abs_role_gap. Instrument order.
    """
    return _item_spread(frame, instrument, occasion).copy()


def _item_spread(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    items = [i for i in instrument.items if instrument.scale_for(i).kind != "text"]
    df = _select(frame, instrument, occasion)
    if df.empty or not items:
        return _empty(SPREAD_COLUMNS)
    occ = default_occasion(instrument) if occasion is None else occasion
    return _memo(frame, "spread", instrument, occ, lambda: _spread_rows(frame, df, items, instrument, occ))


def _spread_rows(frame: pd.DataFrame, df: pd.DataFrame, items: list, instrument: Instrument,
                 occasion: str) -> pd.DataFrame:
    scored = _scored(frame, instrument, occasion)
    keyed = df.assign(key=[str(v) for v in df["value"].tolist()])
    n_answers = keyed.groupby("item_id").size().to_dict()
    distinct = keyed.groupby("item_id")["key"].nunique().to_dict()
    modal = keyed.groupby(["item_id", "key"]).size().groupby(level=0).max().to_dict()
    stats = scored.groupby("item_id")["score"].agg(["count", "mean", "std", "min", "max"]).to_dict("index")
    role_means = scored.assign(role=scored["role"].astype(object)).groupby(["item_id", "role"])["score"].mean().to_dict()
    section_of = {i.id: s.id for s in instrument.sections for i in s.items}
    nan = math.nan
    rows = []
    for item in items:
        st = stats.get(item.id, {})
        count = int(st.get("count", 0) or 0)
        n = int(n_answers.get(item.id, 0))
        row = {"item_id": item.id, "number": item.number or "", "text": item.text,
               "section_id": section_of[item.id], "n": n,
               "mean": float(st["mean"]) if count else nan,
               "std": float(st["std"]) if count > 1 else nan,
               "min": float(st["min"]) if count else nan,
               "max": float(st["max"]) if count else nan,
               "modal_share": (modal[item.id] / n) if n else nan,
               "distinct": int(distinct.get(item.id, 0))}
        row["range"] = row["max"] - row["min"] if count else nan
        for r in ROLE_ORDER:
            row[f"mean_{r}"] = float(role_means.get((item.id, r), nan))
        gap = row["mean_peer_specialist"] - row["mean_supervisor"]
        row["role_gap"] = gap
        row["abs_role_gap"] = abs(gap) if not math.isnan(gap) else nan
        rows.append(row)
    out = pd.DataFrame(rows, columns=SPREAD_COLUMNS)
    out["n"] = out["n"].astype(int)
    out["distinct"] = out["distinct"].astype(int)
    return out


def widest_disagreement(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None,
                        by: str = "auto", n: int | None = 5) -> pd.DataFrame:
    """The items the group disagrees on most, widest first (ties: instrument order).

    ``by``: "std", "range", "role_gap" (absolute difference of the roles' means),
    "modal_share" (least common agreement first, for nominal items) or "auto" (std when
    any item is numeric, else modal_share). Items showing no disagreement on the chosen
    measure (0, or undefined) are left out. Columns as :func:`item_spread`.
    """
    spread = _item_spread(frame, instrument, occasion)
    if spread.empty:
        return spread.copy()
    if by == "auto":
        by = "std" if spread["std"].notna().any() else "modal_share"
    if by not in ("std", "range", "role_gap", "modal_share"):
        raise ValueError(f"unknown disagreement measure {by!r}")
    if by == "modal_share":
        measure = 1.0 - spread["modal_share"]
        keep = (spread["distinct"] > 1) & measure.notna()
    else:
        col = "abs_role_gap" if by == "role_gap" else by
        measure = spread[col]
        keep = measure.notna() & (measure > 0)
    out = spread.assign(_m=measure, _o=range(len(spread)))[keep]
    out = out.sort_values(["_m", "_o"], ascending=[False, True]).drop(columns=["_m", "_o"]).reset_index(drop=True)
    return out if n is None else out.head(n)


TEXT_COLUMNS = [*ITEM_COLUMNS, "participant_id", "display_name", "role", "answer"]


def text_answers(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None) -> pd.DataFrame:
    """Written answers to text items, item by item, with who wrote them (facilitator only)."""
    df = _select(frame, instrument, occasion)
    items = [i for i in instrument.items if instrument.scale_for(i).kind == "text"]
    if df.empty or not items:
        return _empty(TEXT_COLUMNS)
    order = {item.id: k for k, item in enumerate(items)}
    part = df[df["item_id"].isin(list(order))]
    if part.empty:
        return _empty(TEXT_COLUMNS)
    part = part.assign(_item=part["item_id"].map(order),
                       _name=[str(n).casefold() for n in part["display_name"].tolist()])
    part = part.sort_values(["_item", "_name"], kind="stable")
    info = {item.id: (item.number or "", item.text, instrument.section_of(item.id).id) for item in items}
    ids = part["item_id"].tolist()
    out = pd.DataFrame({"item_id": ids,
                        "number": [info[i][0] for i in ids],
                        "text": [info[i][1] for i in ids],
                        "section_id": [info[i][2] for i in ids],
                        "participant_id": part["participant_id"].astype(int).tolist(),
                        "display_name": part["display_name"].tolist(),
                        "role": part["role"].tolist(),
                        "answer": part["value"].tolist()}, columns=TEXT_COLUMNS)
    return out


def suppress_small_groups(table: pd.DataFrame, min_n: int, n_col: str = "n", role_col: str = "role") -> pd.DataFrame:
    """Drop the role rows (not "all") whose group is smaller than ``min_n``.

    For a display projected to the room: a "group" of one person is that person's answer.
    The group of a role is its largest ``n`` in the table (an item somebody skipped does
    not make the group smaller).
    """
    if table.empty or min_n <= 1 or role_col not in table.columns:
        return table
    size = table.groupby(role_col)[n_col].max()
    small = [r for r, n in size.items() if r != "all" and n < min_n]
    if not small:
        return table
    return table[~table[role_col].isin(small)].reset_index(drop=True)


# -- participants and submissions ---------------------------------------------------

def participants_frame(participants: Any) -> pd.DataFrame:
    """Participants (a list of ``peerkit.store.Participant`` or a DataFrame) as a frame."""
    if isinstance(participants, pd.DataFrame):
        df = participants.copy()
        if "participant_id" not in df.columns and "id" in df.columns:
            df = df.rename(columns={"id": "participant_id"})
        for c in PARTICIPANT_COLUMNS:
            if c not in df.columns:
                df[c] = None
        return df[PARTICIPANT_COLUMNS].reset_index(drop=True)
    rows = [{"participant_id": p.id, "session_id": p.session_id, "display_name": p.display_name,
             "role": p.role, "pair_id": p.pair_id} for p in (participants or [])]
    return pd.DataFrame(rows, columns=PARTICIPANT_COLUMNS) if rows else _empty(PARTICIPANT_COLUMNS)


def role_counts(participants: Any) -> pd.DataFrame:
    """How many participants have each role (roles present, then "all")."""
    df = participants_frame(participants)
    rows = [{"role": r, "n": int((df["role"] == r).sum())} for r in _roles_present(df["role"])]
    rows.append({"role": "all", "n": len(df)})
    return pd.DataFrame(rows, columns=["role", "n"])


def _expected(instrument: Instrument, role: str) -> bool:
    if instrument.completed_by in ("supervisor", "peer_specialist"):
        return role == instrument.completed_by
    return True


LONG_COLUMNS = ["participant_id", "display_name", "role", "instrument_id", "occasion", "key", "title",
                "expected", "submitted", "submitted_at", "revision", "status"]


def submission_long(status: pd.DataFrame | None, participants: Any,
                    instruments: Iterable[Instrument]) -> pd.DataFrame:
    """One row per participant x instrument x occasion: expected? submitted? when?

    ``status`` is ``Store.submission_status``; ``expected`` follows the instrument's
    ``completed_by`` (supervisor / peer_specialist: only that role; otherwise everyone).
    ``status`` (the column) reads "submitted", "not submitted" or "not expected".
    """
    people = participants_frame(participants)
    people = people.iloc[sorted(range(len(people)), key=lambda k: (str(people["display_name"].iloc[k]).casefold(),
                                                                  people["participant_id"].iloc[k]))]
    st = status if status is not None and len(status) else _empty(STATUS_COLUMNS)
    st_occ = st["occasion"].astype(object).where(st["occasion"].notna(), "").astype(str) if len(st) else st["occasion"]
    index: dict[tuple[int, str, str], tuple[Any, Any]] = {}
    for pid, iid, occ, at, rev in zip(st["participant_id"].tolist(), st["instrument_id"].tolist(),
                                      list(st_occ), st["submitted_at"].tolist(), st["revision"].tolist()):
        key = (int(pid), str(iid), occ)
        prev = index.get(key)
        if prev is None or (at is not None and (prev[0] is None or at > prev[0])):
            index[key] = (at, rev)
    rows = []
    instruments = list(instruments)
    for _, p in people.iterrows():
        for ins in instruments:
            for occ in ins.occasion_ids:
                hit = index.get((int(p["participant_id"]), ins.id, occ))
                expected = _expected(ins, p["role"])
                submitted = hit is not None
                rows.append({
                    "participant_id": int(p["participant_id"]), "display_name": p["display_name"],
                    "role": p["role"], "instrument_id": ins.id, "occasion": occ,
                    "key": instrument_key(ins, occ), "title": _title(ins, occ),
                    "expected": expected, "submitted": submitted,
                    "submitted_at": hit[0] if hit else None, "revision": _py(hit[1]) if hit else None,
                    "status": "submitted" if submitted else ("not submitted" if expected else "not expected"),
                })
    return pd.DataFrame(rows, columns=LONG_COLUMNS) if rows else _empty(LONG_COLUMNS)


def _title(ins: Instrument, occ: str) -> str:
    if not occ:
        return ins.title
    label = next((o.label for o in ins.occasions if o.id == occ), occ)
    return f"{ins.title} — {label}"


def submission_matrix(long: pd.DataFrame) -> pd.DataFrame:
    """Who has submitted what: one row per participant, one column per instrument key.

    Columns: participant_id, display_name, role, then each key with "submitted" /
    "not submitted" / "not expected", then submitted (count) and outstanding (expected,
    not yet submitted).
    """
    base = ["participant_id", "display_name", "role"]
    if long.empty:
        return _empty([*base, "submitted", "outstanding"])
    keys = list(dict.fromkeys(long["key"].tolist()))
    rows = []
    for pid, part in long.groupby("participant_id", sort=False):
        first = part.iloc[0]
        row = {"participant_id": int(pid), "display_name": first["display_name"], "role": first["role"]}
        row.update(dict(zip(part["key"], part["status"])))
        row["submitted"] = int(part["submitted"].sum())
        row["outstanding"] = int((part["expected"] & ~part["submitted"]).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=[*base, *keys, "submitted", "outstanding"])


COUNT_COLUMNS = ["instrument_id", "occasion", "key", "title", "expected", "submitted", "not_submitted"]


def submission_counts(long: pd.DataFrame) -> pd.DataFrame:
    """Per instrument (occasion): how many were expected, have submitted, have not yet."""
    if long.empty:
        return _empty(COUNT_COLUMNS)
    rows = []
    for key, part in long.groupby("key", sort=False):
        first = part.iloc[0]
        rows.append({"instrument_id": first["instrument_id"], "occasion": first["occasion"], "key": key,
                     "title": first["title"], "expected": int(part["expected"].sum()),
                     "submitted": int(part["submitted"].sum()),
                     "not_submitted": int((part["expected"] & ~part["submitted"]).sum())})
    return pd.DataFrame(rows, columns=COUNT_COLUMNS)


# -- pairs -------------------------------------------------------------------------

PAIR_COLUMNS = ["pair_id", "a_id", "a_name", "a_role", "b_id", "b_name", "b_role", "label", "complete"]


def pairs_frame(participants: Any, pairs: Any = None) -> pd.DataFrame:
    """One row per pair: ``a`` is the supervisor, ``b`` the supervisee.

    ``pairs`` (``Store.pairs``: objects with id, supervisor_id, supervisee_id) says who is
    who; without it ``a`` is the member with the supervisor role (or, failing that, the
    lower id). A pair whose partner is gone has empty ``b_*`` and ``complete`` False.
    """
    df = participants_frame(participants)
    df = df[df["pair_id"].notna()]
    order: dict[tuple[int, int], int] = {}
    for pr in pairs or []:
        order[(int(pr.id), int(pr.supervisor_id))] = 0
        order[(int(pr.id), int(pr.supervisee_id))] = 1
    rows = []
    for pair_id, part in df.groupby("pair_id", sort=True):
        members = sorted(part.to_dict("records"), key=lambda r: (
            order.get((int(pair_id), int(r["participant_id"])), 2), r["role"] != "supervisor",
            int(r["participant_id"])))
        a = members[0]
        b = members[1] if len(members) > 1 else None
        rows.append({
            "pair_id": int(pair_id), "a_id": int(a["participant_id"]), "a_name": a["display_name"],
            "a_role": a["role"], "b_id": int(b["participant_id"]) if b else None,
            "b_name": b["display_name"] if b else None, "b_role": b["role"] if b else None,
            "label": f"{a['display_name']} & {b['display_name']}" if b else f"{a['display_name']} (partner missing)",
            "complete": b is not None,
        })
    out = pd.DataFrame(rows, columns=PAIR_COLUMNS) if rows else _empty(PAIR_COLUMNS)
    for col in ("b_name", "b_role"):  # None stays None (not NaN) for a missing partner
        out[col] = pd.Series([r[col] for r in rows], index=out.index, dtype="object")
    out["b_id"] = out["b_id"].astype("Int64")
    return out


def pair_answers(frame: pd.DataFrame | None, instrument: Instrument, a_id: int | None, b_id: int | None,
                 occasion: str | None = None) -> tuple[dict | None, dict | None]:
    """Both members' answers (None for a member who has not submitted or is missing)."""
    answers = answers_by_participant(frame, instrument, occasion)
    get = lambda pid: answers.get(int(pid)) if pid is not None and not pd.isna(pid) else None  # noqa: E731
    return get(a_id), get(b_id)


PAIR_STATUS = {"same": "=", "differs": "≠", "one answer": "…", "no answers": "", "": ""}


def pair_table(frame: pd.DataFrame | None, instrument: Instrument, a_id: int | None, b_id: int | None,
               occasion: str | None = None) -> pd.DataFrame:
    """``peerkit.compare.compare_pair`` for a pair, plus ``status`` and ``marker``.

    status: "same" / "differs" (both answered), "one answer", "no answers"; "" for text
    items (not compared). marker: "=", "≠", "…" so a difference never rests on colour.
    """
    a, b = pair_answers(frame, instrument, a_id, b_id, occasion)
    table = compare_pair(instrument, a, b)
    kinds = {i.id: instrument.scale_for(i).kind for i in instrument.items}
    status = []
    for item_id, va, vb, agree in zip(table["item_id"], table["a"], table["b"], table["agree"]):
        has_a, has_b = _py(va) is not None, _py(vb) is not None
        if kinds[item_id] == "text":
            status.append("")
        elif has_a and has_b:
            status.append("same" if bool(agree) else "differs")
        elif has_a or has_b:
            status.append("one answer")
        else:
            status.append("no answers")
    table["status"] = pd.Series(status, index=table.index, dtype="object")
    table["marker"] = table["status"].map(PAIR_STATUS)
    for col in ("a", "b"):
        table[col] = pd.Series([_py(v) for v in table[col].tolist()], index=table.index, dtype="object")
    return table


def pair_areas(instrument: Instrument, table: pd.DataFrame, weights: str = "linear") -> pd.DataFrame:
    """Per area: items, both answered, agreements, differences, means, mean gap, weighted kappa."""
    return section_summary(instrument, table, weights)  # type: ignore[arg-type]


def pair_gaps(table: pd.DataFrame, n: int | None = None) -> pd.DataFrame:
    """The items rated differently, largest gap first."""
    return largest_gaps(table, n).reset_index(drop=True)


def action_items(instrument: Instrument, table: pd.DataFrame) -> pd.DataFrame:
    """Items either member rated below the top of an S/I/A scale (I or A): where action steps go."""
    low_ids = []
    for item_id, va, vb in zip(table["item_id"], table["a"], table["b"]):
        scale = instrument.scale_for(item_id)
        if scale.kind != "sia":
            continue
        low = [v for v in scale.values[1:]]
        if any(_py(v) is not None and _py(v) in low for v in (va, vb)):
            low_ids.append(item_id)
    return table[table["item_id"].isin(low_ids)].reset_index(drop=True)


# -- pre / post ------------------------------------------------------------------------

def pre_post_occasions(instrument: Instrument) -> tuple[str, str] | None:
    """The two occasions compared as before/after: "pre"/"post" when present, else the first two."""
    ids = [o.id for o in instrument.occasions]
    if "pre" in ids and "post" in ids:
        return ("pre", "post")
    if len(ids) >= 2:
        return (ids[0], ids[1])
    return None


def person_pre_post(frame: pd.DataFrame | None, instrument: Instrument, participant_id: int,
                    occasions: tuple[str, str] | None = None) -> pd.DataFrame:
    """``peerkit.compare.pre_post`` for one participant (empty columns where not yet answered)."""
    occ = occasions or pre_post_occasions(instrument)
    if occ is None:
        raise ValueError(f"{instrument.id} has no before/after occasions")
    pre = answers_by_participant(frame, instrument, occ[0]).get(int(participant_id))
    post = answers_by_participant(frame, instrument, occ[1]).get(int(participant_id))
    table = pre_post(instrument, pre, post)
    for col in ("pre", "post"):
        table[col] = pd.Series([_py(v) for v in table[col].tolist()], index=table.index, dtype="object")
    return table


PRE_POST_SUMMARY_COLUMNS = ["section_id", "section", "items", "pre_answered", "post_answered",
                            "pre_count", "post_count", "gained", "lost", "changed"]


def pre_post_summary(instrument: Instrument, table: pd.DataFrame) -> pd.DataFrame:
    """Per section of a pre/post table: answered, counted (ticked / True) before and after, gained, lost.

    ``changed`` counts every item answered both times with a different answer.
    """
    target = instrument.scoring.value if instrument.scoring.method == "count" else True
    rows = []
    for s in instrument.sections:
        part = table[table["section_id"] == s.id]
        pre = [_py(v) for v in part["pre"]]
        post = [_py(v) for v in part["post"]]
        rows.append({
            "section_id": s.id, "section": s.title or s.id, "items": len(part),
            "pre_answered": sum(v is not None for v in pre), "post_answered": sum(v is not None for v in post),
            "pre_count": sum(v == target and type(v) is type(target) for v in pre),
            "post_count": sum(v == target and type(v) is type(target) for v in post),
            "gained": int((part["change"] == "gained").sum()), "lost": int((part["change"] == "lost").sum()),
            "changed": int(part["change"].isin(["gained", "lost", "changed"]).sum()),
        })
    return pd.DataFrame(rows, columns=PRE_POST_SUMMARY_COLUMNS)


def group_pre_post_sections(frame: pd.DataFrame | None, instrument: Instrument,
                            occasions: tuple[str, str] | None = None) -> pd.DataFrame:
    """:func:`pre_post_summary` added up over everyone who answered both times (columns as there,
    plus ``people``). Names nobody."""
    occ = occasions or pre_post_occasions(instrument)
    cols = [*PRE_POST_SUMMARY_COLUMNS, "people"]
    if occ is None:
        return _empty(cols)
    before = answers_by_participant(frame, instrument, occ[0])
    after = answers_by_participant(frame, instrument, occ[1])
    both = [pid for pid in before if pid in after]
    if not both:
        return _empty(cols)
    total = None
    for pid in both:
        part = pre_post_summary(instrument, pre_post(instrument, before[pid], after[pid]))
        num = part.drop(columns=["section_id", "section"])
        total = num if total is None else total + num
    out = pd.concat([part[["section_id", "section"]], total], axis=1)
    out["people"] = len(both)
    return out[cols]


GROUP_PRE_POST_COLUMNS = ["participant_id", "display_name", "role", "pre", "post", "change"]


def group_pre_post(frame: pd.DataFrame | None, instrument: Instrument,
                   occasions: tuple[str, str] | None = None) -> pd.DataFrame:
    """Everyone's score before and after (scored instruments; else items answered) and the change."""
    occ = occasions or pre_post_occasions(instrument)
    if occ is None:
        return _empty(GROUP_PRE_POST_COLUMNS)
    use_score = instrument.scoring.method not in ("none", "tally")
    per_occ = []
    for o in occ:
        sc = _scores(frame, instrument, o)
        col = "value" if use_score else "answered"
        per_occ.append({int(r["participant_id"]): (r["display_name"], r["role"], float(r[col]))
                        for _, r in sc.iterrows()})
    pids = list(dict.fromkeys([*per_occ[0], *per_occ[1]]))
    rows = []
    for pid in pids:
        who = per_occ[0].get(pid) or per_occ[1].get(pid)
        pre = per_occ[0].get(pid, (None, None, math.nan))[2]
        post = per_occ[1].get(pid, (None, None, math.nan))[2]
        rows.append({"participant_id": pid, "display_name": who[0], "role": who[1], "pre": pre, "post": post,
                     "change": post - pre})
    if not rows:
        return _empty(GROUP_PRE_POST_COLUMNS)
    out = pd.DataFrame(rows, columns=GROUP_PRE_POST_COLUMNS)
    order = sorted(range(len(out)), key=lambda k: str(out["display_name"].iloc[k]).casefold())
    return out.iloc[order].reset_index(drop=True)


# -- discussion ---------------------------------------------------------------------

def discussion_steps(instrument: Instrument) -> list[str]:
    """The steps of the exercise's discussion, in order.

    The numbered steps of the instrument's instructions (a line starting "1.", "2." ...,
    with the lines that follow it), then the discussion questions. An exercise whose
    instructions carry no numbered steps gives just its questions.
    """
    import re

    steps: list[str] = []
    if instrument.instructions:
        current: list[str] | None = None
        for line in instrument.instructions.splitlines():
            if re.match(r"^\s*\d+\.\s+", line):
                if current is not None:
                    steps.append("\n".join(current).strip())
                current = [re.sub(r"^\s*\d+\.\s+", "", line)]
            elif current is not None:
                if not line.strip():
                    steps.append("\n".join(current).strip())
                    current = None
                else:
                    current.append(line.strip())
        if current is not None:
            steps.append("\n".join(current).strip())
    if instrument.discussion:
        steps.extend(q.text for q in instrument.discussion.questions)
    return steps
