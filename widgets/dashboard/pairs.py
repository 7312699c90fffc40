"""The pair view: a supervisor and a supervisee side by side, with their discussion notes.

For each exercise the two compare (``compare: true``): the answers side by side with every
difference marked in text (``≠ differs``), the exercise's discussion steps beside them,
per-area agreement (difference, direction, weighted kappa) with the largest gaps first,
a text box for an action step on every item either rated below the top of an S/I/A scale,
and a text box for every discussion question. Repeated exercises (pre/post) show each
member's change. Notes are saved with ``Store.save_note`` under the keys
``action:<item id>`` and ``question:<question id>`` (``...@<occasion>`` for an exercise
given on several occasions).

:class:`PairView` serves the facilitator's Pairs tab and :func:`pair_view`, a participant's
own view (only their own pair is ever read).
"""

from __future__ import annotations

from typing import Any, Mapping

import ipywidgets as widgets
import pandas as pd

from .. import blocks as _blocks
from .. import prep
from ..instruments import Instrument, load_all, sorted_by_source
from .common import CSS_CLASSES, Poller, set_options, esc, message, now_hms, style_widget

__all__ = ["PairView", "PairViewApp", "PairsPanel", "note_key", "pair_frame", "pair_view"]

ACTION, QUESTION = "action:", "question:"


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A pair row with plain Python values (pd.NA -> None), safe to compare."""
    return {k: prep._py(v) for k, v in dict(row).items()}


def note_key(prefix: str, ident: str, occasion: str = "") -> str:
    return f"{prefix}{ident}" + (f"@{occasion}" if occasion else "")


def comparable(ins: Instrument) -> bool:
    return bool(ins.compare and (ins.kinds - {"text"}))


def _options(frame: pd.DataFrame | None, instruments: Mapping[str, Instrument], member_ids: list[int]
             ) -> list[tuple[str, tuple[str, str, str]]]:
    """Exercises to show for a pair: compared ones and before/after ones either member answered."""
    if frame is None or frame.empty:
        return []
    mine = frame[frame["participant_id"].isin(member_ids)]
    answered = {(str(i), "" if pd.isna(o) else str(o)) for i, o in zip(mine["instrument_id"], mine["occasion"])}
    out = []
    for ins in sorted_by_source(dict(instruments)):
        if comparable(ins):
            for occ in ins.occasion_ids:
                if (ins.id, occ) in answered:
                    label = ins.title + (f" — {_blocks._occasion_label(ins, occ)}" if occ else "")
                    out.append((label, ("compare", ins.id, occ)))
        elif prep.pre_post_occasions(ins) is not None and any(i == ins.id for i, _ in answered):
            before, after = (_blocks._occasion_label(ins, o) for o in prep.pre_post_occasions(ins))
            out.append((f"{ins.title} — {before} → {after}", ("prepost", ins.id, "")))
    return out


def _plots() -> Any:
    from .. import plots

    return plots


def steps_html(ins: Instrument) -> str:
    """The exercise's discussion steps as an ordered list (the view shows them beside the answers)."""
    steps = prep.discussion_steps(ins)
    if not steps:
        return ""
    items = "".join("<li>" + "<br>".join(esc(line) for line in s.splitlines()) + "</li>" for s in steps)
    title = (ins.discussion.title if ins.discussion and ins.discussion.title else "Discussion steps")
    return f'<div class="{CSS_CLASSES["pair_steps"]}"><h4>{esc(title)}</h4><ol>{items}</ol></div>'


