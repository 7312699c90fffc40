"""Shared pieces of the dashboard: CSS, the session snapshot, live polling, download links.

Live refresh
------------
The dashboards poll the store on a timer with an **asyncio task on the kernel's event
loop** (:class:`Poller`), not a background thread. ipykernel (and so Voila) runs its
asyncio loop on the main thread: the task wakes every N seconds between messages, reads
the store and updates the widgets on the same thread as every button click, so there are
no races between a refresh and a facilitator's click, no locks, and widget messages go
out in order. The reads are short (a fingerprint query; the full answers only when it
changed). Without a running loop (plain Python, tests) polling does not start and
``refresh()`` is called by hand. Pausing keeps the task but skips the reads.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
import logging
import mimetypes
import os
from pathlib import Path
from typing import Any, Callable

import ipywidgets as widgets

log = logging.getLogger("peerkit.dashboard")

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

DASHBOARD_CSS = """
.peerkit-dashboard, .peerkit-group-display, .peerkit-pair-view { box-sizing: border-box; width: 100%;
  max-width: 100%; }
.peerkit-dashboard .widget-html-content, .peerkit-group-display .widget-html-content,
.peerkit-pair-view .widget-html-content, .peerkit-dashboard .jupyter-widget-html-content,
.peerkit-group-display .jupyter-widget-html-content, .peerkit-pair-view .jupyter-widget-html-content {
  line-height: 1.45; white-space: normal; overflow-wrap: anywhere; }
.peerkit-dash-header { border-bottom: 2px solid #0072B2; margin-bottom: 6px; padding-bottom: 4px; }
.peerkit-dash-updated { color: #333; font-variant-numeric: tabular-nums; }
.peerkit-msg-ok { color: #1b5e20; } .peerkit-msg-warn { color: #6d4c00; }
.peerkit-msg-error { color: #a00010; font-weight: 600; }
.peerkit-block { margin: .6rem 0 1.2rem; }
.peerkit-chart { margin: .4rem 0; }
.peerkit-chart img { max-width: 100%; height: auto; }
table.peerkit-table { border-collapse: collapse; margin: .4rem 0 .8rem; width: 100%; }
table.peerkit-table caption { text-align: left; font-weight: 600; padding: .25rem 0; caption-side: top; }
table.peerkit-table th, table.peerkit-table td { border: 1px solid #bbb; padding: 3px 6px; text-align: left;
  vertical-align: top; }
table.peerkit-table thead th { background: #f0f0f0; }
table.peerkit-table th[scope=row] { font-weight: normal; }
table.peerkit-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.peerkit-table tr.peerkit-differs th, table.peerkit-table tr.peerkit-differs td { background: #fff4e0;
  font-weight: 600; }
.peerkit-pair-steps { border-left: 4px solid #0072B2; padding-left: 10px; }
.peerkit-pair-steps ol { padding-left: 1.3rem; }
.peerkit-dash-downloads li { margin: .25rem 0; }
.peerkit-notes dt { font-weight: 600; margin-top: .5rem; }
.peerkit-notes dd { margin-left: 1rem; white-space: pre-wrap; }
.peerkit-dashboard .widget-textarea, .peerkit-pair-view .widget-textarea { width: 100%; }
.peerkit-dashboard .widget-textarea textarea, .peerkit-pair-view .widget-textarea textarea { min-height: 4.5em; }
/* keyboard focus: a 3 px ring on every control (ipywidgets only changes a 1 px border colour) */
:is(.peerkit-dashboard, .peerkit-group-display, .peerkit-pair-view)
  :is(button, input, select, textarea, a[href], [tabindex], [role=tab]):focus-visible {
  outline: 3px solid #0b3d91 !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #ffffff !important; }
/* contrast (WCAG AA) for the tab and accordion labels ipywidgets draws in grey */
.peerkit-dashboard .lm-TabBar-tab, .peerkit-dashboard .lm-TabBar-tabLabel,
.peerkit-dashboard .jupyter-widget-Collapse-header, .peerkit-dashboard .jupyter-widget-Collapse-header span,
.peerkit-dashboard .p-Collapse-header, .peerkit-dashboard .p-Collapse-header span { color: #1a1a1a; }
.peerkit-dashboard .lm-TabBar-tab:not(.lm-mod-current) { background: #e4e4e4; }
.peerkit-dashboard .widget-hbox, .peerkit-group-display .widget-hbox, .peerkit-pair-view .widget-hbox,
.peerkit-dashboard .jupyter-widget-hbox, .peerkit-group-display .jupyter-widget-hbox,
.peerkit-pair-view .jupyter-widget-hbox { gap: 6px 10px; }
"""


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

    css = widgets.HTML(f"<style>{DASHBOARD_CSS}</style>", layout=widgets.Layout(height="0px", margin="0"))
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


class Poller:
    """Calls ``callback`` every ``interval`` seconds from an asyncio task (see the module notes)."""

    def __init__(self, callback: Callable[[], Any], interval: float = 5.0,
                 on_error: Callable[[BaseException], Any] | None = None):
        self.callback = callback
        self.interval = float(interval)
        self.on_error = on_error
        self.paused = False
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> bool:
        """Start polling on the running event loop; False when there is none (nothing started)."""
        if self.running:
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._task = loop.create_task(self._run())
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.paused:
                continue
            try:
                self.callback()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep polling; show the problem
                log.exception("dashboard refresh failed")
                if self.on_error is not None:
                    try:
                        self.on_error(exc)
                    except Exception:  # pragma: no cover
                        log.exception("error handler failed")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


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
            tuple((int(r.participant_id), str(r.instrument_id), str(r.occasion), int(r.revision))
                  for r in status.itertuples(index=False)),
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
