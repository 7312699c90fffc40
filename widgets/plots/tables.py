"""An accessible HTML table from a DataFrame: caption, column and row headers, column groups,
everything escaped, in a box of its own that scrolls sideways on a narrow screen."""

from __future__ import annotations

import html
import math
from typing import Any, Callable, Mapping, Sequence

import pandas as pd


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
