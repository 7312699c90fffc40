"""The dashboard's People tab: devices waiting for approval, new resume codes, and removing or
merging participants (a typo, a ghost, one person who joined twice), each with a confirmation.

Only the unlocked dashboard shows it, for its own session; every store call names that session.
"""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets as widgets

from .common import esc, message, now_hms

__all__ = ["PeoplePanel"]


def _local_hm(ts: Any) -> str:
    try:
        return ts.astimezone().strftime("%H:%M")
    except (AttributeError, ValueError):
        return ""


class PeoplePanel(widgets.VBox):
    """Approve devices, issue resume codes, remove or merge participants."""

    def __init__(self, store: Any, on_change: Callable[[], Any] | None = None):
        self.store = store
        self.on_change = on_change
        self.session_id: int | None = None
        self.people: list[Any] = []
        self.pending: list[Any] = []
        init = {"description_width": "initial"}
        self.pending_box = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.pending_box.add_class("peerkit-dash-pending")
        self.person = widgets.Dropdown(description="Participant", options=[], value=None, style=init,
                                       layout=widgets.Layout(width="100%", max_width="420px"))
        self.person.add_class("peerkit-dash-person")
        self.code_button = widgets.Button(description="New resume code", icon="key",
                                          tooltip="Make a new personal resume code (the old one stops working)",
                                          layout=widgets.Layout(width="auto"))
        self.code_button.on_click(lambda _b: self.new_code())
        self.remove_button = widgets.Button(description="Remove…", icon="user-times",
                                            tooltip="Remove this participant (asks to confirm)",
                                            layout=widgets.Layout(width="auto"))
        self.remove_button.on_click(lambda _b: self.ask_remove())
        self.target = widgets.Dropdown(description="Merge into", options=[], value=None, style=init,
                                       layout=widgets.Layout(width="100%", max_width="420px"))
        self.target.add_class("peerkit-dash-merge-target")
        self.keep = widgets.RadioButtons(
            description="Their answers", style=init,
            options=[("Keep them", True), ("Delete them", False)], value=True,
            tooltip="Kept answers are added to the other person's (the newest submission counts)")
        self.merge_button = widgets.Button(description="Merge…", icon="compress",
                                           tooltip="Fold the participant into the one chosen (asks to confirm)",
                                           layout=widgets.Layout(width="auto"))
        self.merge_button.on_click(lambda _b: self.ask_merge())
        self.confirm_text = widgets.HTML()
        self.confirm_button = widgets.Button(description="Yes, do it", button_style="danger", icon="check",
                                             layout=widgets.Layout(width="auto"))
        self.confirm_button.add_class("peerkit-dash-confirm")
        self.confirm_button.on_click(lambda _b: self.confirm())
        self.cancel_button = widgets.Button(description="Cancel", icon="times", layout=widgets.Layout(width="auto"))
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.confirm_box = widgets.VBox([self.confirm_text, widgets.HBox([self.confirm_button, self.cancel_button])],
                                        layout=widgets.Layout(display="none", width="100%"))
        self.confirm_box.add_class("peerkit-dash-confirm-box")
        self._action: Callable[[], str] | None = None
        self.status = widgets.HTML()
        self.status.add_class("peerkit-dash-people-status")
        row = lambda *ws: widgets.HBox(list(ws), layout=widgets.Layout(flex_flow="row wrap",  # noqa: E731
                                                                        align_items="center"))
        super().__init__([
            widgets.HTML("<h3>Devices waiting</h3><p>Someone whose name is taken in this session can ask to "
                         "continue on a new device. Approve only when the person is in the room and it is "
                         "them.</p>"),
            self.pending_box,
            widgets.HTML("<h3>Participants</h3><p>Give someone a new resume code, remove a name joined by "
                         "mistake, or merge a person who joined twice into one.</p>"),
            self.person, row(self.code_button, self.remove_button),
            self.target, self.keep, row(self.merge_button),
            self.confirm_box, self.status], layout=widgets.Layout(width="100%"))
        self.add_class("peerkit-dash-people")

    # -- data ----------------------------------------------------------------------------
    def update(self, model: Any) -> None:
        self.session_id = model.session_id
        self.people = list(model.participants)
        opts = [(p.display_name, p.id) for p in self.people]
        for dd in (self.person, self.target):
            keep = dd.value if dd.value in [v for _, v in opts] else None
            dd.options = opts
            dd.value = keep
        self.refresh_pending()

    def refresh_pending(self) -> None:
        if self.session_id is None:
            return
        pending = list(self.store.pending_devices(self.session_id))
        if [d.id for d in pending] == [d.id for d in self.pending] and self.pending_box.children:
            return
        self.pending = pending
        rows: list[widgets.Widget] = []
        for d in pending:
            text = widgets.HTML(f"<strong>{esc(d.display_name)}</strong> asks to continue on a new device "
                                f"(asked at {_local_hm(d.created_at)}).")
            ok = widgets.Button(description=f"Approve {d.display_name}"[:60], icon="check", button_style="success",
                                layout=widgets.Layout(width="auto"))
            ok.add_class("peerkit-dash-approve")
            no = widgets.Button(description="Refuse", icon="times", layout=widgets.Layout(width="auto"))
            no.add_class("peerkit-dash-refuse")
            ok.on_click(lambda _b, dev=d: self.approve(dev.id))
            no.on_click(lambda _b, dev=d: self.refuse(dev.id))
            rows.append(widgets.HBox([text, ok, no], layout=widgets.Layout(flex_flow="row wrap",
                                                                            align_items="center")))
        if not rows:
            rows = [widgets.HTML("<p>No device is waiting.</p>")]
        self.pending_box.children = rows

    def _name(self, pid: Any) -> str:
        return next((p.display_name for p in self.people if p.id == pid), "?")

    def _done(self, text: str, kind: str = "ok") -> None:
        self.status.value = message(kind, text)
        if self.on_change is not None:
            self.on_change()

    # -- actions ---------------------------------------------------------------------------
    def approve(self, device_id: int) -> None:
        try:
            self.store.approve_device(self.session_id, device_id)
        except Exception as exc:
            self.status.value = message("error", str(exc))
        else:
            self._done(f"Approved ({now_hms()}): the device continues by itself within a few seconds.")
        self.pending = []
        self.refresh_pending()

    def refuse(self, device_id: int) -> None:
        try:
            self.store.reject_device(self.session_id, device_id)
        except Exception as exc:
            self.status.value = message("error", str(exc))
        else:
            self._done("Refused: that device is told it was not let in.")
        self.pending = []
        self.refresh_pending()

    def new_code(self) -> str | None:
        if self.person.value is None:
            self.status.value = message("error", "Choose a participant first.")
            return None
        name = self._name(self.person.value)
        try:
            code = self.store.new_resume_code(self.person.value)
        except Exception as exc:
            self.status.value = message("error", str(exc))
            return None
        self.status.value = message("ok", f"Tell {name} their new resume code: {code}. The old one no longer works; "
                                          "it is shown only now.")
        return code

    def _ask(self, text: str, action: Callable[[], str]) -> None:
        self._action = action
        self.confirm_text.value = message("warn", text)
        self.confirm_box.layout.display = None

    def cancel(self) -> None:
        self._action = None
        self.confirm_box.layout.display = "none"
        self.confirm_text.value = ""

    def confirm(self) -> None:
        action, self._action = self._action, None
        self.confirm_box.layout.display = "none"
        if action is None:
            return
        try:
            text = action()
        except Exception as exc:
            self.status.value = message("error", str(exc))
            return
        self._done(text)

    def ask_remove(self) -> None:
        pid = self.person.value
        if pid is None:
            self.status.value = message("error", "Choose a participant first.")
            return
        name = self._name(pid)

        def act() -> str:
            self.store.remove_participant(pid)
            return f"Removed {name}."

        self._ask(f"Remove {name} with all their answers, drafts and devices? Their partner becomes unpaired. "
                  "This cannot be undone. To keep the answers, merge them into someone instead.", act)

    def ask_merge(self) -> None:
        src, dst = self.person.value, self.target.value
        if src is None or dst is None:
            self.status.value = message("error", "Choose the participant and the one to merge them into.")
            return
        if src == dst:
            self.status.value = message("error", "Choose two different participants to merge.")
            return
        a, b, keep = self._name(src), self._name(dst), bool(self.keep.value)

        def act() -> str:
            self.store.merge_participants(src, dst, keep_answers=keep)
            return f"Merged {a} into {b}" + (" (answers kept)." if keep else " (their answers deleted).")

        self._ask(f"Merge {a} into {b}? {a} disappears; their devices then open {b}; "
                  + (f"their answers are added to {b}'s (the newest submission counts)."
                     if keep else f"their answers are deleted; {b}'s stay.")
                  + " This cannot be undone.", act)
