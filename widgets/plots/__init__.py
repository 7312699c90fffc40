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

The package's modules: :mod:`~peerkit.plots.common` (the palette, the role / option / S-I-A
styles and the plumbing every chart shares), :mod:`~peerkit.plots.output` (PNG, SVG and
``<figure>`` markup), :mod:`~peerkit.plots.group` (the group charts),
:mod:`~peerkit.plots.pair` (pair and before/after charts) and :mod:`~peerkit.plots.tables`
(:func:`html_table`).
"""

from __future__ import annotations

from .common import (
    EMOJI_FONTS,
    HATCHES,
    MARKERS,
    OKABE_ITO,
    OPTION_COLOURS,
    ROLE_COLOURS,
    ROLE_STYLE,
    SERIES_COLOURS,
    SIA_STYLE,
    TEXT_COLOUR,
    emoji_font,
)
from .group import (
    area_means_chart,
    band_chart,
    option_counts_chart,
    role_gap_chart,
    spread_chart,
    submission_chart,
)
from .output import MIN_TEXT_PX, figure_html, figure_png, figure_svg
from .pair import pair_area_chart, pair_chart, pair_summary, pre_post_chart
from .tables import html_table

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
