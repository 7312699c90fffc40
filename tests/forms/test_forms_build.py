"""Every instrument builds into a form with one labelled control per item; layout and a11y checks."""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import pytest

from peerkit.forms import (CONTROL_CLASSES, ChecklistControl, FormState, InstrumentForm, MemoryBackend,
                           item_numbers, participant_app)
from peerkit.instruments import SCALE_KINDS, load_instrument
from peerkit.forms.controls import MultiControl

from .conftest import first_value


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child)


def px(value) -> float | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)px\s*", value or "")
    return float(m.group(1)) if m else None


def test_one_control_class_per_kind():
    assert set(CONTROL_CLASSES) == set(SCALE_KINDS)
    assert len(set(CONTROL_CLASSES.values())) == len(SCALE_KINDS)


def test_data_covers_every_kind(instruments):
    kinds = set().union(*(i.kinds for i in instruments.values()))
    assert kinds == set(SCALE_KINDS)


def test_every_instrument_builds_with_labelled_controls(instruments):
    for ins in instruments.values():
        form = InstrumentForm(ins, MemoryBackend(ins), occasion=ins.occasion_ids[0])
        nums = item_numbers(ins)
        assert len(set(nums.values())) == len(ins.items), ins.id
        assert list(form.controls) == [i.id for i in ins.items]
        for item in ins.items:
            ctl = form.controls[item.id]
            assert isinstance(ctl, CONTROL_CLASSES[ins.scale_for(item).kind])
            # the control itself carries the item's number and text (description + tooltip)
            assert ctl.input.description == f"{nums[item.id]}. {item.text}"
            if isinstance(ctl, MultiControl):
                # a group of checkboxes: each box's tooltip names the item and the option
                assert all(b.tooltip.startswith(ctl.input.description + " — ") for b in ctl.input.boxes)
            else:
                assert ctl.input.tooltip == ctl.input.description
            if not isinstance(ctl, ChecklistControl):
                # visible label: number + escaped text in an HTML widget
                assert f"<strong>{html.escape(nums[item.id])}.</strong> {html.escape(item.text)}" in ctl.label.value
            assert ctl.value is None or (isinstance(ctl, ChecklistControl) and ctl.value is False)
        assert "peerkit-form" in form._dom_classes
        assert "peerkit-submit" in form.submit_button._dom_classes
        assert "peerkit-status" in form.status._dom_classes
        assert "peerkit-results" in form.results._dom_classes


def test_no_fixed_width_wider_than_340px(instruments, store):
    app = participant_app(store, instruments=instruments)
    trees = [app] + [InstrumentForm(i, MemoryBackend(i)) for i in instruments.values()]
    for tree in trees:
        for w in walk(tree):
            layout = getattr(w, "layout", None)
            if layout is None:
                continue
            for attr in ("width", "min_width", "max_width"):
                v = px(getattr(layout, attr))
                assert v is None or v <= 340, (type(w).__name__, attr, getattr(layout, attr))
            style = getattr(w, "style", None)
            if style is not None and "description_width" in style.keys:
                v = px(style.description_width)
                assert v is None or v <= 340


def test_sia_definitions_at_hand(instruments):
    ins = next(i for i in instruments.values() if "sia" in i.kinds)
    form = InstrumentForm(ins, MemoryBackend(ins))
    scale = ins.scale_for(ins.items[0])
    page = " ".join(w.value for w in walk(form) if isinstance(w, widgets.HTML))
    for opt in scale.options:
        assert html.escape(opt.description) in page  # legend above the items
    ctl = form.controls[ins.items[0].id]
    assert [label for label, _ in ctl.input.options] == [o.label for o in scale.options]
    assert all(opt.description in tip for opt, tip in zip(scale.options, ctl.input.tooltips))


def test_frequency_shows_labels_sections_and_progress(instruments):
    ins = instruments["program-self-evaluation"]
    form = InstrumentForm(ins, MemoryBackend(ins))
    ctl = form.controls[ins.items[0].id]
    assert isinstance(ctl.input, widgets.RadioButtons)
    assert ctl.input.options[0][0] == "5 = Always"
    page = " ".join(w.value for w in walk(form) if isinstance(w, widgets.HTML))
    for section in ins.sections:
        assert f"<h3>{html.escape(section.title)}</h3>" in page
    assert html.escape(ins.instructions.split("\n")[0]) in page
    n = len(ins.items)
    assert f"0 of {n} answered" in form.progress.value
    for item in ins.items[:12]:
        form.controls[item.id].input.value = 4
    assert f"12 of {n} answered" in form.progress.value
    assert f"12 of {n} answered" in form.progress_bottom.value


def test_checklist_progress_counts_ticks(instruments):
    ins = instruments["practice-guidelines-checklist"]
    form = InstrumentForm(ins, MemoryBackend(ins))
    first = form.controls[ins.items[0].id]
    assert isinstance(first.input, widgets.Checkbox)
    first.input.value = True
    assert f"1 of {len(ins.items)} ticked" in form.progress.value


def test_form_state_dirty_flag_and_observers(instruments):
    ins = instruments["readiness-timeline"]
    state = FormState(ins)
    seen = []
    state.observe(lambda st, item_id, value: seen.append((item_id, value)))
    assert state.set("q1", True) is True
    assert state.set("q1", True) is False  # unchanged: no notification
    assert state.dirty
    assert state.set("q1", None) is True
    with pytest.raises(ValueError):
        state.set("q2", "maybe")
    with pytest.raises(KeyError):
        state.set("nope", True)
    assert seen == [("q1", True), ("q1", None)]
    state.mark_submitted({"q1": True})
    assert not state.dirty


