"""Facilitator-led sessions on the dashboard and on the projector.

- :class:`LivePanel` (on the unlocked dashboard, above the tabs): the session's mode, the
  exercise set whose order is followed, the current exercise (and occasion), Previous / Next,
  Close answering, Reveal results, whether to show a quiz's key, and "N of M submitted".
  Only this panel changes the live state (:mod:`peerkit.store.live`).
- :class:`ProjectorView` (the group display): large type, one exercise at a time. While
  answering is open or closed it shows how many have submitted out of how many are expected,
  live; after the reveal the group's results for that exercise (charts with their one-sentence
  summaries, nobody named). With nothing open it shows how to join: the code in large letters,
  a QR code and the link. In a self-paced session it is the group display of every exercise.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

import ipywidgets as widgets

from ..instruments import Instrument, load_all
from ..joining import JoinCard
from ..live import (FACILITATOR, MODE_LABELS, SELF_PACED, Step, has_key, next_step, plan_steps, previous_step,
                    session_plan_order)
from ..pages import EXERCISE_SETS
from .common import CSS_CLASSES, Poller, SessionModel, esc, message, now_hms, style_widget
from .group import GroupDisplay, GroupPanel

__all__ = ["LivePanel", "ProjectorView", "default_plan", "projector_view"]

NOTHING = "—"  # the exercise picker's value for "nothing open (waiting screen)"


def default_plan(title: str) -> str:
    """The exercise set a session's title suggests ("Unit 2, March" -> "unit-2"), else Unit 1's."""
    found = re.search(r"\bunit\s*(\d)\b", title or "", re.I)
    tag = f"unit-{found.group(1)}" if found else "unit-1"
    return tag if any(s.tag == tag for s in EXERCISE_SETS) else EXERCISE_SETS[0].tag


def _value(step: Step) -> str:
    return f"{step.instrument_id}|{step.occasion}"


def _step_label(step: Step, instruments: Mapping[str, Instrument]) -> str:
    ins = instruments.get(step.instrument_id)
    occ = next((o.label for o in ins.occasions if o.id == step.occasion), "") if ins else ""
    title = ins.title if ins else step.instrument_id
    return f"{step.label or title}" + (f" — {occ}" if occ and occ not in (step.label or "") else "")


class LivePanel(widgets.VBox):
    """The dashboard's controls for a facilitator-led session (see the module's text)."""

    def __init__(self, store: Any, session: Any, instruments: Mapping[str, Instrument], *,
                 on_change: Callable[[], Any] | None = None):
        self.store = store
        self.session = session
        self.session_id = session.id
        self.instruments = dict(instruments)
        self.on_change = on_change
        self.state: Any = None
        self._syncing = False
        self._plan_chosen = False
        init = {"description_width": "initial"}
        self.self_study = getattr(session, "kind", "workshop") == "self_study"
        self.mode = widgets.RadioButtons(
            description="Mode", options=[(MODE_LABELS[FACILITATOR] + ": the room follows you", FACILITATOR),
                                         (MODE_LABELS[SELF_PACED] + ": participants choose", SELF_PACED)],
            style=init, layout=widgets.Layout(width="auto"))
        self.mode.add_class("peerkit-live-mode")
        self.plan = widgets.Dropdown(description="Exercise set", options=[(s.title, s.tag) for s in EXERCISE_SETS],
                                     style=init, layout=widgets.Layout(width="100%", max_width="520px"))
        self.plan.add_class("peerkit-live-plan")
        self.exercise = widgets.Dropdown(description="Current exercise", options=[], style=init,
                                         layout=widgets.Layout(width="100%", max_width="720px"))
        self.exercise.add_class("peerkit-live-exercise")

        def button(label: str, icon: str, css: str, action: Callable[[], Any], tip: str) -> widgets.Button:
            b = widgets.Button(description=label, icon=icon, tooltip=tip, layout=widgets.Layout(width="auto"))
            b.add_class(css)
            b.on_click(lambda _b: self._do(action))
            return b

        self.previous_button = button("Previous", "arrow-left", "peerkit-live-previous", self.previous,
                                      "Open the exercise before this one in the set's order")
        self.open_button = button("Open for answers", "play", "peerkit-live-open", self.open_selected,
                                  "Every participant's app shows the exercise chosen above")
        self.next_button = button("Next", "arrow-right", "peerkit-live-next", self.next,
                                  "Open the next exercise in the set's order")
        self.next_button.button_style = "primary"
        self.close_button = button("Close answering", "stop", "peerkit-live-close", self.close_answering,
                                   "No more answers for this exercise; late submits are refused")
        self.reveal_button = button("Reveal results", "eye", "peerkit-live-reveal", self.reveal,
                                    "Show the group's results on the group display")
        self.reopen_button = button("Reopen answering", "undo", "peerkit-live-reopen", self.reopen,
                                    "Take answers for this exercise again")
        self.show_key = widgets.Checkbox(description="After the reveal, show participants the answer key",
                                         indent=False, layout=widgets.Layout(width="auto"))
        self.show_key.add_class("peerkit-live-show-key")
        self.count = widgets.HTML()
        self.count.add_class("peerkit-live-count")
        self.status = widgets.HTML()
        self.status.add_class("peerkit-live-status")
        self.mode.observe(self._mode_changed, names="value")
        self.plan.observe(self._plan_changed, names="value")
        self.show_key.observe(self._show_key_changed, names="value")
        row = lambda *ws: widgets.HBox(list(ws), layout=widgets.Layout(flex_flow="row wrap",  # noqa: E731
                                                                       align_items="center"))
        self.controls = widgets.VBox([
            self.plan, self.exercise,
            row(self.previous_button, self.open_button, self.next_button),
            row(self.close_button, self.reveal_button, self.reopen_button, self.show_key),
            self.count], layout=widgets.Layout(width="100%"))
        intro = widgets.HTML("<h3>Running the session</h3><p>Facilitator-led: choose the exercise; every "
                             "participant's phone shows it within a few seconds. Close answering, then "
                             "reveal the results on the group display.</p>")
        super().__init__([intro, self.mode, self.controls, self.status], layout=widgets.Layout(width="100%"))
        self.add_class("peerkit-dash-live")
        if self.self_study:
            self.mode.disabled = True
        self.refresh()

    # -- reading ----------------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        tag = self.plan.value or EXERCISE_SETS[0].tag
        notebook = next((s.notebook for s in EXERCISE_SETS if s.tag == tag), "")
        return plan_steps(self.instruments, tag, session_plan_order(notebook))

    def _set_exercise_options(self) -> None:
        opts = [("Nothing open: participants see the waiting screen", NOTHING)]
        opts += [(f"{k}. {_step_label(step, self.instruments)}", _value(step)) for k, step in
                 enumerate(self.steps, 1)]
        state = self.state
        if state is not None and state.current is not None:
            current = f"{state.instrument_id}|{state.occasion}"
            if current not in [v for _, v in opts] and state.instrument_id in self.instruments:
                opts.append((f"{self.instruments[state.instrument_id].title} (not in this set)", current))
        if list(self.exercise.options) != opts:
            keep = self.exercise.value
            self.exercise.options = opts
            values = [v for _, v in opts]
            self.exercise.value = keep if keep in values else NOTHING

    def refresh(self) -> None:
        """Re-read the live state and the count (cheap; the dashboard calls it on every refresh)."""
        state = self.store.live_state(self.session_id)
        changed = self.state is None or state.version != self.state.version
        self.state = state
        if changed:
            self._syncing = True
            try:
                self.mode.value = state.mode
                plan = state.plan or (self.plan.value if self._plan_chosen
                                      else default_plan(getattr(self.session, "title", "")))
                self._plan_chosen = True
                if self.plan.value != plan:
                    self.plan.value = plan
                self._set_exercise_options()
                self.exercise.value = (f"{state.instrument_id}|{state.occasion}" if state.current
                                       else NOTHING)
                self.show_key.value = state.show_key
            finally:
                self._syncing = False
        self._render_state()

    def _render_state(self) -> None:
        state = self.state
        led = state.facilitator_led
        self.controls.layout.display = None if led else "none"
        ins = self.instruments.get(state.instrument_id) if state.current else None
        steps = self.steps
        self.previous_button.disabled = previous_step(steps, state) is None
        self.next_button.disabled = next_step(steps, state) is None
        self.close_button.disabled = ins is None or state.phase != "open"
        self.reveal_button.disabled = ins is None or state.phase == "revealed"
        self.reopen_button.disabled = ins is None or state.phase == "open"
        self.show_key.layout.display = None if ins is not None and has_key(ins) else "none"
        if not led:
            self.count.value = ""
            return
        if ins is None:
            self.count.value = ("<p class=\"peerkit-live-count-text\">Nothing is open: participants see "
                                "“Your facilitator will open the next exercise”.</p>")
            return
        count = self.store.live_count(self.session_id, ins, state.occasion)
        phase = {"open": "open for answers", "closed": "answering closed",
                 "revealed": "answering closed, results revealed"}[state.phase]
        occ = next((o.label for o in ins.occasions if o.id == state.occasion), "")
        self.count.value = (f"<p class=\"peerkit-live-count-text\"><strong>{esc(ins.title)}</strong>"
                            f"{' (' + esc(occ) + ')' if occ else ''}: {esc(phase)} · "
                            f"<strong>{count.submitted} of {count.expected}</strong> submitted</p>")

    # -- changing ---------------------------------------------------------------------------
    def _do(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as exc:  # a message on the dashboard, never a traceback
            self.status.value = message("error", str(exc))
            return
        self.status.value = ""
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    def _apply(self, **change: Any) -> None:
        self.store.set_live(self.session_id, **change)
        self.state = None  # re-read (and re-sync the controls) in refresh()

    def open_step(self, step: Step | None) -> None:
        self._apply(exercise=step.key if step else None, plan=self.plan.value)

    def open_selected(self) -> None:
        value = self.exercise.value
        if not value or value == NOTHING:
            self.open_step(None)
            return
        instrument_id, occasion = value.split("|", 1)
        self.open_step(Step(instrument_id, occasion))

    def next(self) -> None:
        step = next_step(self.steps, self.store.live_state(self.session_id))
        if step is None:
            raise ValueError("This is the last exercise of the set.")
        self.open_step(step)

    def previous(self) -> None:
        step = previous_step(self.steps, self.store.live_state(self.session_id))
        if step is None:
            raise ValueError("This is the first exercise of the set.")
        self.open_step(step)

    def close_answering(self) -> None:
        self.store.close_answering(self.session_id)
        self.state = None

    def reveal(self) -> None:
        self.store.reveal_results(self.session_id, show_key=self.show_key.value)
        self.state = None

    def reopen(self) -> None:
        self.store.reopen_answering(self.session_id)
        self.state = None

    def _mode_changed(self, change: dict) -> None:
        if not self._syncing:
            self._do(lambda: self._apply(mode=change["new"]))

    def _plan_changed(self, change: dict) -> None:
        if self._syncing:
            return
        self._set_exercise_options()
        self._do(lambda: self._apply(plan=change["new"]))

    def _show_key_changed(self, change: dict) -> None:
        if not self._syncing and self.state is not None and self.state.current is not None:
            self._do(lambda: self._apply(show_key=bool(change["new"])))


PROJECTOR_CSS = """
.peerkit-projector { font-size: 22px; line-height: 1.4; --jp-widgets-font-size: 22px; --jp-ui-font-size1: 22px;
  --jp-content-font-size1: 22px; }
