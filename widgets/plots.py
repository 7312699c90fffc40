"""Charts for the dashboard and the reports, drawn from the DataFrames of :mod:`peerkit.prep`.

Every chart function returns ``(figure, summary)``: a matplotlib :class:`~matplotlib.figure.Figure`
and one plain sentence saying what the chart shows, with its numbers. The sentence is the
chart's alt text and caption, so the chart never carries information on its own.

- matplotlib is imported inside the functions (a participant's kernel never pays for it);
  figures are built with the object API on an Agg canvas: no pyplot, no global state, safe
  to call from any thread and never shown by accident.
- Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
  are never the only cue: series also differ by hatching or marker shape, values are
  written on the bars, and differences carry a text symbol.
- Text from the data (item text, names) is drawn literally: ``$`` never starts mathtext.

:func:`html_table` renders a DataFrame as an accessible HTML table (caption, ``th scope``,
everything escaped); :func:`figure_html` a chart as ``<figure>`` with an embedded PNG.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
import re
import textwrap
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

__all__ = [
    "OKABE_ITO",
    "area_means_chart",
    "band_chart",
    "figure_html",
    "figure_png",
    "figure_svg",
    "html_table",
    "option_counts_chart",
    "pair_area_chart",
    "pair_chart",
    "pre_post_chart",
    "role_gap_chart",
    "spread_chart",
    "submission_chart",
]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
SERIES_COLOURS = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple",
                                         "sky_blue", "yellow", "black")]
HATCHES = ["", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++"]
MARKERS = ["s", "o", "^", "D", "v", "P", "X", "*"]
# One meaning per colour in each family of charts, the same on every screen and in the reports:
# - roles (and the two members of a pair: a supervisor and a peer specialist) are always blue
#   (supervisors) and orange (peer specialists), and those two colours mean nothing else;
# - answer options, bands and occasions take their colours from OPTION_COLOURS (never blue or
#   orange), S / I / A from SIA_STYLE; every series also has its own hatch or marker.
ROLE_STYLE = {
    "supervisor": (OKABE_ITO["blue"], "///", "s"),
    "peer_specialist": (OKABE_ITO["orange"], "...", "o"),
    "other": ("#555555", "xxx", "^"),
    "all": ("#777777", "", "D"),
}
ROLE_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"])
OPTION_COLOURS = [OKABE_ITO[k] for k in ("bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow",
                                         "black")]
# S / I / A: strong = green (plain), incomplete = yellow (diagonal), absent = vermillion (crossed)
SIA_STYLE = {
    "S": (OKABE_ITO["bluish_green"], ""),
    "I": (OKABE_ITO["yellow"], "///"),
    "A": (OKABE_ITO["vermillion"], "xxx"),
}
TEXT_COLOUR = "#1a1a1a"


# -- plumbing -----------------------------------------------------------------------

def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure


    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


EMOJI_FONTS = ("Noto Color Emoji", "Noto Emoji", "Symbola", "Twemoji", "OpenMoji", "Segoe UI Emoji",
               "Apple Color Emoji")


@functools.lru_cache(maxsize=1)
def emoji_font() -> str | None:
    """The name of an emoji-capable font matplotlib can use on this machine, else None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in EMOJI_FONTS if n in names), None)


def _m(text: Any) -> str:
    """Text drawn literally by matplotlib (no mathtext). Emoji are kept when an emoji-capable
    font is installed and dropped otherwise (they would be drawn as empty boxes); the tables and
    sentences beside the chart keep them either way."""
    s = str(text)
    if emoji_font() is None and not s.isascii():
        import emoji

        s = " ".join(emoji.replace_emoji(s, "").split()) if emoji.emoji_count(s) else s
    return s.replace("$", r"\$")


def _wrap(text: Any, width: int = 38, lines: int = 2) -> str:
    s = " ".join(str(text).split())
    out = textwrap.wrap(s, width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(0, width - 1)].rstrip() + "…"
    return _m("\n".join(out))


def _short(text: Any, width: int = 60) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= width else s[: width - 1].rstrip() + "…"


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _role(role: str) -> str:
    from .prep import role_label

    return role_label(role)


def _item_label(row: Mapping[str, Any], width: int = 60) -> str:
    number = str(row.get("number") or "").strip()
    text = _short(row.get("text") or row.get("item_id"), width)
    return f"{number}. {text}" if number else text


def _empty_chart(message: str, title: str = ""):
    fig = _figure(6, 1.6)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, _m(message), ha="center", va="center", fontsize=11, color=TEXT_COLOUR,
            transform=ax.transAxes, wrap=True)
    if title:
        ax.set_title(_wrap(title, 70), fontsize=11, loc="left")
    return fig, message


