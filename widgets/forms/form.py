"""InstrumentForm: a whole exercise as a form, built from its Instrument.

The form reads and writes through a backend (:mod:`peerkit.forms.backend`): a draft is saved
whenever an answer actually changes (written answers while typing, after a short pause), Submit
stores a revision, and the results appear below.

Submit carries the revision the form was based on: when another tab or device stored a newer
one meanwhile, nothing is replaced; the person chooses "Keep mine" or "Load the newer answers".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import ipywidgets as widgets

from ..instruments import Instrument, Occasion, Scale, Section
from .common import (esc, format_time, item_numbers, list_numbers, message_html, paragraphs,
                     save_errors, style_widgets)
from .backend import SubmitConflict
from .controls import ItemControl, Shared, make_control
from .paging import SectionPager, paged
from .results import ResultsPanel
from .state import FormState

__all__ = ["InstrumentForm", "scale_legend"]

log = logging.getLogger(__name__)

SUBMIT_LABEL = "Submit answers"
#: A written answer is saved as a draft this long after the last keystroke (seconds).
DRAFT_DELAY = 0.8


def kit_note_html(instrument: Any) -> str:
    """What the kit adds to the source (a derived format or key, what a tick means), labelled so."""
    if not getattr(instrument, "kit_note", None):
        return ""
    return ('<div class="peerkit-kit-note" role="note"><p><strong>Note from this kit (not in the '
            f"source):</strong> {esc(' '.join(instrument.kit_note.split()))}</p></div>")


def _sentence(exc: BaseException) -> str:
    """An error's text ending with a full stop."""
    text = str(exc).strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def scale_legend(scale: Scale) -> str:
    """HTML key for a scale: S / I / A with their definitions, "5 = Always" ..., else ''."""
    if scale.kind not in ("sia", "frequency", "true_false", "choice", "multi"):
        return ""
    has_desc = any(o.description for o in scale.options)
    if scale.kind == "frequency":
        from .common import value_label

        entries = "; ".join(esc(value_label(scale, o.value)) for o in scale.options)
        title = f"<strong>{esc(scale.label)}:</strong> " if scale.label else "<strong>Scale:</strong> "
        return f'<div class="peerkit-legend">{title}{entries}</div>'
    if not has_desc:
        return ""
    rows = "".join(f"<li><strong>{esc(o.label)}</strong> — {esc(o.description or '')}</li>" for o in scale.options)
    title = f"<strong>{esc(scale.label)}</strong>" if scale.label else "<strong>Key</strong>"
    return f'<div class="peerkit-legend" role="note">{title}<ul>{rows}</ul></div>'


