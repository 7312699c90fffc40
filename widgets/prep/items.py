"""The group's answers item by item: how many gave each answer, area means by role, how far the
answers spread and where the roles differ most, the written answers, and hiding groups too small
to show on a projector."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pandas as pd

from ..instruments import MULTI_SEP, Instrument
from .common import (
    ITEM_COLUMNS, ROLE_ORDER, _empty, _numeric_kind, _roles_present, default_occasion, item_score, option_keys,
)
from .selection import _memo, _select

__all__ = [
    "option_counts", "AREA_COLUMNS", "area_means", "SPREAD_COLUMNS", "item_spread", "widest_disagreement",
    "TEXT_COLUMNS", "text_answers", "suppress_small_groups",
]


def option_counts(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None,
                  by_role: bool = True, include_all: bool = True) -> pd.DataFrame:
    """How many people gave each answer to each (non-text) item, by role.

    One row per item x role (roles of the respondents, then ``"all"``); columns
    item_id, number, text, section_id, role, n (answers), then one column per answer
    key (``str(value)``: "S", "I", "A"; "True", "False"; "5" ... "1") in scale order. On a
    "tick every one that applies" item each ticked option counts once and ``n`` is the number of
    people who answered (so the option counts may add up to more than ``n``).
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
    keys_of = [str(v) for v in df["value"].tolist()]
    item_of = df["item_id"].tolist()
    role_of = df["role"].astype(object).tolist()
    # "tick every one that applies": one answer names several options (joined by MULTI_SEP);
    # each ticked option is counted, and ``n`` is the number of people who answered
    multi = {i.id for i in items if instrument.scale_for(i).kind == "multi"}
    people_by_role: Counter = Counter()
    people_all: Counter = Counter()
    if multi:
        people_by_role, people_all = Counter(zip(item_of, role_of)), Counter(item_of)
        exp_item, exp_role, exp_key = [], [], []
        for it, ro, key in zip(item_of, role_of, keys_of):
            for part in (key.split(MULTI_SEP) if it in multi else (key,)):
                exp_item.append(it)
                exp_role.append(ro)
                exp_key.append(part)
        item_of, role_of, keys_of = exp_item, exp_role, exp_key
    by_role_counts = Counter(zip(item_of, role_of, keys_of))
    all_counts = Counter(zip(item_of, keys_of))
    section_of = {i.id: s.id for s in instrument.sections for i in s.items}
    rows = []
    for item in items:
        for role in roles:
            if role == "all":
                got = {k: int(all_counts.get((item.id, k), 0)) for k in keys}
            else:
                got = {k: int(by_role_counts.get((item.id, role, k), 0)) for k in keys}
            if item.id in multi:
                n = people_all[item.id] if role == "all" else people_by_role[(item.id, role)]
            else:
                n = sum(got.values())
            row = {"item_id": item.id, "number": item.number or "", "text": item.text,
                   "section_id": section_of[item.id], "role": role, "n": int(n)}
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
    answers = Counter(zip(df["item_id"].tolist(), (str(v) for v in df["value"].tolist())))
    n_answers: dict[str, int] = {}
    distinct: dict[str, int] = {}
    modal: dict[str, int] = {}
    for (item_id, _key), count in answers.items():  # answers per item, different ones, the most common
        n_answers[item_id] = n_answers.get(item_id, 0) + count
        distinct[item_id] = distinct.get(item_id, 0) + 1
        modal[item_id] = max(modal.get(item_id, 0), count)
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
