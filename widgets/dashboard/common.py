"""Shared pieces of the dashboard: CSS, the session snapshot, live polling, download links.

Live refresh
------------
The dashboards poll the store on a timer with an **asyncio task on the kernel's event
loop** (:class:`peerkit.polling.Poller`), not a background thread. ipykernel (and so Voila) runs its
asyncio loop on the main thread: the task wakes every N seconds between messages, reads
the store and updates the widgets on the same thread as every button click, so there are
no races between a refresh and a facilitator's click, no locks, and widget messages go
out in order. The reads are short (a fingerprint query; the full answers only when it
changed). Without a running loop (plain Python, tests) polling does not start and
``refresh()`` is called by hand. Pausing keeps the task but skips the reads.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import mimetypes
import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..polling import Poller  # noqa: F401  (the dashboards' live refresh)
from ..style import KIT_CSS, style_tag


#: CSS classes the browser tests (and anybody styling the kit) can rely on.
CSS_CLASSES = {
    "dashboard": "peerkit-dashboard",
    "unlock": "peerkit-dash-unlock",
    "session_picker": "peerkit-dash-session",
    "join_code": "peerkit-dash-code",
    "passcode": "peerkit-dash-passcode",
    "unlock_button": "peerkit-dash-unlock-button",
    "create": "peerkit-dash-create",
    "create_button": "peerkit-dash-create-button",
    "message": "peerkit-dash-message",
    "header": "peerkit-dash-header",
    "last_updated": "peerkit-dash-updated",
    "pause": "peerkit-dash-pause",
    "refresh": "peerkit-dash-refresh",
    "lock": "peerkit-dash-lock",
    "tabs": "peerkit-dash-tabs",
    "group": "peerkit-dash-group",
    "group_instrument": "peerkit-dash-group-instrument",
    "group_content": "peerkit-dash-group-content",
    "pairs": "peerkit-dash-pairs",
    "pair_picker": "peerkit-dash-pair-picker",
    "pairing": "peerkit-dash-pairing",
    "pair_view": "peerkit-pair-view",
    "pair_instrument": "peerkit-pair-instrument",
    "pair_table": "peerkit-pair-table",
    "pair_steps": "peerkit-pair-steps",
    "action_note": "peerkit-action-note",
    "question_note": "peerkit-question-note",
    "note_status": "peerkit-note-status",
    "submitted": "peerkit-dash-submitted",
    "export": "peerkit-dash-export",
    "downloads": "peerkit-dash-downloads",
    "group_display": "peerkit-group-display",
    # inside the HTML (reports share them)
    "block": "peerkit-block",
    "chart": "peerkit-chart",
    "table": "peerkit-table",
    "differs_row": "peerkit-differs",
}

# The kit's one stylesheet (peerkit/kit.css), shared with the participant app and the forms.
DASHBOARD_CSS = KIT_CSS


# The dashboard is the page's ``main`` landmark (ipywidgets cannot set ARIA roles from Python).
LANDMARK_JS = """
(() => {
  const mark = () => {
    if (document.querySelector('main, [role=main]')) return;
    const app = document.querySelector('.peerkit-dashboard, .peerkit-group-display, .peerkit-pair-view');
    if (app) app.setAttribute('role', 'main');
  };
  mark();
  new MutationObserver(mark).observe(document.body, {subtree: true, childList: true});
})();
"""


def style_widget() -> widgets.Widget:
    """The dashboard's stylesheet, and the landmark script, in a box that takes no room."""
    from IPython.display import Javascript, display

    css = widgets.HTML(style_tag(), layout=widgets.Layout(height="0px", margin="0"))
    script = widgets.Output(layout=widgets.Layout(display="none"))
    with script:
        display(Javascript(LANDMARK_JS))
    return widgets.VBox([css, script], layout=widgets.Layout(height="0px", margin="0", overflow="hidden"))


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def message(kind: str, text: str) -> str:
    """A status line: ``kind`` ok / warn / error (errors are announced to screen readers)."""
    role = "alert" if kind == "error" else "status"
    symbol = {"ok": "✓ ", "warn": "⚠ ", "error": "✗ "}.get(kind, "")
    return f'<p class="peerkit-msg-{kind}" role="{role}" aria-live="polite">{symbol}{esc(text)}</p>'


