"""The facilitator dashboard: open (or create) a session, unlock it with its passcode, then
follow the group live, compare pairs, see who has submitted, and export.

Nothing about individual participants is read from the store, let alone shown, before the
passcode is accepted; the locked dashboard lists no sessions either (join code + passcode).
Locking the dashboard again removes every panel. Wrong passcodes are counted in the store per
session (``Store.unlock_session``): after five in a row the session refuses for 30 seconds
(longer after each further round), whatever page, kernel or server the guesses come from.
Creating a session needs the facilitator key (printed by ``peerkit serve``). "Stop accepting
answers" asks to confirm; a closed session still shows participants their own answers, results
and pair comparison.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Mapping

import ipywidgets as widgets

from .. import prep
from ..instruments import Instrument, load_all, sorted_by_source
from .common import (CSS_CLASSES, Poller, SessionModel, download_link, esc, export_dir, message, now_hms,
                     set_options, style_widget)
from .group import GroupPanel, used_instruments
from .live import LivePanel
from .export import ExportPanel
from .pairs import PairsPanel
from .people import PeoplePanel
from ..samples import join_code_placeholder

__all__ = ["FacilitatorDashboard", "facilitator_dashboard"]

TAB_TITLES = ("Group", "Pairs", "Who has submitted", "People", "Export")
OFFLINE_MESSAGE = ("Not connected — live updates stopped. This page reconnects by itself when the server is "
                   "back (you will need the passcode again).")


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
        self.poller = Poller(self.refresh, self.refresh_seconds, self._on_error)
        self.downloads: list[str] = []
        from ..frontend.connection import ConnectionWatch

        self.connection = ConnectionWatch(message=OFFLINE_MESSAGE, disable_selector=".peerkit-dash-confirm")
        self._build_login()
        super().__init__([style_widget(), self.connection, self.login], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["dashboard"])

    # -- login -----------------------------------------------------------------------------------
    def _build_login(self) -> None:
        wide = widgets.Layout(width="100%", max_width="520px")
        init = {"description_width": "initial"}
        self.join_code = widgets.Text(description="Join code", placeholder=join_code_placeholder(), style=init,
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
        self.facilitator_key = widgets.Password(description="Facilitator key", style=init, layout=wide,
                                                tooltip="Printed by “peerkit serve” when the kit first started")
        self.facilitator_key.add_class("peerkit-dash-facilitator-key")
        self.create_button = widgets.Button(description="Create the session", icon="plus",
                                            layout=widgets.Layout(width="auto"))
        self.create_button.add_class(CSS_CLASSES["create_button"])
        self.create_button.on_click(lambda _b: self.create_session())
        self.create_message = widgets.HTML()
        create = widgets.VBox([
            widgets.HTML("<p>Participants join with the session's join code; you open the dashboard with "
                         "its passcode (keep it to yourself; at least 4 characters). Creating a session needs "
                         "the facilitator key that <code>peerkit serve</code> printed when the kit first "
                         "started (a new one: <code>peerkit facilitator-key</code>).</p>"),
            self.new_title, self.new_date, self.new_passcode, self.new_passcode2, self.facilitator_key,
            self.create_button,
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
            widgets.HTML("<h2>Facilitator dashboard</h2><p>Type the session's join code and its facilitator "
                         "passcode. Individual answers are shown only after that.</p>"),
            self.join_code, self.passcode, self.unlock_button, self.login_message,
            self.create_box], layout=widgets.Layout(width="100%"))
        self.login.add_class(CSS_CLASSES["unlock"])

    def _target_session(self) -> Any:
        code = (self.join_code.value or "").strip()
        if not code:
            return None
        return self.store.find_session(code)

    def unlock(self, session_id: int | None = None, passcode: str | None = None) -> bool:
        """Check the passcode (counted in the store) and open the dashboard; False (with a
        message) when refused or locked out."""
        from ..store.access import Locked

        try:
            session = self.store.get_session(session_id) if session_id is not None else self._target_session()
        except Exception as exc:
            self.login_message.value = message("error", str(exc))
            return False
        if session is None:
            self.login_message.value = message("error", "Type the session's join code (it is on the session's "
                                                        "plan, or run: peerkit session list)."
                                               if not (self.join_code.value or "").strip() else
                                               "No session has this join code. Check it.")
            return False
        code = self.passcode.value if passcode is None else passcode
        self.passcode.value = ""
        if not code:
            self.login_message.value = message("error", "Type the facilitator passcode.")
            return False
        try:
            ok = self.store.unlock_session(session.id, code)
        except Locked as exc:
            self.login_message.value = message("error", str(exc))
            return False
        except Exception as exc:
            self.login_message.value = message("error", str(exc))
            return False
        if not ok:
            self.login_message.value = message("error", "That passcode is not right for this session.")
            return False
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
        key = self.facilitator_key.value or ""
        self.facilitator_key.value = ""
        if not key.strip():
            self.create_message.value = message("error", "Type the facilitator key (peerkit serve printed it when "
                                                         "the kit first started).")
            return False
        try:
            if not self.store.check_facilitator_key(key):
                self.create_message.value = message("error", "That facilitator key is not right. Nothing was "
                                                             "created.")
                return False
            session = self.store.create_live_session(title, pw, self.new_date.value)  # facilitator-led
        except Exception as exc:
            self.create_message.value = message("error", str(exc))
            return False
        self.new_passcode.value = self.new_passcode2.value = ""
        self.new_title.value = ""
        self.create_message.value = message("ok", f"Created “{session.title}”; join code {session.join_code}.")
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
        self.open_button = widgets.Button(description="Stop accepting answers…", icon="door-closed",
                                          tooltip="Close the session to new answers (asks to confirm)",
                                          layout=widgets.Layout(width="auto"))
        self.open_button.add_class("peerkit-dash-open-close")
        self.open_button.on_click(lambda _b: self._on_open_button())
        self.close_text = widgets.HTML()
        self.close_yes = widgets.Button(description="Yes, stop accepting answers", icon="check", button_style="danger",
                                        layout=widgets.Layout(width="auto"))
        self.close_yes.add_class("peerkit-dash-confirm")
        self.close_yes.on_click(lambda _b: self.set_open(False))
        self.close_no = widgets.Button(description="Cancel", icon="times", layout=widgets.Layout(width="auto"))
        self.close_no.on_click(lambda _b: self._hide_close_confirm())
        self.close_confirm = widgets.VBox([self.close_text, widgets.HBox([self.close_yes, self.close_no])],
                                          layout=widgets.Layout(display="none", width="100%"))
        self.close_confirm.add_class("peerkit-dash-close-confirm")
        self.lock_button = widgets.Button(description="Lock", icon="lock", tooltip="Hide everything again",
                                          layout=widgets.Layout(width="auto"))
        self.lock_button.add_class(CSS_CLASSES["lock"])
        self.lock_button.on_click(lambda _b: self.lock())
        controls = widgets.HBox([self.updated, self.pause, self.refresh_button, self.open_button, self.lock_button],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.group_panel = GroupPanel(self.instruments, names=True, min_group=1)
        self.pairs_panel = PairsPanel(self.store, self.instruments, on_change=lambda: self.refresh(force=True))
        self.submitted_panel = SubmittedPanel(self.instruments)
        self.people_panel = PeoplePanel(self.store, on_change=lambda: self.refresh(force=True))
        self.export_panel = ExportPanel(self)
        self.tabs = widgets.Tab(children=[self.group_panel, self.pairs_panel, self.submitted_panel,
                                          self.people_panel, self.export_panel], titles=TAB_TITLES)
        self.tabs.add_class(CSS_CLASSES["tabs"])
        self.live_panel = LivePanel(self.store, session, self.instruments,
                                    on_change=lambda: self.refresh(force=True))
        self.children = (style_widget(), self.connection, self.header, controls, self.close_confirm,
                         self.live_panel, self.tabs)
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
        self.people_panel.session_id = self.model.session_id
        self.people_panel.refresh_pending()
        waiting = len(self.people_panel.pending)
        if waiting:
            self.header.value += (f'<p class="peerkit-dash-waiting" role="status"><strong>{waiting} device'
                                  f'{"s" if waiting != 1 else ""} waiting for your approval</strong> '
                                  "(People tab).</p>")
        if s.status != "open":
            self.header.value += ("<p><strong>Closed to answers.</strong> Participants can still read their "
                                  "answers, results and pair comparison.</p>")
        self.header.value += _room_line()  # "Room: ready for 40 participants" (peerkit serve --room)
        paused = " (live updates paused)" if self.poller.paused else ""
        self.updated.value = f"Last updated {now_hms()}{paused}"
        self.open_button.description = "Stop accepting answers…" if s.status == "open" else "Accept answers again"
        self.open_button.icon = "door-closed" if s.status == "open" else "door-open"
        self.live_panel.refresh()
        if changed:
            self.group_panel.update(self.model)
            self.pairs_panel.update(self.model)
            self.submitted_panel.update(self.model)
            self.people_panel.update(self.model)
            self.export_panel.update(self.model)
        elif self.pairs_panel.view is not None:
            self.pairs_panel.view.render()  # picks up notes written elsewhere
        return changed

    def _on_pause(self, change: dict) -> None:
        self.poller.paused = bool(change["new"])
        self.pause.description = "Resume live updates" if change["new"] else "Pause live updates"
        self.pause.icon = "play" if change["new"] else "pause"
        self.updated.value = f"Last updated {now_hms()}" + (" (live updates paused)" if change["new"] else "")

    def _on_open_button(self) -> None:
        if self.model is None:
            return
        if self.model.session.status != "open":
            self.set_open(True)  # opening again needs no confirmation
            return
        self.close_text.value = message(
            "warn", f"Stop accepting answers for “{self.model.session.title}”? Nobody can join or submit until "
                    "you accept answers again. Participants can still read their own answers, results and pair "
                    "comparison.")
        self.close_confirm.layout.display = None

    def _hide_close_confirm(self) -> None:
        self.close_confirm.layout.display = "none"

    def set_open(self, accepting: bool) -> None:
        """Open the session to answers, or close it (the confirmed "Stop accepting answers")."""
        self._hide_close_confirm()
        if self.model is None:
            return
        try:
            self.store.set_status(self.model.session_id, "open" if accepting else "closed")
        except Exception as exc:
            self.updated.value = message("error", str(exc))
        self.refresh(force=True)

    def _on_error(self, exc: BaseException) -> None:
        self.updated.value = message(
            "error", f"Live updates stopped at {now_hms()}: {str(exc).rstrip('.')}. The dashboard keeps trying every "
                     f"{self.refresh_seconds:g} s; “Refresh now” tries at once.")

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
        self.children = (style_widget(), self.connection, self.login)

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


def facilitator_dashboard(store: Any = None, *, refresh_seconds: float = 5.0,
                          instruments: Mapping[str, Instrument] | None = None) -> FacilitatorDashboard:
    """The facilitator app: choose or create a session, unlock it with its passcode, then tabs
    Group (live aggregates), Pairs (make pairs, compare one), Who has submitted, Export.

    ``store`` defaults to ``peerkit.store.Store()`` (``$PEERKIT_DB_URL`` or the kit's SQLite
    file). Live refresh polls the store every ``refresh_seconds`` from an asyncio task on the
    kernel's loop (see :mod:`peerkit.dashboard.common`) and can be paused.
    """
    return FacilitatorDashboard(store, refresh_seconds=refresh_seconds, instruments=instruments)


def _room_line() -> str:
    """"Room: ready for 40 participants" while ``peerkit serve --room N`` runs (else nothing)."""
    from ..room import read_status, status_line

    line = status_line(read_status())
    return f'<p class="peerkit-room-status">{esc(line)}</p>' if line else ""