def test_load_skips_invalid_saved_values(instruments):
    ins = instruments["readiness-timeline"]
    form = InstrumentForm(ins, MemoryBackend(ins))
    dropped = form.state.load({"q1": True, "q2": "bogus", "gone": 3})
    assert sorted(dropped) == ["gone", "q2"]


def test_works_for_any_valid_instrument(tmp_path):
    """A new instrument file (all kinds, items without numbers, a key) needs no code change."""
    folder = tmp_path / "instruments"
    folder.mkdir()
    path = folder / "mixed-demo.yaml"
    path.write_text("""
id: mixed-demo
version: 1
title: Mixed <demo>
source: {document: x.txt, title: X, lines: 1-2}
completed_by: anyone
instructions: "Read <carefully>."
sections:
  - id: one
    title: "Part <1>"
    items:
      - id: a
        text: "Is <b>this</b> true?"
        scale: {kind: true_false, options: [{value: true, label: "Yes"}, {value: false, label: "No"}]}
        answer: true
        explanation: Because.
      - id: b
        text: Pick one
        scale: {kind: choice, options: [{value: x, label: Ex, short: x}, {value: y, label: Why, short: y}]}
        answer: y
  - id: two
    items:
      - id: c
        text: Tick me
        scale: {kind: checklist}
      - id: d
        text: Say something
        scale: {kind: text}
scoring: {method: none}
""", encoding="utf-8")
    ins = load_instrument(path)
    backend = MemoryBackend(ins)
    form = InstrumentForm(ins, backend)
    page = " ".join(w.value for w in walk(form) if isinstance(w, widgets.HTML))
    assert "Part &lt;1&gt;" in page and "Read &lt;carefully&gt;." in page
    assert "Is &lt;b&gt;this&lt;/b&gt; true?" in form.controls["a"].label.value
    for item in ins.items:
        form.controls[item.id].input.value = form.controls[item.id]._to_widget(first_value(ins, item))
    form.submit_button.click()
    assert backend.current_answers() == {"a": True, "b": "x", "c": True, "d": "My answer to d"}
    assert "Not correct" in form.results.value and "✘" in form.results.value


def test_multi_select_control_ticks_and_reports_the_joined_answer():
    from peerkit.forms.controls import MultiControl
    from peerkit.instruments import load_all

    ins = load_all()["peer-role-sorting"]
    item = ins.item("why-answering-phones")
    seen = []
    ctl = MultiControl(ins, item, "14", lambda i, v: seen.append((i, v)))
    boxes = ctl.input.boxes
    assert [b.description for b in boxes] == ["Busy Work", "Agenda", "Power Imbalance"]
    boxes[2].value = True
    boxes[0].value = True
    assert ctl.value == "busy-work+power-imbalance"
    assert seen[-1] == ("why-answering-phones", "busy-work+power-imbalance")
    boxes[0].value = boxes[2].value = False
    assert ctl.value is None  # nothing ticked: unanswered
    ctl.value = "agenda"  # loading a saved answer ticks the box without reporting a change
    assert [b.value for b in boxes] == [False, True, False]
    n = len(seen)
    ctl.disabled = True
    assert all(b.disabled for b in boxes) and len(seen) == n


def test_a_long_form_pages_its_sections_for_phones():
    """The program self-evaluation (39 items, 3 areas): one section at a time on a phone (the others
    carry peerkit-section-hidden, which kit.css hides below 721 px), a progress line, "Next section";
    a short form is not paged; every 1-5 rating is a compact row on wide screens."""
    from peerkit.forms import InstrumentForm, MemoryBackend
    from peerkit.forms.paging import paged
    from peerkit.instruments import get_instrument

    pse = get_instrument("program-self-evaluation")
    form = InstrumentForm(pse, MemoryBackend(pse))
    pager = form.pager
    assert paged(pse) and pager is not None and "peerkit-paged" in form._dom_classes
    boxes = [w for w in form.children if "peerkit-section" in w._dom_classes]
    assert len(boxes) == 3

    def hidden():
        return ["peerkit-section-hidden" in b._dom_classes for b in boxes]

    assert hidden() == [False, True, True]
    assert "Section 1 of 3" in pager.top.value and "0 of 15 answered here · 0 of 39 in all" in pager.top.value
    first = pse.sections[0].items[0].id
    form.answer(first, 4)
    assert "1 of 15 answered here · 1 of 39 in all" in pager.top.value
    pager.next_button.click()
    assert hidden() == [True, False, True]
    assert "Section 2 of 3</strong>: Strength-Based Recovery Planning" in pager.top.value
    pager.next_button.click()
    assert hidden() == [True, True, False] and pager.next_button.layout.display == "none"
    assert "The last section" in pager.line.value
    pager.prev_button.click()
    assert hidden() == [True, False, True]
    assert form.state.get(first) == 4  # answers stay whichever section shows
    assert all("peerkit-compact" in form.controls[i.id]._dom_classes for i in pse.items)
    quiz = get_instrument("readiness-timeline")
    assert InstrumentForm(quiz, MemoryBackend(quiz)).pager is None


def test_the_sia_key_is_shown_once():
    """The S / I / A directions already define S, I and A: the form adds no second key."""
    from peerkit.forms import InstrumentForm, MemoryBackend
    from peerkit.instruments import get_instrument

    def legends(ins):
        form = InstrumentForm(ins, MemoryBackend(ins))
        return sum(w.value.count('class="peerkit-legend"') for w in _walk(form)
                   if isinstance(getattr(w, "value", None), str))

    sia = get_instrument("sia-recovery-principles")
    assert all(o.description.split()[0] in sia.instructions for o in sia.scale.options)
    assert legends(sia) == 0
    assert legends(get_instrument("program-self-evaluation")) >= 1  # "5 = Always ..." is not in its directions


def _walk(w):
    yield w
    for c in getattr(w, "children", ()) or ():
        yield from _walk(c)
