"""JoinPanel: join a workshop session (code, name, role) or work alone (self-study).

Identity without accounts (see :mod:`peerkit.store.access`):

- joining creates the participant and a secret device token that this browser keeps
  (:class:`~peerkit.frontend.device.DeviceKeeper`), so a reload or a server restart resumes by
  itself; a personal resume code is shown once and kept on this device too;
- a name already used in the session is never resumed by typing it: the person picks another
  name, continues with their resume code, or asks the facilitator to let this device in (the
  page then waits and continues by itself once approved).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import ipywidgets as widgets

from .common import SharedLooks, esc, message_html, save_errors
from ..samples import join_code_placeholder

__all__ = ["JoinPanel", "ROLE_OPTIONS", "role_label"]

log = logging.getLogger(__name__)

ROLE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("Supervisor", "supervisor"),
    ("Peer specialist", "peer_specialist"),
    ("Other", "other"),
)

OnJoin = Callable[[Any, Any], None]  # (session, participant)

#: The longest display name (``peerkit.store.schema.MAX_NAME_LENGTH``, kept here so that the
#: join page does not import the store before Join; a test keeps the two equal).
NAME_LIMIT = 60

#: How often a page waiting for the facilitator's approval asks the store (seconds).
APPROVAL_POLL_SECONDS = 4.0


def role_label(role: str) -> str:
    return dict((v, k) for k, v in ROLE_OPTIONS).get(role, role)


def _store_errors() -> tuple[type[BaseException], ...]:
    return save_errors()


class JoinPanel(widgets.VBox):
    """Join code + display name + role, a Join button and a self-study button.

    ``on_join(callback)`` registers ``callback(session, participant)``, called after a join, a
    resume by this device's token, a resume code, or the facilitator's approval. ``resumed`` says
    whether the participant came back (not new); ``resume_code`` is their code when this device
    knows it.
    """

    def __init__(self, store: Any, *, self_study: bool = False, device: Any = None,
                 looks: SharedLooks | None = None):
        self.store = store
        self.self_study_only = self_study
        self._callbacks: list[OnJoin] = []
        self.session: Any = None
        self.participant: Any = None
        self.resumed = False
        self.resume_code: str | None = None
        self.place: str | None = None
        self._pending_session: Any = None
        self._poll_task: Any = None
        # the join screen is what a whole room opens at once: widgets whose look never changes
        # share their layouts and styles (fewer widget models to create, send and draw)
        looks = looks if looks is not None else SharedLooks()
        if device is None:
            from ..frontend.device import DeviceKeeper

            device = DeviceKeeper("peerkit-self-study" if self_study else "peerkit-participant",
                                  layout=looks.hidden)
        self.device = device
        intro = widgets.HTML(
            "<h2>Work on your own</h2><p>Enter your name and your role. This device remembers you; "
            "on another device, continue with the resume code you will be shown.</p>" if self_study else
            "<h2>Join the workshop</h2>"
            "<p>Enter the join code your facilitator gave you, your name and your role. "
            "This device remembers you, so a reload brings you back to your answers.</p>",
            layout=looks.wide, style=looks.html)
        # the code and the Join button are hidden in self-study: layouts of their own
        self.code = widgets.Text(description="Join code", placeholder=join_code_placeholder(),
                                 tooltip="The code of your workshop session",
                                 layout=widgets.Layout(width="100%", max_width="340px"), style=looks.text)
        self.code.add_class("peerkit-join-code")
        self.name = widgets.Text(description="Your name", placeholder="First name or nickname",
                                 tooltip=f"Shown to your facilitator (at most {NAME_LIMIT} characters)",
                                 layout=looks.field, style=looks.text)
        self.name.add_class("peerkit-join-name")
        self.role = widgets.RadioButtons(description="Your role", options=list(ROLE_OPTIONS), value=None,
                                         tooltip="Your role in this training",
                                         layout=looks.field, style={"description_width": "initial"})
        self.role.add_class("peerkit-join-role")
        self.join_button = widgets.Button(description="Join session", button_style="primary",
                                          icon="sign-in", tooltip="Join the session with this code",
                                          layout=widgets.Layout(width="auto"), style=looks.button)
        self.join_button.add_class("peerkit-join-button")
        self.self_study_button = widgets.Button(
            description="Work on my own (self-study)", icon="user",
            tooltip="No code needed: your answers are kept on this kit's server under your name",
            layout=widgets.Layout(width="auto", max_width="100%"), style=looks.button)
        self.self_study_button.add_class("peerkit-self-study")
        self.status = widgets.HTML(value="", layout=looks.wide, style=looks.html)
        self.status.add_class("peerkit-status")
        self.status.add_class("peerkit-join-status")
        self.join_button.on_click(lambda _b: self.join())
        self.self_study_button.on_click(lambda _b: self.join_self_study())
        buttons = widgets.HBox([self.join_button, self.self_study_button],
                               layout=widgets.Layout(width="100%", flex_flow="row wrap"))
        # the "name taken" and "waiting for approval" parts are built when first needed: the page's
        # first render stays small (a room opens it at once)
        self._taken: widgets.VBox | None = None
        self._waiting: widgets.VBox | None = None
        super().__init__([intro, self.code, self.name, self.role, buttons, self.status, self.device],
                         layout=widgets.Layout(width="100%", max_width="100%"))
        self.add_class("peerkit-join")
        if self_study:
            self.code.layout.display = "none"
            self.join_button.layout.display = "none"
            self.self_study_button.button_style = "primary"
        self.device.on_load(self._device_loaded)

    # -- the "name taken" and "waiting" parts ----------------------------------------------
    _TAKEN_PARTS = frozenset({"taken_text", "resume_input", "resume_button", "ask_button"})
    _WAITING_PARTS = frozenset({"waiting_text", "check_button", "cancel_button"})

    def __getattr__(self, name: str) -> Any:
        # the lazily built parts come into being when first asked for
        if name in JoinPanel._TAKEN_PARTS:
            self._build_taken()
            return object.__getattribute__(self, name)
        if name in JoinPanel._WAITING_PARTS:
            self._build_waiting()
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def taken_box(self) -> widgets.VBox:
        if self._taken is None:
            self._build_taken()
        return self._taken

    @property
    def waiting_box(self) -> widgets.VBox:
        if self._waiting is None:
            self._build_waiting()
        return self._waiting

    def _build_taken(self) -> None:
        full = dict(width="100%", max_width="340px")
        style = {"description_width": "initial"}
        self.taken_text = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.resume_input = widgets.Text(description="Your resume code", placeholder="e.g. K7PX-3MQR",
                                         tooltip="The code you were shown when you first joined",
                                         layout=widgets.Layout(**full), style=style)
        self.resume_input.add_class("peerkit-resume-code")
        self.resume_button = widgets.Button(description="Continue with my resume code", icon="key",
                                            layout=widgets.Layout(width="auto", max_width="100%"))
        self.resume_button.add_class("peerkit-resume-button")
        self.resume_button.on_click(lambda _b: self.resume_with_code())
        self.ask_button = widgets.Button(description="Ask the facilitator to let this device in", icon="hand-paper-o",
                                         layout=widgets.Layout(width="auto", max_width="100%"))
        self.ask_button.add_class("peerkit-ask-button")
        self.ask_button.on_click(lambda _b: self.ask_facilitator())
        self._taken = widgets.VBox(
            [self.taken_text, self.resume_input,
             widgets.HBox([self.resume_button, self.ask_button],
                          layout=widgets.Layout(width="100%", flex_flow="row wrap"))],
            layout=widgets.Layout(width="100%", display="none"))
        self._taken.add_class("peerkit-name-taken")
        if self.self_study_only:
            self.ask_button.layout.display = "none"
        self.children = (*self.children[:-1], self._taken, self.children[-1])

    def _build_waiting(self) -> None:
        self.waiting_text = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.check_button = widgets.Button(description="Check again", icon="refresh",
                                           layout=widgets.Layout(width="auto"))
        self.check_button.on_click(lambda _b: self.check_approval())
        self.cancel_button = widgets.Button(description="Cancel", icon="times",
                                            layout=widgets.Layout(width="auto"))
        self.cancel_button.on_click(lambda _b: self.cancel_waiting())
        self._waiting = widgets.VBox(
            [self.waiting_text, widgets.HBox([self.check_button, self.cancel_button],
                                             layout=widgets.Layout(flex_flow="row wrap"))],
            layout=widgets.Layout(width="100%", display="none"))
        self._waiting.add_class("peerkit-waiting")
        self.children = (*self.children[:-1], self._waiting, self.children[-1])

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

    def _show(self, box: widgets.Widget | None, shown: bool) -> None:
        if box is not None:
            box.layout.display = None if shown else "none"

    # -- this device: resume by token -----------------------------------------------------
    def _device_loaded(self, data: dict) -> None:
        token = data.get("token")
        if not token or self.participant is not None:
            return
        from ..store.access import DevicePending

        try:
            access = self.store.resume_device(str(token))
        except DevicePending as exc:
            self._wait_for_approval(exc.name)
            return
        except _store_errors() as exc:
            self._error(f"Could not check this device's earlier sign-in: {exc}")
            return
        if access is None:
            self.device.clear()
            self.status.value = message_html(
                "info", "This device's earlier sign-in no longer works: the facilitator removed the name or "
                        "deleted the session. Join again, or ask your facilitator.")
            return
        self.resume_code = data.get("code") or None
        self.place = data.get("place") or None
        self._enter(access.session, access.participant, resumed=True)

    # -- joining -------------------------------------------------------------
    def _find_session(self) -> Any:
        code = (self.code.value or "").strip()
        if not code:
            self._error("Please enter the join code your facilitator gave you, "
                        "or choose “Work on my own (self-study)”.")
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
        return session

    def join(self) -> Any:
        """Join the session whose code is typed in; returns the participant or None."""
        session = self._find_session()
        if session is None:
            return None
        who = self._who()
        if who is None:
            return None
        if getattr(session, "status", "open") != "open":
            self._error(f"The session “{session.title}” is closed, so nobody new can join and it takes no more "
                        "answers. If you joined it earlier on this device, reload the page to see your results; "
                        "otherwise ask your facilitator.")
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

    def _busy(self, busy: bool) -> None:
        extra = (self.resume_button, self.ask_button) if self._taken is not None else ()
        for b in (self.join_button, self.self_study_button, *extra):
            b.disabled = busy

    def _join(self, session: Any, name: str, role: str) -> Any:
        from ..store.access import NameTaken

        self._busy(True)
        try:
            access = self.store.join_device(session.id, name, role)
        except NameTaken as exc:
            self._name_taken(session, exc)
            return None
        except save_errors() as exc:
            self._error(str(exc))
            return None
        finally:
            self._busy(False)
        self.resume_code = access.resume_code
        self.device.save({"token": access.token, "code": access.resume_code})
        return self._enter(access.session, access.participant, resumed=False)

    def _name_taken(self, session: Any, exc: Exception) -> None:
        self._pending_session = session
        self._error(str(exc))
        alone = getattr(session, "kind", "workshop") == "self_study"
        self.taken_text.value = (
            "<p><strong>Is it you, on another device?</strong> Type the personal resume code you were shown "
            "when you first joined (it is also on your results screen there)"
            + ("." if alone else ", or ask your facilitator to let this device in.")
            + " Otherwise, change the name above (add an initial, for example) and join again.</p>")
        self.ask_button.layout.display = "none" if alone else None
        self._show(self.taken_box, True)

    def resume_with_code(self) -> Any:
        """Continue as the named participant on this device with their resume code."""
        session = self._pending_session or (self.store.self_study_session() if self.self_study_only
                                            else self._find_session())
        if session is None:
            return None
        name = (self.name.value or "").strip()
        code = (self.resume_input.value or "").strip()
        if not name or not code:
            self._error("Type the name you joined with and your resume code.")
            return None
        self._busy(True)
        try:
            access = self.store.resume_with_code(session.id, name, code)
        except save_errors() as exc:
            self._error(str(exc))
            return None
        finally:
            self._busy(False)
        from ..store.access import format_resume_code, normalize_resume_code

        self.resume_code = format_resume_code(normalize_resume_code(code))
        self.device.save({"token": access.token, "code": self.resume_code})
        self.resume_input.value = ""
        return self._enter(access.session, access.participant, resumed=True)

    # -- asking the facilitator -------------------------------------------------------------
    def ask_facilitator(self) -> bool:
        session = self._pending_session or self._find_session()
        name = (self.name.value or "").strip()
        if session is None or not name:
            if session is not None:
                self._error("Type the name you joined with first.")
            return False
        try:
            participant, token = self.store.request_device(session.id, name)
        except save_errors() as exc:
            self._error(str(exc))
            return False
        self.device.save({"token": token})
        self._wait_for_approval(participant.display_name)
        return True

    def _wait_for_approval(self, name: str) -> None:
        self._show(self._taken, False)
        self.status.value = ""
        self.waiting_text.value = message_html(
            "info", f"Waiting for your facilitator to let this device continue as “{esc(name)}”. Tell them "
                    "you asked; this page continues by itself once they approve.", escape=False)
        self._show(self.waiting_box, True)
        self._start_polling()

    def check_approval(self) -> Any:
        """Ask the store whether the facilitator approved this device; continues when so."""
        from ..store.access import DevicePending

        token = (self.device.stored or {}).get("token")
        if not token:
            self.cancel_waiting()
            return None
        try:
            access = self.store.resume_device(str(token))
        except DevicePending:
            return None
        except save_errors() as exc:
            self.waiting_text.value = message_html("error", f"Could not check for the approval: {exc}")
            return None
        self._stop_polling()
        self._show(self._waiting, False)
        if access is None:
            self.device.clear()
            self._error("Your facilitator did not let this device in. Ask them, or join with another name.")
            return None
        return self._enter(access.session, access.participant, resumed=True)

    def cancel_waiting(self) -> None:
        self._stop_polling()
        token = (self.device.stored or {}).get("token")
        if token:
            try:
                self.store.forget_device(str(token))
            except save_errors():
                pass
        self.device.clear()
        self._show(self._waiting, False)
        self.status.value = message_html("info", "Stopped waiting. You can join with another name.")

    def _start_polling(self) -> None:
        self._stop_polling()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (tests): "Check again" does it

        async def poll() -> None:
            while self.participant is None:
                await asyncio.sleep(APPROVAL_POLL_SECONDS)
                if self.check_approval() is not None:
                    return

        self._poll_task = loop.create_task(poll())

    def _stop_polling(self) -> None:
        task, self._poll_task = self._poll_task, None
        if task is not None and not task.done():
            task.cancel()

    # -- entering and leaving ------------------------------------------------------------
    def _enter(self, session: Any, participant: Any, *, resumed: bool) -> Any:
        self._stop_polling()
        self._pending_session = None
        self._show(self._taken, False)
        self._show(self._waiting, False)
        self.session, self.participant, self.resumed = session, participant, resumed
        verb = "Welcome back" if resumed else "Joined"
        self.status.value = message_html(
            "ok", f"{verb}: “{esc(session.title)}” as {esc(participant.display_name)}.", escape=False)
        for cb in list(self._callbacks):
            cb(session, participant)
        return participant

    def adopt(self, session: Any, participant: Any, source: "JoinPanel | None" = None) -> Any:
        """Sign in as a participant another panel of the same page (the same kernel, the same
        browser) has just signed in: no name is typed, so no name is taken over."""
        if source is not None:
            self.resume_code = source.resume_code
            if source.device is not self.device and (source.device.stored or {}).get("token"):
                self.device.stored = dict(source.device.stored)
        return self._enter(session, participant, resumed=source.resumed if source is not None else True)

    def remember(self, **values: Any) -> None:
        """Keep more on this device (e.g. ``place="exercise|occasion"``)."""
        if (self.device.stored or {}).get("token"):
            self.device.update(**values)

    def forget(self) -> None:
        """This device stops acting as the participant (Leave): its token is deleted."""
        token = (self.device.stored or {}).get("token")
        if token:
            try:
                self.store.forget_device(str(token))
            except save_errors() as exc:
                log.warning("could not forget the device: %s", exc)
        self.device.clear()
        self.session = self.participant = None
        self.resumed = False
        self.resume_code = None
        self.place = None
