"""A chart as PNG bytes, as inline SVG whose text stays text, or as a ``<figure>`` with its
one-sentence summary as alt text and caption."""

from __future__ import annotations

import base64
import html
import io
import math
import re

from .common import emoji_font


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
