"""JoinPanel: join a workshop session (code, name, role) or work alone (self-study)."""

from __future__ import annotations

import logging
from typing import Any, Callable

import ipywidgets as widgets

from .common import esc, message_html, save_errors

__all__ = ["JoinPanel", "ROLE_OPTIONS", "role_label"]

log = logging.getLogger(__name__)

ROLE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("Supervisor", "supervisor"),
    ("Peer specialist", "peer_specialist"),
    ("Other", "other"),
)

OnJoin = Callable[[Any, Any], None]  # (session, participant)


def role_label(role: str) -> str:
    return dict((v, k) for k, v in ROLE_OPTIONS).get(role, role)


class JoinPanel(widgets.VBox):
    """Join code + display name + role, a Join button and a self-study button.

    ``on_join(callback)`` registers ``callback(session, participant)``. The same name in the
    same session resumes that participant (the store recognises the name).
    """

    def __init__(self, store: Any, *, self_study: bool = False):
        self.store = store
        self.self_study_only = self_study
        self._callbacks: list[OnJoin] = []
        self.session: Any = None
        self.participant: Any = None
        full = dict(width="100%", max_width="340px")
        style = {"description_width": "initial"}
        intro = widgets.HTML(
            "<h2>Work on your own</h2><p>Enter your name and your role. Use the same name later "
            "to come back to your answers.</p>" if self_study else
            "<h2>Join the workshop</h2>"
            "<p>Enter the join code your facilitator gave you, your name and your role. "
            "Use the same name and code later to come back to your answers.</p>",
            layout=widgets.Layout(width="100%"))
        self.code = widgets.Text(description="Join code", placeholder="e.g. K7PX3M",
                                 tooltip="The code of your workshop session",
                                 layout=widgets.Layout(**full), style=style)
        self.code.add_class("peerkit-join-code")
        self.name = widgets.Text(description="Your name", placeholder="First name or nickname",
                                 tooltip="Shown to your facilitator; use the same name to resume",
                                 layout=widgets.Layout(**full), style=style)
        self.name.add_class("peerkit-join-name")
        self.role = widgets.RadioButtons(description="Your role", options=list(ROLE_OPTIONS), value=None,
                                         tooltip="Your role in this training",
                                         layout=widgets.Layout(width="100%", max_width="340px"), style=style)
        self.role.add_class("peerkit-join-role")
        self.join_button = widgets.Button(description="Join session", button_style="primary",
                                          icon="sign-in", tooltip="Join the session with this code",
                                          layout=widgets.Layout(width="auto"))
        self.join_button.add_class("peerkit-join-button")
        self.self_study_button = widgets.Button(
            description="Work on my own (self-study)", icon="user",
            tooltip="No code needed: your answers are kept on this kit's server under your name",
            layout=widgets.Layout(width="auto", max_width="100%"))
        self.self_study_button.add_class("peerkit-self-study")
        self.status = widgets.HTML(value="", layout=widgets.Layout(width="100%"))
        self.status.add_class("peerkit-status")
        self.status.add_class("peerkit-join-status")
        self.join_button.on_click(lambda _b: self.join())
        self.self_study_button.on_click(lambda _b: self.join_self_study())
        buttons = widgets.HBox([self.join_button, self.self_study_button],
                               layout=widgets.Layout(width="100%", flex_flow="row wrap"))
        super().__init__([intro, self.code, self.name, self.role, buttons, self.status],
                         layout=widgets.Layout(width="100%", max_width="100%"))
        self.add_class("peerkit-join")
        if self_study:
            self.code.layout.display = "none"
            self.join_button.layout.display = "none"
            self.self_study_button.button_style = "primary"

    # -- callbacks -------------------------------------------------------------
    def on_join(self, callback: OnJoin) -> None:
        self._callbacks.append(callback)

    def _error(self, text: str) -> None:
        self.status.value = message_html("error", text)

    def _who(self) -> tuple[str, str] | None:
        name = (self.name.value or "").strip()
        if not name:
            self._error("Please enter your name (a first name or nickname is enough).")
            return None
        if self.role.value is None:
            self._error("Please choose your role: Supervisor, Peer specialist or Other.")
            return None
        return name, self.role.value

    # -- joining -------------------------------------------------------------
    def join(self) -> Any:
        """Join the session whose code is typed in; returns the participant or None."""
        code = (self.code.value or "").strip()
        if not code:
            self._error("Please enter the join code your facilitator gave you, "
                        "or choose “Work on my own (self-study)”.")
            return None
        who = self._who()
        if who is None:
            return None
        try:
            session = self.store.find_session(code)
        except save_errors() as exc:
            self._error(f"Could not look up the code: {exc}")
            return None
        if session is None:
            shown = code if len(code) <= 40 else code[:40] + "…"
            self._error(f"No session has the join code “{shown}”. Check the code with your facilitator "
                        "(codes use letters and digits; there is no 0, O, 1, I or L).")
            return None
        if getattr(session, "status", "open") != "open":
            self._error(f"The session “{session.title}” is closed, so it takes no more answers. "
                        "Ask your facilitator, or choose “Work on my own (self-study)”.")
            return None
        return self._join(session, *who)

    def join_self_study(self) -> Any:
        who = self._who()
        if who is None:
            return None
        try:
            session = self.store.self_study_session()
        except save_errors() as exc:
            self._error(f"Self-study is not available right now: {exc}")
            return None
        return self._join(session, *who)

    def _join(self, session: Any, name: str, role: str) -> Any:
        for b in (self.join_button, self.self_study_button):
            b.disabled = True
        try:
            participant = self.store.join(session.id, name, role)
        except save_errors() as exc:
            self._error(str(exc))
            return None
        finally:
            for b in (self.join_button, self.self_study_button):
                b.disabled = False
        self.session, self.participant = session, participant
        self.status.value = message_html(
            "ok", f"Joined “{esc(session.title)}” as {esc(participant.display_name)}.", escape=False)
        for cb in list(self._callbacks):
            cb(session, participant)
        return participant