def _style_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT_COLOUR, labelsize=9)


def _bar_label(ax, x: float, y: float, text: str, inside: bool, colour: str = TEXT_COLOUR) -> None:
    ax.text(x, y, _m(text), va="center", ha="center" if inside else "left", fontsize=8, color=colour,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85) if inside else None)


def _legend(fig, ax, ncol: int = 4) -> None:
    """The legend below the chart, outside the data (never covering a label)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(ncol, len(handles)), fontsize=8,
                   frameon=False)


def _emoji_fallback(fig) -> None:
    """With an emoji-capable font installed, every text of the figure falls back to it for the
    glyphs its own font lacks (matplotlib >= 3.6 takes a list of families)."""
    font = emoji_font()
    if font is None:
        return
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        family = text.get_fontfamily()
        if font not in family:
            text.set_fontfamily([*family, font])


def figure_png(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    _emoji_fallback(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


#: the smallest chart text a phone may show, in CSS pixels (an SVG chart never shrinks below it)
MIN_TEXT_PX = 12.0


def figure_svg(fig) -> tuple[str, float]:
    """The figure as inline SVG markup whose text stays text (the browser draws it, with its own
    fonts: emoji and right-to-left names included), and the smallest font size in it (SVG units).

    Every id is made unique to this figure (several charts share one page), and the root element
    loses its fixed width and height so that it scales with its box (its viewBox stays)."""
    import uuid

    import matplotlib

    salt = uuid.uuid4().hex[:10]
    _emoji_fallback(fig)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", facecolor="white")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", svg, count=1)
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", svg, count=1)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="k{salt}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#k{salt}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#k{salt}-{m.group(1)}"', svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    sizes = [float(x) for x in re.findall(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([0-9.]+)px", svg)]
    return svg, (min(sizes) if sizes else 10.0)


def figure_html(fig, summary: str, title: str | None = None, dpi: int = 100,
                css_class: str = "peerkit-chart", fmt: str = "png") -> str:
    """``<figure>`` with the chart; alt text (or the SVG's accessible name) and caption are ``summary``.

    ``fmt`` "png" embeds an image (reports, PDF); "svg" inlines the chart as SVG with real text:
    it scales with the screen, and on a narrow one keeps its smallest text at
    :data:`MIN_TEXT_PX` or larger by scrolling sideways inside its own box."""
    head = f"<h4>{html.escape(title)}</h4>" if title else ""
    alt = html.escape(summary, quote=True)
    if fmt == "svg":
        svg, smallest = figure_svg(fig)
        view = re.search(r'viewBox="[0-9.\-]+ [0-9.\-]+ ([0-9.]+) ([0-9.]+)"', svg)
        width = float(view.group(1)) if view else fig.get_figwidth() * 72
        min_px = math.ceil(width * MIN_TEXT_PX / max(smallest, 1.0))
        svg = svg.replace("<svg", f'<svg role="img" aria-label="{alt}" focusable="false" '
                                  f'style="min-width:{min_px}px;max-width:{math.ceil(width * 1.6)}px"', 1)
        return (f'<figure class="{css_class}" data-min-text-px="{MIN_TEXT_PX:g}">{head}'
                f'<div class="peerkit-chart-box" role="region" tabindex="0" aria-label="Chart: {alt}">{svg}</div>'
                f"<figcaption>{html.escape(summary)}</figcaption></figure>")
    data = base64.b64encode(figure_png(fig, dpi)).decode("ascii")
    return (f'<figure class="{css_class}">{head}'
            f'<img src="data:image/png;base64,{data}" alt="{alt}" style="max-width:100%;height:auto">'
            f"<figcaption>{html.escape(summary)}</figcaption></figure>")


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
    from .prep import item_score

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
        from .pairlist import kappa_words

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


# -- tables -----------------------------------------------------------------------------

def _cell(value: Any, digits: int = 2) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return f"{value:.{digits}f}"
    if hasattr(value, "strftime") and not isinstance(value, str):
        try:
            if hasattr(value, "to_pydatetime"):
                value = value.to_pydatetime()
            if getattr(value, "tzinfo", None) is not None:
                value = value.astimezone()  # the machine's local time
            return value.strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return str(value)
    try:
        import numpy as np

        if isinstance(value, np.floating):
            return _cell(float(value), digits)
        if isinstance(value, np.bool_):
            return _cell(bool(value))
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def html_table(
    df: pd.DataFrame,
    caption: str,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    *,
    row_header: str | None = None,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
    css_class: str = "peerkit-table",
    empty_text: str = "Nothing to show yet.",
    digits: int = 2,
    row_classes: Callable[[Mapping[str, Any]], str] | None = None,
    layout: str = "auto",
    nowrap: Sequence[str] = (),
    groups: Sequence[tuple[str, Sequence[str]]] = (),
) -> str:
    """An accessible HTML table: ``<caption>``, ``<th scope="col">``, row headers ``<th scope="row">``.

    ``columns`` picks and orders the columns (a mapping gives their headings);
    ``row_header`` names the column whose cells head their row (default: the first);
    ``formatters`` turn a column's values into text. Every heading and cell is
    HTML-escaped. An empty frame gives the caption and ``empty_text``.

    The table sits in a box of its own (``peerkit-table-wrap``) that scrolls sideways when the
    table cannot fit, so the page never does; cells wrap between words only (see kit.css).
    ``layout`` "auto" sizes columns by their content; "fixed" shares the width evenly after the
    first column (for tables of short values). ``nowrap`` names columns whose cells keep
    their text on one line (short labels such as "✓ submitted 14:02").
    ``groups`` puts a second heading row above the columns: (heading, columns) per group, e.g.
    one group per role over that role's answer counts (``scope="colgroup"``); columns outside
    every group span both heading rows. A column heading that starts with its group's heading
    and ": " ("Supervisors: S") is shown without it under the group ("S").
    """
    if columns is None:
        cols = {c: str(c) for c in df.columns}
    elif isinstance(columns, Mapping):
        cols = dict(columns)
    else:
        cols = {c: str(c) for c in columns}
    cols = {c: h for c, h in cols.items() if c in df.columns}
    formatters = formatters or {}
    head_col = row_header if row_header in cols else (next(iter(cols)) if cols else None)
    cap = f"<caption>{html.escape(caption)}</caption>"
    wrap = (f'<div class="peerkit-table-wrap" role="region" tabindex="0" '
            f'aria-label="{html.escape(caption, quote=True)}">')
    if df is None or df.empty or not cols:
        return (f'{wrap}<table class="{css_class} peerkit-table-empty">{cap}'
                f'<tbody><tr><td>{html.escape(empty_text)}</td></tr></tbody></table></div>')
    fixed = " peerkit-table-fixed" if layout == "fixed" else ""
    out = [wrap, f'<table class="{css_class}{fixed}">', cap]
    if fixed and len(cols) > 1:
        rest = 60.0 / (len(cols) - 1)
        out.append('<colgroup><col style="width:40%">' + f'<col style="width:{rest:.2f}%">' * (len(cols) - 1)
                   + "</colgroup>")
    grouped = {c: g for g, (_, members) in enumerate(groups) for c in members if c in cols}
    if grouped:
        top, seen = ["<thead><tr>"], set()
        for c, h in cols.items():
            if c not in grouped:
                top.append(f'<th scope="col" rowspan="2"{_nowrap(c, nowrap)}>{html.escape(h)}</th>')
            elif grouped[c] not in seen:
                seen.add(grouped[c])
                span = sum(1 for x in cols if grouped.get(x) == grouped[c])
                top.append(f'<th scope="colgroup" colspan="{span}" class="peerkit-colgroup">'
                           f"{html.escape(groups[grouped[c]][0])}</th>")
        out += top + ["</tr><tr>"]
        for c, h in cols.items():
            if c in grouped:  # "Supervisors: S" under "Supervisors" reads "S"
                label = groups[grouped[c]][0]
                sub = h[len(label) + 2:] if h.startswith(label + ": ") else h
                out.append(f'<th scope="col"{_nowrap(c, nowrap)}>{html.escape(sub[:1].upper() + sub[1:])}</th>')
    else:
        out.append("<thead><tr>")
        out += [f'<th scope="col"{_nowrap(c, nowrap)}>{html.escape(h)}</th>' for c, h in cols.items()]
    out.append("</tr></thead><tbody>")
    for record in df.to_dict("records"):
        cls = row_classes(record) if row_classes else ""
        out.append(f'<tr class="{html.escape(cls, quote=True)}">' if cls else "<tr>")
        for c in cols:
            v = record.get(c)
            text = formatters[c](v) if c in formatters else _cell(v, digits)
            esc = html.escape(str(text))
            nw = _nowrap(c, nowrap)
            if c == head_col and esc.strip():
                out.append(f'<th scope="row"{nw}>{esc}</th>')
            elif c == head_col:  # an empty row header (e.g. an untitled section) heads nothing
                out.append("<td></td>")
            else:
                num = isinstance(v, (int, float)) and not isinstance(v, bool)
                out.append(f'<td class="num">{esc}</td>' if num else f"<td{nw}>{esc}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _nowrap(column: Any, columns: Sequence[str]) -> str:
    return ' class="peerkit-nowrap"' if column in columns else ""
