"""The pair charts (both members' answers per item, their area means with kappa) and the
before / after chart of a repeated checklist."""

from __future__ import annotations

import math

import pandas as pd

from .common import (OKABE_ITO, ROLE_STYLE, TEXT_COLOUR, _bar_label, _empty_chart, _figure, _fmt,
                     _item_label, _legend, _m, _style_axes, _wrap)


# -- pair and pre/post charts -------------------------------------------------------------

def _positions(instrument, item_id: str) -> list[tuple[float, str]]:
    scale = instrument.scale_for(item_id)
    if scale.kind == "frequency":
        return [(float(o.value), f"{o.value}") for o in scale.options]
    if scale.kind in ("true_false", "checklist"):
        return [(1.0, "yes / true"), (0.0, "no / false")]
    vals = list(scale.values)
    return [(float(len(vals) - k), str(o.short or o.label)) for k, o in enumerate(scale.options)]


def pair_chart(table: pd.DataFrame, instrument, a_label: str, b_label: str, title: str = ""):
    """Both members' answers per item as a dot plot (``prep.pair_table``); differences marked ≠."""
    from ..prep import item_score

    if table is None or table.empty:
        return _empty_chart("No answers to compare yet.", title)
    rows = []
    for _, r in table.iterrows():
        pa = item_score(instrument, r["item_id"], r["a"])
        pb = item_score(instrument, r["item_id"], r["b"])
        if pa is None and pb is None:
            continue
        rows.append((r, pa, pb))
    if not rows:
        return _empty_chart("No answers on a rating scale to compare yet.", title)
    fig = _figure(8, 0.3 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = list(range(len(rows)))[::-1]
    ca, _, ma = ROLE_STYLE["supervisor"]
    cb, _, mb = ROLE_STYLE["peer_specialist"]
    for yy, (r, pa, pb) in zip(y, rows):
        if pa is not None and pb is not None:
            ax.plot([pa, pb], [yy, yy], color="#999999", linewidth=1.2)
    ax.plot([pa for _, pa, _ in rows], y, linestyle="none", marker=ma, color=ca, markersize=8,
            markeredgecolor=TEXT_COLOUR, label=_m(a_label))
    ax.plot([pb for _, _, pb in rows], y, linestyle="none", marker=mb, color=cb, markersize=7,
            markeredgecolor=TEXT_COLOUR, label=_m(b_label), alpha=0.9)
    ticks = _positions(instrument, rows[0][0]["item_id"])
    lo, hi = min(p for p, _ in ticks), max(p for p, _ in ticks)
    for yy, (r, pa, pb) in zip(y, rows):
        mark = str(r.get("marker") or "")
        if mark:
            ax.text(hi + 0.35, yy, mark, va="center", ha="center", fontsize=11, color=TEXT_COLOUR)
    ax.set_xticks([p for p, _ in ticks], [_m(t) for t in [t for _, t in ticks]])
    ax.set_xlim(lo - 0.4, hi + 0.7)
    ax.set_yticks(y, [_wrap(_item_label(r, 70), 45, 1) for r, _, _ in rows], fontsize=8)
    _legend(fig, ax)
    ax.grid(axis="x", color="#dddddd")
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    return fig, pair_summary(table, a_label, b_label)


def pair_summary(table: pd.DataFrame, a_label: str, b_label: str) -> str:
    both = table[table["both_answered"].astype(bool)]
    same = int(both["agree"].fillna(False).astype(bool).sum()) if len(both) else 0
    s = (f"{a_label} and {b_label} gave the same answer on {same} of {len(both)} "
         f"item{'s' if len(both) != 1 else ''} both answered")
    gaps = both[both["abs_difference"].fillna(0) > 0]
    if len(gaps):
        top = gaps.iloc[int(gaps["abs_difference"].astype(float).values.argmax())]
        s += f"; the largest gap is {_fmt(float(top['abs_difference']))} on “{_item_label(top)}”"
    waiting = len(table) - len(both)
    if waiting and len(both) < len(table):
        one = int((table["status"] == "one answer").sum()) if "status" in table else 0
        if one:
            s += f"; {one} item{'s have' if one != 1 else ' has'} only one answer so far"
    return s + "."


def pair_area_chart(areas: pd.DataFrame, a_label: str, b_label: str, title: str = "",
                    scale_min: float = 1, scale_max: float = 5):
    """The two members' area means side by side, with weighted kappa (``prep.pair_areas``)."""
    if areas is None or areas.empty or areas[["mean_a", "mean_b"]].isna().all().all():
        return _empty_chart("No area means to compare yet.", title)
    fig = _figure(8, 0.7 * len(areas) + 1.5)
    ax = fig.add_subplot()
    n = len(areas)
    h = 0.38
    for k, (col, lab, role) in enumerate((("mean_a", a_label, "supervisor"), ("mean_b", b_label, "peer_specialist"))):
        colour, hatch, _ = ROLE_STYLE[role]
        ys = [n - 1 - i + (h / 2 if k == 0 else -h / 2) for i in range(n)]
        vals = [float(v) if not pd.isna(v) else math.nan for v in areas[col]]
        ax.barh(ys, [v - scale_min if not math.isnan(v) else 0 for v in vals], left=scale_min, height=h * 0.95,
                color=colour, hatch=hatch, edgecolor="white", label=_m(lab))
        for yy, v in zip(ys, vals):
            _bar_label(ax, (v if not math.isnan(v) else scale_min) + 0.05, yy,
                       f"{v:.2f}" if not math.isnan(v) else "n/a", False)
    labels = []
    for _, r in areas.iterrows():
        kap = r.get("kappa")
        kap_s = f"κ = {float(kap):.2f}" if kap is not None and not pd.isna(kap) else "κ n/a"
        labels.append(_wrap(r["section"] or r["section_id"], 32) + "\n" + kap_s)
    ax.set_yticks(range(n)[::-1], labels)
    ax.set_xlim(scale_min, scale_max + 0.6)
    ax.set_xlabel("mean rating")
    _legend(fig, ax)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    diffs = (areas["mean_b"].astype(float) - areas["mean_a"].astype(float)).abs()
    if diffs.notna().any():
        r = areas.loc[diffs.idxmax()]
        kap = r.get("kappa")
        from ..pairlist import kappa_words

        agree = (f"kappa {_fmt(float(kap), 2)}, {kappa_words(float(kap))}"
                 if kap is not None and not pd.isna(kap) else "kappa not defined")
        summary = (f"Area means of {a_label} and {b_label}: the widest difference is in “{r['section']}” "
                   f"({float(r['mean_a']):.2f} vs {float(r['mean_b']):.2f}; {agree}).")
    else:
        summary = f"Area means of {a_label} and {b_label}; no area has ratings from both yet."
    return fig, summary


def pre_post_chart(summary_table: pd.DataFrame, title: str = "", before: str = "Before", after: str = "After"):
    """Items ticked before and after, per section (``prep.pre_post_summary``)."""
    if summary_table is None or summary_table.empty or (
            int(summary_table["pre_answered"].sum()) + int(summary_table["post_answered"].sum()) == 0):
        return _empty_chart("No answers before or after yet.", title)
    n = len(summary_table)
    fig = _figure(8, 0.7 * n + 1.5)
    ax = fig.add_subplot()
    h = 0.38
    for k, (col, lab, colour, hatch) in enumerate((("pre_count", before, OKABE_ITO["sky_blue"], "..."),
                                                   ("post_count", after, OKABE_ITO["reddish_purple"], "///"))):
        ys = [n - 1 - i + (h / 2 if k == 0 else -h / 2) for i in range(n)]
        vals = [float(v) for v in summary_table[col]]
        ax.barh(ys, vals, height=h * 0.95, color=colour, hatch=hatch, edgecolor="white", label=_m(lab))
        for yy, v, items in zip(ys, vals, summary_table["items"]):
            _bar_label(ax, v + 0.1, yy, f"{_m(lab)}: {int(v)} of {int(items)}", False)
    ax.set_yticks(range(n)[::-1], [_wrap(s, 30) for s in summary_table["section"]])
    ax.set_xlim(0, float(summary_table["items"].max()) * 1.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("items ticked")
    _legend(fig, ax)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    pre, post = int(summary_table["pre_count"].sum()), int(summary_table["post_count"].sum())
    items = int(summary_table["items"].sum())
    gained, lost = int(summary_table["gained"].sum()), int(summary_table["lost"].sum())
    text = (f"Items ticked went from {pre} to {post} of {items} ({before.lower()} to {after.lower()}): "
            f"{gained} gained and {lost} lost.")
    return fig, text
