"""The participant app: join (or self-study), pick an exercise (and occasion), fill in the form."""

from __future__ import annotations

import logging
from typing import Any, Mapping

import ipywidgets as widgets

from ..instruments import Instrument, InstrumentError, data_dir, instrument_files, load_instrument, sorted_by_source
from .backend import StoreBackend
from .common import esc, message_html, save_errors, style_widgets
from .form import InstrumentForm
from .join import JoinPanel, role_label

__all__ = ["ParticipantApp", "available_instruments", "exercise", "exercise_options", "participant_app"]

log = logging.getLogger(__name__)

AUDIENCE = {"supervisor": "supervisors", "peer_specialist": "peer specialists", "group": "a group"}


def available_instruments(root: Any = None) -> dict[str, Instrument]:
    """Every valid instrument file; a file that does not validate is skipped (and logged), so
    one half-transcribed exercise cannot take the participants' app down."""
    out: dict[str, Instrument] = {}
    for path in instrument_files(root or data_dir()):
        try:
            ins = load_instrument(path)
        except InstrumentError as exc:
            log.warning("skipping %s", exc)
            continue
        out[ins.id] = ins
    return {i.id: i for i in sorted_by_source(out)}


def exercise_options(instruments: Mapping[str, Instrument], role: str | None) -> list[tuple[str, str]]:
    """Dropdown options: exercises for this role first, then the others marked with their audience."""
    mine, others = [], []
    for ins in instruments.values():
        cb = ins.completed_by
        fits = cb in ("both", "anyone") or cb == role or (role == "other" and cb != "group")
        if fits:
            mine.append((ins.title, ins.id))
        else:
            others.append((f"{ins.title} (for {AUDIENCE.get(cb, cb)})", ins.id))
    return mine + others


