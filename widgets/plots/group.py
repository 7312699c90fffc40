"""The group charts of the dashboard, the group display and the session report: bands,
answers per item, area means, the widest disagreement, the roles' gap and submissions."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .common import (HATCHES, OKABE_ITO, OPTION_COLOURS, ROLE_STYLE, SIA_STYLE, TEXT_COLOUR,
                     _bar_label, _empty_chart, _figure, _fmt, _item_label, _legend, _m, _role,
                     _style_axes, _wrap)


# -- group charts ---------------------------------------------------------------------

def band_chart(bands: pd.DataFrame, title: str = "", by_role: bool = True):
    """Respondents per scoring band (``prep.band_distribution``), split by role when asked."""
    if bands is None or bands.empty or int(bands["n"].sum()) == 0:
        return _empty_chart("No complete answers yet, so no bands to show.", title)
    total = int(bands["n"].sum())
    roles = [r for r in ("supervisor", "peer_specialist", "other")
             if by_role and f"n_{r}" in bands.columns and int(bands[f"n_{r}"].sum()) > 0]
    labels = [_wrap(b, 30) for b in bands["band"]]
    fig = _figure(7, 0.7 * len(bands) + 1.4)
    ax = fig.add_subplot()
    y = list(range(len(bands)))[::-1]
    if roles:
        left = [0.0] * len(bands)
        for role in roles:
            colour, hatch, _ = ROLE_STYLE.get(role, ROLE_STYLE["other"])
            vals = [float(v) for v in bands[f"n_{role}"]]
            ax.barh(y, vals, left=left, color=colour, hatch=hatch, edgecolor="white", linewidth=0.5,
                    label=_role(role))
            left = [l + v for l, v in zip(left, vals)]
        _legend(fig, ax)
    else:
        for k, (yy, n) in enumerate(zip(y, bands["n"])):
            ax.barh([yy], [float(n)], color=OPTION_COLOURS[k % len(OPTION_COLOURS)],
                    hatch=HATCHES[k % len(HATCHES)], edgecolor="white")
    for yy, n, share in zip(y, bands["n"], bands["share"]):
        _bar_label(ax, float(n) + total * 0.01, yy, f"{int(n)} ({share:.0%})" if total else str(int(n)), False)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(float(bands["n"].max()) * 1.25, 1))
    ax.set_xlabel("respondents")
    ax.xaxis.get_major_locator().set_params(integer=True)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 70), fontsize=11, loc="left")
    parts = [f"{int(n)} in “{b}”" for b, n in zip(bands["band"], bands["n"])]
    summary = f"Of {total} respondent{'s' if total != 1 else ''}, " + _join(parts) + "."
    return fig, summary


def _join(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def option_counts_chart(counts: pd.DataFrame, instrument=None, title: str = "", by_role: bool = True,
                        labels: Mapping[str, str] | None = None):
    """Answers per item as stacked bars (one bar per role), from ``prep.option_counts``.

    ``labels`` names the answer keys (default: the options' short labels)."""
    if counts is None or counts.empty or int(counts["n"].sum()) == 0:
        return _empty_chart("No answers yet.", title)
    keys = [c for c in counts.columns if c not in ("item_id", "number", "text", "section_id", "role", "n")]
    roles_present = [r for r in dict.fromkeys(counts["role"]) if r != "all"]
    roles = roles_present if (by_role and roles_present) else ["all"]
    if "all" not in set(counts["role"]) and roles == ["all"]:
        roles = roles_present
    data = counts[counts["role"].isin(roles)]
    items = list(dict.fromkeys(data["item_id"]))
    label_of = {}
    if instrument is not None:
        for k in keys:
            for item in instrument.items:
                opt = None
                for o in instrument.scale_for(item).options:
                    if str(o.value) == k:
                        opt = o
                        break
                if opt is not None:
                    label_of[k] = opt.short or opt.label
                    break
    label_of.update(labels or {})
    rows: list[tuple[str, Any]] = []  # ("item", label) or ("bar", row)
    for item_id in items:
        part = data[data["item_id"] == item_id]
        if len(roles) > 1:
            rows.append(("item", _m(_item_label(part.iloc[0], 80))))
            rows.extend(("bar", r) for _, r in part.iterrows())
        else:
            rows.append(("bar", part.iloc[0]))
    fig = _figure(8, 0.3 * len(rows) + 1.5)
    ax = fig.add_subplot()
    n_rows = len(rows)
    ys, ylabels = [], []
    styles = {}
    for k, key in enumerate(keys):
        colour, hatch = SIA_STYLE.get(key, (OPTION_COLOURS[k % len(OPTION_COLOURS)], HATCHES[k % len(HATCHES)]))
        styles[key] = (colour, hatch)
    segments: dict[str, tuple[list[float], list[float], list[float]]] = {k: ([], [], []) for k in keys}
    for idx, (kind, payload) in enumerate(rows):
        yy = n_rows - 1 - idx
        if kind == "item":
            ax.text(0, yy, payload, ha="left", va="center", fontsize=9, fontweight="bold", color=TEXT_COLOUR)
            continue
        r = payload
        ys.append(yy)
        ylabels.append(_role(r["role"]) if len(roles) > 1 else _m(_item_label(r, 45)))
        left = 0.0
        for key in keys:
            v = float(r[key])
            if v <= 0:
                continue
            seg = segments[key]
            seg[0].append(yy)
            seg[1].append(v)
            seg[2].append(left)
            _bar_label(ax, left + v / 2, yy, f"{label_of.get(key, key)} {int(v)}", True)
            left += v
    for key in keys:  # one call per answer: fast, and one legend entry each
        yv, wv, lv = segments[key]
        if yv:
            colour, hatch = styles[key]
            ax.barh(yv, wv, left=lv, color=colour, hatch=hatch, edgecolor="#333333", linewidth=0.4,
                    label=_m(label_of.get(key, key)), height=0.75)
    ax.set_yticks(ys, ylabels)
    ax.set_ylim(-0.7, n_rows - 0.3)
    ax.set_xlabel("answers")
    ax.xaxis.get_major_locator().set_params(integer=True)
    _legend(fig, ax)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    # summary from everyone's answers
    allrows = counts[counts["role"] == "all"] if "all" in set(counts["role"]) else None
    if allrows is None or allrows.empty:
        allrows = counts.groupby(["item_id", "number", "text"], sort=False)[["n", *keys]].sum().reset_index()
    totals = {k: int(allrows[k].sum()) for k in keys}
    top_key = keys[0]
    best = allrows.iloc[int(allrows[top_key].astype(float).values.argmax())]
    n_people = int(allrows["n"].max())
    summary = (f"Answers to {len(allrows)} item{'s' if len(allrows) != 1 else ''} from up to {n_people} "
               f"respondent{'s' if n_people != 1 else ''}: "
               + _join([f"{totals[k]} {label_of.get(k, k)}" for k in keys])
               + f"; most often “{label_of.get(top_key, top_key)}”: “{_item_label(best)}” "
                 f"({int(best[top_key])} of {int(best['n'])}).")
    return fig, summary


def area_means_chart(areas: pd.DataFrame, title: str = "", scale_min: float = 1, scale_max: float = 5):
    """Area means by role with the min-max range (``prep.area_means``)."""
    if areas is None or areas.empty or int(areas["n"].sum()) == 0:
        return _empty_chart("No ratings yet.", title)
    roles = [r for r in dict.fromkeys(areas["role"]) if r != "all"]
    if not roles:
        roles = ["all"]
    data = areas[areas["role"].isin(roles) & (areas["n"] > 0)]
    sections = list(dict.fromkeys(areas["section_id"]))
    sec_title = dict(zip(areas["section_id"], areas["section"]))
    fig = _figure(8, 0.45 * len(sections) * len(roles) + 1.6)
    ax = fig.add_subplot()
    h = 0.8 / len(roles)
    for k, role in enumerate(roles):
        colour, hatch, marker = ROLE_STYLE.get(role, ROLE_STYLE["other"])
        part = data[data["role"] == role].set_index("section_id")
        for s_idx, sid in enumerate(sections):
            if sid not in part.index:
                continue
            r = part.loc[sid]
            yy = (len(sections) - 1 - s_idx) + (len(roles) - 1) / 2 * h - k * h
            ax.barh([yy], [float(r["mean"]) - scale_min], left=scale_min, height=h * 0.9, color=colour,
                    hatch=hatch, edgecolor="white", alpha=0.9, label=_role(role) if s_idx == 0 else None)
            ax.plot([r["min"], r["max"]], [yy, yy], color=TEXT_COLOUR, linewidth=1)
            ax.plot([r["min"], r["max"]], [yy, yy], linestyle="none", marker="|", color=TEXT_COLOUR, markersize=8)
            ax.plot([r["mean"]], [yy], marker=marker, color="white", markeredgecolor=TEXT_COLOUR, markersize=6)
            _bar_label(ax, scale_max + 0.05, yy, f"{float(r['mean']):.2f} (n={int(r['n'])})", False)
    ax.set_yticks(range(len(sections))[::-1], [_wrap(sec_title[s], 34) for s in sections])
    ax.set_xlim(scale_min, scale_max + 0.9)
    ax.set_xticks([x for x in range(int(scale_min), int(scale_max) + 1)])
    ax.set_xlabel(f"mean rating ({_fmt(float(scale_min))}–{_fmt(float(scale_max))}); line: lowest to highest person")
    _legend(fig, ax)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    hi = data.loc[data["mean"].astype(float).idxmax()]
    lo = data.loc[data["mean"].astype(float).idxmin()]
    who = lambda r: "" if len(roles) == 1 and roles[0] == "all" else f" for {_role(r['role']).lower()}s"  # noqa: E731
    summary = (f"Mean area ratings on a {_fmt(float(scale_min))}–{_fmt(float(scale_max))} scale across "
               f"{len(sections)} area{'s' if len(sections) != 1 else ''}: highest “{hi['section']}”{who(hi)} "
               f"({float(hi['mean']):.2f}, n={int(hi['n'])}), lowest “{lo['section']}”{who(lo)} "
               f"({float(lo['mean']):.2f}, n={int(lo['n'])}).")
    return fig, summary


def spread_chart(spread: pd.DataFrame, title: str = "", measure: str = "std"):
    """The items with the widest disagreement (``prep.widest_disagreement``), widest on top."""
    if spread is None or spread.empty:
        return _empty_chart("No disagreement to show yet.", title)
    if measure == "modal_share":
        values = [1.0 - float(v) for v in spread["modal_share"]]
        label = "share not giving the most common answer"
    else:
        col = {"std": "std", "range": "range", "role_gap": "abs_role_gap"}.get(measure, measure)
        values = [float(v) for v in spread[col]]
        label = {"std": "standard deviation of the ratings", "range": "range of the ratings",
                 "abs_role_gap": "gap between the roles' means"}[col]
    fig = _figure(8, 0.5 * len(spread) + 1.3)
    ax = fig.add_subplot()
    y = list(range(len(spread)))[::-1]
    ax.barh(y, values, color=OKABE_ITO["reddish_purple"], hatch="///", edgecolor="white")
    vmax = max(values) if values else 1
    for yy, v, (_, r) in zip(y, values, spread.iterrows()):
        detail = (f"{v:.0%}" if measure == "modal_share" else
                  f"{v:.2f} · {_fmt(r['min'])}–{_fmt(r['max'])} · n={int(r['n'])}")
        _bar_label(ax, v + vmax * 0.01, yy, detail, False)
    ax.set_yticks(y, [_wrap(_item_label(r, 80), 40) for _, r in spread.iterrows()])
    ax.set_xlim(0, vmax * 1.6 if vmax else 1)
    ax.set_xlabel(label)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    r0 = spread.iloc[0]
    if measure == "modal_share":
        first = f"{1 - float(r0['modal_share']):.0%} of {int(r0['n'])} did not give the most common answer"
    else:
        first = (f"{label} {values[0]:.2f}, answers from {_fmt(r0['min'])} to {_fmt(r0['max'])}, "
                 f"n={int(r0['n'])}")
    summary = (f"The {len(spread)} item{'s' if len(spread) != 1 else ''} with the widest disagreement; "
               f"widest is “{_item_label(r0)}” ({first}).")
    return fig, summary


def role_gap_chart(spread: pd.DataFrame, title: str = ""):
    """Supervisors' and peer specialists' mean per item as a dumbbell (``prep.item_spread``)."""
    if spread is None or spread.empty:
        return _empty_chart("No ratings from both roles yet.", title)
    data = spread[spread["mean_supervisor"].notna() & spread["mean_peer_specialist"].notna()]
    if data.empty:
        return _empty_chart("No ratings from both roles yet.", title)
    fig = _figure(8, 0.45 * len(data) + 1.4)
    ax = fig.add_subplot()
    y = list(range(len(data)))[::-1]
    for yy, (_, r) in zip(y, data.iterrows()):
        ax.plot([r["mean_supervisor"], r["mean_peer_specialist"]], [yy, yy], color="#888888", linewidth=1.5)
    for role, col in (("supervisor", "mean_supervisor"), ("peer_specialist", "mean_peer_specialist")):
        colour, _, marker = ROLE_STYLE[role]
        ax.plot(list(data[col]), y, linestyle="none", marker=marker, color=colour, markersize=8,
                markeredgecolor=TEXT_COLOUR, label=_role(role))
    xmax = float(max(data["mean_supervisor"].max(), data["mean_peer_specialist"].max()))
    for yy, (_, r) in zip(y, data.iterrows()):
        _bar_label(ax, xmax + 0.1, yy, f"gap {float(r['role_gap']):+.2f}", False)
    ax.set_yticks(y, [_wrap(_item_label(r, 80), 40) for _, r in data.iterrows()])
    xmin = float(min(data["mean_supervisor"].min(), data["mean_peer_specialist"].min()))
    ax.set_xlim(min(xmin, 1) - 0.2, xmax + 1.0)
    ax.set_xlabel("mean rating (gap: peer specialists minus supervisors)")
    _legend(fig, ax)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    r0 = data.iloc[int(data["abs_role_gap"].astype(float).values.argmax())]
    summary = (f"Largest gap between roles: “{_item_label(r0)}” (supervisors {float(r0['mean_supervisor']):.2f}, "
               f"peer specialists {float(r0['mean_peer_specialist']):.2f}).")
    return fig, summary


def submission_chart(counts: pd.DataFrame, title: str = ""):
    """Submitted / not yet submitted per instrument (``prep.submission_counts``)."""
    if counts is None or counts.empty:
        return _empty_chart("Nobody has joined yet.", title)
    fig = _figure(8, 0.45 * len(counts) + 1.4)
    ax = fig.add_subplot()
    y = list(range(len(counts)))[::-1]
    sub = [float(v) for v in counts["submitted"]]
    nots = [float(v) for v in counts["not_submitted"]]
    ax.barh(y, sub, color=OKABE_ITO["bluish_green"], edgecolor="white", label="submitted")
    ax.barh(y, nots, left=sub, color="white", hatch="///", edgecolor=OKABE_ITO["vermillion"],
            label="expected, not yet submitted")
    for yy, s, e in zip(y, counts["submitted"], counts["expected"]):
        _bar_label(ax, float(s) + float(max(e - s, 0)) + 0.1, yy, f"{int(s)} of {int(e)}", False)
    ax.set_yticks(y, [_wrap(t, 40) for t in counts["title"]])
    ax.set_xlim(0, max(float(counts["expected"].max()), float(counts["submitted"].max()), 1) * 1.25)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("participants")
    _legend(fig, ax)
    _style_axes(ax)
    if title:
        ax.set_title(_wrap(title, 80), fontsize=11, loc="left")
    exp = counts[counts["expected"] > 0]
    done = int((exp["not_submitted"] == 0).sum())
    summary = f"Submissions for {len(counts)} exercise{'s' if len(counts) != 1 else ''}: {done} complete"
    if len(exp) and int(exp["not_submitted"].max()) > 0:
        worst = exp.iloc[int((exp["submitted"] / exp["expected"]).astype(float).values.argmin())]
        summary += f"; fewest is “{worst['title']}” ({int(worst['submitted'])} of {int(worst['expected'])})"
    return fig, summary + "."
