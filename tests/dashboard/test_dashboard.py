"""The dashboards: the passcode guards everything individual; the group display names nobody;
a participant sees only their own pair; live refresh, notes and exports work."""

from __future__ import annotations

import asyncio
import html
import re
import subprocess
import sys
from typing import Any, Iterator

import ipywidgets as widgets

from peerkit.dashboard import Poller, facilitator_dashboard, group_display, pair_view
from peerkit.dashboard import app as app_module

from .test_reports import DEMO_NAMES, EVIL, strip_images


def walk(w: Any) -> Iterator[Any]:
    yield w
    for child in getattr(w, "children", ()) or ():
        yield from walk(child)


def visible_text(w: Any) -> str:
    """Everything a widget tree would put on the page: HTML, values, labels, options."""
    parts = []
    for x in walk(w):
        for attr in ("value", "description", "placeholder", "tooltip"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                parts.append(v)
        for label in getattr(x, "_options_labels", ()) or ():
            parts.append(str(label))
        titles = getattr(x, "titles", None)
        if titles:
            parts.extend(str(t) for t in titles)
    return "\n".join(parts)


def names_in(text: str, names=DEMO_NAMES) -> list[str]:
    text = strip_images(text)
    return [n for n in names if re.search(rf"\b{n}\b", text)]


# -- passcode -----------------------------------------------------------------------------------

def test_nothing_individual_before_unlock(store, demo):
    app = facilitator_dashboard(store)
    assert not app.unlocked and app.model is None and not hasattr(app, "tabs")
    text = visible_text(app)
    assert "Demo session" not in text  # the locked dashboard lists no session titles
    assert names_in(text) == []  # and nobody in them
    assert demo.join_code not in text
    assert "Join code" in text and "Facilitator passcode" in text


def test_wrong_passcode_is_refused(store, demo):
    app = facilitator_dashboard(store)
    app.join_code.value = demo.join_code
    app.passcode.value = "not-the-passcode"
    app.unlock_button.click()
    assert not app.unlocked and app.model is None
    assert "not right" in app.login_message.value and 'role="alert"' in app.login_message.value
    assert app.passcode.value == ""  # cleared after each try
    assert names_in(visible_text(app)) == []
    assert not app.unlock(demo.id, "")  # empty passcode refused too
    assert not app.unlocked


def test_repeated_failures_lock_out_across_reloads(store, demo):
    from peerkit.store.access import MAX_FAILURES

    for _ in range(MAX_FAILURES):  # every guess on a fresh page (a reload: a new dashboard)
        assert not facilitator_dashboard(store).unlock(demo.id, "wrong")
    app = facilitator_dashboard(store)
    assert not app.unlock(demo.id, "demo")  # even the right one, for a while
    assert "Too many wrong passcodes" in app.login_message.value
    with store.engine.begin() as conn:  # the lock has run out
        conn.exec_driver_sql("UPDATE access_failures SET locked_until = NULL")
    assert app.unlock(demo.id, "demo")


def test_unlock_shows_the_group_pairs_submissions_and_export(store, demo):
    app = facilitator_dashboard(store)
    app.join_code.value = demo.join_code
    app.passcode.value = "demo"
    app.unlock_button.click()
    assert app.unlocked and app.session.id == demo.id
    assert app.tabs.titles == ("Group", "Pairs", "Who has submitted", "People", "Export")
    assert "12</strong> participants" in app.header.value
    assert re.search(r"Last updated \d\d:\d\d:\d\d", app.updated.value)
    group = app.group_panel.content.value
    # charts as SVG with real text, named by their summary sentence, each with its table
    assert '<svg role="img" aria-label="' in group and "<figcaption>" in group and "<table" in group
    # the facilitator sees names (who has submitted, pairs)
    assert set(names_in(app.submitted_panel.content.value)) == set(DEMO_NAMES)
    assert [label for label, _ in app.pairs_panel.picker.options][0] == "Maria & Sam"
    # locking removes everything individual again
    app.lock()
    assert not app.unlocked and names_in(visible_text(app)) == []


def test_unlock_by_join_code(store, demo):
    app = facilitator_dashboard(store)
    app.join_code.value = demo.join_code.lower().replace("-", " ")
    app.passcode.value = "demo"
    app.unlock_button.click()
    assert app.unlocked
    other = facilitator_dashboard(store)
    other.join_code.value = "ZZZ-ZZZ"
    other.passcode.value = "demo"
    other.unlock_button.click()
    assert not other.unlocked and "No session has this join code" in other.login_message.value


def test_create_session_then_pair_and_compare(store, curriculum):
    key = store.new_facilitator_key()
    app = facilitator_dashboard(store)
    app.new_title.value = "Spring <training>"
    app.new_passcode.value = "abcd"
    app.new_passcode2.value = "abce"
    app.create_button.click()
    assert not app.unlocked and "differ" in app.create_message.value
    app.new_passcode2.value = "abcd"
    app.create_button.click()
    assert not app.unlocked and "Type the facilitator key" in app.create_message.value
    app.facilitator_key.value = "WRONG-KEY"
    app.create_button.click()
    assert not app.unlocked and "not right" in app.create_message.value
    assert [s.title for s in store.list_sessions()] == []  # nothing was created
    app.facilitator_key.value = key
    app.create_button.click()
    assert app.unlocked and "Spring &lt;training&gt;" in app.header.value
    assert app.facilitator_key.value == ""
    sid = app.session.id
    assert store.check_passcode(sid, "abcd")
    assert store.live_state(sid).facilitator_led  # a new session from the dashboard
    app.live_panel.mode.value = "self_paced"  # this test's participants choose for themselves
    ann = store.join(sid, "Ann", "supervisor")
    ben = store.join(sid, "Ben", "peer_specialist")
    app.refresh()
    app.pairs_panel.sup.value = ann.id
    app.pairs_panel.sub.value = ben.id
    app.pairs_panel.make_pair()
    assert store.partner(ann.id).id == ben.id
    assert [label for label, _ in app.pairs_panel.picker.options] == ["Ann & Ben"]
    sia = curriculum["sia-recovery-principles"]
    items = [i.id for i in sia.items]
    store.submit(ann.id, sia, {i: "S" for i in items})
    store.submit(ben.id, sia, {i: ("I" if k % 2 else "S") for k, i in enumerate(items)})
    assert app.refresh()  # new answers: the data changed
    view = app.pairs_panel.view
    view.picker.value = ("compare", sia.id, "")
    text = visible_text(view)
    # one list, differences first, each marked in a symbol and a word
    assert "≠</span>&nbsp;different" in text and "=</span>&nbsp;same" in text
    assert text.index("Where they differ (5)") < text.index("Where they agree (5)")
    assert "agree on <strong>5 of 10</strong> items" in text
    # the source's prompt for discussing differences comes with them
    assert "Talk about it:" in text
    assert html.escape(sia.discussion.questions[0].text.splitlines()[0][:30]) in text
    # action steps for every item either rated I or A, saved as notes
    boxes = [w for w in walk(view) if isinstance(w, widgets.Textarea)
             and "peerkit-action-note" in w._dom_classes]
    assert len(boxes) == len(items) // 2
    boxes[0].value = "Ask HR <now>"
    notes = store.notes(view.pair_id, sia.id)
    assert list(notes.values()) == ["Ask HR <now>"] and list(notes)[0].startswith("action:")
    questions = [w for w in walk(view) if isinstance(w, widgets.Textarea)
                 and "peerkit-question-note" in w._dom_classes]
    assert len(questions) == len(sia.discussion.questions)
    questions[0].value = "We differ on hope"
    assert store.notes(view.pair_id, sia.id)["question:d1"] == "We differ on hope"
    assert "Saved at" in view.note_status.value
    assert app.refresh() is False  # nothing new: no re-read, no re-render


def test_self_evaluation_pair_view_has_areas_kappa_gaps_and_eight_questions(store, demo, curriculum):
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    view = app.pairs_panel.view
    pse = curriculum["program-self-evaluation"]
    view.picker.value = ("compare", pse.id, "")
    text = visible_text(view)
    assert "Per area" in text and "Agreement (kappa)" in text and "Where they differ" in text
    # area titles (never ids), plain words for kappa, means on this frequency scale
    assert "Strength-Based Recovery Planning" in text and "agreement" in text and "Mean, " in text
    assert "Weighted kappa" not in text
    questions = [w for w in walk(view) if isinstance(w, widgets.Textarea)]
    assert len(questions) == len(pse.discussion.questions) == 8
    rc = curriculum["role-clarity-checklist"]
    view.picker.value = ("prepost", rc.id, "")
    assert "→" in visible_text(view) and "gained" in visible_text(view)


def test_live_refresh_picks_up_new_submissions(store, demo, curriculum):
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    before = app.model.submissions
    newcomer = store.join(demo.id, "Zed", "peer_specialist")
    ins = curriculum["readiness-timeline"]
    store.submit(newcomer.id, ins, {i.id: False for i in ins.items})
    assert app.refresh()
    assert app.model.submissions == before + 1
    assert "13</strong> participants" in app.header.value
    assert "Zed" in app.submitted_panel.content.value


async def _until(condition, timeout: float = 10.0) -> None:
    """Wait (on the loop, letting the poller run) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def test_poller_runs_pauses_and_stops():
    calls = []

    async def scenario() -> None:
        poller = Poller(lambda: calls.append(1), interval=0.01)
        assert poller.start() and poller.running
        await _until(lambda: len(calls) >= 2)
        poller.paused = True
        await asyncio.sleep(0.03)  # a tick that had already begun may still finish
        n = len(calls)
        await asyncio.sleep(0.05)
        assert len(calls) == n  # paused: no reads
        poller.paused = False
        await _until(lambda: len(calls) > n)
        poller.stop()
        await asyncio.sleep(0)
        assert not poller.running

    asyncio.run(scenario())
    assert Poller(lambda: None).start() is False  # no running loop: nothing started


def test_poller_survives_errors_and_says_when_it_recovers():
    seen, recovered = [], []
    failing = [True]

    def flaky() -> None:
        if failing[0]:
            raise RuntimeError("database is locked")

    async def scenario() -> None:
        poller = Poller(flaky, interval=0.01, on_error=seen.append, on_recover=lambda: recovered.append(1))
        poller.start()
        await _until(lambda: len(seen) >= 2)
        assert poller.running and poller.failing and not recovered  # keeps polling
        failing[0] = False
        await _until(lambda: recovered)
        assert not poller.failing
        n = len(seen)
        await asyncio.sleep(0.05)
        assert len(recovered) == 1 and len(seen) == n  # told once, and no more errors
        poller.stop()

    asyncio.run(scenario())
    assert "locked" in str(seen[0])


def test_export_buttons_offer_download_links(store, demo, tmp_path):
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    ep = app.export_panel
    ep.csv_button.click()
    assert 'download="session-' in ep.links.value and "data:text/csv;base64," in ep.links.value
    ep.xlsx_button.click()
    assert "spreadsheetml" in ep.links.value
    ep.blank_button.click()
    assert "data:application/zip;base64," in ep.links.value
    ep.pair_picker.value = ep.pair_picker.options[0][1]
    ep.pair_html_button.click()
    assert 'download="pair-' in ep.links.value
    files = sorted(p.name for p in (tmp_path / "home" / "exports").iterdir())
    assert any(f.endswith(".csv") for f in files) and any(f.endswith(".xlsx") for f in files)
    assert "error" not in ep.status.value


# -- the group display -------------------------------------------------------------------------------

def test_group_display_names_nobody(store, demo, curriculum):
    evil = store.join(demo.id, EVIL, "other")
    store.submit(evil.id, curriculum["readiness-timeline"],
                 {i.id: True for i in curriculum["readiness-timeline"].items})
    g = group_display(store, demo.id)
    for value in [o[1] for o in g.panel.picker.options]:
        g.panel.picker.value = value
        text = visible_text(g)
        assert names_in(text) == [], value
        assert "alert" not in text
    assert demo.join_code in g.header.value
    assert '<figure class="peerkit-chart"' in g.panel.content.value
    g.close()


def test_group_display_hides_small_groups(store, curriculum):
    s = store.create_session("Tiny", "pass1234")
    ins = curriculum["readiness-timeline"]
    for name in ("Ann", "Ben"):
        p = store.join(s.id, name, "supervisor")
        store.submit(p.id, ins, {i.id: True for i in ins.items})
    g = group_display(store, s.id)
    assert "Results appear once at least 3 people have submitted" in g.panel.content.value
    assert "<figure" not in g.panel.content.value
    p = store.join(s.id, "Cat", "peer_specialist")
    store.submit(p.id, ins, {i.id: False for i in ins.items})
    g.refresh()
    content = g.panel.content.value
    assert '<figure class="peerkit-chart"' in content
    # one peer specialist: no role breakdown that would show her answers
    assert "Peer specialist" not in content


# -- a participant's own pair ------------------------------------------------------------------------

def test_pair_view_shows_only_the_own_pair(store, demo):
    maria = next(p for p in store.participants(demo.id) if p.display_name == "Maria")
    view = pair_view(store, maria)
    text = visible_text(view)
    assert set(names_in(text)) == {"Maria", "Sam"}
    assert view.view.picker.options
    # notes are saved with the participant as author
    for value in [o[1] for o in view.view.picker.options]:
        view.view.picker.value = value
        if value[0] == "compare":
            assert "≠" in visible_text(view) or "= same" in visible_text(view)
    box = next(w for w in walk(view) if isinstance(w, widgets.Textarea))
    box.value = "Our plan"
    assert "Our plan" in store.notes(maria.pair_id, view.view.picker.value[1]).values()
    view.close()


def test_pair_view_without_a_pair(store, demo):
    loner = store.join(demo.id, "Solo", "other")
    view = pair_view(store, loner.id)
    assert "not in a pair yet" in view.message.value
    assert names_in(visible_text(view)) == []


def test_data_and_chart_modules_import_no_ui():
    """prep, plots, blocks and reports load without matplotlib or ipywidgets (lazy imports)."""
    code = ("import sys, peerkit.prep, peerkit.plots, peerkit.blocks, peerkit.reports; "
            "bad = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- closing, people, live updates --------------------------------------------------------------

def _unlocked(store, session, passcode):
    app = facilitator_dashboard(store)
    assert app.unlock(session.id, passcode)
    return app


def test_stop_accepting_answers_asks_to_confirm(store, demo):
    app = _unlocked(store, demo, "demo")
    app.open_button.click()
    assert store.get_session(demo.id).status == "open"  # nothing yet: it asks first
    assert app.close_confirm.layout.display is None and "Stop accepting answers" in app.close_text.value
    app.close_no.click()
    assert app.close_confirm.layout.display == "none" and store.get_session(demo.id).status == "open"
    app.open_button.click()
    app.close_yes.click()
    assert store.get_session(demo.id).status == "closed"
    assert "Closed to answers" in app.header.value and "still read" in app.header.value
    assert app.open_button.description == "Accept answers again"
    app.open_button.click()  # reopening needs no confirmation
    assert store.get_session(demo.id).status == "open"


def test_people_tab_approves_devices_and_removes_or_merges_with_confirmation(store, curriculum):
    s = store.create_session("People test", "pass-people")
    alex = store.join_device(s.id, "Alex", "supervisor")
    typo = store.join_device(s.id, "Alx", "supervisor").participant
    ghost = store.join_device(s.id, "<b>Ghost</b>", "other").participant
    _, token = store.request_device(s.id, "alex")
    app = _unlocked(store, s, "pass-people")
    people = app.people_panel
    assert "1 device waiting" in app.header.value
    approve = [w for w in walk(people.pending_box) if "peerkit-dash-approve" in getattr(w, "_dom_classes", ())]
    assert approve and "<b>" not in people.pending_box.children[0].children[0].value.replace("<strong>", "")
    approve[0].click()
    assert store.resume_device(token).participant.id == alex.participant.id
    assert "waiting" not in app.header.value
    # remove: asks first, cancel keeps everyone
    people.person.value = ghost.id
    people.remove_button.click()
    assert people.confirm_box.layout.display is None and "cannot be undone" in people.confirm_text.value
    assert "&lt;b&gt;Ghost" in people.confirm_text.value
    people.cancel_button.click()
    assert len(store.participants(s.id)) == 3
    people.remove_button.click()
    people.confirm_button.click()
    assert [p.display_name for p in store.participants(s.id)] == ["Alex", "Alx"]
    # merge the typo into Alex, keeping the answers
    quiz = curriculum["misconceptions"]
    store.submit(typo.id, quiz, {quiz.items[0].id: True})
    people.person.value = typo.id
    people.target.value = alex.participant.id
    people.keep.value = True
    people.merge_button.click()
    assert "Merge Alx into Alex" in people.confirm_text.value
    people.confirm_button.click()
    assert [p.display_name for p in store.participants(s.id)] == ["Alex"]
    assert store.current_answers(alex.participant.id, quiz.id) == {quiz.items[0].id: True}
    # a new resume code, shown once
    people.person.value = alex.participant.id
    code = people.new_code()
    assert code in people.status.value
    assert store.resume_with_code(s.id, "Alex", code).participant.id == alex.participant.id


def test_live_updates_stopped_is_shown(store, demo):
    app = _unlocked(store, demo, "demo")
    app._on_error(RuntimeError("the database is not reachable"))
    assert "Live updates stopped" in app.updated.value and "keeps trying" in app.updated.value
    assert "Not connected" in app.connection.message


def test_group_tab_computes_each_exercise_once_per_change_of_its_answers(store, demo, curriculum):
    """Switching exercise serves a view already computed; new answers to one exercise recompute
    that exercise only (the session model is re-read once per change, not per switch)."""
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    panel = app.group_panel
    order = [v for _, v in panel.picker.options]
    assert len(order) >= 3
    for iid in order + order:  # every exercise, then all of them again
        panel.picker.value = iid
    assert panel.computed == len(order)
    shown = {iid: None for iid in order}
    for iid in order:
        panel.picker.value = iid
        shown[iid] = panel.content.value
    quiz = curriculum["readiness-timeline"]
    newcomer = store.join(demo.id, "Nia", "peer_specialist")
    store.submit(newcomer.id, quiz, {i.id: True for i in quiz.items})
    before = panel.computed
    assert app.refresh()
    for iid in order:
        panel.picker.value = iid
    assert panel.computed == before + 1  # the quiz only
    panel.picker.value = quiz.id
    assert panel.content.value != shown[quiz.id]
    # what the dashboard runs in a worker thread after a change: only what changed is computed
    panel.picker.value = order[0] if order[0] != quiz.id else order[1]
    another = store.join(demo.id, "Oli", "supervisor")
    store.submit(another.id, quiz, {i.id: False for i in quiz.items})
    computed = panel.computed
    assert app.refresh()
    assert [ins.id for ins, _, _ in panel.warm_jobs()] == [quiz.id]
    assert panel.warm() == 1 and panel.warm_jobs() == []
    for iid in order:
        panel.picker.value = iid
    assert panel.computed == computed + 1


def test_group_tables_have_one_row_per_item_and_columns_per_role(store, demo, curriculum):
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    sia = curriculum["sia-recovery-principles"]
    app.group_panel.picker.value = sia.id
    page = app.group_panel.content.value
    table = page[page.index("how many gave each answer"):]
    table = table[:table.index("</table>")]
    body = table[table.index("<tbody>"):]
    assert body.count("<tr") == len(sia.items)  # each item once, not once per role
    for role in ("Supervisors", "Peer specialists", "Everyone"):
        assert f'scope="colgroup" colspan=' in table and f">{role}</th>" in table
    # the area table of the self-evaluation: one row per area, titles never ids
    pse = curriculum["program-self-evaluation"]
    app.group_panel.picker.value = pse.id
    page = app.group_panel.content.value
    areas = page[page.index("area means by role"):]
    areas = areas[:areas.index("</table>")]
    assert areas[areas.index("<tbody>"):].count("<tr") == len(pse.sections)
    assert "Strength-Based Recovery Planning" in areas and "recovery-planning" not in areas


def test_pair_lists_offer_supervisors_and_peer_specialists_and_other_pairing_on_request(store, demo):
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    panel = app.pairs_panel
    roles = {p.id: p.role for p in store.participants(demo.id)}
    assert {roles[v] for _, v in panel.sup.options} == {"supervisor"}
    assert {roles[v] for _, v in panel.sub.options} == {"peer_specialist"}
    assert panel.sub.description == "Peer specialist"
    panel.other.value = True  # an explicit choice: anyone with anyone
    assert len(panel.sup.options) == len(panel.sub.options) == len(roles)
    sups = [v for v, r in roles.items() if r == "supervisor"]
    panel.sup.value, panel.sub.value = sups[0], sups[1]
    panel.make_pair()
    assert "other pairing" in panel.pair_message.value
    assert store.partner(sups[0]).id == sups[1]
    panel.other.value = False
    assert {roles[v] for _, v in panel.sub.options} == {"peer_specialist"}


def test_export_buttons_send_the_file_to_the_browser_in_one_click(store, demo, monkeypatch, tmp_path):
    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path))
    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    sent = []
    monkeypatch.setattr(app.export_panel.downloader, "send",
                        lambda content, buffers=None: sent.append((content, buffers)))
    app.export_panel.csv_button.click()
    assert len(sent) == 1
    content, buffers = sent[0]
    assert content["kind"] == "download" and content["name"].endswith(".csv") and content["mime"] == "text/csv"
    assert buffers[0].startswith(b"session_id") or b"item_id" in buffers[0][:500]
    assert "Downloaded" in app.export_panel.downloader.last and "ready" in app.export_panel.status.value
    assert "<a download=" in app.export_panel.links.value  # the link stays as a fallback
    app.export_panel.xlsx_button.click()
    assert sent[-1][0]["mime"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_header_says_when_the_room_is_prepared(store, demo, tmp_path, monkeypatch):
    """`peerkit serve --room N` writes its readiness; the dashboard shows it in one line."""
    import json
    import time

    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path))
    app = _unlocked(store, demo, "demo")
    assert "peerkit-room-status" not in app.header.value  # no room prepared: no line
    (tmp_path / "room.json").write_text(json.dumps({"room": 40, "pool": 44, "ready": 44, "updated": time.time()}))
    app.refresh(force=True)
    assert "Room: ready for 40 participants (44 pages prepared, 4 spare)." in app.header.value
