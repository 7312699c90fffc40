"""What every chart shares: the Okabe-Ito palette and the fixed styles of roles, answer
options and S / I / A, figures on an Agg canvas (no pyplot), text drawn literally (no mathtext,
emoji only where a font has them), wrapped and shortened labels, bar labels, the legend below
the chart and the chart that says there is nothing to show yet."""

from __future__ import annotations

import functools
import math
import textwrap
from typing import Any, Mapping


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
    from ..prep import role_label

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
