"""Drafts, submit, partial answers, double clicks, store errors, and the results for every kind."""

from __future__ import annotations

import html

import pytest

from peerkit.forms import BackendError, MemoryBackend, InstrumentForm, render_results

from .conftest import StoreError, fill, first_value

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


# -- drafts ------------------------------------------------------------------------

def test_draft_saved_on_each_real_change(make_form):
    form, backend = make_form("readiness-timeline")
    ctl = form.controls["q1"].input
    ctl.value = True
    assert backend.load_draft() == {"q1": True}
    assert backend.draft_saves == 1
    ctl.value = True  # same value again: nothing to save
    assert backend.draft_saves == 1
    ctl.value = False
    assert backend.load_draft() == {"q1": False}
    assert backend.draft_saves == 2
    assert "Draft saved" in form.draft_status.value
    assert backend.current_answers() is None  # a draft is not a submission


def test_blank_text_is_unanswered(make_form):
    form, backend = make_form("co-learning")
    first = form.instrument.items[0].id
    form.controls[first].input.value = "   "
    assert form.state.get(first) is None
    assert backend.draft_saves == 0


def test_draft_error_keeps_answer(make_form):
    form, backend = make_form("readiness-timeline")
    backend.fail_with = BackendError("the database is locked")
    form.controls["q1"].input.value = True
    assert "could not be saved" in form.draft_status.value
    assert "the database is locked" in form.draft_status.value
    assert form.controls["q1"].input.value is True
    assert form.state.get("q1") is True


# -- submit ------------------------------------------------------------------------

def test_true_false_submit_band_and_guidance(make_form, instruments):
    ins = instruments["readiness-timeline"]
    form, backend = make_form("readiness-timeline")
    values = {i.id: (k < 8) for k, i in enumerate(ins.items)}  # 8 True, 2 False
    fill(form, values)
    form.submit_button.click()
    assert backend.current_answers() == values
    assert len(backend.revisions) == 1
    status = form.status.value
    assert "Submitted at" in status and "✔" in status and 'role="status"' in status
    shown = form.results.value
    band = ins.scoring.band_for(8)
    assert html.escape(band.label) in shown and html.escape(band.text.split("\n")[0][:40]) in shown
    assert html.escape(ins.guidance[0].title) in shown
    assert html.escape(ins.guidance[0].points[0][:40]) in shown
    assert form.results.layout.display is None  # visible


def test_double_submit_saves_once(make_form):
    form, backend = make_form("readiness-timeline")
    fill(form)
    form.submit_button.click()
    form.submit_button.click()
    assert len(backend.revisions) == 1
    assert "Already saved" in form.status.value
    assert not form.submit_button.disabled
    # a real change makes a new revision
    form.controls["q3"].input.value = False
    form.submit_button.click()
    assert len(backend.revisions) == 2
    assert "revision 2" in form.status.value


def test_submit_marks_button_busy_while_saving_and_ignores_a_second_click(make_form):
    form, backend = make_form("readiness-timeline")
    fill(form)
    seen = []
    real = backend.submit

    def slow_submit(answers, **kw):
        seen.append(("peerkit-busy" in form.submit_button._dom_classes, form.submit_button.disabled,
                     form.submit_button.description))
        form.submit_button.click()  # a second click arriving while the first is saving
        return real(answers, **kw)

    backend.submit = slow_submit
    form.submit_button.click()
    # busy (a class that stops a second tap), never disabled (that would drop keyboard focus)
    assert seen == [(True, False, "Saving…")]
    assert len(backend.revisions) == 1
    assert "peerkit-busy" not in form.submit_button._dom_classes
    assert form.submit_button.description != "Saving…"


def test_partial_submit_lists_unanswered(make_form, instruments):
    ins = instruments["program-self-evaluation"]
    form, backend = make_form("program-self-evaluation")
    skip = {ins.items[2].id, ins.items[4].id}
    fill(form, skip=skip)
    form.submit_button.click()
    status = form.status.value
    assert "Not answered yet: 3, 5." in status and "partial" in status
    assert set(backend.current_answers()) == {i.id for i in ins.items} - skip
    assert "Not answered yet" in form.controls[ins.items[2].id].hint.value
    assert "peerkit-unanswered" in form.controls[ins.items[2].id]._dom_classes
    # answering clears the pointer
    form.controls[ins.items[2].id].input.value = 3
    assert form.controls[ins.items[2].id].hint.value == ""


