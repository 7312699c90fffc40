"""Compare responses: a pair (supervisor vs supervisee), and one person's pre vs post.

Pure functions returning pandas DataFrames; no UI and no database. The
statistics are computed on the items both responses answered; unanswered items
stay in the tables with empty values so they can be pointed out.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping, Sequence

import pandas as pd

from .instruments import Instrument
from .scoring import clean_answers

__all__ = [
    "compare_pair",
    "largest_gaps",
    "pre_post",
    "section_summary",
    "weighted_kappa",
]

PAIR_COLUMNS = [
    "section_id", "section", "item_id", "number", "text", "a", "b",
    "both_answered", "agree", "difference", "abs_difference", "direction",
]


def weighted_kappa(
    a: Sequence[Any],
    b: Sequence[Any],
    categories: Sequence[Any],
    weights: Literal["linear", "quadratic", "none"] = "linear",
) -> float:
    """Cohen's kappa of two raters over the same items, with disagreement weights.

    ``categories`` gives the ordinal order. Pairs where either rating is missing are
    dropped. Returns NaN when it is undefined (no pairs, or both raters used a single,
    identical category so no disagreement was possible by chance).
    """
    index = {c: k for k, c in enumerate(categories)}
    pairs = [(index[x], index[y]) for x, y in zip(a, b)
             if x is not None and y is not None and x in index and y in index]
    n, k = len(pairs), len(categories)
    if n == 0 or k < 2:
        return math.nan

    def w(i: int, j: int) -> float:
        if weights == "none":
            return 0.0 if i == j else 1.0
        d = abs(i - j) / (k - 1)
        return d if weights == "linear" else d * d

    row = [0] * k
    col = [0] * k
    observed = 0.0
    for i, j in pairs:
        row[i] += 1
        col[j] += 1
        observed += w(i, j)
    observed /= n
    expected = sum(w(i, j) * row[i] * col[j] for i in range(k) for j in range(k)) / (n * n)
    if expected == 0:
        return math.nan
    return 1.0 - observed / expected


def _ordinal_position(instrument: Instrument, item_id: str, value: Any) -> float | None:
    """Numeric position of an answer on an ordinal scale (frequency: the value itself)."""
    scale = instrument.scale_for(item_id)
    if value is None or not scale.ordinal:
        return None
    if scale.kind == "frequency":
        return float(value)
    # S/I/A and other ordinal option lists: first option is the highest
    values = list(scale.values)
    return float(len(values) - values.index(value))


def compare_pair(
    instrument: Instrument,
    a: Mapping[str, Any] | None,
    b: Mapping[str, Any] | None,
) -> pd.DataFrame:
    """One row per item: both answers, whether they agree, and (ordinal scales) the gap.

    ``difference`` is b minus a on the scale's positions (for S/I/A: S=3, I=2, A=1);
    ``direction`` says who rated higher ("a", "b", "same"), empty when not comparable.
    Either side may be ``None`` (a pair with one member missing): its column stays empty.
    """
    a = clean_answers(instrument, a or {})
    b = clean_answers(instrument, b or {})
    rows = []
    for section in instrument.sections:
        for item in section.items:
            va, vb = a.get(item.id), b.get(item.id)
            both = va is not None and vb is not None
            pa = _ordinal_position(instrument, item.id, va)
            pb = _ordinal_position(instrument, item.id, vb)
            diff = (pb - pa) if (pa is not None and pb is not None) else None
            rows.append({
                "section_id": section.id,
                "section": section.title or "",
                "item_id": item.id,
                "number": item.number or "",
                "text": item.text,
                "a": va,
                "b": vb,
                "both_answered": both,
                "agree": (va == vb) if both else None,
                "difference": diff,
                "abs_difference": abs(diff) if diff is not None else None,
                "direction": None if diff is None else ("same" if diff == 0 else ("b" if diff > 0 else "a")),
            })
    df = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    df["agree"] = df["agree"].astype("boolean")
    df["difference"] = pd.to_numeric(df["difference"], errors="coerce")
    df["abs_difference"] = pd.to_numeric(df["abs_difference"], errors="coerce")
    return df


def section_summary(
    instrument: Instrument, pair: pd.DataFrame, weights: Literal["linear", "quadratic", "none"] = "linear"
) -> pd.DataFrame:
    """Per section (area): items, answered by both, agreements, differences, mean gap, kappa.

    Kappa is weighted (``weights``) for ordinal scales and unweighted otherwise.
    """
    rows = []
    for section in instrument.sections:
        part = pair[pair["section_id"] == section.id]
        both = part[part["both_answered"]]
        scale = instrument.scale_for(section.items[0])
        kappa = math.nan
        if scale.kind not in ("text",):
            kappa = weighted_kappa(
                list(both["a"]), list(both["b"]), list(scale.values),
                weights if scale.ordinal else "none",
            )
        rows.append({
            "section_id": section.id,
            "section": section.title or "",
            "items": len(part),
            "both_answered": len(both),
            "agreements": int(both["agree"].sum()) if len(both) else 0,
            "differences": int((~both["agree"].astype(bool)).sum()) if len(both) else 0,
            "mean_a": pd.to_numeric(part["a"], errors="coerce").mean() if scale.kind == "frequency" else math.nan,
            "mean_b": pd.to_numeric(part["b"], errors="coerce").mean() if scale.kind == "frequency" else math.nan,
            "mean_abs_difference": both["abs_difference"].mean() if len(both) else math.nan,
            "kappa": kappa,
        })
    return pd.DataFrame(rows)


def largest_gaps(pair: pd.DataFrame, n: int | None = None) -> pd.DataFrame:
    """The items the two answered differently, largest gap first (then instrument order)."""
    diff = pair[pair["agree"].fillna(False).astype(bool) == False]  # noqa: E712
    diff = diff[diff["both_answered"]]
    order = diff.assign(_order=range(len(diff))).sort_values(
        ["abs_difference", "_order"], ascending=[False, True], na_position="last"
    ).drop(columns="_order")
    return order if n is None else order.head(n)


def pre_post(instrument: Instrument, pre: Mapping[str, Any] | None, post: Mapping[str, Any] | None) -> pd.DataFrame:
    """One row per item: the pre and post answers and what changed.

    ``change`` is "gained" / "lost" for checklists (ticked after, not before, and the
    reverse), "same" when unchanged, "changed" for other scales; empty when either is missing.
    """
    df = compare_pair(instrument, pre, post).rename(columns={"a": "pre", "b": "post"})
    kinds = {i.id: instrument.scale_for(i).kind for i in instrument.items}

    def change(row: pd.Series) -> str | None:
        if not row["both_answered"]:
            return None
        if row["pre"] == row["post"]:
            return "same"
        if kinds[row["item_id"]] == "checklist":
            return "gained" if row["post"] is True else "lost"
        return "changed"

    df["change"] = pd.Series([change(row) for _, row in df.iterrows()], index=df.index, dtype=object)
    return df[["section_id", "section", "item_id", "number", "text", "pre", "post",
               "both_answered", "change", "difference"]]
