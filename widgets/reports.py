"""Printable reports: per session and per pair (standalone HTML and PDF), and blank forms.

- HTML reports are one self-contained file each: inline CSS with a print stylesheet,
  charts embedded as PNG (base64) whose alt text is the chart's summary sentence, and
  accessible tables. Everything taken from the data (names, notes, written answers, item
  text) is HTML-escaped.
- PDF reports are laid out on A4 pages with matplotlib's ``PdfPages`` (no other
  dependency): headings and text, the same charts, and tables as fixed-width text.
- Blank forms (:func:`blank_form_html`) print any instrument with empty circles and boxes
  for sessions without devices; :func:`write_blank_forms` writes all of them and an index.

A report is drawn from a :class:`SessionData` snapshot, collected from the store with
:func:`collect` (or built by hand in tests). Functions taking ``source`` accept either a
``SessionData`` or a ``peerkit.store.Store`` (then ``session_id`` is needed).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from . import blocks as _blocks
from . import plots, prep
from .instruments import Instrument, load_all, sorted_by_source

__all__ = [
    "REPORT_CSS",
    "SessionData",
    "blank_form_html",
    "collect",
    "pair_report_html",
    "pair_report_pdf",
    "session_report_html",
    "session_report_pdf",
    "slug",
    "write_blank_forms",
    "write_pair_report",
    "write_session_report",
]

REPORT_CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #bbb; --accent: #0072B2; --warn: #D55E00; }
body.peerkit-report, body.peerkit-blank-form { font-family: system-ui, -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", sans-serif; color: var(--ink); line-height: 1.45; max-width: 60rem; margin: 1.5rem auto;
  padding: 0 1rem; }
.peerkit-report h1, .peerkit-blank-form h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.peerkit-report h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem;
  margin-top: 2rem; }
.peerkit-report h3 { font-size: 1.1rem; margin-top: 1.4rem; }
.peerkit-meta, .peerkit-source { color: var(--muted); font-size: .9rem; }
.peerkit-block { margin: 1rem 0 1.5rem; }
.peerkit-chart { margin: .5rem 0; }
.peerkit-chart img { max-width: 100%; height: auto; border: 1px solid #eee; }
.peerkit-chart figcaption, .peerkit-summary { font-size: .95rem; }
table.peerkit-table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; width: 100%; }
table.peerkit-table caption { text-align: left; font-weight: 600; padding: .3rem 0; caption-side: top; }
table.peerkit-table th, table.peerkit-table td { border: 1px solid var(--rule); padding: .25rem .45rem;
  text-align: left; vertical-align: top; }
table.peerkit-table thead th { background: #f0f0f0; }
table.peerkit-table th[scope=row] { font-weight: normal; }
table.peerkit-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.peerkit-table tr.peerkit-differs th, table.peerkit-table tr.peerkit-differs td {
  background: #fff4e0; font-weight: 600; }
.peerkit-notes dt { font-weight: 600; margin-top: .6rem; }
.peerkit-notes dd { margin: .2rem 0 .2rem 1rem; white-space: pre-wrap; }
/* blank forms */
.peerkit-fill { display: flex; flex-wrap: wrap; gap: 1.5rem; margin: .8rem 0; }
.peerkit-line { display: inline-block; min-width: 14rem; border-bottom: 1px solid var(--ink); }
.peerkit-form-item { margin: .6rem 0; padding: .4rem 0; border-bottom: 1px dotted var(--rule);
  break-inside: avoid; page-break-inside: avoid; }
.peerkit-form-item .peerkit-item-text { margin-bottom: .3rem; }
.peerkit-options { display: flex; flex-wrap: wrap; gap: .4rem 1.6rem; }
.peerkit-options.peerkit-options-long { display: block; }
.peerkit-options.peerkit-options-long .peerkit-option { display: block; margin: .25rem 0; }
.peerkit-mark { font-size: 1.25rem; line-height: 1; margin-right: .3rem; }
.peerkit-write-box { border: 1px solid var(--ink); min-height: 5.5rem; margin-top: .3rem; }
.peerkit-instructions { white-space: normal; }
.peerkit-legend dt { font-weight: 600; float: left; clear: left; width: 6rem; }
.peerkit-legend dd { margin-left: 6.5rem; }
ol.peerkit-items, ul.peerkit-items { padding-left: 1.6rem; }
ul.peerkit-items { list-style: none; padding-left: 0; }
@media print {
  @page { size: A4; margin: 14mm; }
  body.peerkit-report, body.peerkit-blank-form { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  .peerkit-block, .peerkit-chart, table.peerkit-table tr { break-inside: avoid; page-break-inside: avoid; }
  .peerkit-report h2 { break-before: auto; break-after: avoid; page-break-after: avoid; }
  .peerkit-no-print { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


# -- data snapshot -------------------------------------------------------------------------

@dataclass
class SessionData:
    """What a report needs about one session, read from the store at one moment."""

    session: Any  # peerkit.store.WorkshopSession (title, date, join_code, id)
    participants: Any  # list[Participant] or a DataFrame (see prep.participants_frame)
    responses: pd.DataFrame
    status: pd.DataFrame | None = None
    pairs: Sequence[Any] = ()
    notes: Callable[[int, str], Mapping[str, str]] | Mapping[tuple[int, str], Mapping[str, str]] = field(
        default_factory=dict)
    instruments: Mapping[str, Instrument] | None = None
    collected_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())

    def instrument_map(self) -> dict[str, Instrument]:
        return dict(self.instruments) if self.instruments is not None else load_all()

    def pair_notes(self, pair_id: int, instrument_id: str) -> Mapping[str, str]:
        if callable(self.notes):
            return self.notes(pair_id, instrument_id)
        return self.notes.get((pair_id, instrument_id), {})

    def participants_df(self) -> pd.DataFrame:
        return prep.participants_frame(self.participants)

    def pairs_df(self) -> pd.DataFrame:
        return prep.pairs_frame(self.participants, self.pairs)

    def status_df(self) -> pd.DataFrame:
        if self.status is not None:
            return self.status
        # derive it from the responses (one row per participant x instrument x occasion)
        df = self.responses
        if df is None or df.empty:
            return pd.DataFrame(columns=prep.STATUS_COLUMNS)
        return (df.groupby(["participant_id", "display_name", "role", "instrument_id", "occasion"], sort=False)
                .agg(submitted_at=("submitted_at", "max"), revision=("revision", "max")).reset_index())

    def used_instruments(self) -> list[Instrument]:
        """Instruments with at least one submission, in the order of their source documents."""
        found = self.instrument_map()
        ids = set(self.responses["instrument_id"].unique()) if self.responses is not None and len(self.responses) else set()
        return [i for i in sorted_by_source(found) if i.id in ids]


def collect(store: Any, session_id: int, instruments: Mapping[str, Instrument] | None = None) -> SessionData:
    """Read one session from the store (everything a report shows)."""
    return SessionData(
        session=store.get_session(session_id),
        participants=store.participants(session_id),
        responses=store.responses_frame(session_id),
        status=store.submission_status(session_id),
        pairs=list(store.pairs(session_id)) if hasattr(store, "pairs") else [],
        notes=store.notes,
        instruments=instruments,
    )


def _data(source: Any, session_id: int | None, instruments: Mapping[str, Instrument] | None = None) -> SessionData:
    if isinstance(source, SessionData):
        return source
    if session_id is None:
        raise ValueError("a session id is needed to read a report from the store")
    return collect(source, session_id, instruments)


def slug(text: str, fallback: str = "report") -> str:
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return s[:60] or fallback


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _paras(text: str | None, css: str = "") -> str:
    if not text:
        return ""
    cls = f' class="{css}"' if css else ""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p{cls}>{'<br>'.join(_esc(line) for line in p.splitlines())}</p>" for p in parts)


def _page(title: str, body: str, css_class: str = "peerkit-report") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_esc(title)}</title><style>{REPORT_CSS}</style></head>"
            f"<body class=\"{css_class}\"><main>{body}</main></body></html>\n")


def _when(data: SessionData) -> str:
    return data.collected_at.strftime("%Y-%m-%d %H:%M")


def _session_meta(data: SessionData) -> str:
    s = data.session
    bits = []
    if getattr(s, "date", None):
        bits.append(f"Date: {s.date:%Y-%m-%d}" if hasattr(s.date, "strftime") else f"Date: {s.date}")
    if getattr(s, "join_code", None):
        bits.append(f"Join code: {s.join_code}")
    bits.append(f"Report made {_when(data)}")
    return " · ".join(bits)


# -- session report -------------------------------------------------------------------------

def session_sections(data: SessionData, *, names: bool = True, min_group: int = 1) -> list[tuple[str, str, list]]:
    """(heading, intro, blocks) for every part of the session report (HTML and PDF share it)."""
    people = data.participants_df()
    used = data.used_instruments()
    parts: list[tuple[str, str, list]] = []
    counts = prep.role_counts(people)
    overview = _blocks.Block("participants", "Participants",
                             _blocks.respondent_sentence(people, "joined").replace("have joined", "joined")
                             .replace("has joined", "joined"),
                             table=counts, columns={"role": "Role", "n": "People"},
                             caption="Participants by role", formatters={"role": _blocks._role_text})
    long = prep.submission_long(data.status_df(), people, used)
    sub_counts = prep.submission_counts(long)
    fig, summary = plots.submission_chart(sub_counts)
    subs = _blocks.Block("submissions", "Submissions per exercise", summary, fig if len(sub_counts) else None,
                         sub_counts, {"title": "Exercise", "expected": "Expected", "submitted": "Submitted",
                                      "not_submitted": "Not yet"}, "Submissions per exercise")
    first = [overview, subs]
    if names and len(long):
        matrix = prep.submission_matrix(long)
        titles = dict(zip(long["key"], long["title"]))
        cols = {"display_name": "Name", "role": "Role", **{k: titles[k] for k in titles},
                "outstanding": "Outstanding"}
        first.append(_blocks.Block("who", "Who has submitted", "", None, matrix, cols,
                                   "Who has submitted what", {"role": _blocks._role_text,
                                                              **{k: _status_text for k in titles}}))
    parts.append(("Overview", "", first))
    for ins in used:
        intro = f"{ins.source.title}" + (f" — {ins.source.exercise}" if ins.source.exercise else "")
        parts.append((ins.title, intro, _blocks.instrument_blocks(data.responses, ins, names=names,
                                                                  min_group=min_group)))
    if names:
        pair_overview = pairs_overview(data)
        if pair_overview is not None:
            parts.append(("Pairs", "", [pair_overview]))
    return parts


def _status_text(x: Any) -> str:
    return {"submitted": "✓ submitted", "not submitted": "✗ not yet", "not expected": "— not expected"}.get(
        str(x), str(x))


def pairs_overview(data: SessionData) -> _blocks.Block | None:
    """A table of pairs: for each compared exercise, on how many items the two agree."""
    pairs = data.pairs_df()
    if pairs.empty:
        return None
    comp = [i for i in data.used_instruments() if i.compare and i.kinds - {"text"}]
    answers = {(ins.id, occ): prep.answers_by_participant(data.responses, ins, occ)
               for ins in comp for occ in ins.occasion_ids}
    rows = []
    for p in pairs.to_dict("records"):
        row = {"label": p["label"]}
        for ins in comp:
            for occ in ins.occasion_ids:
                got = answers[(ins.id, occ)]
                a = got.get(int(p["a_id"]), {})
                b = got.get(int(p["b_id"]), {}) if pd.notna(p["b_id"]) else {}
                both = [k for k in a if k in b]
                same = sum(1 for k in both if a[k] == b[k] and type(a[k]) is type(b[k]))
                row[prep.instrument_key(ins, occ)] = f"{same} of {len(both)} same" if both else "not both yet"
        rows.append(row)
    cols = {"label": "Pair"}
    for ins in comp:
        for occ in ins.occasion_ids:
            cols[prep.instrument_key(ins, occ)] = prep._title(ins, occ)
    df = pd.DataFrame(rows)
    return _blocks.Block("pairs", "Pairs", f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''}; "
                         "items both answered the same way, per exercise.", None, df, cols,
                         "Agreement within each pair")


def session_report_html(source: Any, session_id: int | None = None, *, names: bool = True, min_group: int = 1,
                        instruments: Mapping[str, Instrument] | None = None) -> str:
    """The session report as one standalone HTML page.

    ``names=False`` (with ``min_group``, e.g. 3) gives a version safe to hand to the room.
    """
    data = _data(source, session_id, instruments)
    title = f"Session report: {data.session.title}"
    body = [f"<header><h1>{_esc(title)}</h1><p class=\"peerkit-meta\">{_esc(_session_meta(data))}</p></header>"]
    for heading, intro, bl in session_sections(data, names=names, min_group=min_group):
        body.append(f'<section class="peerkit-report-part"><h2>{_esc(heading)}</h2>')
        if intro:
            body.append(f'<p class="peerkit-source">{_esc(intro)}</p>')
        body.extend(b.html(dpi=110, heading_level=3) for b in bl)
        body.append("</section>")
    if not data.used_instruments():
        body.append("<p>No answers have been submitted in this session yet.</p>")
    return _page(title, "".join(body))


# -- pair report -----------------------------------------------------------------------------

def pair_sections(data: SessionData, pair_id: int) -> tuple[str, list[tuple[str, str, list]]]:
    pairs = data.pairs_df()
    match = pairs[pairs["pair_id"] == int(pair_id)]
    if match.empty:
        raise KeyError(f"no pair {pair_id} in session {getattr(data.session, 'id', '?')}")
    p = match.iloc[0].to_dict()
    a_name = p["a_name"]
    b_name = p["b_name"] if prep._py(p["b_name"]) is not None else "(partner missing)"
    b_id = int(p["b_id"]) if pd.notna(p["b_id"]) else None
    parts = []
    used = data.used_instruments()
    for ins in used:
        if not ins.compare or not (ins.kinds - {"text"}):
            continue
        bl = []
        for occ in ins.occasion_ids:
            bl.extend(_blocks.pair_blocks(data.responses, ins, a_name, b_name, p["a_id"], b_id, occ,
                                          data.pair_notes(int(pair_id), ins.id)))
        parts.append((ins.title, "", bl))
    for ins in used:
        occ = prep.pre_post_occasions(ins)
        if occ is None or ins.compare:
            continue
        bl = []
        for pid, name in ((p["a_id"], a_name), (b_id, b_name)):
            if pid is None:
                continue
            table = prep.person_pre_post(data.responses, ins, pid, occ)
            if table["pre"].isna().all() and table["post"].isna().all():
                continue
            bl.extend(person_pre_post_blocks(ins, table, name, occ))
        if bl:
            parts.append((ins.title, "", bl))
    return p["label"], parts


def person_pre_post_blocks(ins: Instrument, table: pd.DataFrame, name: str, occ: tuple[str, str]) -> list:
    before, after = (_blocks._occasion_label(ins, o) for o in occ)
    summary_t = prep.pre_post_summary(ins, table)
    fig, summary = plots.pre_post_chart(summary_t, "", before, after)
    summary = f"{name}: " + summary
    changed = table[table["change"].isin(["gained", "lost", "changed"])]
    items = changed.assign(item=[_blocks._item(r) for r in changed.to_dict("records")],
                           pre=[_blocks.answer_text(ins, i, v) for i, v in zip(changed["item_id"], changed["pre"])],
                           post=[_blocks.answer_text(ins, i, v) for i, v in zip(changed["item_id"], changed["post"])])
    return [
        _blocks.Block("pre-post", f"{name}: {before} → {after}", summary, fig, summary_t,
                      {"section": "Section", "items": "Items", "pre_count": before, "post_count": after,
                       "gained": "Gained", "lost": "Lost"}, f"{name}: items ticked before and after"),
        _blocks.Block("pre-post-items", f"{name}: what changed", f"{len(items)} item"
                      f"{'s' if len(items) != 1 else ''} changed.", None, items,
                      {"item": "Item", "pre": before, "post": after, "change": "Change"},
                      f"{name}: items that changed"),
    ]


def pair_report_html(source: Any, pair_id: int, session_id: int | None = None, *,
                     instruments: Mapping[str, Instrument] | None = None) -> str:
    """One pair's comparisons, notes and before/after change as a standalone HTML page."""
    if not isinstance(source, SessionData) and session_id is None:
        session_id = source.get_pair(pair_id).session_id
    data = _data(source, session_id, instruments)
    label, parts = pair_sections(data, pair_id)
    title = f"Pair report: {label}"
    body = [f"<header><h1>{_esc(title)}</h1><p class=\"peerkit-meta\">{_esc(data.session.title)} · "
            f"{_esc(_session_meta(data))}</p></header>"]
    for heading, intro, bl in parts:
        body.append(f'<section class="peerkit-report-part"><h2>{_esc(heading)}</h2>')
        body.extend(b.html(dpi=110, heading_level=3) for b in bl)
        body.append("</section>")
    if not parts:
        body.append("<p>Neither member has submitted an exercise to compare yet.</p>")
    return _page(title, "".join(body))


