"""The participant's own pair comparison: only once paired, only their own pair."""

from __future__ import annotations

from .conftest import fill, join


def _submit(app, instrument_id, values):
    form = app.select(instrument_id)
    fill(form, values)
    form.submit_button.click()
    return form


def test_compare_before_pairing_says_so(make_app, session):
    app = make_app()
    join(app, session.join_code, "Robin", "supervisor")
    app.compare_button.value = True
    assert "not been paired" in app.compare_status.value
    assert app.compare_area.children == ()


def test_pair_sees_both_answers_and_nobody_else(make_app, store, session, instruments):
    sia = instruments["sia-recovery-principles"]
    ids = [i.id for i in sia.items]
    sup_app, cps_app, other_app = make_app(), make_app(), make_app()
    sup = join(sup_app, session.join_code, "Sam <b>Sup</b>", "supervisor")
    cps = join(cps_app, session.join_code, "Casey", "peer_specialist")
    join(other_app, session.join_code, "Outsider Olu", "peer_specialist")
    _submit(sup_app, sia.id, {i: "S" for i in ids})
    _submit(cps_app, sia.id, {i: ("A" if i == ids[0] else "S") for i in ids})
    _submit(other_app, sia.id, {i: "I" for i in ids})
    store.set_pair(sup.id, cps.id)

    cps_app.compare_button.value = True
    assert "Comparing with Sam &lt;b&gt;Sup&lt;/b&gt;" in cps_app.compare_status.value
    panel = cps_app.compare_area.children[0]
    shown = _all_html(panel)
    # the first principle was rated differently; it comes first, marked in a symbol and a word
    assert "Where you differ (1)" in shown and "≠</span>&nbsp;different" in shown
    # Casey is the pair's second member but sees their own answers first, as "You"
    row = shown[shown.index("Recovery emerges from Hope"):]
    assert row.index("You</bdi>:</span> <strong>A</strong>") < row.index("Sam &lt;b&gt;Sup&lt;/b&gt;</bdi>:</span>")
    assert "You agree on <strong>9 of 10</strong> items" in shown
    assert "Outsider Olu" not in shown

    cps_app.compare_button.value = False  # closing stops the panel and clears the area
    assert cps_app.compare_area.children == ()

    other_app.compare_button.value = True
    assert "not been paired" in other_app.compare_status.value


def test_no_compare_in_self_study(make_app):
    app = make_app(self_study=True)
    app.join_panel.name.value = "Learner"
    app.join_panel.role.value = "peer_specialist"
    app.join_panel.self_study_button.click()
    assert app.participant is not None
    assert app.compare_button.layout.display == "none"


def _all_html(widget) -> str:
    out = []
    stack = [widget]
    while stack:
        w = stack.pop()
        if hasattr(w, "value") and isinstance(w.value, str):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return "\n".join(out)
