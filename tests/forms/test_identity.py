"""Who a participant page is: device tokens, taken names, resume codes, the facilitator's approval,
two tabs of one person, drafts while typing, and what a closed or deleted session tells people."""

from __future__ import annotations

import asyncio

from peerkit.forms import ParticipantApp
from peerkit.frontend.connection import ConnectionWatch
from peerkit.frontend.device import DeviceKeeper

from .conftest import fill, join, same_device


def _text_of(app) -> str:
    return " ".join([app.join_panel.status.value, app.join_panel.taken_text.value,
                     app.join_panel.waiting_text.value])


def test_first_join_shows_the_resume_code_and_keeps_the_token_on_this_device(make_app, session, store):
    app = make_app()
    person = join(app, session.join_code, "Alex", "supervisor")
    kept = app.join_panel.device.stored
    assert kept["token"] and store.resume_device(kept["token"]).participant.id == person.id
    code = kept["code"]
    assert code and code in app.identity_note.value and "personal resume code" in app.identity_note.value
    assert store.resume_with_code(session.id, "Alex", code).participant.id == person.id


def test_another_browser_typing_a_taken_name_is_not_that_person(make_app, session, store, instruments):
    alex_app = make_app()
    alex = join(alex_app, session.join_code, "Alex", "supervisor")
    form = alex_app.select("readiness-timeline")
    fill(form)
    form.submit_button.click()
    code = alex_app.join_panel.device.stored["code"]

    other = make_app()  # a colleague's phone
    assert join(other, session.join_code, "  ALEX ", "peer_specialist") is None
    assert other.participant is None and other.work_area.layout.display == "none"
    assert "already uses the name" in _text_of(other)
    panel = other.join_panel
    assert panel.taken_box.layout.display is None
    panel.resume_input.value = "WRNG-CODE"
    panel.resume_button.click()
    assert other.participant is None and "not right" in panel.status.value
    panel.resume_input.value = code.lower()
    panel.resume_button.click()
    assert other.participant.id == alex.id  # with the code: it is Alex, on a second device
    assert other.join_panel.device.stored["token"] != alex_app.join_panel.device.stored["token"]
    assert [p.display_name for p in store.participants(session.id)] == ["Alex"]


def test_the_facilitator_lets_a_new_device_in(make_app, session, store):
    first = make_app()
    alex = join(first, session.join_code, "Alex", "supervisor")
    phone = make_app()
    join(phone, session.join_code, "alex", "supervisor")
    phone.join_panel.ask_button.click()
    assert phone.join_panel.waiting_box.layout.display is None
    assert "Waiting for your facilitator" in phone.join_panel.waiting_text.value
    phone.join_panel.check_button.click()
    assert phone.participant is None
    reloaded = make_app()  # still waiting after a reload
    same_device(phone, reloaded)
    assert reloaded.participant is None and reloaded.join_panel.waiting_box.layout.display is None
    store.approve_device(session.id, store.pending_devices(session.id)[0].id)
    reloaded.join_panel.check_button.click()
    assert reloaded.participant.id == alex.id


def test_a_refused_device_is_told(make_app, session, store):
    join(make_app(), session.join_code, "Alex", "supervisor")
    phone = make_app()
    join(phone, session.join_code, "Alex", "supervisor")
    phone.join_panel.ask_button.click()
    store.reject_device(session.id, store.pending_devices(session.id)[0].id)
    phone.join_panel.check_button.click()
    assert phone.participant is None and "did not let this device in" in phone.join_panel.status.value
    assert phone.join_panel.device.stored == {}


def test_a_token_that_no_longer_works_is_dropped_with_a_plain_message(make_app, session, store):
    app = make_app()
    person = join(app, session.join_code, "Alex", "supervisor")
    store.remove_participant(person.id)
    again = make_app()
    assert same_device(app, again) is None
    assert "no longer works" in again.join_panel.status.value
    assert again.join_panel.device.stored == {}


def test_leaving_forgets_this_device(make_app, session, store):
    app = make_app()
    join(app, session.join_code, "Alex", "supervisor")
    token = app.join_panel.device.stored["token"]
    app.leave_button.click()
    assert app.join_panel.device.stored == {} and store.resume_device(token) is None
    assert "resume code" in app.join_panel.status.value


def test_a_closed_session_still_shows_my_answers_and_results(make_app, session, store):
    app = make_app()
    join(app, session.join_code, "Alex", "supervisor")
    form = app.select("readiness-timeline")
    fill(form)
    form.submit_button.click()
    store.set_status(session.id, "closed")
    later = make_app()
    assert same_device(app, later) is not None
    assert "This session is closed" in later.identity_note.value
    form = later.select("readiness-timeline")
    assert form.results.value and "submitted this exercise before" in form.status.value
    new = make_app()
    assert join(new, session.join_code, "Newcomer", "other") is None
    assert "is closed" in new.join_panel.status.value and new.join_panel.status.value.rstrip("</div>").endswith(".")


def test_a_deleted_session_gives_a_plain_message(make_app, session, store):
    app = make_app()
    join(app, session.join_code, "Alex", "supervisor")
    form = app.select("readiness-timeline")
    values = fill(form)
    store.purge_session(session.id)
    form.submit_button.click()
    status = form.status.value
    assert "removed this name or deleted the session." in status and "copy anything" in status
    assert "try again" not in status
    assert {i: c.value for i, c in form.controls.items()} == values