class ParticipantApp(widgets.VBox):
    """The whole participant app (what the participant notebook displays)."""

    def __init__(self, store: Any, instruments: Mapping[str, Instrument] | None = None, *,
                 allow_partial: bool = True, exercise: str | None = None, occasion: str | None = None,
                 self_study: bool = False):
        self.store = store
        self.instruments = dict(instruments) if instruments is not None else available_instruments()
        self.allow_partial = allow_partial
        self.preselect = exercise
        self.preselect_occasion = occasion
        self.session: Any = None
        self.participant: Any = None
        self.forms: dict[tuple[str, str], InstrumentForm] = {}
        self.form: InstrumentForm | None = None

        self.join_panel = JoinPanel(store, self_study=self_study)
        self.join_panel.on_join(self._joined)

        self.signed_in = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.signed_in.add_class("peerkit-signed-in")
        self.leave_button = widgets.Button(description="Leave (switch person)", icon="sign-out",
                                           tooltip="Go back to the join screen; your answers stay saved",
                                           layout=widgets.Layout(width="auto"))
        self.leave_button.add_class("peerkit-leave")
        self.leave_button.on_click(lambda _b: self.leave())
        self.exercise = widgets.Dropdown(description="Exercise", options=[], value=None,
                                         tooltip="Choose the exercise to work on",
                                         layout=widgets.Layout(width="100%", max_width="100%"),
                                         style={"description_width": "initial"})
        self.exercise.add_class("peerkit-exercise")
        self.exercise.observe(self._exercise_changed, names="value")
        self.occasion = widgets.RadioButtons(description="Occasion", options=[], value=None,
                                             tooltip="Which time you are completing this exercise",
                                             layout=widgets.Layout(width="100%", display="none"),
                                             style={"description_width": "initial"})
        self.occasion.add_class("peerkit-occasion")
        self.occasion.observe(self._occasion_changed, names="value")
        self.hint = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.form_area = widgets.VBox(layout=widgets.Layout(width="100%"))
        # the pair's own comparison: only this participant's pair is ever read
        self.compare_button = widgets.ToggleButton(
            description="Compare with my partner", icon="columns", value=False,
            tooltip="Show your answers side by side with your partner's (only the two of you see this)",
            layout=widgets.Layout(width="auto"))
        self.compare_button.add_class("peerkit-compare")
        self.compare_button.observe(self._toggle_compare, names="value")
        self.compare_status = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.compare_status.add_class("peerkit-compare-status")
        self.compare_area = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.pair_panel: Any = None
        self.work_area = widgets.VBox(
            [widgets.HBox([self.signed_in, self.compare_button, self.leave_button],
                          layout=widgets.Layout(width="100%", flex_flow="row wrap", align_items="center")),
             self.compare_status, self.compare_area,
             self.exercise, self.occasion, self.hint, self.form_area],
            layout=widgets.Layout(width="100%", display="none"))
        super().__init__([*style_widgets(), self.join_panel, self.work_area],
                         layout=widgets.Layout(width="100%", max_width="100%"))
        self.add_class("peerkit-app")
        if not self.instruments:
            self.join_panel.status.value = message_html(
                "error", "No exercises are available (no valid instrument files were found).")

    # -- join / leave ------------------------------------------------------------
    def _joined(self, session: Any, participant: Any) -> None:
        self.session, self.participant = session, participant
        self.forms.clear()
        self.form = None
        self.form_area.children = ()
        self.signed_in.value = (
            f"<div>Signed in as <strong>{esc(participant.display_name)}</strong> "
            f"({esc(role_label(participant.role))}) · {esc(session.title)}</div>")
        self.join_panel.layout.display = "none"
        self.work_area.layout.display = None
        self._close_compare()
        alone = getattr(session, "kind", "workshop") == "self_study"
        self.compare_button.layout.display = "none" if alone else None
        self.exercise.unobserve(self._exercise_changed, names="value")
        self.exercise.options = exercise_options(self.instruments, participant.role)
        self.exercise.value = None
        self.exercise.observe(self._exercise_changed, names="value")
        self.hint.value = "<p>Choose an exercise above to begin.</p>"
        if self.preselect in self.instruments:
            self.exercise.value = self.preselect
            ins = self.instruments[self.preselect]
            if self.preselect_occasion and self.preselect_occasion in [o.id for o in ins.occasions]:
                self.occasion.value = self.preselect_occasion

    # -- pair comparison -----------------------------------------------------------
    def _close_compare(self) -> None:
        if self.pair_panel is not None:
            self.pair_panel.close()  # stops its refresh timer
        self.pair_panel = None
        self.compare_area.children = ()
        self.compare_status.value = ""
        self.compare_button.unobserve(self._toggle_compare, names="value")
        self.compare_button.value = False
        self.compare_button.observe(self._toggle_compare, names="value")

    def _toggle_compare(self, change: dict) -> None:
        if not change["new"]:
            self._close_compare()
            return
        if self.participant is None:
            return
        try:
            partner = self.store.partner(self.participant.id)
        except save_errors() as exc:
            self.compare_status.value = message_html("error", str(exc))
            return
        if partner is None:
            self.compare_status.value = message_html(
                "info", "You have not been paired with a partner yet. The facilitator pairs a "
                        "supervisor with a peer specialist; try again once they have.")
            return
        from ..dashboard import pair_view  # lazy: pandas and matplotlib load only when comparing

        self.pair_panel = pair_view(self.store, self.participant, instruments=self.instruments)
        self.compare_status.value = message_html(
            "info", f"Comparing with {partner.display_name}. Only the two of you and the "
                    "facilitator see these answers.")
        self.compare_area.children = (self.pair_panel,)

    def leave(self) -> None:
        self._close_compare()
        self.session = self.participant = None
        self.forms.clear()
        self.form = None
        self.form_area.children = ()
        self.work_area.layout.display = "none"
        self.join_panel.layout.display = None
        self.join_panel.name.value = ""
        self.join_panel.status.value = message_html("info", "You left; your answers stay saved. "
                                                            "Join again with the same name to continue.")

    # -- choosing ----------------------------------------------------------------
    def _exercise_changed(self, change: dict) -> None:
        ins = self.instruments.get(change["new"]) if change["new"] else None
        self.occasion.unobserve(self._occasion_changed, names="value")
        if ins is None or not ins.occasions:
            self.occasion.options = []
            self.occasion.value = None
            self.occasion.layout.display = "none"
        else:
            self.occasion.options = [(o.label, o.id) for o in ins.occasions]
            self.occasion.value = self._first_open_occasion(ins)
            self.occasion.layout.display = None
        self.occasion.observe(self._occasion_changed, names="value")
        self._show_form()

    def _occasion_changed(self, change: dict) -> None:
        self._show_form()

    def _first_open_occasion(self, ins: Instrument) -> str:
        """The first occasion this person has not submitted yet (else the first)."""
        for occ in ins.occasions:
            try:
                if not self.store.current_answers(self.participant.id, ins.id, occ.id):
                    return occ.id
            except save_errors():
                break
        return ins.occasions[0].id

    def _show_form(self) -> None:
        ins = self.instruments.get(self.exercise.value) if self.exercise.value else None
        if ins is None or self.participant is None:
            self.form = None
            self.form_area.children = ()
            self.hint.value = "<p>Choose an exercise above to begin.</p>"
            return
        occasion = (self.occasion.value or "") if ins.occasions else ""
        key = (ins.id, occasion)
        form = self.forms.get(key)
        if form is None:
            backend = StoreBackend(self.store, self.participant.id, ins, occasion)
            form = InstrumentForm(ins, backend, occasion=occasion, allow_partial=self.allow_partial,
                                  include_style=False)
            self.forms[key] = form
        self.form = form
        self.hint.value = ""
        self.form_area.children = (form,)

    def select(self, instrument_id: str, occasion: str | None = None) -> InstrumentForm:
        """Choose an exercise (and occasion) as the person would; returns its form."""
        self.exercise.value = instrument_id
        if occasion is not None:
            self.occasion.value = occasion
        assert self.form is not None
        return self.form


def participant_app(store: Any = None, *, instruments: Mapping[str, Instrument] | None = None,
                    allow_partial: bool = True, exercise: str | None = None, occasion: str | None = None,
                    self_study: bool = False) -> ParticipantApp:
    """The participant app widget. ``store=None`` opens ``peerkit.store.Store()`` (default URL).

    ``exercise`` / ``occasion`` preselect what the person lands on after joining;
    ``self_study=True`` shows only the "work on my own" way in (no join code).
    """
    if store is None:
        from ..store import Store  # lazy: keeps SQLAlchemy out of a plain ``import peerkit.forms``

        store = Store()
    return ParticipantApp(store, instruments, allow_partial=allow_partial, exercise=exercise,
                          occasion=occasion, self_study=self_study)


def exercise(instrument_id: str, store: Any = None, occasion: str | None = None, **kw: Any) -> ParticipantApp:
    """The participant app landing on one exercise (and occasion) after joining."""
    return participant_app(store, exercise=instrument_id, occasion=occasion, **kw)