def test_partial_refused_when_not_allowed(make_form, instruments):
    form, backend = make_form("readiness-timeline", allow_partial=False)
    fill(form, skip={"q10"})
    form.submit_button.click()
    assert backend.current_answers() is None
    assert "Please answer every item" in form.status.value and "10" in form.status.value


def test_nothing_to_submit(make_form):
    form, backend = make_form("readiness-timeline")
    form.submit_button.click()
    assert backend.current_answers() is None
    assert "Nothing to submit" in form.status.value


@pytest.mark.parametrize("error", [StoreError("This session is closed."), BackendError("This session is closed."),
                                   ValueError("bad value")])
def test_store_error_shown_and_answers_kept(make_form, error):
    form, backend = make_form("readiness-timeline")
    values = fill(form)
    backend.fail_with = error
    form.submit_button.click()
    assert "were not submitted" in form.status.value and html.escape(str(error)) in form.status.value
    assert 'role="alert"' in form.status.value
    assert {i: c.value for i, c in form.controls.items()} == values
    assert backend.current_answers() is None
    form.submit_button.click()  # try again: now it works
    assert backend.current_answers() == values


def test_unexpected_error_does_not_lose_answers(make_form):
    form, backend = make_form("readiness-timeline")
    values = fill(form)
    backend.fail_with = RuntimeError("disk on fire")
    form.submit_button.click()
    assert "were not submitted" in form.status.value
    assert {i: c.value for i, c in form.controls.items()} == values


# -- every response kind: stored and shown ---------------------------------------

def test_sia_tallies(make_form, instruments):
    ins = instruments["sia-recovery-principles"]
    form, backend = make_form(ins.id)
    values = {i.id: ("S" if k < 5 else "I" if k < 8 else "A") for k, i in enumerate(ins.items)}
    fill(form, values)
    form.submit_button.click()
    assert backend.current_answers() == values
    shown = form.results.value
    for opt, n in zip(ins.scale.options, (5, 3, 2)):
        assert f"<td><strong>{opt.label}</strong></td><td>{html.escape(opt.description)}</td><td>{n}</td>" in shown


def test_frequency_areas_strengths_and_needs(make_form, instruments):
    ins = instruments["program-self-evaluation"]
    form, backend = make_form(ins.id)
    values = {i.id: 3 for i in ins.items}
    values[ins.items[0].id] = 5
    values[ins.items[1].id] = 1
    fill(form, values)
    form.submit_button.click()
    stored = backend.current_answers()
    assert stored == values and all(type(v) is int for v in stored.values())
    shown = form.results.value
    assert "Strengths" in shown and "coaching needs" in shown
    assert html.escape(ins.items[0].text) in shown and html.escape(ins.items[1].text) in shown
    for section in ins.sections:
        assert html.escape(section.title) in shown
    assert "5 = Always" in shown


def test_choice_with_key(make_form, instruments):
    ins = next(i for i in instruments.values() if i.scoring.method == "key" and "choice" in i.kinds)
    form, backend = make_form(ins.id)
    first, second = ins.items[0], ins.items[1]
    wrong = next(o.value for o in ins.scale_for(second).options if o.value != second.answer)
    fill(form, {first.id: first.answer, second.id: wrong})
    form.submit_button.click()
    assert backend.current_answers() == {first.id: first.answer, second.id: wrong}
    shown = form.results.value
    assert "✔" in shown and "Correct" in shown  # symbol and word, not colour alone
    assert "✘" in shown and "Not correct" in shown
    assert "Answer key:" in shown
    assert f"<strong>Correct:</strong> 1 of {len(ins.items)}" in shown


def test_choice_explanations_without_key_scoring(make_form, instruments):
    ins = instruments["role-confusion"]
    form, backend = make_form(ins.id, occasion="cps")
    fill(form)
    form.submit_button.click()
    shown = form.results.value
    item = next(i for i in ins.items if i.explanation)
    assert html.escape(item.explanation.split("\n")[0][:50]) in shown
    for q in ins.discussion.questions:
        assert html.escape(q.text) in shown


def test_checklist_counts_per_section_and_unticked_stored(make_form, instruments):
    ins = instruments["practice-guidelines-checklist"]
    form, backend = make_form(ins.id)
    ticked = {ins.sections[0].items[0].id, ins.sections[1].items[0].id, ins.sections[1].items[1].id}
    fill(form, {i: True for i in ticked})
    form.submit_button.click()
    stored = backend.current_answers()
    assert stored == {i.id: (i.id in ticked) for i in ins.items}  # every box recorded
    shown = form.results.value
    assert f"<strong>Ticked:</strong> 3 of {len(ins.items)}" in shown
    assert f"<td>{html.escape(ins.sections[1].title)}</td><td>2 of {len(ins.sections[1].items)}</td>" in shown


