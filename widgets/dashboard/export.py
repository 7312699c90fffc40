"""The dashboard's Export tab: the session's answers (CSV, XLSX, JSON backup), reports and blank
forms (the same files as ``peerkit report`` and ``peerkit blank-forms``, on US Letter or A4), each
downloaded by the browser in one click.

Each button writes its file under :func:`peerkit.dashboard.common.export_dir` (it stays there too)
and hands it to :class:`peerkit.frontend.download.Download`, which makes the browser save it; the
last few files are also listed as links, in case a browser blocks the automatic download.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .. import prep
from .common import CSS_CLASSES, download_link, export_dir, message, now_hms, set_options

__all__ = ["ExportPanel"]


class ExportPanel(widgets.VBox):
    """Downloads: CSV / XLSX / JSON (peerkit.transfer), reports (HTML, PDF), blank forms."""

    def __init__(self, app: Any):
        from ..frontend.download import Download

        self.app = app  # the FacilitatorDashboard
        self.downloader = Download()
        self.downloader.add_class("peerkit-downloader")
        self.model = None
        buttons = []

        def button(label: str, icon: str, action: Any) -> widgets.Button:
            b = widgets.Button(description=label, icon=icon, layout=widgets.Layout(width="auto"))
            b.on_click(lambda _b: self._run(label, action))
            buttons.append(b)
            return b

        self.csv_button = button("Answers as CSV", "table", lambda: self._export("csv"))
        self.xlsx_button = button("Answers as Excel (XLSX)", "file-excel-o", lambda: self._export("xlsx"))
        self.json_button = button("Full backup (JSON)", "database", lambda: self._export("json"))
        self.report_html_button = button("Session report (HTML)", "file-text-o", lambda: self._session_report("html"))
        self.report_pdf_button = button("Session report (PDF)", "file-pdf-o", lambda: self._session_report("pdf"))
        self.handout_button = button("Room handout, no names (HTML)", "users",
                                     lambda: self._session_report("html", names=False))
        self.handout_pdf_button = button("Room handout, no names (PDF)", "users",
                                         lambda: self._session_report("pdf", names=False))
        self.pair_picker = widgets.Dropdown(description="Pair", options=[], style={"description_width": "initial"})
        self.pair_html_button = button("Pair report (HTML)", "file-text-o", lambda: self._pair_report("html"))
        self.pair_pdf_button = button("Pair report (PDF)", "file-pdf-o", lambda: self._pair_report("pdf"))
        self.blank_button = button("Blank forms for printing (zip of web pages)", "print",
                                   lambda: self._blank_forms("html"))
        self.blank_pdf_button = button("Blank forms for printing (PDF)", "print", lambda: self._blank_forms("pdf"))
        self.paper = widgets.Dropdown(description="Paper size for PDFs",
                                      options=[("US Letter", "letter"), ("A4", "a4")], value="letter",
                                      style={"description_width": "initial"})
        self.status = widgets.HTML()
        self.links = widgets.HTML()
        self.links.add_class(CSS_CLASSES["downloads"])
        row = lambda *ws: widgets.HBox(list(ws), layout=widgets.Layout(flex_flow="row wrap"))  # noqa: E731
        super().__init__([
            widgets.HTML("<h3>Data</h3><p>The session's current answers (tidy format, one row per person and "
                         "item) or a full backup that can be imported again.</p>"),
            row(self.csv_button, self.xlsx_button, self.json_button),
            widgets.HTML("<h3>Reports</h3>"), self.paper,
            row(self.report_html_button, self.report_pdf_button),
            row(self.handout_button, self.handout_pdf_button),
            row(self.pair_picker, self.pair_html_button, self.pair_pdf_button),
            widgets.HTML("<h3>Paper</h3><p>A blank form for anyone without a device; its item numbers are "
                         "the import's columns, so it can be typed in later.</p>"),
            row(self.blank_pdf_button, self.blank_button),
            self.status, self.downloader, self.links], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["export"])

    def update(self, model: Any) -> None:
        self.model = model
        pairs = prep.pairs_frame(model.participants, model.pairs)
        opts = [(r["label"], int(r["pair_id"])) for r in pairs.to_dict("records")]
        set_options(self.pair_picker, opts)

    def _run(self, label: str, action: Any) -> Path | None:
        if self.model is None:
            return None
        self.status.value = message("ok", f"Preparing {label.lower()} …")
        try:
            path = action()
        except Exception as exc:
            self.status.value = message("error", f"{label}: {exc}")
            return None
        if path is None:
            return None
        try:  # the browser saves it now: one click
            self.downloader.send_file(path)
            sent = f"{label} ready ({now_hms()})"
        except Exception as exc:  # too large, or the page is gone: the link below still works
            sent = f"{label} ready ({now_hms()}), but it could not be sent to the browser ({exc})"
        self.app.downloads.insert(0, download_link(path, label))
        self.links.value = ("<p>Recent files (if your browser did not save one, use its link):</p><ul>"
                            + "".join(f"<li>{d}</li>" for d in self.app.downloads[:8]) + "</ul>")
        self.status.value = message("ok", f"{sent}; also saved as {path}")
        return path

    def _stem(self) -> str:
        from ..reports import slug

        s = self.model.session
        return f"session-{s.id}-{slug(s.title)}-{dt.datetime.now():%Y%m%d-%H%M%S}"

    def _export(self, fmt: str) -> Path:
        try:
            from .. import transfer
        except ImportError as exc:  # pragma: no cover - transfer ships with the kit
            raise RuntimeError(f"export is not available ({exc})") from exc
        path = export_dir() / f"{self._stem()}.{fmt}"
        return Path(transfer.export_session(self.app.store, self.model.session_id, path, fmt))

    def _session_report(self, fmt: str, names: bool = True) -> Path:
        from .. import reports

        self.app.refresh()  # newest answers (and every tab brought up to date)
        doc = reports.session_report_document(self.model.data(), fmt=fmt, names=names, paper=self.paper.value,
                                              stamp=True)
        return doc.write(export_dir())

    def _pair_report(self, fmt: str) -> Path | None:
        from .. import reports

        if self.pair_picker.value is None:
            self.status.value = message("error", "Choose a pair first.")
            return None
        self.app.refresh()  # newest answers (and every tab brought up to date)
        doc = reports.pair_report_document(self.model.data(), self.pair_picker.value, fmt=fmt,
                                           paper=self.paper.value, stamp=True)
        return doc.write(export_dir())

    def _blank_forms(self, fmt: str) -> Path:
        from .. import reports

        return reports.blank_forms_document(self.app.instruments, fmt=fmt, paper=self.paper.value).write(export_dir())