.peerkit-projector h2.peerkit-projector-small { font-size: 32px; }
.peerkit-projector .peerkit-dash-group-content p, .peerkit-projector .peerkit-dash-group-content li,
.peerkit-projector .peerkit-dash-group-content figcaption { font-size: 22px; }
.peerkit-projector h2 { font-size: 2.1em; margin: .2em 0 .3em; line-height: 1.2; }
.peerkit-projector h3 { font-size: 1.5em; }
/* the results' blocks (h3 under the exercise's h2): a step below the title, as on the dashboard */
.peerkit-projector .peerkit-block > h3 { font-size: 24px; margin: .8em 0 .3em; }
/* charts use the projector's width (read from the back of the room), not the dashboard's cap */
.peerkit-projector .peerkit-chart-box svg { max-width: min(100%, 1200px) !important; }
.peerkit-projector .peerkit-projector-count { font-size: 4.2em; font-weight: 700; margin: .2em 0;
  font-variant-numeric: tabular-nums; }
.peerkit-projector .peerkit-projector-state { font-size: 1.3em; }
.peerkit-projector .peerkit-projector-top { font-size: .9em; color: #1a1a1a; }
.peerkit-projector .peerkit-chart img { width: 100%; max-width: 1200px; }
.peerkit-projector .widget-html-content { font-size: inherit; }
"""


class ProjectorView(widgets.VBox):
    """The group display for a projector (see the module's text)."""

    def __init__(self, store: Any, session_id: int, *, refresh_seconds: float = 2.0, min_group: int = 3,
                 instruments: Mapping[str, Instrument] | None = None, autostart: bool = True):
        self.store = store
        self.session_id = session_id
        self.session = store.get_session(session_id)
        self.instruments = dict(instruments) if instruments is not None else load_all()
        self.min_group = min_group
        self.refresh_seconds = refresh_seconds
        self.state: Any = None
        self.model: SessionModel | None = None
        self.legacy: GroupDisplay | None = None
        self.top = widgets.HTML()
        self.top.add_class("peerkit-projector-top")
        self.join = JoinCard(self.session.join_code, large=True)
        self.main = widgets.HTML()
        self.main.add_class("peerkit-projector-main")
        self.results: GroupPanel | None = None  # made at the first reveal
        self.updated = widgets.HTML()
        self.updated.add_class(CSS_CLASSES["last_updated"])
        self.holder = widgets.VBox([self.main], layout=widgets.Layout(width="100%"))
        css = widgets.HTML(f"<style>{PROJECTOR_CSS}</style>", layout=widgets.Layout(height="0px", margin="0"))
        self._head = (style_widget(), css)
        self.poller = Poller(self.refresh, refresh_seconds, self._on_error)
        super().__init__(self._led_children(), layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["group_display"])
        self.add_class("peerkit-projector")
        self.refresh()
        if autostart:
            self.poller.start()

    def _led_children(self) -> tuple:
        return (*self._head, self.top, self.holder, self.join.widget, self.updated)

    def _hide_results(self) -> None:
        if self.results is not None:
            self.results.layout.display = "none"

    def refresh(self) -> None:
        state = self.store.live_state(self.session_id)
        self.state = state
        if not state.facilitator_led:
            self._self_paced()
            return
        if self.legacy is not None:  # the facilitator took the lead again
            legacy, self.legacy = self.legacy, None
            self.children = self._led_children()
            legacy.close()
        session = self.session
        self.top.value = f"<p>{esc(session.title)} · join code <strong>{esc(session.join_code)}</strong></p>"
        ins = self.instruments.get(state.instrument_id) if state.current else None
        if ins is None:
            self.main.value = ("<h2>Join the session</h2><p class=\"peerkit-projector-state\">The next exercise "
                               "will appear on your phone by itself.</p>")
            self._hide_results()
            self.join.set(session.join_code, large=True)
            self.join.widget.layout.display = None
        else:
            self.join.set(session.join_code, large=False)
            self.join.widget.layout.display = None if state.phase == "open" else "none"
            occ = next((o.label for o in ins.occasions if o.id == state.occasion), "")
            head = f"<h2>{esc(ins.title)}</h2>" + (f"<p class=\"peerkit-projector-state\">{esc(occ)}</p>"
                                                   if occ else "")
            if state.phase == "revealed":
                head = head.replace("<h2>", '<h2 class="peerkit-projector-small">', 1)
                self.main.value = head + "<p class=\"peerkit-projector-state\">The group's results</p>"
                self._show_results(ins, state.occasion)
            else:
                count = self.store.live_count(self.session_id, ins, state.occasion)
                word = "Answering is open" if state.phase == "open" else "Answering is closed"
                self.main.value = (head + f"<p class=\"peerkit-projector-state\">{word}</p>"
                                   f"<p class=\"peerkit-projector-count\" role=\"status\" aria-live=\"polite\">"
                                   f"{count.submitted} of {count.expected} submitted</p>")
                self._hide_results()
        self.updated.value = f"Last updated {now_hms()}"

    def _show_results(self, ins: Instrument, occasion: str = "") -> None:
        if self.results is None:
            self.results = GroupPanel(self.instruments, names=False, min_group=self.min_group, dpi=110,
                                      title=False)
            self.results.picker.layout.display = "none"
            self.results.overview.layout.display = "none"
            self.holder.children = (self.main, self.results)
        if self.model is None:
            self.model = SessionModel(self.store, self.session_id)
        changed = self.model.refresh()
        self.results.occasion = occasion  # the occasion that was opened, not every occasion
        if changed or self.results.model is None:
            self.results.update(self.model)
        else:
            self.results.render()  # the same data, perhaps another occasion
        if self.results.picker.value != ins.id:
            if ins.id in [v for _, v in self.results.picker.options]:
                self.results.picker.value = ins.id
            else:
                self.results.content.value = message("warn", "Nobody has submitted this exercise yet.")
        self.results.layout.display = None

    def _self_paced(self) -> None:
        if self.legacy is None:  # every exercise, chosen from a list, as the group display always was
            self.join.set(self.session.join_code, large=False)
            self.legacy = GroupDisplay(self.store, self.session_id, min_group=self.min_group,
                                       instruments=self.instruments, autostart=False)
            self.children = (*self._head, self.legacy, self.join.widget, self.updated)
        else:
            self.legacy.refresh()
        self.updated.value = f"Last updated {now_hms()}"

    def _on_error(self, exc: BaseException) -> None:
        self.updated.value = message("error", f"Could not refresh ({now_hms()}): {exc}")

    def close(self) -> None:
        self.poller.stop()
        if self.legacy is not None:
            self.legacy.close()
        super().close()


def projector_view(store: Any, session_id: int, *, refresh_seconds: float = 2.0, min_group: int = 3,
                   instruments: Mapping[str, Instrument] | None = None) -> ProjectorView:
    """The group display for a projector: follows the facilitator-led session (see the module)."""
    return ProjectorView(store, session_id, refresh_seconds=refresh_seconds, min_group=min_group,
                         instruments=instruments)