class PairView(widgets.VBox):
    """One pair's comparison. ``update(frame)`` re-renders when the answers change; typed notes stay."""

    def __init__(self, store: Any, pair: Mapping[str, Any], instruments: Mapping[str, Instrument],
                 author_id: int | None = None):
        self.store = store
        self.pair = _plain(pair)
        self.pair_id = int(self.pair["pair_id"])
        self.a_id = int(self.pair["a_id"])
        self.b_id = None if self.pair.get("b_id") is None else int(self.pair["b_id"])
        self.a_name = str(self.pair["a_name"])
        self.b_name = str(self.pair["b_name"]) if self.pair.get("b_name") is not None else "(partner missing)"
        self.instruments = dict(instruments)
        self.author_id = author_id
        self.frame: pd.DataFrame | None = None
        self._rendered: Any = None
        self._notes_boxes: dict[str, widgets.Textarea] = {}
        self._saved: dict[str, str] = {}
        self.title = widgets.HTML(f"<h3><bdi>{esc(self.a_name)}</bdi> &amp; <bdi>{esc(self.b_name)}</bdi></h3>")
        self.picker = widgets.Dropdown(description="Exercise", options=[], style={"description_width": "initial"},
                                       layout=widgets.Layout(width="100%", max_width="720px"))
        self.picker.add_class(CSS_CLASSES["pair_instrument"])
        self.body = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.note_status = widgets.HTML()
        self.note_status.add_class(CSS_CLASSES["note_status"])
        self.picker.observe(lambda _c: self.render(), names="value")
        super().__init__([self.title, self.picker, self.body], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["pair_view"])

    @property
    def member_ids(self) -> list[int]:
        return [p for p in (self.a_id, self.b_id) if p is not None]

    # -- data ---------------------------------------------------------------------------------
    def update(self, frame: pd.DataFrame | None) -> None:
        self.frame = frame
        options = _options(frame, self.instruments, self.member_ids)
        set_options(self.picker, options)
        self.render()

    def _fingerprint(self) -> Any:
        f = self.frame
        if f is None or f.empty:
            return ()
        mine = f[f["participant_id"].isin(self.member_ids)]
        return tuple(sorted((int(p), str(i), str(o), str(it), repr(v)) for p, i, o, it, v in zip(
            mine["participant_id"], mine["instrument_id"], mine["occasion"], mine["item_id"], mine["value"])))

    def render(self, force: bool = False) -> None:
        key = (self.picker.value, self._fingerprint())
        if not force and key == self._rendered:
            self._sync_notes()
            return
        self._rendered = key
        if not self.picker.value:
            self.body.children = (widgets.HTML(message(
                "warn", "Nothing to compare yet. The comparison appears here once either of you has "
                        "submitted an exercise that pairs compare.")),)
            return
        kind, iid, occ = self.picker.value
        ins = self.instruments[iid]
        self.body.children = tuple(self._compare(ins, occ) if kind == "compare" else self._pre_post(ins))

    # -- compare --------------------------------------------------------------------------------
    @property
    def me_first(self) -> bool:
        """True when the person looking is the pair's second member (their answers go first)."""
        return self.author_id is not None and self.b_id is not None and int(self.author_id) == self.b_id

    def _labels(self) -> tuple[str, str]:
        """Headings of the two answer columns: "You" and the partner for a participant, else names."""
        if self.author_id is None:
            return self.a_name, self.b_name
        return ("You", self.a_name) if self.me_first else ("You", self.b_name)

    def _compare(self, ins: Instrument, occ: str) -> list[widgets.Widget]:
        from .. import pairlist

        notes = self._load_notes(ins.id)
        out: list[widgets.Widget] = []
        table = prep.pair_table(self.frame, ins, self.a_id, self.b_id, occ)
        waiting = [name for name, col in ((self.a_name, "a"), (self.b_name, "b")) if table[col].isna().all()]
        if waiting:
            names = " and ".join(pairlist.name_html(n) for n in waiting)
            out.append(widgets.HTML(f'<p class="peerkit-msg-warn" role="status"><span aria-hidden="true">⚠</span> '
                                    f"Waiting for {names} to submit this exercise.</p>"))
        first, second = self._labels()
        occ_label = _blocks._occasion_label(ins, occ) if occ else ""
        parts = [f"<h4>Side by side{' — ' + esc(occ_label) if occ_label else ''}</h4>"]
        if self.author_id is not None:
            parts.append(pairlist.agreement_html(ins, table))
        else:
            parts.append(pairlist.agreement_html(ins, table, self.a_name, self.b_name))
        parts.append(pairlist.scale_key_html(ins))
        parts.append(pairlist.pair_list_html(ins, table, first, second, swap=self.me_first,
                                             caption=f"{ins.title}: side by side",
                                             you=self.author_id is not None))
        a_lab, b_lab = (first, second) if not self.me_first else (second, first)
        answered = not (table["a"].isna().all() and table["b"].isna().all())
        if answered:  # the chart for wide screens (phones get the list only: kit.css)
            fig, summary = _plots().pair_chart(table, ins, a_lab, b_lab, "")
            parts.append('<div class="peerkit-pair-chart">' + _plots().figure_html(fig, summary, fmt="svg")
                         + "</div>")
        listing = widgets.HTML('<section class="peerkit-block peerkit-block-pair-items">' + "".join(parts)
                               + "</section>", layout=widgets.Layout(width="100%"))
        listing.add_class(CSS_CLASSES["pair_table"])
        out.append(listing)
        if answered:
            areas = _blocks.pair_area_block(ins, table, a_lab, b_lab)
            if areas is not None:
                out.append(widgets.HTML(areas.html(fmt="svg"), layout=widgets.Layout(width="100%")))
        actions = prep.action_items(ins, table)
        if len(actions):
            out.append(widgets.HTML(f"<h4>Action steps</h4><p>For each item either of you rated "
                                    f"{esc(self._low_labels(ins))}: what could you do, individually or "
                                    f"together, to begin to make changes?</p>"))
            for r in actions.to_dict("records"):
                label = (f"<strong>{esc(_blocks._item(r))}</strong> — {pairlist.name_html(self.a_name)}: "
                         f"{esc(_blocks.answer_text(ins, r['item_id'], r['a']) or '–')}, "
                         f"{pairlist.name_html(self.b_name)}: "
                         f"{esc(_blocks.answer_text(ins, r['item_id'], r['b']) or '–')}")
                out.extend(self._note_box(ins.id, note_key(ACTION, r["item_id"], occ), label,
                                          f"Action step {r.get('number') or ''}".strip(), notes,
                                          CSS_CLASSES["action_note"]))
        if ins.discussion:
            head = f"<h4>{esc(ins.discussion.title or 'Questions to answer together')}</h4>"
            if ins.discussion.intro:
                head += f"<p>{esc(ins.discussion.intro)}</p>"
            out.append(widgets.HTML(head))
            for k, q in ins.discussion.numbered():
                out.extend(self._note_box(ins.id, note_key(QUESTION, q.id, occ), f"<strong>{k}.</strong> {esc(q.text)}",
                                          f"Answer {k}", notes, CSS_CLASSES["question_note"]))
        if len(actions) or ins.discussion:
            save = widgets.Button(description="Save notes", icon="save", button_style="primary",
                                  layout=widgets.Layout(width="auto"))
            save.on_click(lambda _b: self.save_all())
            out.append(widgets.HBox([save, self.note_status], layout=widgets.Layout(align_items="center")))
        return out

    @staticmethod
    def _low_labels(ins: Instrument) -> str:
        for item in ins.items:
            scale = ins.scale_for(item)
            if scale.kind == "sia":
                return " or ".join(o.short or o.label for o in scale.options[1:])
        return "below the top of the scale"

    def _load_notes(self, instrument_id: str) -> dict[str, str]:
        try:
            return dict(self.store.notes(self.pair_id, instrument_id))
        except Exception as exc:  # keep the view; say what went wrong
            self.note_status.value = message("error", f"Could not read your notes: {exc}")
            return {}

    def _note_box(self, instrument_id: str, key: str, label_html: str, short: str, notes: Mapping[str, str],
                  css: str) -> list[widgets.Widget]:
        full = f"{instrument_id}|{key}"
        box = self._notes_boxes.get(full)
        if box is None:
            text = notes.get(key, "")
            box = widgets.Textarea(value=text, description=short, continuous_update=False,
                                   placeholder="Type here; it is saved when you leave the box",
                                   style={"description_width": "initial"},
                                   layout=widgets.Layout(width="100%"))
            box.add_class(css)
            self._saved[full] = text
            box.observe(lambda ch, iid=instrument_id, k=key: self._save(iid, k, ch["new"]), names="value")
            self._notes_boxes[full] = box
        return [widgets.HTML(f'<div class="peerkit-note-label">{label_html}</div>'), box]

    def _save(self, instrument_id: str, key: str, text: str) -> bool:
        full = f"{instrument_id}|{key}"
        if self._saved.get(full) == text:
            return True
        try:
            self.store.save_note(self.pair_id, instrument_id, key, text, author_id=self.author_id)
        except Exception as exc:
            self.note_status.value = message("error", f"Not saved: {exc}")
            return False
        self._saved[full] = text
        self.note_status.value = message("ok", f"Saved at {now_hms()}")
        return True

    def save_all(self) -> bool:
        ok = True
        for full, box in self._notes_boxes.items():
            iid, key = full.split("|", 1)
            ok = self._save(iid, key, box.value) and ok
        if ok:
            self.note_status.value = message("ok", f"All notes saved at {now_hms()}")
        return ok

    def _sync_notes(self) -> None:
        """Show notes the partner saved meanwhile, unless the box holds unsaved typing."""
        by_ins: dict[str, dict[str, str]] = {}
        for full, box in self._notes_boxes.items():
            iid, key = full.split("|", 1)
            if box.value != self._saved.get(full):
                continue  # the person here is typing
            if iid not in by_ins:
                by_ins[iid] = self._load_notes(iid)
            stored = by_ins[iid].get(key)
            if stored is not None and stored != box.value:
                self._saved[full] = stored
                box.value = stored

    # -- before / after ---------------------------------------------------------------------------
    def _pre_post(self, ins: Instrument) -> list[widgets.Widget]:
        from ..reports import person_pre_post_blocks

        occ = prep.pre_post_occasions(ins)
        out: list[widgets.Widget] = []
        for pid, name in ((self.a_id, self.a_name), (self.b_id, self.b_name)):
            if pid is None:
                continue
            table = prep.person_pre_post(self.frame, ins, pid, occ)
            if table["pre"].isna().all() and table["post"].isna().all():
                continue
            for b in person_pre_post_blocks(ins, table, name, occ):
                out.append(widgets.HTML(b.html(dpi=90)))
        if not out:
            out.append(widgets.HTML(message("warn", "No answers to this exercise yet.")))
        return out


