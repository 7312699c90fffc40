"""The participant app in a facilitator-led session: no list, a waiting screen, the exercise the
facilitator opens (drafts of others kept), closed and revealed, the key after the reveal, the
pair offer; self-paced sessions and self-study as before."""

from __future__ import annotations

import asyncio

from peerkit.forms.follow import WAITING_TEXT, LiveFollower
from peerkit.store import Store

from .conftest import fill, join


def _live(store: Store):
    return store.create_live_session("Unit 2 live", "secret-pass")


def test_waiting_screen_then_the_opened_exercise(store, make_app):
    session = _live(store)
    app = make_app()
    join(app, session.join_code, "Avery")
    assert app.following and app.exercise.layout.display == "none"
    assert WAITING_TEXT in app.live_banner.value and 'role="status"' in app.live_banner.value
    assert app.form is None and "Choose an exercise" not in app.hint.value
    assert app.follower.check() is False  # nothing changed: one small read, no redraw
    store.open_exercise(session.id, "sia-recovery-principles", plan="unit-2")
    assert app.follower.check() is True
    assert app.form.instrument.id == "sia-recovery-principles"
    assert "Now:" in app.live_banner.value and WAITING_TEXT not in app.live_banner.value
    assert not app.form.submit_button.disabled and "you may skip it" not in app.live_banner.value
    store.open_exercise(session.id, "recovery-orientation")  # for supervisors; Avery is one
    app.follower.check()
    assert "you may skip it" not in app.live_banner.value
    peer = make_app()
    join(peer, session.join_code, "Pat", "peer_specialist")
    assert "This one is for supervisors; you may skip it" in peer.live_banner.value


def test_switch_keeps_the_unsaved_draft_and_closed_refuses(store, make_app, instruments):
    session = _live(store)
    store.open_exercise(session.id, "sia-recovery-principles")
    app = make_app()
    person = join(app, session.join_code, "Avery")
    sia = app.form
    first = instruments["sia-recovery-principles"].items[0].id
    fill(sia, {first: "S"})  # answered, not submitted
    store.open_exercise(session.id, "program-self-evaluation")
    app.follower.check()
    assert app.form.instrument.id == "program-self-evaluation"
    assert sia in app.form_area.children and sia.layout.display == "none"  # kept, hidden
    assert store.load_draft(person.id, "sia-recovery-principles") == {first: "S"}
    store.open_exercise(session.id, "sia-recovery-principles")
    app.follower.check()
    assert app.form is sia and sia.controls[first].value == "S"
    store.close_answering(session.id)
    app.follower.check()
    assert "Answering is closed" in app.live_banner.value and sia.submit_button.disabled
    assert sia.submit() is None  # a late submit (e.g. a click already on its way) is refused
    assert "closed answering" in sia.status.value and sia.controls[first].value == "S"
    assert store.current_answers(person.id, "sia-recovery-principles") is None


def test_key_only_after_reveal_when_the_facilitator_wants(store, make_app, instruments):
    session = _live(store)
    store.open_exercise(session.id, "misconceptions")
    app = make_app()
    join(app, session.join_code, "Avery")
    form = app.form
    fill(form)
    form.submit_button.click()
    assert "Answer key" not in form.results.value and "when your facilitator reveals" in form.results.value
    store.reveal_results(session.id)
    app.follower.check()
    assert "results</strong> for" in app.live_banner.value and "Answer key" not in form.results.value
    store.reveal_results(session.id, show_key=True)
    app.follower.check()
    assert "Answer key" in form.results.value and "answer key is now" in app.live_banner.value


def test_pair_view_offered_when_both_have_submitted(store, make_app, instruments):
    session = _live(store)
    store.open_exercise(session.id, "sia-recovery-principles")
    sup_app, ps_app = make_app(), make_app()
    sup = join(sup_app, session.join_code, "Maria", "supervisor")
    ps = join(ps_app, session.join_code, "Sam", "peer_specialist")
    store.set_pair(sup.id, ps.id)
    fill(sup_app.form)
    sup_app.form.submit_button.click()
    sup_app.follower.check()
    assert "both submitted" not in sup_app.compare_status.value
    fill(ps_app.form)
    ps_app.form.submit_button.click()
    for app, partner in ((sup_app, "Sam"), (ps_app, "Maria")):
        app.follower.check()
        assert f"You and {partner} have both submitted" in app.compare_status.value
        assert app.compare_button.button_style == "success"


def test_self_paced_and_self_study_keep_the_list(store, make_app, session):
    app = make_app()
    join(app, session.join_code, "Avery")  # a session made with create_session: self-paced
    assert not app.following and app.exercise.layout.display is None
    assert app.select("co-learning").instrument.id == "co-learning"
    led = _live(store)
    app2 = make_app()
    join(app2, led.join_code, "Avery")
    store.open_exercise(led.id, "co-learning")
    app2.follower.check()
    store.set_live_mode(led.id, "self_paced")  # the facilitator hands over
    app2.follower.check()
    assert not app2.following and app2.exercise.layout.display is None
    assert "self-paced" in app2.live_banner.value
    solo = make_app()
    solo.join_panel.name.value, solo.join_panel.role.value = "Sam", "other"
    solo.join_panel.self_study_button.click()
    assert solo.follower is None and not solo.following


def test_leave_stops_following(store, make_app):
    session = _live(store)
    app = make_app()
    join(app, session.join_code, "Avery")
    app.leave()
    assert app.follower is None and app.live_banner.layout.display == "none"


def test_follower_polls_on_the_event_loop(store):
    session = _live(store)
    seen = []
    follower = LiveFollower(store, session.id, seen.append, interval=0.05)

    async def run() -> None:
        assert follower.start()
        for _ in range(200):
            await asyncio.sleep(0.01)
            if follower.checks >= 3:
                break
        store.open_exercise(session.id, "co-learning")
        for _ in range(200):
            await asyncio.sleep(0.01)
            if len(seen) >= 2:
                break
        follower.stop()

    asyncio.run(run())
    assert [s.current for s in seen] == [None, ("co-learning", "")]
    assert follower.checks >= 3 and not follower.running