# -- PDF ---------------------------------------------------------------------------------

class _PdfWriter:
    """A4 pages of headings, wrapped text, images and fixed-width tables, via PdfPages."""

    W, H = 8.27, 11.69
    MARGIN = 0.6

    def __init__(self, path: Path, title: str):
        from matplotlib.backends.backend_pdf import PdfPages

        self.pdf = PdfPages(str(path), metadata={"Title": title, "Creator": "peerkit"})
        self.fig = None
        self.y = 0.0
        self.page_no = 0
        self.title = title

    def _new_page(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self._flush()
        self.fig = Figure(figsize=(self.W, self.H))
        FigureCanvasAgg(self.fig)
        self.page_no += 1
        self.fig.text(0.5, 0.3 / self.H, plots._m(f"{self.title} — page {self.page_no}"), ha="center",
                      fontsize=7, color="#555555")
        self.y = self.H - self.MARGIN

    def _flush(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.fig = None

    def _need(self, inches: float) -> None:
        if self.fig is None or self.y - inches < self.MARGIN:
            self._new_page()

    def text(self, text: str, size: float = 9.5, bold: bool = False, family: str = "sans-serif",
             colour: str = "#1a1a1a", gap: float = 0.06, width_chars: int | None = None) -> None:
        char_w = size * (0.6 if family == "monospace" else 0.6 if bold else 0.52) / 72
        width = width_chars or max(20, int((self.W - 2 * self.MARGIN) / char_w))
        lines: list[str] = []
        for para in str(text).split("\n"):
            lines.extend(textwrap.wrap(para, width, replace_whitespace=False, drop_whitespace=True) or [""])
        line_h = size * 1.35 / 72
        for line in lines:
            self._need(line_h)
            self.fig.text(self.MARGIN / self.W, self.y / self.H, plots._m(line), fontsize=size,
                          fontweight="bold" if bold else "normal", family=family, color=colour, va="top")
            self.y -= line_h
        self.y -= gap

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 16, 2: 13, 3: 11}.get(level, 10)
        self._need(size * 3 / 72)
        self.y -= 0.08 if level > 1 else 0
        self.text(text, size=size, bold=True, gap=0.08)

    def image(self, figure: Any) -> None:
        import io

        from matplotlib.image import imread

        png = plots.figure_png(figure, dpi=130)
        img = imread(io.BytesIO(png), format="png")
        h_px, w_px = img.shape[0], img.shape[1]
        max_w = self.W - 2 * self.MARGIN
        max_h = self.H - 2 * self.MARGIN - 0.3
        w = min(max_w, w_px / 130)
        h = w * h_px / w_px
        if h > max_h:
            h, w = max_h, max_h * w_px / h_px
        self._need(h + 0.1)
        ax = self.fig.add_axes([self.MARGIN / self.W, (self.y - h) / self.H, w / self.W, h / self.H])
        ax.imshow(img, interpolation="antialiased")
        ax.set_axis_off()
        self.y -= h + 0.1

    def table(self, df: pd.DataFrame, columns: Mapping[str, str] | None, formatters: Mapping[str, Any],
              caption: str) -> None:
        self.text(caption, size=9, bold=True, gap=0.02)
        if df is None or df.empty:
            self.text("Nothing to show yet.", size=8.5)
            return
        cols = {c: h for c, h in (columns or {c: c for c in df.columns}).items() if c in df.columns}
        cells = [[str(h) for h in cols.values()]]
        for rec in df.to_dict("records"):
            cells.append([str(formatters[c](rec.get(c))) if c in formatters else plots._cell(rec.get(c))
                          for c in cols])
        size = 7.5
        limit = int((self.W - 2 * self.MARGIN) / (size * 0.6 / 72)) - 1
        widths = [max(len(row[k]) for row in cells) for k in range(len(cols))]
        widths = [max(3, min(w, 60)) for w in widths]
        while sum(widths) + 2 * (len(widths) - 1) > limit and max(widths) > 6:
            widths[widths.index(max(widths))] -= 1
        for n, row in enumerate(cells):
            line = "  ".join(_fit(v, w) for v, w in zip(row, widths))
            self.text(line, size=size, family="monospace", bold=(n == 0), gap=0, width_chars=limit + 5)
        self.y -= 0.1

    def block(self, b: Any, level: int = 3) -> None:
        self.heading(b.title, level)
        if b.figure is not None:
            self.image(b.figure)
        if b.summary:
            self.text(b.summary, size=9, gap=0.08)
        if b.table is not None:
            self.table(b.table, b.columns, b.formatters, b.caption or b.title)
        for label, answer in b.notes:
            self.text(label, size=9, bold=True, gap=0.01)
            self.text(answer or "—", size=9, gap=0.06)

    def close(self) -> None:
        if self.fig is None:
            self._new_page()
        self._flush()
        self.pdf.close()


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def session_report_pdf(source: Any, path: str | Path, session_id: int | None = None, *, names: bool = True,
                       min_group: int = 1, instruments: Mapping[str, Instrument] | None = None) -> Path:
    """Write the session report as a PDF (A4) and return its path."""
    data = _data(source, session_id, instruments)
    path = Path(path)
    title = f"Session report: {data.session.title}"
    w = _PdfWriter(path, title)
    w.heading(title, 1)
    w.text(_session_meta(data), size=9, colour="#555555", gap=0.15)
    for heading, intro, bl in session_sections(data, names=names, min_group=min_group):
        w.heading(heading, 2)
        if intro:
            w.text(intro, size=8.5, colour="#555555")
        for b in bl:
            w.block(b)
    w.close()
    return path


def pair_report_pdf(source: Any, pair_id: int, path: str | Path, session_id: int | None = None, *,
                    instruments: Mapping[str, Instrument] | None = None) -> Path:
    """Write one pair's report as a PDF (A4) and return its path."""
    if not isinstance(source, SessionData) and session_id is None:
        session_id = source.get_pair(pair_id).session_id
    data = _data(source, session_id, instruments)
    label, parts = pair_sections(data, pair_id)
    path = Path(path)
    title = f"Pair report: {label}"
    w = _PdfWriter(path, title)
    w.heading(title, 1)
    w.text(f"{data.session.title} · {_session_meta(data)}", size=9, colour="#555555", gap=0.15)
    for heading, _intro, bl in parts:
        w.heading(heading, 2)
        for b in bl:
            w.block(b)
    if not parts:
        w.text("Neither member has submitted an exercise to compare yet.")
    w.close()
    return path


def write_session_report(source: Any, folder: str | Path, session_id: int | None = None, fmt: str = "html",
                         **kwargs: Any) -> Path:
    """Write the session report (``fmt`` "html" or "pdf") into ``folder``; returns the file."""
    data = _data(source, session_id, kwargs.pop("instruments", None))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"session-{getattr(data.session, 'id', 0)}-{slug(data.session.title)}"
    if fmt == "html":
        path = folder / f"{name}.html"
        path.write_text(session_report_html(data, **kwargs), encoding="utf-8")
        return path
    if fmt == "pdf":
        return session_report_pdf(data, folder / f"{name}.pdf", **kwargs)
    raise ValueError(f"unknown report format {fmt!r} (html or pdf)")


def write_pair_report(source: Any, pair_id: int, folder: str | Path, session_id: int | None = None,
                      fmt: str = "html", **kwargs: Any) -> Path:
    """Write one pair's report (``fmt`` "html" or "pdf") into ``folder``; returns the file."""
    if not isinstance(source, SessionData) and session_id is None:
        session_id = source.get_pair(pair_id).session_id
    data = _data(source, session_id, kwargs.pop("instruments", None))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    label = data.pairs_df().set_index("pair_id").loc[int(pair_id), "label"]
    name = f"pair-{pair_id}-{slug(label)}"
    if fmt == "html":
        path = folder / f"{name}.html"
        path.write_text(pair_report_html(data, pair_id, **kwargs), encoding="utf-8")
        return path
    if fmt == "pdf":
        return pair_report_pdf(data, pair_id, folder / f"{name}.pdf", **kwargs)
    raise ValueError(f"unknown report format {fmt!r} (html or pdf)")


# -- blank forms -------------------------------------------------------------------------------

ROLE_CHOICES = ("supervisor", "peer_specialist", "other")


def _legend(scale) -> str:
    described = [o for o in scale.options if o.description]
    if not described:
        return ""
    rows = "".join(f"<dt>{_esc(o.short or o.label)}</dt><dd>{_esc(o.description)}</dd>" for o in described)
    return f'<dl class="peerkit-legend">{rows}</dl>'


def _answer_area(scale, label_id: str) -> str:
    if scale.kind == "text":
        return f'<div class="peerkit-write-box" role="presentation" aria-labelledby="{label_id}"></div>'
    if scale.kind == "checklist":
        return ('<div class="peerkit-options"><span class="peerkit-option">'
                '<span class="peerkit-mark" aria-hidden="true">☐</span>tick if it applies</span></div>')
    long = any(len(o.label) > 40 for o in scale.options)
    opts = []
    for o in scale.options:
        text = o.label
        if scale.kind == "frequency":
            text = f"{o.value} {o.label}"
        elif o.short and o.short != o.label and not long:
            text = o.short if scale.kind in ("sia", "true_false") else f"{o.short}. {o.label}"
        elif o.short and long:
            text = f"{o.short}. {o.label}"
        opts.append(f'<span class="peerkit-option"><span class="peerkit-mark" aria-hidden="true">○</span>'
                    f"{_esc(text)}</span>")
    cls = "peerkit-options peerkit-options-long" if long else "peerkit-options"
    return f'<div class="{cls}">{"".join(opts)}</div>'


def blank_form_html(instrument: Instrument) -> str:
    """A printable blank version of ``instrument``: its instructions, every item with empty
    circles (one per answer) or boxes, and the discussion questions with room to write."""
    ins = instrument
    out = [f"<header><h1>{_esc(ins.title)}</h1>",
           f'<p class="peerkit-source">{_esc(ins.source.title)}'
           + (f" — {_esc(ins.source.exercise)}" if ins.source.exercise else "") + "</p>",
           '<div class="peerkit-fill"><span>Name <span class="peerkit-line"></span></span>'
           '<span>Date <span class="peerkit-line" style="min-width:8rem"></span></span></div>',
           '<p class="peerkit-fill">Role: ' + " ".join(
               f'<span class="peerkit-option"><span class="peerkit-mark" aria-hidden="true">☐</span>'
               f"{_esc(prep.role_label(r))}</span>" for r in ROLE_CHOICES) + "</p>"]
    if ins.occasions:
        out.append('<p class="peerkit-fill">Occasion: ' + " ".join(
            f'<span class="peerkit-option"><span class="peerkit-mark" aria-hidden="true">☐</span>'
            f"{_esc(o.label)}</span>" for o in ins.occasions) + "</p>")
    out.append("</header>")
    if ins.instructions:
        out.append(f'<div class="peerkit-instructions">{_paras(ins.instructions)}</div>')
    if ins.scale is not None:
        out.append(_legend(ins.scale))
    for section in ins.sections:
        out.append(f'<section class="peerkit-form-section" id="section-{_esc(section.id)}">')
        if section.title:
            out.append(f"<h2>{_esc(section.title)}</h2>")
        if section.instructions:
            out.append(_paras(section.instructions, "peerkit-instructions"))
        if section.scale is not None:
            out.append(_legend(section.scale))
        numbered = any(i.number for i in section.items)
        out.append('<ul class="peerkit-items">' if numbered else '<ol class="peerkit-items">')
        for item in section.items:
            label_id = f"item-{_esc(item.id)}"
            num = f"<strong>{_esc(item.number)}.</strong> " if item.number else ""
            details = "".join(f"<div>{_esc(d)}</div>" for d in item.details)
            scale = ins.scale_for(item)
            extra = _legend(item.scale) if item.scale is not None and item.scale.kind not in ("choice",) else ""
            out.append(f'<li class="peerkit-form-item"><div class="peerkit-item-text" id="{label_id}">{num}'
                       f"{_esc(item.text)}{details}</div>{extra}{_answer_area(scale, label_id)}</li>")
        out.append("</ul>" if numbered else "</ol>")
        out.append("</section>")
    if ins.discussion:
        out.append('<section class="peerkit-form-section"><h2>'
                   f"{_esc(ins.discussion.title or 'Discussion')}</h2>")
        if ins.discussion.intro:
            out.append(_paras(ins.discussion.intro))
        out.append('<ol class="peerkit-items">')
        for q in ins.discussion.questions:
            out.append(f'<li class="peerkit-form-item"><div class="peerkit-item-text" id="q-{_esc(q.id)}">'
                       f'{_esc(q.text)}</div><div class="peerkit-write-box" aria-labelledby="q-{_esc(q.id)}">'
                       "</div></li>")
        out.append("</ol></section>")
    return _page(f"{ins.title} (blank form)", "".join(out), "peerkit-blank-form")


def write_blank_forms(folder: str | Path, instruments: Iterable[Instrument] | Mapping[str, Instrument] | None = None
                      ) -> list[Path]:
    """Write a blank form for every instrument (default: all in ``data/``) and an ``index.html``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if instruments is None:
        found = sorted_by_source(load_all())
    elif isinstance(instruments, Mapping):
        found = list(instruments.values())
    else:
        found = list(instruments)
    paths = []
    links = []
    for ins in found:
        path = folder / f"{ins.id}.html"
        path.write_text(blank_form_html(ins), encoding="utf-8")
        paths.append(path)
        links.append(f'<li><a href="{_esc(path.name)}">{_esc(ins.title)}</a>'
                     f' <span class="peerkit-source">({_esc(ins.source.title)})</span></li>')
    index = folder / "index.html"
    index.write_text(_page("Blank forms", "<h1>Blank forms</h1><p>Print one per person.</p><ul>"
                           + "".join(links) + "</ul>"), encoding="utf-8")
    return [*paths, index]
