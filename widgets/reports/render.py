"""Rendering: Jinja2 templates (autoescaped) to one standalone HTML page, the same page through
WeasyPrint to PDF, and the pieces templates show (charts as SVG, tables, blocks).

WeasyPrint needs the Pango text-layout library from the operating system. Debian and Ubuntu
desktops have it; a minimal system gets it with
``sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`` (macOS:
``brew install pango``). Without it the HTML reports still work and a PDF request fails with
:class:`PdfUnavailable`, whose message says exactly that.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from ..plots.tables import _cell
from .data import Paper, paper as _paper

__all__ = ["PdfUnavailable", "TEMPLATES", "block_view", "chart_uri", "pdf_available", "render_html",
           "table_view", "write_pdf"]

TEMPLATES = Path(__file__).with_name("templates")
PANGO_HINT = ("PDF files need the Pango text-layout library, which this computer lacks. On Debian or "
              "Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
              "(on macOS: brew install pango), then try again. The HTML version of the report works "
              "without it and prints from any browser.")


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it needs) cannot be loaded on this computer."""


# -- templates ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment: templates from ``templates/``, every ``{{ value }}`` HTML-escaped."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # participant text is escaped everywhere, in every template
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["paras"] = paragraphs
    return env


def paragraphs(text: str | None) -> list[list[str]]:
    """Text split into paragraphs (blank lines) of lines, for templates to escape and join."""
    if not text:
        return []
    return [p.splitlines() for p in (q.strip() for q in re.split(r"\n\s*\n", str(text))) if p]


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def render_html(template: str, *, paper: str | Paper | None = None, **context: Any) -> str:
    """``templates/<template>`` rendered with ``context`` (plus the stylesheet and paper size)."""
    page = environment().get_template(template).render(css=stylesheet(), paper=_paper(paper), **context)
    return page if page.endswith("\n") else page + "\n"


# -- PDF -------------------------------------------------------------------------------------

def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as exc:  # OSError: the Pango library is missing
        raise PdfUnavailable(f"{PANGO_HINT} ({exc})") from exc
    return weasyprint


def pdf_available() -> bool:
    """True when PDF files can be made here (WeasyPrint and Pango load)."""
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def write_pdf(page: str, target: str | Path | None = None) -> bytes | Path:
    """The HTML ``page`` laid out by WeasyPrint: PDF bytes, or written to ``target`` (returned)."""
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher

    # reports embed everything they show: nothing is fetched from a file or the network
    fetcher = URLFetcher(allowed_protocols={"data"})
    doc = weasyprint.HTML(string=page, url_fetcher=fetcher).render()
    if target is None:
        return doc.write_pdf()
    target = Path(target)
    tmp = target.with_name(f".{target.name}.part")
    try:
        doc.write_pdf(str(tmp))
        tmp.replace(target)  # never a half-written file under the real name
    finally:
        tmp.unlink(missing_ok=True)
    return target


# -- charts -------------------------------------------------------------------------------------

def chart_svg(fig: Any) -> bytes:
    """A matplotlib figure as SVG (vector: prints sharp at any size)."""
    import matplotlib

    buf = io.BytesIO()
    # text stays text (<text>, not glyph outlines): smaller, faster to lay out, and selectable in the PDF
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "peerkit"}):  # same chart, same bytes
        fig.savefig(buf, format="svg", facecolor="white", metadata={"Date": None})
    return buf.getvalue()


def chart_uri(fig: Any) -> str:
    """The figure as an SVG ``data:`` URI, for ``<img src>`` in a self-contained page."""
    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(fig)).decode("ascii")


# -- tables and blocks ---------------------------------------------------------------------------

@dataclass
class Cell:
    text: str
    num: bool = False
    head: bool = False
    cls: str = ""  # the column's class (col-text, col-num, col-short)


@dataclass
class Table:
    caption: str
    headers: list[tuple[str, str]]  # (heading, column class)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)  # (row class, cells)
    empty_text: str = "Nothing to show yet."
    css_class: str = ""
    text_width: int = 0  # percent of the width for each long-text column (the rest share what is left)


def _is_num(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    try:
        import numpy as np

        return isinstance(v, (np.integer, np.floating))
    except ImportError:  # pragma: no cover
        return False


def table_view(df: pd.DataFrame | None, caption: str, columns: Mapping[str, str] | None = None, *,
               formatters: Mapping[str, Callable[[Any], str]] | None = None,
               row_classes: Callable[[Mapping[str, Any]], str] | None = None,
               row_header: str | None = None, digits: int = 2, css_class: str = "",
               empty_text: str = "Nothing to show yet.") -> Table:
    """A DataFrame as a :class:`Table` for the templates (cells as text, the same formatting as
    :func:`peerkit.plots.html_table`). Columns holding long text are marked ``col-text`` (they
    take the width and wrap), numeric ones ``col-num``."""
    formatters = formatters or {}
    if df is None:
        df = pd.DataFrame()
    cols = {c: str(h) for c, h in (columns or {c: str(c) for c in df.columns}).items() if c in df.columns}
    head_col = row_header if row_header in cols else (next(iter(cols)) if cols else None)
    if df.empty or not cols:
        return Table(caption, [(h, "") for h in cols.values()], [], empty_text, css_class)
    rows: list[tuple[str, list[Cell]]] = []
    longest = {c: 0 for c in cols}
    numeric = {c: True for c in cols}
    for record in df.to_dict("records"):
        cells = []
        for c in cols:
            v = record.get(c)
            text = str(formatters[c](v)) if c in formatters else _cell(v, digits)
            longest[c] = max(longest[c], len(text))
            is_num = _is_num(v) and not (isinstance(v, float) and math.isnan(v))
            if text and not is_num:
                numeric[c] = False
            cells.append(Cell(text, is_num, c == head_col and bool(text.strip())))
        rows.append(((row_classes(record) if row_classes else "") or "", cells))
    headers = []
    for c, h in cols.items():
        cls = "col-text" if longest[c] > 28 else ("col-num" if numeric[c] else "col-short")
        headers.append((h, cls))
    for _, cells in rows:
        for cell, (_, cls) in zip(cells, headers):
            cell.cls = cls
    n_text = sum(cls == "col-text" for _, cls in headers)
    if not n_text:
        css_class = f"{css_class} compact".strip()  # short cells only: no need for the page's width
    # long text gets most of the width, so that it wraps into few lines and the short columns stay short
    return Table(caption, headers, rows, empty_text, css_class, max(25, 60 // n_text) if n_text else 0)


def block_view(block: Any, *, chart: bool = True, table_first: bool = False) -> dict[str, Any]:
    """A :class:`peerkit.blocks.Block` as the templates show it: heading, chart (SVG) with its
    summary sentence as caption and alt text, table, notes (``table_first``: the table before
    the chart)."""
    table = None
    if block.table is not None:
        table = table_view(block.table, block.caption or block.title, block.columns,
                           formatters=block.formatters, row_classes=block.row_classes)
    return {
        "key": block.key,
        "title": block.title,
        "summary": block.summary,
        "chart": chart_uri(block.figure) if chart and block.figure is not None else None,
        "table": table,
        "notes": list(block.notes),
        "table_first": table_first,
    }