class PairsPanel(widgets.VBox):
    """The facilitator's Pairs tab: make pairs, pick one, see its comparison."""

    def __init__(self, store: Any, instruments: Mapping[str, Instrument], on_change: Any = None):
        self.store = store
        self.instruments = dict(instruments)
        self.on_change = on_change
        self.model = None
        self.view: PairView | None = None
        self.sup = widgets.Dropdown(description="Supervisor", options=[], style={"description_width": "initial"})
        self.sub = widgets.Dropdown(description="Peer specialist", options=[],
                                    style={"description_width": "initial"})
        # supervisors on one side, peer specialists on the other; any two people only when asked
        self.other = widgets.Checkbox(value=False, indent=False,
                                      description="Other pairing: choose any two people (e.g. two supervisors)")
        self.other.add_class("peerkit-dash-other-pairing")
        self.other.observe(lambda _c: self._fill_people(), names="value")
        self.pair_button = widgets.Button(description="Pair them", icon="link",
                                          layout=widgets.Layout(width="auto"))
        self.unpair_button = widgets.Button(description="Undo the selected pair", icon="unlink",
                                            layout=widgets.Layout(width="auto"))
        self.pair_message = widgets.HTML()
        self.pair_button.on_click(lambda _b: self.make_pair())
        self.unpair_button.on_click(lambda _b: self.unpair())
        pairing = widgets.VBox([
            widgets.HTML("<h3>Make a pair</h3>"),
            widgets.HBox([self.sup, self.sub, self.pair_button],
                          layout=widgets.Layout(flex_flow="row wrap")),
            self.other, self.pair_message])
        pairing.add_class(CSS_CLASSES["pairing"])
        self.picker = widgets.Dropdown(description="Pair", options=[], style={"description_width": "initial"},
                                       layout=widgets.Layout(width="100%", max_width="520px"))
        self.picker.add_class(CSS_CLASSES["pair_picker"])
        self.picker.observe(lambda _c: self._show(), names="value")
        self.holder = widgets.VBox(layout=widgets.Layout(width="100%"))
        super().__init__([pairing, widgets.HBox([self.picker, self.unpair_button],
                                                layout=widgets.Layout(flex_flow="row wrap")),
                          self.holder], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["pairs"])

    def _fill_people(self) -> None:
        """Supervisors in the first list, peer specialists in the second; with "Other pairing"
        everyone in both (supervisors first in the first list, peer specialists in the second)."""
        if self.model is None:
            return
        recs = prep.participants_frame(self.model.participants).to_dict("records")
        label = lambda r: f"{r['display_name']} ({prep.role_label(r['role']).lower()})"  # noqa: E731
        name = lambda r: r["display_name"].casefold()  # noqa: E731
        if self.other.value:
            sups = sorted(recs, key=lambda r: (r["role"] != "supervisor", name(r)))
            subs = sorted(recs, key=lambda r: (r["role"] != "peer_specialist", name(r)))
            self.sup.description, self.sub.description = "First person", "Second person"
        else:
            sups = sorted((r for r in recs if r["role"] == "supervisor"), key=name)
            subs = sorted((r for r in recs if r["role"] == "peer_specialist"), key=name)
            self.sup.description, self.sub.description = "Supervisor", "Peer specialist"
        set_options(self.sup, [(label(r), int(r["participant_id"])) for r in sups])
        set_options(self.sub, [(label(r), int(r["participant_id"])) for r in subs])

    def update(self, model: Any) -> None:
        self.model = model
        self._fill_people()
        pairs = prep.pairs_frame(model.participants, model.pairs)
        opts = [(r["label"], int(r["pair_id"])) for r in pairs.to_dict("records")]
        set_options(self.picker, opts)
        self._show()

    def _show(self) -> None:
        if self.model is None:
            return
        if self.picker.value is None:
            self.view = None
            self.holder.children = (widgets.HTML(message("warn", "No pairs yet: pair a supervisor with a "
                                                                  "peer specialist above.")),)
            return
        pairs = prep.pairs_frame(self.model.participants, self.model.pairs).set_index("pair_id")
        row = _plain(pairs.loc[self.picker.value].to_dict())
        row["pair_id"] = self.picker.value
        if self.view is None or self.view.pair_id != self.picker.value or self.view.pair != row:
            self.view = PairView(self.store, row, self.instruments)
            self.holder.children = (self.view,)
        self.view.update(self.model.frame)

    def make_pair(self) -> None:
        if self.sup.value is None or self.sub.value is None:
            missing = ("supervisor" if self.sup.value is None else "peer specialist") if not self.other.value else ""
            self.pair_message.value = message(
                "error", f"Nobody to choose as {missing} yet: pairs are a supervisor and a peer specialist. "
                         f"For another pairing, tick “Other pairing”." if missing else "Choose two people.")
            return
        if self.sup.value == self.sub.value:
            self.pair_message.value = message("error", "Choose two different people.")
            return
        try:
            pair_id = self.store.set_pair(self.sup.value, self.sub.value)
        except Exception as exc:
            self.pair_message.value = message("error", str(exc))
            return
        roles = {p.id: p.role for p in (self.model.participants if self.model is not None else [])}
        unusual = (roles.get(self.sup.value), roles.get(self.sub.value)) != ("supervisor", "peer_specialist")
        self.pair_message.value = message("ok", "Paired" + (" (an other pairing, not a supervisor with a peer "
                                                             "specialist)" if unusual else "")
                                          + ". Each keeps their answers; earlier pairs of either person were undone.")
        if self.on_change:
            self.on_change()
        if pair_id in [o[1] for o in self.picker.options]:
            self.picker.value = pair_id

    def unpair(self) -> None:
        if self.picker.value is None or self.model is None:
            return
        pairs = prep.pairs_frame(self.model.participants, self.model.pairs).set_index("pair_id")
        try:
            self.store.unpair(int(pairs.loc[self.picker.value, "a_id"]))
        except Exception as exc:
            self.pair_message.value = message("error", str(exc))
            return
        self.pair_message.value = message("ok", "Pair undone (their notes are kept).")
        if self.on_change:
            self.on_change()


