"""The group view: aggregates per instrument (charts, one-line summaries, tables).

:class:`GroupPanel` is used twice: in the facilitator dashboard's Group tab (after the
passcode; names and written answers shown) and in :func:`group_display`, the view for the
projector, which names nobody, shows no free text and hides groups smaller than
``min_group`` (default 3) so that no one's answers can be picked out.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from .. import blocks as _blocks
from .. import prep
from ..instruments import Instrument, load_all, sorted_by_source
from .common import CSS_CLASSES, Poller, set_options, SessionModel, esc, message, now_hms, style_widget

__all__ = ["GroupDisplay", "GroupPanel", "group_display"]

WARM_DELAY = 3.0  # s after a change of the data before the other exercises are prepared


def used_instruments(model: SessionModel, instruments: dict[str, Instrument]) -> list[Instrument]:
    frame = model.frame
    ids = set(frame["instrument_id"].unique()) if frame is not None and len(frame) else set()
    return [i for i in sorted_by_source(instruments) if i.id in ids]


class GroupPanel(widgets.VBox):
    """Aggregates of the chosen instrument, rebuilt when the data change."""

    def __init__(self, instruments: dict[str, Instrument], *, names: bool = True, min_group: int = 1,
                 dpi: int = 90, title: bool = True):
        self.instruments = instruments
        # the exercise's title as a heading (h3, blocks h4); without it (the projector, whose own
        # h2 names the exercise) the blocks are h3, so that heading levels never skip one
        self.title = title
        self.names = names
        self.min_group = min_group
        self.dpi = dpi
        self.model: SessionModel | None = None
        self._rendered: tuple[Any, ...] | None = None
        self._cache: dict[tuple[Any, ...], str] = {}  # per exercise and state of its answers: HTML
        self._warming: Any = None  # the worker computing the other exercises' views
        self._warm_again = False
        self._foreground = 0  # views being computed for the facilitator right now
        self.computed = 0  # how many exercise views were computed (tests and the benchmark read it)
        # one occasion only (the projector, for the occasion the facilitator opened); "" = every
        # occasion of an exercise, then the before/after change
        self.occasion = ""
        self.overview = widgets.HTML()
        self.picker = widgets.Dropdown(description="Exercise", options=[], style={"description_width": "initial"},
                                       layout=widgets.Layout(width="100%", max_width="720px"))
        self.picker.add_class(CSS_CLASSES["group_instrument"])
        self.content = widgets.HTML()
        self.content.add_class(CSS_CLASSES["group_content"])
        self.picker.observe(lambda _c: self.render(), names="value")
        super().__init__([self.overview, self.picker, self.content], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["group"])

    def update(self, model: SessionModel) -> None:
        self.model = model
        people = prep.participants_frame(model.participants)
        used = used_instruments(model, self.instruments)
        counts = prep.role_counts(people)
        by_role = ", ".join(f"{int(n)} {prep.role_label(r).lower()}{'s' if n != 1 else ''}"
                            for r, n in zip(counts["role"], counts["n"]) if r != "all" and n)
        n = len(people)
        self.overview.value = (f'<p class="peerkit-dash-counts"><strong>{n}</strong> participant'
                               f"{'s' if n != 1 else ''}{' (' + esc(by_role) + ')' if by_role else ''} · "
                               f"<strong>{model.submissions}</strong> submission"
                               f"{'s' if model.submissions != 1 else ''}</p>")
        options = [(i.title, i.id) for i in used]
        set_options(self.picker, options)
        self.render()
        self._warm_later()

    def _data_key(self, ins: Instrument) -> Any:
        """What one exercise's view depends on: who submitted it (with each revision) and those
        people's roles (and names, when shown). Answers to other exercises do not change it."""
        model = self.model
        status = model.status
        subs: tuple = ()
        if status is not None and len(status):
            mine = status[status["instrument_id"] == ins.id]
            subs = tuple(sorted(zip(mine["participant_id"].astype(int), mine["occasion"].astype(str),
                                    mine["revision"].astype(int))))
        ids = {p for p, _, _ in subs}
        people = tuple(sorted((p.id, p.role, p.display_name if self.names else "")
                              for p in model.participants if p.id in ids))
        occasion = self.occasion if self.occasion in ins.occasion_ids else ""
        return (ins.id, subs, people, occasion)

    def exercise_html(self, ins: Instrument) -> str:
        """The view of one exercise, computed once per change of its own answers (kept for the
        session: switching back to an exercise whose answers did not change costs nothing)."""
        key = self._data_key(ins)
        html = self._cache.get(key)
        if html is None:
            self._foreground += 1  # the worker waits meanwhile: the click goes first
            try:
                html = self._compute(ins, key, self.model.frame)
            finally:
                self._foreground -= 1
        return html

    def _compute(self, ins: Instrument, key: tuple, frame: Any) -> str:
        occasion = key[-1]
        if occasion:
            bl = _blocks.group_blocks(frame, ins, occasion, names=self.names, min_group=self.min_group)
        else:
            bl = _blocks.instrument_blocks(frame, ins, names=self.names, min_group=self.min_group)
        src = ins.source.title + (f" — {ins.source.exercise}" if ins.source.exercise else "")
        html = ((f"<h3>{esc(ins.title)}</h3>" if self.title else "") + f"<p class=\"peerkit-source\">{esc(src)}</p>"
                + "".join(b.html(fmt="svg", heading_level=4 if self.title else 3) for b in bl))
        for k in [k for k in list(self._cache) if k[0] == ins.id and k != key]:
            self._cache.pop(k, None)  # an older state of this exercise
        self._cache[key] = html
        self.computed += 1
        return html

    def warm_jobs(self) -> list[tuple[Instrument, tuple, Any]]:
        """The exercises of the session whose current view is not computed yet, with the data
        to compute it from (read now, on the kernel's thread)."""
        if self.model is None:
            return []
        jobs = []
        for ins in used_instruments(self.model, self.instruments):
            key = self._data_key(ins)
            if key not in self._cache:
                jobs.append((ins, key, self.model.frame))
        return jobs

    def warm(self, jobs: list[tuple[Instrument, tuple, Any]] | None = None) -> int:
        """Compute the views of ``jobs`` (default :meth:`warm_jobs`), so that switching to them
        is immediate; returns how many were computed. :meth:`update` runs this in a worker
        thread after each change of the data (only the exercises whose answers changed)."""
        import time

        done = 0
        for ins, key, frame in (self.warm_jobs() if jobs is None else jobs):
            while self._foreground:  # a view the facilitator asked for is being computed
                time.sleep(0.05)
            if key not in self._cache:
                self._compute(ins, key, frame)
                done += 1
        return done

    def _warm_later(self) -> None:
        """Start :meth:`warm` in a worker thread of the kernel's event loop (Voila); no loop
        (plain Python, tests): nothing happens and views are computed when first shown."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._warming is not None and not self._warming.done():
            self._warm_again = True
            return
        if not self.warm_jobs():
            return
        self._warm_again = False

        def start() -> None:  # a moment later: the first click after an update goes first
            self._warming = loop.run_in_executor(None, self.warm, self.warm_jobs())
            self._warming.add_done_callback(lambda _f: self._warm_again and loop.call_soon(self._warm_later))

        self._warming = loop.create_future()  # counts as running until the worker starts
        loop.call_later(WARM_DELAY, lambda: (self._warming.set_result(None), start()))

    def render(self, force: bool = False) -> None:
        model = self.model
        if model is None:
            return
        if not self.picker.value:
            self._rendered = None
            self.content.value = message("warn", "No answers have been submitted in this session yet. "
                                                 "This view fills in as they arrive.")
            return
        ins = self.instruments[self.picker.value]
        if force:
            self._cache.clear()
        key = self._data_key(ins)
        if key == self._rendered:
            return
        self.content.value = self.exercise_html(ins)
        self._rendered = key


class GroupDisplay(widgets.VBox):
    """Aggregates only, for the projector: nobody is named, no passcode needed."""

    def __init__(self, store: Any, session_id: int, *, refresh_seconds: float = 5.0, min_group: int = 3,
                 instruments: dict[str, Instrument] | None = None, autostart: bool = True):
        self.store = store
        self.model = SessionModel(store, session_id)
        self.instruments = dict(instruments) if instruments is not None else load_all()
        self.header = widgets.HTML()
        self.header.add_class(CSS_CLASSES["header"])
        self.updated = widgets.HTML()
        self.updated.add_class(CSS_CLASSES["last_updated"])
        self.pause = widgets.ToggleButton(value=False, description="Pause live updates", icon="pause",
                                          tooltip="Stop or restart the automatic refresh",
                                          layout=widgets.Layout(width="auto"))
        self.pause.add_class(CSS_CLASSES["pause"])
        self.refresh_button = widgets.Button(description="Refresh now", icon="refresh",
                                             layout=widgets.Layout(width="auto"))
        self.refresh_button.add_class(CSS_CLASSES["refresh"])
        self.panel = GroupPanel(self.instruments, names=False, min_group=min_group, dpi=110)
        self.poller = Poller(self.refresh, refresh_seconds, self._on_error)
        self.pause.observe(self._on_pause, names="value")
        self.refresh_button.on_click(lambda _b: self.refresh(force=True))
        controls = widgets.HBox([self.updated, self.pause, self.refresh_button],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([style_widget(), self.header, controls, self.panel],
                         layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["group_display"])
        self.refresh(force=True)
        if autostart:
            self.poller.start()

    def refresh(self, force: bool = False) -> None:
        changed = self.model.refresh(force)
        s = self.model.session
        n = len(self.model.participants)
        state = "" if s.status == "open" else " (closed)"
        self.header.value = (f"<h2>{esc(s.title)}{esc(state)}</h2>"
                             f"<p>Join code <strong style=\"font-size:1.4em;letter-spacing:.08em\">"
                             f"{esc(s.join_code)}</strong> · {n} participant{'s' if n != 1 else ''}</p>")
        self.updated.value = f"Last updated {now_hms()}"
        if changed:
            self.panel.update(self.model)

    def _on_pause(self, change: dict) -> None:
        self.poller.paused = bool(change["new"])
        self.pause.description = "Resume live updates" if change["new"] else "Pause live updates"
        self.pause.icon = "play" if change["new"] else "pause"

    def _on_error(self, exc: BaseException) -> None:
        self.updated.value = message("error", f"Could not refresh: {exc}")

    def close(self) -> None:
        self.poller.stop()
        super().close()


def group_display(store: Any, session_id: int, *, refresh_seconds: float = 5.0, min_group: int = 3,
                  instruments: dict[str, Instrument] | None = None) -> GroupDisplay:
    """The group's aggregates, safe to project to the room: names nobody, needs no passcode.

    Refreshes every ``refresh_seconds`` (pausable); roles with fewer than ``min_group``
    respondents are left out of the role breakdowns and an exercise is summarised only
    once ``min_group`` people have submitted it.
    """
    return GroupDisplay(store, session_id, refresh_seconds=refresh_seconds, min_group=min_group,
                        instruments=instruments)
