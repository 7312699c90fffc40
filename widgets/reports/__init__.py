"""Printable reports: the session report, the pair report and blank forms.

One set of Jinja2 templates (``templates/*.html``) and one stylesheet (``templates/report.css``)
make each report: rendered once to a standalone HTML page, and that same page laid out by
WeasyPrint as a PDF, so the HTML and the PDF say the same. Charts are the dashboard's
(:mod:`peerkit.plots` over :mod:`peerkit.prep`), embedded as SVG with their one-sentence summary;
tables hold the full item text and repeat their header row on every page; the footer carries the
session title and the page number. US Letter by default, A4 on request (``paper="a4"``).
Everything taken from the data is escaped by Jinja2's autoescaping.

Entry points (``source`` is a :class:`SessionData` or a store, then with ``session_id``):

- :func:`session_report_html` / :func:`session_report_pdf` (``names=False, min_group=3``: the handout);
- :func:`pair_report_html` / :func:`pair_report_pdf`;
- :func:`blank_form_html`, :func:`write_blank_forms`;
- :func:`session_report_document`, :func:`pair_report_document`, :func:`blank_forms_document`: a
  :class:`Document` (file name, media type, bytes) for a download button;
- :func:`write_session_report`, :func:`write_pair_report`: into a folder (the CLI).
"""

from __future__ import annotations

from .data import PAPERS, Paper, SessionData, collect, paper, slug
from .files import (Document, blank_forms_document, pair_report_document, session_report_document,
                    write_pair_report, write_session_report)
from .forms import blank_form_html, blank_form_pdf, blank_forms_html, write_blank_forms
from .pair import pair_report_html, pair_report_pdf, pair_sections, person_pre_post_blocks
from .render import PdfUnavailable, pdf_available
from .session import pairs_overview, session_report_html, session_report_pdf, session_sections

__all__ = [
    "PAPERS", "Document", "Paper", "PdfUnavailable", "SessionData", "blank_form_html", "blank_form_pdf",
    "blank_forms_document", "blank_forms_html", "collect", "pair_report_document", "pair_report_html",
    "pair_report_pdf", "pair_sections", "pairs_overview", "paper", "pdf_available", "person_pre_post_blocks",
    "session_report_document", "session_report_html", "session_report_pdf", "session_sections", "slug",
    "write_blank_forms", "write_pair_report", "write_session_report",
]
