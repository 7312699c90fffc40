"""Running a facilitator-led session from the dashboard, and the projector view that follows it."""

from __future__ import annotations

import pytest

from peerkit.dashboard import facilitator_dashboard, projector_view
from peerkit.dashboard.live import NOTHING, default_plan
from peerkit.joining import join_card_html, join_url, public_base

from .test_dashboard import visible_text
from .test_reports import strip_images


@pytest.fixture
def live_app(store, curriculum):
    key = store.new_facilitator_key()  # creating a session from the web needs it
    app = facilitator_dashboard(store, instruments=curriculum)
    app.new_title.value = "Unit 2, March"
    app.new_passcode.value = app.new_passcode2.value = "abcd"
    app.facilitator_key.value = key
    app.create_button.click()
    assert app.unlocked
    return app


def _answers(ins, value):
    return {i.id: value for i in ins.items}


def test_run_unit_2_from_the_dashboard(store, curriculum, live_app):
    app, panel = live_app, live_app.live_panel
    sid = app.session.id
    assert panel.mode.value == "facilitator" and panel.plan.value == "unit-2"  # from the title
    assert panel.exercise.value == NOTHING and "waiting screen" in visible_text(panel)
    labels = [label for label, _ in panel.exercise.options]
    assert labels[1].startswith("1. Supervisor/CPS Exercise 2.1") and labels[2].startswith("2. Supervisor/CPS "
                                                                                           "Exercise 2.2")
    people = [store.join(sid, n, r) for n, r in (("Ann", "supervisor"), ("Ben", "peer_specialist"),
                                                  ("Cy", "other"))]
    panel.next_button.click()  # nothing open -> the first exercise of the unit
    state = store.live_state(sid)
    assert state.current == ("sia-recovery-principles", "") and state.plan == "unit-2"
    assert panel.previous_button.disabled and not panel.next_button.disabled
    sia = curriculum["sia-recovery-principles"]
    store.submit(people[0].id, sia, _answers(sia, "S"))
    store.submit(people[1].id, sia, _answers(sia, "I"))
    app.refresh()
    assert "2 of 3</strong> submitted" in panel.count.value
    panel.close_button.click()
    assert store.live_state(sid).phase == "closed" and panel.close_button.disabled
    panel.reveal_button.click()
    assert store.live_state(sid).phase == "revealed" and panel.reveal_button.disabled
    panel.next_button.click()
    assert store.live_state(sid).current == ("program-self-evaluation", "")
    assert panel.next_button.disabled  # the last exercise of Unit 2
    panel.previous_button.click()
    assert store.live_state(sid).current == ("sia-recovery-principles", "")
    panel.exercise.value = NOTHING
    panel.open_button.click()
    assert store.live_state(sid).waiting


def test_mode_switch_and_key_checkbox(store, curriculum, live_app):
    panel, sid = live_app.live_panel, live_app.session.id
    panel.mode.value = "self_paced"
    assert not store.live_state(sid).facilitator_led and panel.controls.layout.display == "none"
    panel.mode.value = "facilitator"
    panel.plan.value = "handbook"
    assert store.live_state(sid).plan == "handbook"
    panel.exercise.value = "misconceptions|"
    panel.open_button.click()
    assert panel.show_key.layout.display is None  # a quiz: the key can be shown
    panel.show_key.value = True
    panel.reveal_button.click()
    state = store.live_state(sid)
    assert state.revealed and state.show_key
    panel.exercise.value = "peer-support-values|"
    panel.open_button.click()
    assert panel.show_key.layout.display == "none" and not store.live_state(sid).show_key


def test_errors_are_messages(store, live_app):
    panel = live_app.live_panel
    panel.plan.value = "unit-5"  # one exercise
    panel.next_button.click()
    assert panel.next_button.disabled
    panel._do(panel.next)  # nothing after it (e.g. a second dashboard moved on): a message, not a traceback
    assert "last exercise" in panel.status.value