class InstrumentForm(widgets.VBox):
    """One exercise as a form.

    Parameters
    ----------
    instrument: the Instrument to show.
    backend: where answers go (``save_draft``, ``load_draft``, ``submit``, ``current_answers``;
        optionally ``occasion_answers`` for the comparison with an earlier occasion).
    occasion: the occasion id for instruments with occasions ("" otherwise).
    allow_partial: when False, Submit refuses until every item is answered.
    show_title / include_style: off when the form is embedded in the participant app.
    """

    def __init__(self, instrument: Instrument, backend: Any, *, occasion: str = "",
                 allow_partial: bool = True, show_title: bool = True, include_style: bool = True):
        self.instrument = instrument
        self.backend = backend
        self.occasion_id = occasion or ""
        self.occasion: Occasion | None = next(
            (o for o in instrument.occasions if o.id == self.occasion_id), None)
        self.allow_partial = allow_partial
        self.numbers = item_numbers(instrument)
        self.state = FormState(instrument)
        self._loading = False
        self._busy = False
        self.last_submission: Any = None
        self.key_visible = True  # False in a facilitator-led session until the results are revealed
        self._shown_answers: dict | None = None
        self.base_revision: int | None = None  # the revision these answers build on (None: unknown)
        self.conflict: SubmitConflict | None = None
        self._draft_timer: Any = None

        self.controls: dict[str, ItemControl] = {}
        self._shared = Shared()
        top: list[widgets.Widget] = []
        if include_style:
            top.extend(style_widgets())
        if show_title:
            top.append(widgets.HTML(f"<h2>{esc(instrument.title)}</h2>", layout=widgets.Layout(width="100%")))
        intro = self._instructions_html()
        if intro:
            box = widgets.HTML(intro, layout=widgets.Layout(width="100%"))
            box.add_class("peerkit-instructions")
            top.append(box)
        self.progress = self._progress_label()
        top.append(self.progress)

        sections = [self._section_box(k, s) for k, s in enumerate(instrument.sections)]
        # a long form shows one section at a time on a phone (kit.css decides by the screen width)
        self.pager = SectionPager(instrument, sections, lambda i: self.state.get(i) is not None) \
            if paged(instrument) else None
        if self.pager is not None:
            sections = [self.pager.top, *sections, self.pager.bottom]

        self.submit_button = widgets.Button(
            description=SUBMIT_LABEL, button_style="primary", icon="check",
            tooltip="Save your answers and see your results",
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.submit_button.add_class("peerkit-submit")
        self.submit_button.on_click(self._on_submit)
        self.progress_bottom = self._progress_label()
        self.status = widgets.HTML(value="", layout=widgets.Layout(width="100%"))
        self.status.add_class("peerkit-status")
        self.status.add_class("peerkit-form-status")
        self.draft_status = widgets.HTML(value="", layout=widgets.Layout(width="100%"))
        self.draft_status.add_class("peerkit-draft-status")
        self.results = ResultsPanel(instrument)
        self.keep_mine_button = widgets.Button(
            description="Keep mine", icon="check", button_style="primary",
            tooltip="Submit the answers on this page as the newest ones",
            layout=widgets.Layout(width="auto", max_width="100%"))
        self.keep_mine_button.add_class("peerkit-keep-mine")
        self.keep_mine_button.on_click(lambda _b: self.keep_mine())
        self.load_newer_button = widgets.Button(
            description="Load the newer answers", icon="download",
            tooltip="Replace the answers on this page with the newer ones",
            layout=widgets.Layout(width="auto", max_width="100%"))
        self.load_newer_button.add_class("peerkit-load-newer")
        self.load_newer_button.on_click(lambda _b: self.load_newer())
        self.conflict_box = widgets.HBox([self.keep_mine_button, self.load_newer_button],
                                         layout=widgets.Layout(width="100%", flex_flow="row wrap", display="none"))
        self.conflict_box.add_class("peerkit-conflict")
        bottom = [self.progress_bottom,
                  widgets.HBox([self.submit_button],
                               layout=widgets.Layout(width="100%", flex_flow="row wrap")),
                  self.status, self.conflict_box, self.draft_status, self.results]

        classes = ("peerkit-form", f"peerkit-form-{instrument.id}", *(("peerkit-paged",) if self.pager else ()))
        super().__init__(children=top + sections + bottom,
                         layout=widgets.Layout(width="100%", max_width="100%"), _dom_classes=classes)
        self.state.observe(self._state_changed)
        self._load()

    # -- building ----------------------------------------------------------
    def _instructions_html(self) -> str:
        out = paragraphs(self.instrument.instructions)
        occ = self.occasion
        if occ is not None:
            out += f"<p><strong>{esc(occ.label)}</strong></p>{paragraphs(occ.instructions)}"
        return out + kit_note_html(self.instrument)

    def _key_in_directions(self, scale: Scale) -> bool:
        """True when the exercise's directions already give every option with its meaning."""
        text = " ".join((self.instrument.instructions or "").split()).casefold()
        described = [o for o in scale.options if o.description]
        return bool(described) and len(described) == len(scale.options) and all(
            " ".join(o.description.split()).casefold() in text for o in described)

    def _progress_label(self) -> widgets.HTML:
        return widgets.HTML(value="", layout=widgets.Layout(width="100%"), _dom_classes=("peerkit-progress",))

    def _section_box(self, index: int, section: Section) -> widgets.VBox:
        children: list[widgets.Widget] = []
        head = ""
        if section.title and (len(self.instrument.sections) > 1 or section.title != self.instrument.title):
            head += f"<h3>{esc(section.title)}</h3>"
        head += paragraphs(section.instructions)
        if section.columns:
            head += ('<p class="peerkit-columns">The source\'s table: '
                     + " → ".join(f"<strong>{esc(c)}</strong>" for c in section.columns) + "</p>")
        legends: list[str] = []
        for item in section.items:
            scale = self.instrument.scale_for(item)
            if self._key_in_directions(scale):
                continue  # the directions above already define every answer: no second key
            legend = scale_legend(scale)
            if legend and legend not in legends:
                legends.append(legend)
        head += "".join(legends)
        if head:
            children.append(widgets.HTML(head, layout=widgets.Layout(width="100%")))
        for item in section.items:
            if item.heading:
                children.append(widgets.HTML(f'<h4 class="peerkit-row-heading">{esc(item.heading)}</h4>',
                                             layout=widgets.Layout(width="100%")))
            ctl = make_control(self.instrument, item, self.numbers[item.id], self._control_changed,
                               self._shared)
            if self.instrument.scale_for(item).kind == "text":
                ctl.input.continuous_update = True  # drafts while typing (saved after a pause)
            self.controls[item.id] = ctl
            children.append(ctl)
        if section.footnote:
            children.append(widgets.HTML(f'<p class="peerkit-footnote">{esc(section.footnote)}</p>',
                                         layout=widgets.Layout(width="100%")))
        return widgets.VBox(children, layout=widgets.Layout(width="100%", margin="0 0 10px 0"),
                            _dom_classes=("peerkit-section", f"peerkit-section-{section.id}"))

    # -- loading -------------------------------------------------------------
    def _load(self) -> None:
        try:
            draft = self.backend.load_draft()
            current = self.backend.current_answers()
            revision = getattr(self.backend, "current_revision", None)
            self.base_revision = revision() if revision is not None else None
        except save_errors() as exc:
            self._message("error", f"Your saved answers could not be loaded: {exc}")
            self._refresh_progress()
            return
        self._loading = True
        try:
            if draft:
                self.state.load(draft)
                if current:
                    self.state.submitted = dict(current)
                self.state.dirty = draft != current
            elif current:
                self.state.load(current, submitted=True)
            self._show_state()
        finally:
            self._loading = False
        self._refresh_progress()
        if draft:
            self.draft_status.value = message_html(
                "info", "Your answers from last time are back (saved as a draft, not yet submitted).")
            if current:
                self._show_results(current)
        elif current:
            self._message("info", "You submitted this exercise before; your answers are shown. "
                                  "You can change them and submit again.")
            self._show_results(current)

    def _show_state(self) -> None:
        for item_id, ctl in self.controls.items():
            ctl.value = self.state.get(item_id)

    # -- reacting to the person ---------------------------------------------
    def _control_changed(self, item_id: str, value: Any) -> None:
        if self._loading:
            return
        try:
            self.state.set(item_id, value)
        except ValueError as exc:  # a value outside the scale: cannot come from the controls
            self._message("error", str(exc))

    def _state_changed(self, state: FormState, item_id: str | None, value: Any) -> None:
        self._refresh_progress()
        if item_id is not None and value is not None:
            self.controls[item_id].mark_missing(False)
        if self._loading or item_id is None:
            return
        if self.state.kind(item_id) == "text":
            self._schedule_draft()
        else:
            self._save_draft()

    def _schedule_draft(self) -> None:
        """Save the draft after a pause in typing (at once where no event loop runs, as in tests)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._save_draft()
            return
        if self._draft_timer is not None:
            self._draft_timer.cancel()
        self._draft_timer = loop.call_later(DRAFT_DELAY, self._save_draft)

    def flush_draft(self) -> None:
        """Save a draft that is waiting for a pause in typing now."""
        if self._draft_timer is not None:
            self._save_draft()

    def _save_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.cancel()
            self._draft_timer = None
        try:
            self.backend.save_draft(dict(self.state.answers))
        except save_errors() as exc:
            after = (" It is still on this page: copy anything you want to keep." if getattr(exc, "final", False)
                     else " It is still in the form; try Submit again in a moment.")
            self.draft_status.value = message_html(
                "error", f"Your latest answer could not be saved as a draft: {_sentence(exc)}{after}")
            return
        except Exception as exc:  # never lose the typed answer over an unexpected failure
            log.exception("saving a draft failed")
            self.draft_status.value = message_html(
                "error", f"Your latest answer could not be saved ({type(exc).__name__}). "
                         "It is still in the form.")
            return
        self.draft_status.value = (
            '<div class="peerkit-hint" role="status" aria-live="polite">Draft saved · '
            f"{esc(self.state.progress_text())} · not yet submitted</div>")

    def _refresh_progress(self) -> None:
        text = esc(self.state.progress_text())
        # not a live region: the draft status below announces the progress after each answer
        html = f'<div class="peerkit-progress-text"><strong>Progress:</strong> {text}</div>'
        self.progress.value = html
        self.progress_bottom.value = html
        if getattr(self, "pager", None) is not None:
            self.pager.refresh()

    def _message(self, kind: str, text: str) -> None:
        self.status.value = message_html(kind, text)

    # -- submit ----------------------------------------------------------------
    def _on_submit(self, _button: Any = None) -> None:
        if self._busy:  # a second click while the first is being saved
            return
        # Busy, not disabled: a disabled button drops keyboard focus to the page, and a participant
        # using the keyboard or a screen reader would have to find their place again. The class
        # (kit.css) stops a second tap reaching the button and shows that it is working.
        self._busy = True
        self.submit_button.add_class("peerkit-busy")
        self.submit_button.description = "Saving…"
        try:
            self.submit()
        finally:
            self._busy = False
            self.submit_button.remove_class("peerkit-busy")
            self.submit_button.description = SUBMIT_LABEL

    def submit(self) -> Any:
        """Submit the current answers; returns the store's Submission (None if nothing was saved)."""
        missing = self.state.unanswered()
        for item_id, ctl in self.controls.items():
            ctl.mark_missing(item_id in missing)
        missing_nums = list_numbers(self.numbers[i] for i in missing)
        if missing and not self.allow_partial:
            self._message("warn", f"Please answer every item before submitting. Not answered yet: {missing_nums}.")
            return None
        answers = self.state.to_submit()
        if not answers:
            self._message("warn", "Nothing to submit yet: answer at least one item first.")
            return None
        if self._draft_timer is not None:
            self._draft_timer.cancel()
            self._draft_timer = None
        try:
            if self.base_revision is not None and hasattr(self.backend, "current_revision"):
                sub = self.backend.submit(answers, base_revision=self.base_revision)
            else:
                sub = self.backend.submit(answers)
        except SubmitConflict as exc:
            self.conflict = exc
            self._message("warn", f"{exc} Keep mine: submit the answers on this page as the newest. "
                                  "Load the newer answers: show them here instead (yours on this page are "
                                  "then replaced).")
            self.conflict_box.layout.display = None
            return None
        except save_errors() as exc:
            if getattr(exc, "final", False):
                self._message("error", f"Your answers were not submitted: {_sentence(exc)} They are still on "
                                       "this page: copy anything you want to keep.")
            else:
                self._message("error", f"Your answers were not submitted: {_sentence(exc)} "
                                       "They are still in the form; please try again.")
            return None
        except Exception as exc:
            log.exception("submitting failed")
            self._message("error", f"Your answers were not submitted ({type(exc).__name__}: {exc}). "
                                   "They are still in the form; please try again.")
            return None
        self.last_submission = sub
        self.conflict = None
        self.conflict_box.layout.display = "none"
        if getattr(sub, "revision", None) is not None:
            self.base_revision = sub.revision
        self.state.mark_submitted(answers)
        when = format_time(getattr(sub, "submitted_at", None))
        if getattr(sub, "created", True):
            rev = getattr(sub, "revision", 1) or 1
            text = f"Submitted at {when}." + (f" This is your revision {rev}; the latest one counts." if rev > 1 else "")
            if missing:
                text = f"Your other answers were submitted as a partial response at {when}."
        else:
            text = f"Already saved: these answers are the same as the ones you submitted at {when}."
        if missing:
            text = (f"Not answered yet: {missing_nums}. {text} "
                    "You can come back, answer the rest and submit again.")
            self.status.value = message_html("warn", text)
        else:
            self._message("ok", text)
        self.draft_status.value = ""
        self._show_results(answers)
        return sub

    # -- another tab or device was faster ------------------------------------
    def keep_mine(self) -> Any:
        """After a conflict: submit this page's answers as the newest revision."""
        if self.conflict is None:
            return None
        self.base_revision = self.conflict.current_revision
        return self.submit()

    def load_newer(self) -> None:
        """After a conflict: replace this page's answers with the newest stored ones."""
        try:
            current = self.backend.current_answers()
            revision = getattr(self.backend, "current_revision", None)
            self.base_revision = revision() if revision is not None else None
            discard = getattr(self.backend, "discard_draft", None)
            if discard is not None:
                discard()
        except save_errors() as exc:
            self._message("error", f"The newer answers could not be loaded: {_sentence(exc)}")
            return
        self.conflict = None
        self.conflict_box.layout.display = "none"
        self._loading = True
        try:
            self.state.load(current or {}, submitted=bool(current))
            self._show_state()
        finally:
            self._loading = False
        self._refresh_progress()
        self.draft_status.value = ""
        self._message("info", "The newer answers are loaded. Change them and submit if you like.")
        if current:
            self._show_results(current)

    # -- results -----------------------------------------------------------
    def _comparison(self) -> tuple[dict | None, str]:
        occs = self.instrument.occasions
        if not occs or self.occasion is None or self.occasion_id == occs[0].id:
            return None, ""
        fetch = getattr(self.backend, "occasion_answers", None)
        if fetch is None:
            return None, ""
        try:
            before = fetch(occs[0].id)
        except save_errors():
            return None, ""
        return (before or None), occs[0].label

    def _show_results(self, answers: dict) -> None:
        self._shown_answers = dict(answers)
        before, label = self._comparison()
        self.results.show(answers, before=before, before_label=label, show_key=self.key_visible)

    def set_key_visible(self, visible: bool) -> None:
        """Show or hide the answer key in the results (redrawn when they are on screen)."""
        if bool(visible) == self.key_visible:
            return
        self.key_visible = bool(visible)
        if self._shown_answers is not None:
            self._show_results(self._shown_answers)

    # -- convenience for notebooks and tests ----------------------------------
    def answer(self, item_id: str, value: Any) -> None:
        """Set an answer through its control, as a person would."""
        ctl = self.controls[item_id]
        ctl.input.value = ctl._to_widget(value)

    def __repr__(self) -> str:
        return f"InstrumentForm({self.instrument.id!r}, occasion={self.occasion_id!r}, {self.state.progress_text()})"