def now_hms() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


def export_dir() -> Path:
    """Where exports and reports are written: ``$PEERKIT_HOME/exports`` or ``<repo>/var/exports``."""
    home = os.environ.get("PEERKIT_HOME", "").strip()
    base = Path(home).expanduser() if home else Path(__file__).resolve().parent.parent.parent / "var"
    folder = base / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def download_link(path: Path | str, label: str | None = None) -> str:
    """An ``<a download>`` link carrying the file as a data: URI.

    Works in Voila and JupyterLab alike (no file server route, no FileLink, no upload
    widget); the file also stays on disk under :func:`export_dir`.
    """
    path = Path(path)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".xlsx":
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    size = path.stat().st_size
    human = f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
    return (f'<a download="{esc(path.name)}" href="data:{mime};base64,{data}">'
            f"⬇ {esc(label or path.name)}</a> <span>({esc(path.name)}, {human})</span>")


def set_options(dropdown: widgets.Dropdown, options: list[tuple[str, Any]]) -> bool:
    """Give a dropdown new options, keeping its value when still offered (else the first).

    Returns True when the value changed. (Views re-render idempotently, so an observer
    that fires on the way does no harm.)
    """
    if [tuple(o) for o in dropdown.options] == [tuple(o) for o in options]:
        return False
    values = [v for _, v in options]
    old = dropdown.value
    keep = old if old in values else (values[0] if values else None)
    dropdown.options = options
    if dropdown.value != keep:
        dropdown.value = keep
    return dropdown.value != old


class SessionModel:
    """One session's data, re-read from the store only when something changed.

    ``refresh()`` runs one cheap query (who has submitted what, with revisions and times)
    plus the participant list; only when that fingerprint differs does it read the full
    answers (``responses_frame``) and pairs again.
    """

    def __init__(self, store: Any, session_id: int):
        self.store = store
        self.session_id = session_id
        self.session = store.get_session(session_id)
        self.participants: list = []
        self.pairs: list = []
        self.frame = None
        self.status = None
        self.fingerprint: Any = None
        self.checked_at: dt.datetime | None = None
        self.changed_at: dt.datetime | None = None
        self.version = 0

    def refresh(self, force: bool = False) -> bool:
        """Re-read the store; True when the data changed (or ``force``)."""
        status = self.store.submission_status(self.session_id)
        participants = self.store.participants(self.session_id)
        pairs = list(self.store.pairs(self.session_id)) if hasattr(self.store, "pairs") else []
        session = self.store.get_session(self.session_id)
        fp = (
            tuple(zip(status["participant_id"].astype(int).tolist(), status["instrument_id"].astype(str).tolist(),
                      status["occasion"].astype(str).tolist(), status["revision"].astype(int).tolist())),
            tuple((p.id, p.display_name, p.role, p.pair_id) for p in participants),
            tuple((p.id, p.supervisor_id, p.supervisee_id) for p in pairs),
            (session.title, session.status),
        )
        self.checked_at = dt.datetime.now()
        if not force and fp == self.fingerprint:
            return False
        self.fingerprint = fp
        self.session = session
        self.status = status
        self.participants = participants
        self.pairs = pairs
        self.frame = self.store.responses_frame(self.session_id)
        self.changed_at = self.checked_at
        self.version += 1
        return True

    def data(self):
        """The snapshot as :class:`peerkit.reports.SessionData`."""
        from ..reports import SessionData

        return SessionData(session=self.session, participants=self.participants, responses=self.frame,
                           status=self.status, pairs=self.pairs, notes=self.store.notes)

    @property
    def submissions(self) -> int:
        return 0 if self.status is None else len(self.status)