def test_projector_follows_count_then_results(store, curriculum, live_app):
    sid = live_app.session.id
    screen = projector_view(store, sid, instruments=curriculum, min_group=2)
    code = live_app.session.join_code
    assert "Join the session" in screen.main.value
    people = [store.join(sid, n, r) for n, r in (("Ann", "supervisor"), ("Ben", "peer_specialist"),
                                                  ("Cy", "other"))]
    store.open_exercise(sid, "sia-recovery-principles")
    sia = curriculum["sia-recovery-principles"]
    store.submit(people[0].id, sia, _answers(sia, "S"))
    screen.refresh()
    assert "1 of 3 submitted" in screen.main.value and screen.results is None
    store.submit(people[1].id, sia, _answers(sia, "A"))
    store.close_answering(sid)
    screen.refresh()
    assert "2 of 3 submitted" in screen.main.value and "Answering is closed" in screen.main.value
    text = visible_text(screen)
    assert "Ann" not in text and "Ben" not in text
    store.reveal_results(sid)
    screen.refresh()
    assert screen.results.layout.display is None and "The group's results" in screen.main.value
    assert '<figure class="peerkit-chart"' in screen.results.content.value  # the charts (SVG)
    assert "Ann" not in strip_images(visible_text(screen))  # aggregates only
    store.set_live_mode(sid, "self_paced")
    screen.refresh()
    assert screen.legacy is not None and code in visible_text(screen)
    store.set_live_mode(sid, "facilitator")
    screen.refresh()
    assert screen.legacy is None and "The group's results" in screen.main.value
    screen.close()


def test_join_link_and_qr(monkeypatch):
    monkeypatch.delenv("PEERKIT_PUBLIC_URL", raising=False)
    assert public_base(None) is None
    assert public_base("http://10.0.0.5:8866/voila/render/group-display.ipynb?code=X") == "http://10.0.0.5:8866/"
    assert public_base("https://hub.example/user/ann/voila/render/x.ipynb") == "https://hub.example/user/ann/"
    monkeypatch.setenv("PEERKIT_PUBLIC_URL", "http://192.168.1.20:8866")
    link = join_url(public_base(), "K7P-X3M")
    assert link == "http://192.168.1.20:8866/voila/render/participant.ipynb?code=K7PX3M"
    card = join_card_html(link, "K7P-X3M")
    assert "<svg" in card and "viewBox" in card and link in card and "K7P-X3M" in card
    import segno

    assert segno.make(link, error="m").designator  # the encoded text is the link itself


def test_default_plan_from_the_title():
    assert default_plan("Unit 4 – ethics") == "unit-4"
    assert default_plan("Spring workshop") == "unit-1"


def test_start_page_join_card_and_display_group_size(monkeypatch):
    from peerkit import pages

    monkeypatch.setenv("PEERKIT_PUBLIC_URL", "http://192.168.1.20:8866/")
    monkeypatch.setenv("QUERY_STRING", "code=k7p-x3m&min_group=2")
    box = pages.join_card_page()
    assert box.code.value == "k7p-x3m" and "K7P-X3M" in box.card.html.value
    assert "participant.ipynb?code=K7PX3M" in box.card.html.value and "<svg" in box.card.html.value
    box.code.value = "not a code"  # no code: the link to the participant app without one
    assert box.card.html.value.count("participant.ipynb\"") == 1 and "Join code" not in box.card.html.value
    assert pages._display_min_group() == 2
    monkeypatch.setenv("QUERY_STRING", "min_group=lots")
    monkeypatch.setenv("PEERKIT_DISPLAY_MIN_GROUP", "4")
    assert pages._display_min_group() == 4
    monkeypatch.delenv("PEERKIT_DISPLAY_MIN_GROUP")
    assert pages._display_min_group() == 3


def test_projector_reveals_the_opened_occasion_only(store, curriculum, live_app):
    """A repeated exercise (before / after the course): the projector shows the results of the
    occasion the facilitator opened, not every occasion at once."""
    sid = live_app.session.id
    screen = projector_view(store, sid, instruments=curriculum, min_group=2)
    ins = curriculum["role-clarity-checklist"]
    labels = {o.id: o.label for o in ins.occasions}
    people = [store.join(sid, n, "supervisor") for n in ("Ann", "Bea")]
    for occasion, value in (("pre", True), ("post", False)):
        store.open_exercise(sid, ins.id, occasion)
        for p in people:
            store.submit(p.id, ins, _answers(ins, value), occasion)
        store.reveal_results(sid)
        screen.refresh()
        shown = screen.results.content.value
        other = next(label for occ, label in labels.items() if occ != occasion)
        assert labels[occasion] in shown and other not in shown, occasion
    screen.close()
