"""Facilitator-led sessions in the store: mode, current exercise, closed / revealed, the
version counter followers poll, live counts, and late submits refused in the submit's own
transaction; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from peerkit.live import FACILITATOR, SELF_PACED, LiveState
from peerkit.store import Store, StoreError


@pytest.fixture
def live(store: Store):
    """A facilitator-led session with a supervisor, a peer specialist and an 'other'."""
    s = store.create_live_session("Unit 2 live", "pw")
    sup = store.join(s.id, "Sue", "supervisor")
    ps = store.join(s.id, "Pat", "peer_specialist")
    other = store.join(s.id, "Olu", "other")
    return s, sup, ps, other


def test_new_live_session_is_facilitator_led_and_waiting(store: Store, live) -> None:
    s, *_ = live
    state = store.live_state(s.id)
    assert state.mode == FACILITATOR and state.facilitator_led
    assert state.waiting and state.current is None and state.version == 1
    assert store.live_version(s.id) == 1


def test_plain_and_self_study_sessions_are_self_paced(store: Store) -> None:
    plain = store.create_session("Scripted", "pw")
    assert store.live_state(plain.id) == LiveState(plain.id, mode=SELF_PACED)
    assert store.live_version(plain.id) == 0
    alone = store.self_study_session()
    assert not store.live_state(alone.id).facilitator_led
    with pytest.raises(StoreError, match="Self-study is always self-paced"):
        store.set_live_mode(alone.id, FACILITATOR)
    assert store.live_version(alone.id) == 0  # nothing written


def test_unknown_session_and_bad_values(store: Store, live) -> None:
    s, *_ = live
    with pytest.raises(StoreError, match="no session with id 9999"):
        store.live_state(9999)
    with pytest.raises(StoreError, match="Unknown session mode"):
        store.set_live_mode(s.id, "chaos")
    with pytest.raises(StoreError, match="Open an exercise first"):
        store.close_answering(s.id)
    assert store.live_version(s.id) == 1


def test_every_change_bumps_the_version_once(store: Store, open_store, live) -> None:
    s, *_ = live
    other_kernel = open_store()
    seen = [other_kernel.live_version(s.id)]
    store.open_exercise(s.id, "sia", plan="unit-2")
    seen.append(other_kernel.live_version(s.id))
    store.close_answering(s.id)
    seen.append(other_kernel.live_version(s.id))
    store.reveal_results(s.id, show_key=True)
    seen.append(other_kernel.live_version(s.id))
    assert seen == [1, 2, 3, 4]
    state = other_kernel.live_state(s.id)
    assert (state.instrument_id, state.phase, state.show_key, state.plan) == ("sia", "revealed", True, "unit-2")
    # moving on opens the next exercise with the key hidden again
    state = store.open_exercise(s.id, "checks", "pre")
    assert (state.current, state.phase, state.show_key, state.version) == (("checks", "pre"), "open", False, 5)
    assert store.open_exercise(s.id, None).waiting


def test_submits_follow_the_open_exercise(store: Store, live, instruments) -> None:
    s, sup, ps, _ = live
    quiz, sia = instruments["quiz"], instruments["sia"]
    with pytest.raises(StoreError, match="has not opened “Fixture quiz” for answers"):
        store.submit(sup.id, quiz, {"q1": True})
    store.open_exercise(s.id, "quiz")
    assert store.submit(sup.id, quiz, {"q1": True}).created
    with pytest.raises(StoreError, match="has not opened"):
        store.submit(sup.id, sia, {"p1": "S"})
    store.set_live_mode(s.id, SELF_PACED)  # the facilitator hands over: everything is taken again
    assert store.submit(sup.id, sia, {"p1": "S"}).created


def test_late_submit_after_closing_is_refused_and_nothing_is_stored(store: Store, live, instruments) -> None:
    s, sup, ps, _ = live
    quiz = instruments["quiz"]
    store.open_exercise(s.id, "quiz")
    store.submit(sup.id, quiz, {"q1": True})
    store.save_draft(ps.id, "quiz", {"q1": False})
    store.close_answering(s.id)
    for who, answers in ((ps, {"q1": False}), (sup, {"q1": False, "q2": True})):
        with pytest.raises(StoreError, match="has closed answering for “Fixture quiz”"):
            store.submit(who.id, quiz, answers)
    # nothing half-stored: no new revision, the draft of the late one is still there
    assert [r.revision for r in store.revisions(sup.id, "quiz")] == [1]
    assert store.current_answers(ps.id, "quiz") is None
    assert store.load_draft(ps.id, "quiz") == {"q1": False}
    assert str(store.live_count(s.id, quiz)) == "1 of 3"
    store.reveal_results(s.id)
    with pytest.raises(StoreError, match="closed answering"):
        store.submit(ps.id, quiz, {"q1": False})
    store.reopen_answering(s.id)
    assert store.submit(ps.id, quiz, {"q1": False}).created


def test_switching_exercise_keeps_an_unsaved_draft(store: Store, open_store, live, instruments) -> None:
    s, sup, _, _ = live
    store.open_exercise(s.id, "quiz")
    phone = open_store()  # the participant's kernel
    phone.save_draft(sup.id, "quiz", {"q1": True, "q2": False})
    version = phone.live_version(s.id)
    store.open_exercise(s.id, "sia")  # the facilitator moves on
    assert phone.live_version(s.id) == version + 1
    assert phone.live_state(s.id).current == ("sia", "")
    assert phone.load_draft(sup.id, "quiz") == {"q1": True, "q2": False}
    store.open_exercise(s.id, "quiz")  # and comes back: the draft is still there and submits
    assert phone.submit(sup.id, instruments["quiz"], phone.load_draft(sup.id, "quiz")).created
    assert phone.load_draft(sup.id, "quiz") is None


def test_live_count_counts_the_roles_expected(store: Store, live, instruments) -> None:
    s, sup, ps, other = live
    checks = instruments["checks"]  # completed by supervisors ("other" answers it too)
    store.open_exercise(s.id, "checks", "pre")
    assert str(store.live_count(s.id, checks, "pre")) == "0 of 2"
    store.submit(sup.id, checks, {"c1": True}, "pre")
    assert tuple(store.live_count(s.id, checks, "pre")) == (1, 2)
    assert store.live_count(s.id, checks, "post").submitted == 0
    store.open_exercise(s.id, "quiz")
    store.submit(ps.id, instruments["quiz"], {"q1": True})
    store.submit(ps.id, instruments["quiz"], {"q1": False})  # a second revision counts once
    assert str(store.live_count(s.id, instruments["quiz"])) == "1 of 3"


def test_purging_a_session_removes_its_live_state(store: Store, live) -> None:
    s, *_ = live
    store.open_exercise(s.id, "quiz")
    store.purge_session(s.id)
    with pytest.raises(StoreError):
        store.live_state(s.id)
    assert store.live_version(s.id) == 0


def test_close_and_submit_racing_never_half_store(store: Store, open_store, live, instruments) -> None:
    """Submits racing a close: each either lands before the close or is refused after it."""
    s, sup, ps, other = live
    quiz = instruments["quiz"]
    store.open_exercise(s.id, "quiz")
    people = [sup, ps, other]
    results: dict[int, object] = {}
    start = threading.Barrier(len(people) + 1)

    def submit(p) -> None:
        kernel = open_store()
        start.wait()
        try:
            results[p.id] = kernel.submit(p.id, quiz, {"q1": True})
        except StoreError as exc:
            results[p.id] = exc

    threads = [threading.Thread(target=submit, args=(p,)) for p in people]
    for t in threads:
        t.start()
    closer = open_store()
    start.wait()
    closer.close_answering(s.id)
    for t in threads:
        t.join(60)
    stored = {p.id for p in people if store.current_answers(p.id, "quiz") is not None}
    refused = {pid for pid, r in results.items() if isinstance(r, StoreError)}
    assert stored | refused == {p.id for p in people} and not stored & refused
    assert all("closed answering" in str(results[pid]) for pid in refused)
    assert store.live_count(s.id, quiz).submitted == len(stored)


def test_cli_session_create_is_facilitator_led_unless_told(db_url: str, capsys) -> None:
    import re

    from peerkit.cli import main

    codes = {}
    for flag in ((), ("--self-paced",)):
        assert main(["--db", db_url, "session", "create", "--title", "T", "--passcode", "p", *flag]) == 0
        out = capsys.readouterr().out
        codes[flag] = re.search(r"Join code: (\w{3}-\w{3})", out).group(1)
        assert ("Self-paced" in out) == bool(flag)
    with Store(db_url) as store:
        assert store.live_state(store.find_session(codes[()]).id).facilitator_led
        assert not store.live_state(store.find_session(codes[("--self-paced",)]).id).facilitator_led
