"""The participant app: join (or self-study), pick an exercise (and occasion), fill in the form.

In a facilitator-led session (:mod:`peerkit.live`) there is no list to pick from: the app
follows the facilitator (:class:`~peerkit.forms.follow.LiveFollower`), showing a waiting
screen or the exercise they opened, that answering is closed, and the key after the reveal;
drafts of other exercises stay (their forms are kept, hidden, with anything typed in them).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping

import ipywidgets as widgets

from .common import SharedLooks, esc, message_html, save_errors, style_widgets
from .follow import DEFAULT_INTERVAL, WAITING_TEXT, LiveFollower
from .join import JoinPanel, role_label
from .opening import LazyStore, code_from_page

if TYPE_CHECKING:  # pragma: no cover
    from ..instruments import Instrument
    from .form import InstrumentForm

# What the page shows first is only the join panel: the instruments (pydantic, YAML), the store
# (SQLAlchemy) and the exercise widgets are loaded at Join, so a room of kernels opening at once
# sends small pages and spends little CPU before everyone sees the form (see peerkit.forms.opening).

__all__ = ["ParticipantApp", "available_instruments", "exercise", "exercise_options", "participant_app"]

log = logging.getLogger(__name__)

AUDIENCE = {"supervisor": "supervisors", "peer_specialist": "peer specialists", "group": "a group"}


def available_instruments(root: Any = None) -> dict[str, Instrument]:
    """Every valid instrument file; a file that does not validate is skipped (and logged), so
    one half-transcribed exercise cannot take the participants' app down."""
    from ..instrument_cache import cached
    from ..instruments import InstrumentError, data_dir, instrument_files, load_instrument, sorted_by_source

    files = instrument_files(root or data_dir())

    def build() -> dict[str, Instrument]:
        out: dict[str, Instrument] = {}
        for path in files:
            try:
                ins = load_instrument(path)
            except InstrumentError as exc:
                log.warning("skipping %s", exc)
                continue
            out[ins.id] = ins
        return {i.id: i for i in sorted_by_source(out)}

    return dict(cached(files, build))  # parsed once per content, not in every kernel


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
                 self_study: bool = False, follow_interval: float = DEFAULT_INTERVAL):
        self.store = store
        self.follow_interval = follow_interval
        self.follower: LiveFollower | None = None
        self.live: Any = None  # the session's LiveState while following
        self.following = False
        self._offered: set[tuple[str, str]] = set()
        self._partner: Any = None
        self._pair_checks = 0
        self._instruments = dict(instruments) if instruments is not None else None
        self.allow_partial = allow_partial
        self.preselect = exercise
        self.preselect_occasion = occasion
        self.session: Any = None
        self.participant: Any = None
        self.forms: dict[tuple[str, str], InstrumentForm] = {}
        self.form: InstrumentForm | None = None

        looks = SharedLooks()
        self.join_panel = JoinPanel(store, self_study=self_study, looks=looks)
        self.join_panel.on_join(self._joined)
        from ..frontend.connection import ConnectionWatch
        from .join import NAME_LIMIT

        self.connection = ConnectionWatch(maxlength={
            ".peerkit-join-name input": NAME_LIMIT, ".peerkit-join-code input": 12,
            ".peerkit-resume-code input": 12})

        self.pair_panel: Any = None
        # filled at the first Join (see _build_work_area): hidden until then
        self.work_area = widgets.VBox(layout=widgets.Layout(width="100%", display="none"))
        super().__init__([*style_widgets(looks), self.connection, self.join_panel, self.work_area],
                         layout=widgets.Layout(width="100%", max_width="100%"))
        self.add_class("peerkit-app")

    @property
    def instruments(self) -> dict[str, Instrument]:
        """Every valid exercise, loaded on first use (at Join), not while the page opens."""
        if self._instruments is None:
            self._instruments = available_instruments()
        return self._instruments

    @instruments.setter
    def instruments(self, value: Mapping[str, Instrument]) -> None:
        self._instruments = dict(value)

    def _build_work_area(self) -> None:
        """The signed-in part of the app, built once at the first Join."""
        if self.work_area.children:
            return
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
        # what the facilitator has opened, closed or revealed: a polite live region
        self.live_banner = widgets.HTML(layout=widgets.Layout(width="100%", display="none"))
        self.live_banner.add_class("peerkit-live")
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
        # the personal resume code (first join, and whenever this device knows it) and the
        # closed-session note
        self.identity_note = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.identity_note.add_class("peerkit-identity-note")
        self.work_area.children = (
            widgets.HBox([self.signed_in, self.compare_button, self.leave_button],
                         layout=widgets.Layout(width="100%", flex_flow="row wrap", align_items="center")),
            self.identity_note, self.compare_status, self.compare_area, self.live_banner,
            self.exercise, self.occasion, self.hint, self.form_area)

    # -- join / leave ------------------------------------------------------------
    def _joined(self, session: Any, participant: Any) -> None:
        self._build_work_area()
        self.session, self.participant = session, participant
        self.forms.clear()
        self.form = None
        self.form_area.children = ()
        self.signed_in.value = (
            f'<div class="peerkit-signed-in-text" tabindex="-1">Signed in as '
            f"<strong>{esc(participant.display_name)}</strong> "
            f"({esc(role_label(participant.role))}) · {esc(session.title)}</div>")
        self.identity_note.value = self._identity_html(session)
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
        if not self.instruments:
            self.hint.value = message_html(
                "error", "No exercises are available (no valid instrument files were found).")
        self._follow(session)
        place = (self.join_panel.place or "").split("|", 1) if (self.join_panel.resumed
                                                                     and not self.following) else []
        if place and place[0] in self.instruments:  # where this device was before the reload
            self.exercise.value = place[0]
            if len(place) > 1 and place[1] in [o.id for o in self.instruments[place[0]].occasions]:
                try:  # back to an occasion still being worked on; a submitted one gives way to the next
                    if not self.store.current_answers(participant.id, place[0], place[1]):
                        self.occasion.value = place[1]
                except save_errors():
                    pass
        elif self.preselect in self.instruments and not self.following:
            self.exercise.value = self.preselect
            ins = self.instruments[self.preselect]
            if self.preselect_occasion and self.preselect_occasion in [o.id for o in ins.occasions]:
                self.occasion.value = self.preselect_occasion
        self.connection.focus(".peerkit-signed-in-text")  # keyboard and screen readers start here

    def _identity_html(self, session: Any) -> str:
        """The resume code (when this device knows it) and what a closed session still allows."""
        parts = []
        code = self.join_panel.resume_code
        if code and not self.join_panel.resumed:
            parts.append(
                '<div class="peerkit-resume-note" role="note" style="border: 2px solid #1f5f99; '
                'border-radius: 6px; background: #eef5fb; color: #1f1f1f; padding: 0.6em 0.8em; margin: 0.4em 0;">'
                f'<strong>Your personal resume code: <span class="peerkit-resume-value" '
                f'style="white-space: nowrap; font-size: 1.2em; letter-spacing: 0.05em;">{esc(code)}</span>'
                "</strong><br>Write it down or take a "
                "photo. With your name and this code you can continue on another device. This device "
                "remembers you by itself.</div>")
        elif code:
            parts.append(f'<div class="peerkit-resume-note peerkit-hint">Your resume code (to continue on another '
                         f'device): <span class="peerkit-resume-value" style="white-space: nowrap;">{esc(code)}'
                         "</span></div>")
        if getattr(session, "status", "open") != "open":
            parts.append(message_html("info", "This session is closed: you can read your answers, your results "
                                              "and your pair comparison, but not change them."))
        return "".join(parts)

    # -- pair comparison -----------------------------------------------------------
    def _close_compare(self) -> None:
        if not self.work_area.children:
            return
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
        self._pick_current_in_pair_view()
        self.compare_status.value = message_html(
            "info", f"Comparing with {partner.display_name}. Only the two of you and the "
                    "facilitator see these answers.")
        self.compare_area.children = (self.pair_panel,)

    def leave(self) -> None:
        if not self.work_area.children:  # nobody has joined on this page yet
            return
        self._stop_following()
        self._close_compare()
        self.join_panel.forget()
        if self.work_area.children:
            self.identity_note.value = ""
        self.session = self.participant = None
        self.forms.clear()
        self.form = None
        self.form_area.children = ()
        self.work_area.layout.display = "none"
        self.join_panel.layout.display = None
        self.join_panel.name.value = ""
        self.join_panel.status.value = message_html(
            "info", "You left, and this device no longer signs you in; your answers stay saved. To continue, "
                    "join with your name and your personal resume code, or ask your facilitator.")

    # -- choosing ----------------------------------------------------------------
    def _exercise_changed(self, change: dict) -> None:
        if self.following:  # the facilitator chooses
            return
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
            form = self._make_form(ins, occasion)
        self.form = form
        self.hint.value = ""
        form.layout.display = None
        form.set_key_visible(True)
        self.form_area.children = (form,)
        self.join_panel.remember(place=f"{ins.id}|{occasion}")

    def _make_form(self, ins: Instrument, occasion: str) -> InstrumentForm:
        from .backend import StoreBackend
        from .form import InstrumentForm

        backend = StoreBackend(self.store, self.participant.id, ins, occasion)
        form = InstrumentForm(ins, backend, occasion=occasion, allow_partial=self.allow_partial,
                              include_style=False)
        self.forms[(ins.id, occasion)] = form
        return form

    # -- following a facilitator-led session ----------------------------------------
    def _follow(self, session: Any) -> None:
        """Follow the session's live state (not in self-study, nor on a page made for one exercise)."""
        self._stop_following()
        alone = getattr(session, "kind", "workshop") == "self_study"
        if alone or self.preselect is not None or not hasattr(self.store, "live_version"):
            return
        self.follower = LiveFollower(self.store, session.id, self._apply_live, on_tick=self._offer_pair,
                                     interval=self.follow_interval, on_error=self._follow_error)
        try:
            self.follower.check()
        except save_errors() as exc:
            self.hint.value = message_html("error", f"Could not read what your facilitator has opened: {exc}")
        self.follower.start()

    def _stop_following(self) -> None:
        if self.follower is not None:
            self.follower.stop()
        self.follower = None
        self.live = None
        self.following = False
        self._offered.clear()
        self._partner = None
        self.live_banner.value = ""
        self.live_banner.layout.display = "none"
        self.exercise.layout.display = None
        self.compare_button.button_style = ""

    def _follow_error(self, exc: BaseException | None) -> None:
        self.hint.value = "" if exc is None else message_html(
            "warn", "Lost contact with the session for a moment; trying again. Your answers are kept.")

    def _banner(self, html: str) -> None:
        if self.live_banner.value != html:  # a live region: only real changes are announced
            self.live_banner.value = html
        self.live_banner.layout.display = None if html else "none"

    def _apply_live(self, state: Any) -> None:
        """Show what the facilitator has opened (called when the live state changed)."""
        self.live = state
        if not state.facilitator_led:
            if self.following:  # the facilitator handed over: the list comes back
                self.following = False
                self.exercise.layout.display = None
                self._banner(message_html("info", "Your facilitator has switched to self-paced work: "
                                                  "choose any exercise from the list."))
                self._exercise_changed({"new": self.exercise.value})
            return
        self.following = True
        self.exercise.layout.display = "none"
        self.occasion.layout.display = "none"
        self.hint.value = ""
        ins = self.instruments.get(state.instrument_id) if state.instrument_id else None
        if ins is None:
            self._show_live_form(None)
            if state.instrument_id:
                self._banner(message_html("error", f"Your facilitator opened an exercise this kit does not have "
                                                   f"({state.instrument_id}). Please tell them."))
            else:
                self._banner(
                    '<div class="peerkit-live-waiting" role="status" aria-live="polite">'
                    '<h2>Waiting for your facilitator</h2>'
                    f"<p>{esc(WAITING_TEXT)} It will appear here by itself: there is no need to reload "
                    "the page.</p></div>")
            return
        form = self._show_live_form(ins, state.occasion)
        form.set_key_visible(state.key_visible(ins.id, state.occasion))
        form.submit_button.disabled = state.phase != "open"
        occ = next((o.label for o in ins.occasions if o.id == state.occasion), "")
        name = f"“{esc(ins.title)}”" + (f" ({esc(occ)})" if occ else "")
        if state.phase == "open":
            text = f"<strong>Now:</strong> {name}. Answer, then press Submit."
            from ..live import fits_role

            if self.participant is not None and not fits_role(ins.completed_by, self.participant.role):
                text += f" (This one is for {esc(AUDIENCE.get(ins.completed_by, ins.completed_by))}; you may skip it.)"
        elif state.phase == "closed":
            text = (f"<strong>Answering is closed</strong> for {name}. Your facilitator will show the "
                    "group's results.")
        else:
            text = f"<strong>The group's results</strong> for {name} are on the screen."
            if state.show_key and form.key_visible:
                text += " The answer key is now in your results below."
        self._banner(f'<div class="peerkit-live-now peerkit-live-{state.phase}" role="status" '
                     f'aria-live="polite"><p>{text}</p></div>')
        self._offer_pair()

    def _show_live_form(self, ins: Instrument | None, occasion: str = "") -> InstrumentForm | None:
        """Show this exercise's form; the other forms stay, hidden, with whatever was typed."""
        if ins is None or self.participant is None:
            self.form = None
            for child in self.form_area.children:
                child.layout.display = "none"
            return None
        occasion = occasion if ins.occasions else ""
        form = self.forms.get((ins.id, occasion)) or self._make_form(ins, occasion)
        if form not in self.form_area.children:
            self.form_area.children = (*self.form_area.children, form)
        for child in self.form_area.children:
            child.layout.display = None if child is form else "none"
        self.form = form
        return form

    def _offer_pair(self) -> None:
        """On a comparison exercise, once both partners have submitted, offer the pair view."""
        state, form = self.live, self.form
        if not self.following or state is None or state.current is None or form is None:
            return
        ins = self.instruments.get(state.instrument_id)
        if ins is None or not ins.compare or state.current in self._offered or form.state.submitted is None:
            return
        try:
            # the partner is looked up again only now and then (pairs change rarely); their answer
            # is one small read per check
            self._pair_checks += 1
            partner = self._partner
            if partner is None or self._pair_checks % 5 == 0:
                partner = self._partner = self.store.partner(self.participant.id)
            if partner is None or self.store.current_answers(partner.id, ins.id, state.occasion) is None:
                return
        except save_errors():
            return
        self._offered.add(state.current)
        self.compare_button.button_style = "success"
        self.compare_status.value = message_html(
            "ok", f"You and {partner.display_name} have both submitted this exercise: press “Compare with "
                  "my partner” to see your answers side by side.")
        self._pick_current_in_pair_view()

    def _pick_current_in_pair_view(self) -> None:
        view = getattr(self.pair_panel, "view", None)
        if view is None or self.live is None or not self.live.instrument_id:
            return
        if self.live.instrument_id in [v for _, v in view.picker.options]:
            view.picker.value = self.live.instrument_id

    def select(self, instrument_id: str, occasion: str | None = None) -> InstrumentForm:
        """Choose an exercise (and occasion) as the person would; returns its form."""
        self.exercise.value = instrument_id
        if occasion is not None:
            self.occasion.value = occasion
        assert self.form is not None
        return self.form


def participant_app(store: Any = None, *, instruments: Mapping[str, Instrument] | None = None,
                    allow_partial: bool = True, exercise: str | None = None, occasion: str | None = None,
                    self_study: bool = False, code_from_url: bool = False) -> ParticipantApp:
    """The participant app widget. ``store=None`` opens ``peerkit.store.Store()`` (default URL) at
    the first Join.

    ``exercise`` / ``occasion`` preselect what the person lands on after joining;
    ``self_study=True`` shows only the "work on my own" way in (no join code);
    ``code_from_url`` fills in the join code from ``?code=`` in the page's address.
    """
    if store is None:
        store = LazyStore()  # opened at Join: keeps SQLAlchemy out of the page's first render
    app = ParticipantApp(store, instruments, allow_partial=allow_partial, exercise=exercise,
                         occasion=occasion, self_study=self_study)
    if code_from_url and not self_study:
        reader = code_from_page(app.join_panel.code)
        if reader is not None:
            app.children = (*app.children, reader)
    return app


def exercise(instrument_id: str, store: Any = None, occasion: str | None = None, **kw: Any) -> ParticipantApp:
    """The participant app landing on one exercise (and occasion) after joining."""
    return participant_app(store, exercise=instrument_id, occasion=occasion, **kw)
