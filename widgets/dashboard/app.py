"""The facilitator dashboard: open (or create) a session, unlock it with its passcode, then
follow the group live, compare pairs, see who has submitted, and export.

Nothing about individual participants is read from the store, let alone shown, before the
passcode is accepted (``Store.check_passcode``); locking the dashboard again removes every
panel. After five wrong passcodes in a row the dashboard refuses for 30 seconds.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any, Mapping

import ipywidgets as widgets

from .. import prep
from ..instruments import Instrument, load_all, sorted_by_source
from .common import (CSS_CLASSES, Poller, SessionModel, download_link, esc, export_dir, message, now_hms,
                     set_options, style_widget)
from .group import GroupPanel, used_instruments
from .live import LivePanel
from .pairs import PairsPanel

__all__ = ["FacilitatorDashboard", "facilitator_dashboard"]

MAX_FAILURES = 5
LOCKOUT_SECONDS = 30.0
TAB_TITLES = ("Group", "Pairs", "Who has submitted", "Export")


class FacilitatorDashboard(widgets.VBox):
    """The facilitator app (an ipywidgets VBox). See :func:`facilitator_dashboard`."""

    def __init__(self, store: Any = None, *, refresh_seconds: float = 5.0,
                 instruments: Mapping[str, Instrument] | None = None, autostart: bool = True):
        if store is None:
            from ..store import Store

            store = Store()
        self.store = store
        self.refresh_seconds = float(refresh_seconds)
        self.instruments = dict(instruments) if instruments is not None else load_all()
        self.autostart = autostart
        self.session = None
        self.model: SessionModel | None = None
        self.unlocked = False
        self._failures = 0
        self._locked_until = 0.0
        self.poller = Poller(self.refresh, self.refresh_seconds, self._on_error)
        self.downloads: list[str] = []
        self._build_login()
        super().__init__([style_widget(), self.login], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["dashboard"])

    # -- login -----------------------------------------------------------------------------------
    def _build_login(self) -> None:
        wide = widgets.Layout(width="100%", max_width="520px")
        init = {"description_width": "initial"}
        self.session_picker = widgets.Dropdown(description="Session", options=self._session_options(),
                                               style=init, layout=wide)
        self.session_picker.add_class(CSS_CLASSES["session_picker"])
        self.join_code = widgets.Text(description="or join code", placeholder="e.g. ABC-DEF", style=init,
                                      layout=wide)
        self.join_code.add_class(CSS_CLASSES["join_code"])
        self.passcode = widgets.Password(description="Facilitator passcode", style=init, layout=wide)
        self.passcode.add_class(CSS_CLASSES["passcode"])
        self.unlock_button = widgets.Button(description="Open the dashboard", button_style="primary", icon="unlock",
                                            layout=widgets.Layout(width="auto"))
        self.unlock_button.add_class(CSS_CLASSES["unlock_button"])
        self.unlock_button.on_click(lambda _b: self.unlock())
        self.login_message = widgets.HTML()
        self.login_message.add_class(CSS_CLASSES["message"])
        self.new_title = widgets.Text(description="Title", style=init, layout=wide)
        self.new_date = widgets.DatePicker(description="Date", value=dt.date.today(), style=init)
        self.new_passcode = widgets.Password(description="Passcode for this session", style=init, layout=wide)
        self.new_passcode2 = widgets.Password(description="Passcode again", style=init, layout=wide)
        self.create_button = widgets.Button(description="Create the session", icon="plus",
                                            layout=widgets.Layout(width="auto"))
        self.create_button.add_class(CSS_CLASSES["create_button"])
        self.create_button.on_click(lambda _b: self.create_session())
        self.create_message = widgets.HTML()
        create = widgets.VBox([
            widgets.HTML("<p>Participants join with the session's join code; you open the dashboard with "
                         "its passcode (keep it to yourself; at least 4 characters).</p>"),
            self.new_title, self.new_date, self.new_passcode, self.new_passcode2, self.create_button,
            self.create_message])
        create.add_class(CSS_CLASSES["create"])
        # a button that shows and hides the form (an ipywidgets Accordion's title is a plain <div>:
        # keyboard and screen-reader users could not open it)
        create.layout.display = "none"
        self.create_toggle = widgets.ToggleButton(value=False, description="Create a new session…", icon="plus",
                                                  tooltip="Show or hide the form for a new session",
                                                  layout=widgets.Layout(width="auto"))

        def _show_create(change: dict) -> None:
            create.layout.display = None if change["new"] else "none"

        self.create_toggle.observe(_show_create, names="value")
        self.create_box = widgets.VBox([self.create_toggle, create], layout=widgets.Layout(width="100%"))
        self.login = widgets.VBox([
            widgets.HTML("<h2>Facilitator dashboard</h2><p>Choose the session (or type its join code) and "
                         "enter its facilitator passcode. Individual answers are shown only after that.</p>"),
            self.session_picker, self.join_code, self.passcode, self.unlock_button, self.login_message,
            self.create_box], layout=widgets.Layout(width="100%"))
        self.login.add_class(CSS_CLASSES["unlock"])
        if getattr(self, "_startup_error", None):
            self.login_message.value = message("error", self._startup_error)

    def _session_options(self) -> list[tuple[str, int]]:
        try:
            sessions = self.store.list_sessions()
        except Exception as exc:  # show the store's message at the login
            self._startup_error = str(exc)
            return []
        opts = []
        for s in sessions:  # titles and dates only: join codes are shown after the passcode
            date = f" · {s.date:%Y-%m-%d}" if getattr(s, "date", None) else ""
            closed = " · closed" if s.status != "open" else ""
            opts.append((f"{s.title}{date}{closed} (#{s.id})", s.id))
        return opts

    def _target_session(self) -> Any:
        code = (self.join_code.value or "").strip()
        if code:
            return self.store.find_session(code)
        if self.session_picker.value is None:
            return None
        return self.store.get_session(self.session_picker.value)

    def unlock(self, session_id: int | None = None, passcode: str | None = None) -> bool:
        """Check the passcode and open the dashboard; False (with a message) when refused."""
        if time.monotonic() < self._locked_until:
            wait = int(self._locked_until - time.monotonic()) + 1
            self.login_message.value = message("error", f"Too many wrong passcodes. Try again in {wait} s.")
            return False
        try:
            session = self.store.get_session(session_id) if session_id is not None else self._target_session()
        except Exception as exc:
            self.login_message.value = message("error", str(exc))
            return False
        if session is None:
            self.login_message.value = message("error", "No session has this join code. Check it, or choose "
                                                        "the session from the list.")
            return False
        code = self.passcode.value if passcode is None else passcode
        self.passcode.value = ""
        if not code or not self.store.check_passcode(session.id, code):
            self._failures += 1
            if self._failures >= MAX_FAILURES:
                self._failures = 0
                self._locked_until = time.monotonic() + LOCKOUT_SECONDS
            self.login_message.value = message("error", f"That passcode is not right for “{session.title}”.")
            return False
        self._failures = 0
        self.login_message.value = ""
        self._open(session)
        return True

    def create_session(self) -> bool:
        title = (self.new_title.value or "").strip()
        pw, pw2 = self.new_passcode.value or "", self.new_passcode2.value or ""
        if not title:
            self.create_message.value = message("error", "Give the session a title.")
            return False
        if len(pw) < 4:
            self.create_message.value = message("error", "Choose a passcode of at least 4 characters.")
            return False
        if pw != pw2:
            self.create_message.value = message("error", "The two passcodes differ.")
            return False
        try:
            session = self.store.create_live_session(title, pw, self.new_date.value)  # facilitator-led
        except Exception as exc:
            self.create_message.value = message("error", str(exc))
            return False
        self.new_passcode.value = self.new_passcode2.value = ""
        self.new_title.value = ""
        self.create_message.value = message("ok", f"Created “{session.title}”; join code {session.join_code}.")
        self.session_picker.options = self._session_options()
        self._open(session)
        return True

    # -- the unlocked dashboard --------------------------------------------------------------------
    def _open(self, session: Any) -> None:
        self.session = session
        self.unlocked = True
        self.model = SessionModel(self.store, session.id)
        self.header = widgets.HTML()
        self.header.add_class(CSS_CLASSES["header"])
        self.updated = widgets.HTML()
        self.updated.add_class(CSS_CLASSES["last_updated"])
        self.pause = widgets.ToggleButton(value=False, description="Pause live updates", icon="pause",
                                          tooltip=f"Refreshes every {self.refresh_seconds:g} s while not paused",
                                          layout=widgets.Layout(width="auto"))
        self.pause.add_class(CSS_CLASSES["pause"])
        self.pause.observe(self._on_pause, names="value")
        self.refresh_button = widgets.Button(description="Refresh now", icon="refresh",
                                             layout=widgets.Layout(width="auto"))
        self.refresh_button.add_class(CSS_CLASSES["refresh"])
        self.refresh_button.on_click(lambda _b: self.refresh(force=True))
        self.open_toggle = widgets.ToggleButton(description="Accepting answers", icon="door-open",
                                                layout=widgets.Layout(width="auto"))
        self.open_toggle.observe(self._on_open_toggle, names="value")
        self.lock_button = widgets.Button(description="Lock", icon="lock", tooltip="Hide everything again",
                                          layout=widgets.Layout(width="auto"))
        self.lock_button.add_class(CSS_CLASSES["lock"])
        self.lock_button.on_click(lambda _b: self.lock())
        controls = widgets.HBox([self.updated, self.pause, self.refresh_button, self.open_toggle, self.lock_button],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.group_panel = GroupPanel(self.instruments, names=True, min_group=1)
        self.pairs_panel = PairsPanel(self.store, self.instruments, on_change=lambda: self.refresh(force=True))
        self.submitted_panel = SubmittedPanel(self.instruments)
        self.export_panel = ExportPanel(self)
        self.tabs = widgets.Tab(children=[self.group_panel, self.pairs_panel, self.submitted_panel,
                                          self.export_panel], titles=TAB_TITLES)
        self.tabs.add_class(CSS_CLASSES["tabs"])
        self.live_panel = LivePanel(self.store, session, self.instruments,
                                    on_change=lambda: self.refresh(force=True))
        self.children = (style_widget(), self.header, controls, self.live_panel, self.tabs)
        self.refresh(force=True)
        if self.autostart:
            self.poller.start()

    def refresh(self, force: bool = False) -> bool:
        """Re-read the store and update every tab that changed; returns whether data changed."""
        if not self.unlocked or self.model is None:
            return False
        changed = self.model.refresh(force)
        s = self.model.session
        n = len(self.model.participants)
        self.header.value = (f"<h2>{esc(s.title)}</h2><p>Join code <strong>{esc(s.join_code)}</strong>"
                             + (f" · {s.date:%Y-%m-%d}" if getattr(s, "date", None) else "")
                             + f" · <strong>{n}</strong> participant{'s' if n != 1 else ''} · "
                               f"<strong>{self.model.submissions}</strong> submission"
                               f"{'s' if self.model.submissions != 1 else ''}</p>")
        paused = " (live updates paused)" if self.poller.paused else ""
        self.updated.value = f"Last updated {now_hms()}{paused}"
        self._syncing = True
        try:
            self.open_toggle.value = s.status == "open"
        finally:
            self._syncing = False
        self.open_toggle.description = "Accepting answers" if s.status == "open" else "Closed to answers"
        self.live_panel.refresh()
        if changed:
            self.group_panel.update(self.model)
            self.pairs_panel.update(self.model)
            self.submitted_panel.update(self.model)
            self.export_panel.update(self.model)
        elif self.pairs_panel.view is not None:
            self.pairs_panel.view.render()  # picks up notes written elsewhere
        return changed

    def _on_pause(self, change: dict) -> None:
        self.poller.paused = bool(change["new"])
        self.pause.description = "Resume live updates" if change["new"] else "Pause live updates"
        self.pause.icon = "play" if change["new"] else "pause"
        self.updated.value = f"Last updated {now_hms()}" + (" (live updates paused)" if change["new"] else "")

    def _on_open_toggle(self, change: dict) -> None:
        if getattr(self, "_syncing", False) or self.model is None:
            return
        try:
            self.store.set_status(self.model.session_id, "open" if change["new"] else "closed")
        except Exception as exc:
            self.updated.value = message("error", str(exc))
        self.refresh(force=True)

    def _on_error(self, exc: BaseException) -> None:
        self.updated.value = message("error", f"Could not refresh ({now_hms()}): {exc}")

    def lock(self) -> None:
        """Stop refreshing and remove every panel (back to the passcode)."""
        self.poller.stop()
        live = getattr(self, "live_panel", None)
        if live is not None:
            _close_tree(live)
            del self.live_panel
        tabs = getattr(self, "tabs", None)
        if tabs is not None:
            _close_tree(tabs)
            del self.tabs
        self.unlocked = False
        self.model = None
        self.session = None
        self.passcode.value = ""
        self.session_picker.options = self._session_options()
        self.children = (style_widget(), self.login)

    def close(self) -> None:
        self.poller.stop()
        super().close()


def _close_tree(w: Any) -> None:
    """Close a widget and everything inside it (frees the front-end models too)."""
    for child in list(getattr(w, "children", ()) or ()):
        _close_tree(child)
    w.close()


def _local(ts: Any) -> dt.datetime:
    """A stored time in the machine's local time zone."""
    if hasattr(ts, "to_pydatetime"):
        ts = ts.to_pydatetime()
    return ts.astimezone() if getattr(ts, "tzinfo", None) is not None else ts