def test_text_hostile_html_escaped(make_form, instruments):
    ins = instruments["values-of-peer-support"]
    form, backend = make_form(ins.id)
    first = ins.items[0].id
    form.controls[first].input.value = HOSTILE
    form.submit_button.click()
    assert backend.current_answers()[first] == HOSTILE  # stored exactly as typed
    shown = form.results.value
    assert "<script>" not in shown and "<img" not in shown
    assert html.escape(HOSTILE) in shown
    assert "Not answered yet" in form.status.value  # the other questions were left blank


def test_render_results_escapes_everything_typed(instruments):
    ins = instruments["co-learning"]
    out = render_results(ins, {ins.items[0].id: HOSTILE})
    assert "<script" not in out and html.escape(HOSTILE) in out


def test_pre_post_change_shown(make_form, instruments):
    ins = instruments["role-clarity-checklist"]
    pre, pre_backend = make_form(ins.id, "pre")
    fill(pre, {ins.items[0].id: True, ins.items[1].id: True})
    pre.submit_button.click()
    assert "Change since" not in pre.results.value
    post = InstrumentForm(ins, pre_backend.for_occasion("post"), occasion="post")
    fill(post, {ins.items[0].id: True, ins.items[2].id: True, ins.items[3].id: True})
    post.submit_button.click()
    shown = post.results.value
    label = html.escape(ins.occasions[0].label)
    assert f"Change since {label}" in shown
    assert f"<strong>Ticked then:</strong> 2 of {len(ins.items)}" in shown
    assert f"<strong>now:</strong> 3 of {len(ins.items)} (+1)" in shown
    assert "▲" in shown and "newly ticked: 2" in shown and "no longer ticked: 1" in shown
    assert html.escape(ins.items[2].text) in shown


@pytest.mark.parametrize("kind", ["true_false", "sia", "frequency", "choice", "checklist", "text"])
def test_each_kind_round_trips_through_the_form(make_form, instruments, kind):
    ins = next(i for i in instruments.values() if kind in i.kinds)
    occasion = ins.occasion_ids[0]
    form, backend = make_form(ins.id, occasion)
    values = fill(form)
    form.submit_button.click()
    assert backend.current_answers() == values
    assert [type(v) for v in backend.current_answers().values()] == [type(v) for v in values.values()]
    again = InstrumentForm(ins, backend.for_occasion(occasion), occasion=occasion)  # reopened
    assert {i: c.value for i, c in again.controls.items()} == values
    assert again.results.value  # the results are shown again
    assert all(first_value(ins, i) == again.controls[i.id].value for i in ins.items)


def test_memory_backend_same_contract(instruments):
    """The in-memory backend (no database) behaves like the store for a form."""
    ins = instruments["readiness-timeline"]
    backend = MemoryBackend(ins)
    form = InstrumentForm(ins, backend)
    values = fill(form)
    assert backend.load_draft() == values
    form.submit_button.click()
    form.submit_button.click()
    assert len(backend.revisions) == 1 and backend.load_draft() is None
    assert "Already saved" in form.status.value


def test_second_occasion_compares_choices(make_form, instruments):
    ins = instruments["role-confusion"]
    first, backend = make_form(ins.id, "cps")
    values = fill(first)
    first.submit_button.click()
    second = InstrumentForm(ins, backend.for_occasion("colleague"), occasion="colleague")
    item = ins.items[0]
    other = next(o.value for o in ins.scale_for(item).options if o.value != values[item.id])
    fill(second, {**values, item.id: other})
    second.submit_button.click()
    shown = second.results.value
    assert f"Change since {html.escape(ins.occasions[0].label)}" in shown
    assert "changed: 1" in shown and "≠" in shown and f"same: {len(ins.items) - 1}" in shown


def test_band_waits_for_a_complete_quiz(make_form, instruments):
    form, backend = make_form("readiness-timeline")
    fill(form, skip={"q1"})
    form.submit_button.click()
    assert "Answer every item to see which range" in form.results.value
    assert "Your result:" not in form.results.value
    form.controls["q1"].input.value = True
    form.submit_button.click()
    band = instruments["readiness-timeline"].scoring.band_for(10)
    assert f"Your result: {html.escape(band.label)}" in form.results.value
