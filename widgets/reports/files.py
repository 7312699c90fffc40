"""Report files: written into a folder (the CLI) or made in memory as a :class:`Document` (a
file name, its media type and its bytes) for the dashboard's downloads."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..instruments import Instrument
from .data import Paper, pair_session_data, paper as _paper, session_data, slug
from .forms import _instruments, blank_form_html, blank_forms_html
from .pair import _pair_row, pair_report_html
from .render import render_html, write_pdf
from .session import session_report_html

__all__ = ["Document", "blank_forms_document", "pair_report_document", "session_report_document",
           "write_pair_report", "write_session_report"]

MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "zip": "application/zip"}


@dataclass(frozen=True)
class Document:
    """A report made in memory: what a download offers."""

    filename: str
    media_type: str
    content: bytes

    def write(self, folder: str | Path) -> Path:
        """Save into ``folder`` under :attr:`filename` (never a half-written file)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.filename
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_bytes(self.content)
        tmp.replace(path)
        return path


def _check(fmt: str) -> str:
    if fmt not in ("html", "pdf"):
        raise ValueError(f"unknown report format {fmt!r} (html or pdf)")
    return fmt


def _content(page: str, fmt: str) -> bytes:
    return page.encode("utf-8") if fmt == "html" else write_pdf(page)  # type: ignore[return-value]


def _stamp(stamp: bool) -> str:
    return f"-{dt.datetime.now():%Y%m%d-%H%M%S}" if stamp else ""


def session_report_document(source: Any, session_id: int | None = None, *, fmt: str = "pdf",
                            names: bool = True, min_group: int | None = None,
                            paper: str | Paper | None = None, instruments: Mapping[str, Instrument] | None = None,
                            stamp: bool = False) -> Document:
    """The session report (``names=False``: the room's handout, groups under 3 left out by default)."""
    data = session_data(source, session_id, instruments)
    fmt = _check(fmt)
    group = (1 if names else 3) if min_group is None else min_group
    page = session_report_html(data, names=names, min_group=group, paper=paper)
    name = (f"session-{getattr(data.session, 'id', 0)}-{slug(data.session_title())}"
            f"{'' if names else '-handout'}{_stamp(stamp)}.{fmt}")
    return Document(name, MEDIA_TYPES[fmt], _content(page, fmt))


def pair_report_document(source: Any, pair_id: int, session_id: int | None = None, *, fmt: str = "pdf",
                         paper: str | Paper | None = None, instruments: Mapping[str, Instrument] | None = None,
                         stamp: bool = False) -> Document:
    """One pair's report."""
    data = pair_session_data(source, pair_id, session_id, instruments)
    fmt = _check(fmt)
    label = _pair_row(data, pair_id)["label"]
    page = pair_report_html(data, pair_id, paper=paper)
    return Document(f"pair-{int(pair_id)}-{slug(label)}{_stamp(stamp)}.{fmt}", MEDIA_TYPES[fmt], _content(page, fmt))


def blank_forms_document(instruments: Iterable[Instrument] | Mapping[str, Instrument] | None = None, *,
                         fmt: str = "pdf", paper: str | Paper | None = None) -> Document:
    """Blank forms: one instrument as one file; several as one PDF (every form on new sheets) or,
    for HTML, a zip of one page per form with an index."""
    found = _instruments(instruments)
    fmt = _check(fmt)
    size = _paper(paper)
    if len(found) == 1:
        ins = found[0]
        return Document(f"{ins.id}-blank.{fmt}", MEDIA_TYPES[fmt], _content(blank_form_html(ins, paper=size), fmt))
    if fmt == "pdf":
        return Document("blank-forms.pdf", MEDIA_TYPES["pdf"], _content(blank_forms_html(found, paper=size), "pdf"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for ins in found:
            zf.writestr(f"blank-forms/{ins.id}.html", blank_form_html(ins, paper=size))
        listing = [{"href": f"{i.id}.html", "title": i.title, "source": i.source.title} for i in found]
        zf.writestr("blank-forms/index.html", render_html("blank_index.html", paper=size, page_title="Blank forms",
                                                          footer="Blank forms", forms=listing,
                                                          body_class="blank-index"))
    return Document("blank-forms.zip", MEDIA_TYPES["zip"], buf.getvalue())


def write_session_report(source: Any, folder: str | Path, session_id: int | None = None, fmt: str = "html",
                         **kwargs: Any) -> Path:
    """Write the session report (``fmt`` "html" or "pdf") into ``folder``; returns the file."""
    return session_report_document(source, session_id, fmt=fmt, **kwargs).write(folder)


def write_pair_report(source: Any, pair_id: int, folder: str | Path, session_id: int | None = None,
                      fmt: str = "html", **kwargs: Any) -> Path:
    """Write one pair's report (``fmt`` "html" or "pdf") into ``folder``; returns the file."""
    return pair_report_document(source, pair_id, session_id, fmt=fmt, **kwargs).write(folder)