def test_a_stale_tab_never_silently_replaces_newer_answers(make_app, session, store, instruments):
    ins = instruments["readiness-timeline"]
    tab_a = make_app()
    person = join(tab_a, session.join_code, "Alex", "supervisor")
    tab_b = make_app()
    same_device(tab_a, tab_b)
    form_a, form_b = tab_a.select(ins.id), tab_b.select(ins.id)
    first = ins.items[0].id
    fill(form_b, {first: True})
    form_b.submit_button.click()  # tab B: revision 1
    fill(form_a, {first: False})
    form_a.submit_button.click()  # tab A was opened before revision 1
    assert form_a.conflict is not None and form_a.conflict_box.layout.display is None
    assert "another tab or device" in form_a.status.value
    assert store.current_answers(person.id, ins.id) == {first: True}
    form_a.load_newer_button.click()
    assert form_a.controls[first].input.value is True and form_a.conflict is None
    fill(form_a, {first: False})
    form_a.submit_button.click()  # based on revision 1 now: no conflict
    assert store.current_revision(person.id, ins.id) == 2
    fill(form_b, {first: True, ins.items[1].id: True})
    form_b.submit_button.click()  # tab B is stale now
    assert form_b.conflict is not None
    form_b.keep_mine_button.click()
    assert store.current_answers(person.id, ins.id) == {first: True, ins.items[1].id: True}
    assert store.current_revision(person.id, ins.id) == 3


def test_written_answers_are_saved_while_typing_after_a_pause(make_app, session, store, monkeypatch):
    import peerkit.forms.form as form_module

    monkeypatch.setattr(form_module, "DRAFT_DELAY", 0.05)
    app = make_app()
    person = join(app, session.join_code, "Alex", "supervisor")
    form = app.select("co-learning")
    box = form.controls[form.instrument.items[0].id].input
    assert box.continuous_update is True

    async def type_words() -> None:
        timers = []
        for text in ("I", "I think", "I think so"):
            box.value = text  # each keystroke reaches the kernel and restarts the pause timer
            timers.append(form._draft_timer)
        # no await since the first keystroke, so no timer can have fired: nothing saved yet
        assert store.load_draft(person.id, "co-learning") is None
        assert len({id(t) for t in timers}) == 3 and all(t.cancelled() for t in timers[:2])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while store.load_draft(person.id, "co-learning") is None and loop.time() < deadline:
            await asyncio.sleep(0.02)  # the pause: the last timer fires

    asyncio.run(type_words())
    assert store.load_draft(person.id, "co-learning") == {form.instrument.items[0].id: "I think so"}
    assert "Draft saved" in form.draft_status.value


def test_name_inputs_have_a_length_limit_and_focus_moves_after_join(make_app, session):
    app = make_app()
    assert app.connection.maxlength[".peerkit-join-name input"] == 60
    sent = []
    app.connection.send = lambda content, buffers=None: sent.append(content)
    join(app, session.join_code, "Alex", "supervisor")
    assert {"type": "focus", "selector": ".peerkit-signed-in-text"} in sent
    assert 'tabindex="-1"' in app.signed_in.value


def test_connection_watch_answers_pings_and_device_keeper_round_trip() -> None:
    watch = ConnectionWatch()
    sent = []
    watch.send = lambda content, buffers=None: sent.append(content)
    watch._on_message(watch, {"type": "ping"}, [])
    watch._on_message(watch, {"type": "other"}, [])
    assert sent == [{"type": "pong"}] and watch.pings == 1
    assert "Not connected" in watch.message and "not saved" in watch.message

    keeper = DeviceKeeper("peerkit-test")
    got = []
    keeper.on_load(got.append)
    messages = []
    keeper.send = lambda content, buffers=None: messages.append(content)
    keeper.stored = {"token": "t1"}
    keeper.loaded = True  # what the browser does on a page load
    assert got == [{"token": "t1"}]
    keeper.update(place="quiz|", token=None)
    assert messages[-1] == {"type": "save", "data": {"place": "quiz|"}}
    keeper.clear()
    assert messages[-1] == {"type": "clear"} and keeper.stored == {}


def test_self_study_has_no_facilitator_option(store, instruments):
    first = ParticipantApp(store, instruments, self_study=True)
    panel = first.join_panel
    panel.name.value, panel.role.value = "Robin", "other"
    panel.self_study_button.click()
    code = panel.device.stored["code"]
    second = ParticipantApp(store, instruments, self_study=True)
    p2 = second.join_panel
    p2.name.value, p2.role.value = "robin", "other"
    p2.self_study_button.click()
    assert second.participant is None and p2.ask_button.layout.display == "none"
    assert "ask the facilitator" not in p2.status.value
    p2.resume_input.value = code
    p2.resume_button.click()
    assert second.participant.id == first.participant.id



def test_the_join_pages_name_limit_is_the_stores() -> None:
    from peerkit.forms.join import NAME_LIMIT
    from peerkit.store.schema import MAX_NAME_LENGTH

    assert NAME_LIMIT == MAX_NAME_LENGTH