# -- a participant's own view -------------------------------------------------------------------

def pair_frame(store: Any, members: list[Any], instruments: Mapping[str, Instrument]) -> pd.DataFrame:
    """A tidy frame (the ``responses_frame`` columns) of just these people's current answers to the
    exercises a pair view shows; nobody else's answers are read."""
    rows = []
    relevant = [i for i in instruments.values() if comparable(i) or prep.pre_post_occasions(i) is not None]
    for p in members:
        for ins in relevant:
            for occ in ins.occasion_ids:
                answers = store.current_answers(p.id, ins.id, occ)
                for item_id, value in (answers or {}).items():
                    rows.append({"session_id": p.session_id, "participant_id": p.id, "display_name": p.display_name,
                                 "role": p.role, "pair_id": p.pair_id, "instrument_id": ins.id,
                                 "instrument_version": ins.version, "occasion": occ, "item_id": item_id,
                                 "value": value, "revision": 0, "submitted_at": None})
    if not rows:
        return prep.empty_responses()
    df = pd.DataFrame(rows, columns=prep.RESPONSE_COLUMNS)
    df["value"] = df["value"].astype(object)
    return df


class PairViewApp(widgets.VBox):
    """A participant's view of their own pair, refreshing as the partner submits."""

    def __init__(self, store: Any, participant: Any, *, refresh_seconds: float = 5.0,
                 instruments: Mapping[str, Instrument] | None = None, autostart: bool = True):
        self.store = store
        pid = participant if isinstance(participant, int) else participant.id
        self.participant_id = int(pid)
        self.instruments = dict(instruments) if instruments is not None else load_all()
        self.message = widgets.HTML()
        self.updated = widgets.HTML()
        self.updated.add_class(CSS_CLASSES["last_updated"])
        self.holder = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.view: PairView | None = None
        self.poller = Poller(self.refresh, refresh_seconds, self._on_error)
        super().__init__([style_widget(), self.message, self.holder, self.updated],
                         layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASSES["pair_view"])
        self.refresh()
        if autostart:
            self.poller.start()

    def refresh(self) -> None:
        me = self.store.get_participant(self.participant_id)
        partner = self.store.partner(me.id) if me.pair_id is not None else None
        if me.pair_id is None or partner is None:
            self.view = None
            self.holder.children = ()
            self.message.value = message("warn", "You are not in a pair yet. The facilitator pairs each "
                                                 "supervisor with a supervisee; this view fills in then.")
            self.updated.value = f"Checked {now_hms()}"
            return
        self.message.value = ""
        row = _plain(prep.pairs_frame([me, partner], [p for p in self._pairs(me) if p.id == me.pair_id]).iloc[0])
        if self.view is None or self.view.pair_id != me.pair_id or self.view.pair != row:
            self.view = PairView(self.store, row, self.instruments, author_id=me.id)
            self.holder.children = (self.view,)
        self.view.update(pair_frame(self.store, [me, partner], self.instruments))
        self.updated.value = f"Last updated {now_hms()}"

    def _pairs(self, me: Any) -> list:
        try:
            return [self.store.get_pair(me.pair_id)]
        except Exception:
            return []

    def _on_error(self, exc: BaseException) -> None:
        self.updated.value = message("error", f"Could not refresh: {exc}")

    def close(self) -> None:
        self.poller.stop()
        super().close()


def pair_view(store: Any, participant: Any, *, refresh_seconds: float = 5.0,
              instruments: Mapping[str, Instrument] | None = None) -> PairViewApp:
    """A participant's own pair comparison (``participant``: a Participant or its id).

    Only the participant's current pair is read; notes are saved with them as author.
    """
    return PairViewApp(store, participant, refresh_seconds=refresh_seconds, instruments=instruments)