class SubmittedPanel(widgets.VBox):
    """Who has and has not submitted each exercise."""

    def __init__(self, instruments: Mapping[str, Instrument]):
        self.instruments = dict(instruments)
        self.model = None
        self.show_all = widgets.Checkbox(description="Also list exercises nobody has submitted yet", indent=False)
        self.show_all.observe(lambda _c: self.render(), names="value")
        self.content = widgets.HTML()
        super().__init__([self.show_all, self.content], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["submitted"])

    def update(self, model: Any) -> None:
        self.model = model
        self.render()

    def render(self) -> None:
        from .. import blocks as _blocks
        from .. import plots

        model = self.model
        if model is None:
            return
        used = (sorted_by_source(self.instruments) if self.show_all.value
                else used_instruments(model, self.instruments))
        people = prep.participants_frame(model.participants)
        long = prep.submission_long(model.status, people, used)
        counts = prep.submission_counts(long)
        matrix = prep.submission_matrix(long)
        if people.empty:
            self.content.value = message("warn", "Nobody has joined yet. Participants join with the code "
                                                 f"{model.session.join_code}.")
            return
        titles = dict(zip(long["key"], long["title"])) if len(long) else {}
        status_text = {"submitted": "✓ submitted", "not submitted": "✗ not yet", "not expected": "— not expected"}
        when = {}
        for r in long.to_dict("records"):
            if r["submitted"] and r["submitted_at"] is not None:
                when[(r["participant_id"], r["key"])] = r["submitted_at"]
        shown = matrix.copy()
        for key in titles:
            shown[key] = [
                status_text.get(v, v) + (f" {_local(when[(pid, key)]):%H:%M}" if (pid, key) in when else "")
                for pid, v in zip(matrix["participant_id"], matrix[key])]
        cols = {"display_name": "Name", "role": "Role", **titles, "outstanding": "Outstanding"}
        html = [plots.html_table(shown, "Who has submitted what (✓ submitted at, ✗ not yet, — not expected "
                                        "of this role)", cols, formatters={"role": _blocks._role_text},
                                 empty_text="Nobody has joined yet.")]
        if len(counts):
            html.append(plots.html_table(counts, "Per exercise", {"title": "Exercise", "expected": "Expected",
                                                                  "submitted": "Submitted",
                                                                  "not_submitted": "Not yet"}))
        not_yet = long[long["status"] == "not submitted"]
        if len(not_yet):
            lines = []
            for key, part in not_yet.groupby("key", sort=False):
                names = ", ".join(esc(n) for n in part["display_name"])
                lines.append(f"<li><strong>{esc(titles[key])}</strong>: {names}</li>")
            html.append("<h3>Not yet submitted</h3><ul>" + "".join(lines) + "</ul>")
        self.content.value = "".join(html)


class ExportPanel(widgets.VBox):
    """Downloads: CSV / XLSX / JSON (peerkit.transfer), reports (HTML, PDF), blank forms."""

    def __init__(self, app: FacilitatorDashboard):
        self.app = app
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
        self.pair_picker = widgets.Dropdown(description="Pair", options=[], style={"description_width": "initial"})
        self.pair_html_button = button("Pair report (HTML)", "file-text-o", lambda: self._pair_report("html"))
        self.pair_pdf_button = button("Pair report (PDF)", "file-pdf-o", lambda: self._pair_report("pdf"))
        self.blank_button = button("Blank forms for printing (zip)", "print", self._blank_forms)
        self.status = widgets.HTML()
        self.links = widgets.HTML()
        self.links.add_class(CSS_CLASSES["downloads"])
        row = lambda *ws: widgets.HBox(list(ws), layout=widgets.Layout(flex_flow="row wrap"))  # noqa: E731
        super().__init__([
            widgets.HTML("<h3>Data</h3><p>The session's current answers (tidy format, one row per person and "
                         "item) or a full backup that can be imported again.</p>"),
            row(self.csv_button, self.xlsx_button, self.json_button),
            widgets.HTML("<h3>Reports</h3>"),
            row(self.report_html_button, self.report_pdf_button, self.handout_button),
            row(self.pair_picker, self.pair_html_button, self.pair_pdf_button),
            widgets.HTML("<h3>Paper</h3>"), row(self.blank_button),
            self.status, self.links], layout=widgets.Layout(width="100%"))
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
        self.app.downloads.insert(0, download_link(path, label))
        self.links.value = "<ul>" + "".join(f"<li>{d}</li>" for d in self.app.downloads[:8]) + "</ul>"
        self.status.value = message("ok", f"{label} ready ({now_hms()}); also saved as {path}")
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
        data = self.model.data()
        suffix = "" if names else "-handout"
        path = export_dir() / f"{self._stem()}{suffix}.{fmt}"
        if fmt == "html":
            path.write_text(reports.session_report_html(data, names=names, min_group=1 if names else 3),
                            encoding="utf-8")
            return path
        return reports.session_report_pdf(data, path, names=names, min_group=1 if names else 3)

    def _pair_report(self, fmt: str) -> Path | None:
        from .. import reports

        if self.pair_picker.value is None:
            self.status.value = message("error", "Choose a pair first.")
            return None
        self.app.refresh()  # newest answers (and every tab brought up to date)
        data = self.model.data()
        label = dict((v, k) for k, v in self.pair_picker.options)[self.pair_picker.value]
        path = export_dir() / f"pair-{self.pair_picker.value}-{reports.slug(label)}-{dt.datetime.now():%Y%m%d-%H%M%S}.{fmt}"
        if fmt == "html":
            path.write_text(reports.pair_report_html(data, self.pair_picker.value), encoding="utf-8")
            return path
        return reports.pair_report_pdf(data, self.pair_picker.value, path)

    def _blank_forms(self) -> Path:
        from .. import reports

        folder = export_dir() / "blank-forms"
        if folder.exists():
            shutil.rmtree(folder)
        reports.write_blank_forms(folder, self.app.instruments)
        archive = shutil.make_archive(str(export_dir() / "blank-forms"), "zip", folder)
        return Path(archive)


def facilitator_dashboard(store: Any = None, *, refresh_seconds: float = 5.0,
                          instruments: Mapping[str, Instrument] | None = None) -> FacilitatorDashboard:
    """The facilitator app: choose or create a session, unlock it with its passcode, then tabs
    Group (live aggregates), Pairs (make pairs, compare one), Who has submitted, Export.

    ``store`` defaults to ``peerkit.store.Store()`` (``$PEERKIT_DB_URL`` or the kit's SQLite
    file). Live refresh polls the store every ``refresh_seconds`` from an asyncio task on the
    kernel's loop (see :mod:`peerkit.dashboard.common`) and can be paused.
    """
    return FacilitatorDashboard(store, refresh_seconds=refresh_seconds, instruments=instruments)
