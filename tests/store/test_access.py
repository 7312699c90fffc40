"""Identity without accounts: device tokens, resume codes, names that are taken, approvals,
stored lockouts (across stores and processes), the facilitator key, base revisions, removing
and merging participants. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from peerkit.store import (DevicePending, Locked, NameTaken, RevisionConflict, SessionClosed, Store, StoreError,
                           hash_token)
from peerkit.store.access import MAX_FAILURES, passcode_scope


@pytest.fixture
def session(store: Store):
    return store.create_session("Unit 2", "s3cret-pass")


def _rows(store: Store, sql: str, **params):
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_join_gives_token_and_resume_code_stored_only_hashed(store: Store, session) -> None:
    a = store.join_device(session.id, "  Alice ", "supervisor")
    assert a.participant.display_name == "Alice"
    assert a.token and len(a.token) >= 40
    assert a.resume_code and len(a.resume_code.replace("-", "")) == 8
    assert all(c in "ABCDEFGHJKMNPQRSTVWXYZ23456789-" for c in a.resume_code)
    dumped = " ".join(str(r) for r in _rows(store, "SELECT * FROM devices"))
    dumped += " ".join(str(r) for r in _rows(store, "SELECT * FROM participants"))
    assert a.token not in dumped and a.resume_code.replace("-", "") not in dumped
    assert _rows(store, "SELECT token_hash FROM devices")[0][0] == hash_token(a.token)


def test_a_taken_name_is_never_resumed_by_name(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    store.submit  # noqa: B018 - the store API is what the app uses
    for attempt in ("alice", " ALICE ", "Alice", "a l i c e".replace(" ", "")):
        with pytest.raises(NameTaken, match="already uses the name"):
            store.join_device(session.id, attempt, "peer_specialist")
    assert [p.id for p in store.participants(session.id)] == [a.participant.id]


def test_the_same_browser_resumes_with_its_token(store: Store, open_store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    other_kernel = open_store()  # a reload or a restarted server: a new kernel, the same database
    back = other_kernel.resume_device(a.token)
    assert back is not None and back.participant.id == a.participant.id and back.session.id == session.id
    assert back.token is None and back.resume_code is None
    assert other_kernel.resume_device("not-a-token") is None
    assert other_kernel.resume_device("") is None
    assert other_kernel.resume_device("x" * 5000) is None


def test_a_closed_session_refuses_joins_but_resumes_devices(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    store.set_status(session.id, "closed")
    with pytest.raises(SessionClosed, match=r"is closed, so nobody new can join.*\.$"):
        store.join_device(session.id, "Bob", "supervisor")
    back = store.resume_device(a.token)
    assert back is not None and back.session.status == "closed"


def test_resume_code_on_another_device(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    with pytest.raises(StoreError, match="not right for “Alice”"):
        store.resume_with_code(session.id, "alice", "AAAA-AAAA")
    again = store.resume_with_code(session.id, " ALICE ", a.resume_code.lower().replace("-", " "))
    assert again.participant.id == a.participant.id
    assert again.token and again.token != a.token
    assert store.resume_device(again.token).participant.id == a.participant.id
    assert store.resume_device(a.token).participant.id == a.participant.id  # the first device still works
    with pytest.raises(StoreError, match="Nobody called “Zed”"):
        store.resume_with_code(session.id, "Zed", a.resume_code)


def test_wrong_resume_codes_lock_out_even_the_right_one(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    for _ in range(MAX_FAILURES):
        with pytest.raises(StoreError, match="not right"):
            store.resume_with_code(session.id, "Alice", "ZZZZ-ZZZZ")
    with pytest.raises(Locked, match="Too many wrong resume codes"):
        store.resume_with_code(session.id, "Alice", a.resume_code)
    # a new code from the facilitator clears the lock and the old code stops working
    code = store.new_resume_code(a.participant.id)
    assert code != a.resume_code
    with pytest.raises(StoreError, match="not right"):
        store.resume_with_code(session.id, "Alice", a.resume_code)
    assert store.resume_with_code(session.id, "Alice", code).participant.id == a.participant.id


def test_facilitator_approves_or_rejects_a_device(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    who, token = store.request_device(session.id, "ALICE")
    assert who.id == a.participant.id
    with pytest.raises(DevicePending, match="Waiting for the facilitator"):
        store.resume_device(token)
    waiting = store.pending_devices(session.id)
    assert [(d.participant_id, d.display_name) for d in waiting] == [(a.participant.id, "Alice")]
    other = store.create_session("Other", "pass-other")
    with pytest.raises(StoreError, match="no longer waiting"):
        store.approve_device(other.id, waiting[0].id)  # a facilitator of another session cannot
    store.approve_device(session.id, waiting[0].id)
    assert store.resume_device(token).participant.id == a.participant.id
    assert store.pending_devices(session.id) == []
    _, token2 = store.request_device(session.id, "Alice")
    store.reject_device(session.id, store.pending_devices(session.id)[0].id)
    assert store.resume_device(token2) is None


def test_pending_requests_are_capped(store: Store, session) -> None:
    store.join_device(session.id, "Alice", "supervisor")
    for _ in range(6):
        store.request_device(session.id, "Alice")
    assert len(store.pending_devices(session.id)) == 3


def test_leaving_forgets_the_device(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    store.forget_device(a.token)
    assert store.resume_device(a.token) is None
    assert store.get_participant(a.participant.id).display_name == "Alice"  # answers stay


def test_passcode_lockout_holds_across_stores(store: Store, open_store, session) -> None:
    kernels = [open_store() for _ in range(3)]
    for k in range(MAX_FAILURES):
        assert kernels[k % 3].unlock_session(session.id, "wrong") is False
    for s in (store, *kernels):
        with pytest.raises(Locked, match="Too many wrong passcodes"):
            s.unlock_session(session.id, "s3cret-pass")
    assert 1 <= store.lockout_seconds(passcode_scope(session.id)) <= 30
    # once the lock has run out, the right passcode opens and clears the count
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE access_failures SET locked_until = NULL"))
    assert kernels[0].unlock_session(session.id, "s3cret-pass") is True
    assert store.failures(passcode_scope(session.id)) == 0


def test_passcode_lockout_holds_across_processes(db_url: str, store: Store, session) -> None:
    code = textwrap.dedent(f"""
        from peerkit.store import Store
        s = Store({db_url!r})
        print([s.unlock_session({session.id}, "guess-%d" % i) for i in range({MAX_FAILURES})])
        s.close()
    """)
    env = {**os.environ}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str([False] * MAX_FAILURES)
    with pytest.raises(Locked):
        store.unlock_session(session.id, "s3cret-pass")
    # another session is not affected
    other = store.create_session("Unit 3", "pass-three")
    assert store.unlock_session(other.id, "pass-three") is True


def test_lockouts_grow_and_are_capped(store: Store, session) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO access_failures (scope, failures, updated_at) "
                             "VALUES (:s, :f, CURRENT_TIMESTAMP)"), {"s": passcode_scope(session.id), "f": 19})
    assert store.unlock_session(session.id, "wrong") is False  # the 20th: 4th round, 30 * 2**3 s
    assert 200 < store.lockout_seconds(passcode_scope(session.id)) <= 240


def test_facilitator_key(store: Store) -> None:
    with pytest.raises(StoreError, match="No facilitator key is set"):
        store.check_facilitator_key("anything")
    key = store.ensure_facilitator_key()
    assert key and store.ensure_facilitator_key() is None  # made once, shown once
    assert store.has_facilitator_key()
    dumped = str(_rows(store, "SELECT * FROM settings"))
    assert key.replace("-", "") not in dumped
    assert store.check_facilitator_key(key.lower().replace("-", " ")) is True
    for _ in range(MAX_FAILURES):
        assert store.check_facilitator_key("WRONG-KEY") is False
    with pytest.raises(Locked, match="facilitator keys"):
        store.check_facilitator_key(key)
    store.set_facilitator_key("my own key 2026")  # configured: replaces the key, clears the lock
    assert store.check_facilitator_key("MY-OWN-KEY-2026") is True
    with pytest.raises(StoreError, match="at least 8"):
        store.set_facilitator_key("short")


def test_submit_with_a_stale_base_revision_is_a_conflict(store: Store, session, instruments) -> None:
    quiz = instruments["quiz"]
    a = store.join_device(session.id, "Alice", "supervisor").participant
    first = {i.id: True for i in quiz.items}
    newer = {**first, quiz.items[0].id: False}
    stale = {**first, quiz.items[1].id: False}
    assert store.current_revision(a.id, "quiz") == 0
    assert store.submit(a.id, quiz, first, base_revision=0).revision == 1
    assert store.submit(a.id, quiz, newer, base_revision=1).revision == 2  # tab B
    with pytest.raises(RevisionConflict) as info:  # tab A, still based on revision 1
        store.submit(a.id, quiz, stale, base_revision=1)
    assert info.value.current_revision == 2
    assert store.current_answers(a.id, "quiz") == newer and store.current_revision(a.id, "quiz") == 2
    # the same answers as the newest are no conflict (a double click in two tabs)
    assert store.submit(a.id, quiz, newer, base_revision=1).created is False
    # "keep mine": submit again based on the newest revision
    assert store.submit(a.id, quiz, stale, base_revision=2).revision == 3
    assert store.submit(a.id, quiz, first).revision == 4  # no base: the old behaviour


def test_remove_participant(store: Store, session, instruments) -> None:
    quiz = instruments["quiz"]
    a = store.join_device(session.id, "Alice", "supervisor")
    b = store.join_device(session.id, "Bob", "peer_specialist").participant
    pair = store.set_pair(a.participant.id, b.id)
    store.save_note(pair, "quiz", "d1", "note", author_id=b.id)
    store.submit(a.participant.id, quiz, {quiz.items[0].id: True})
    store.save_draft(a.participant.id, "quiz", {quiz.items[0].id: False})
    store.remove_participant(a.participant.id)
    assert [p.display_name for p in store.participants(session.id)] == ["Bob"]
    assert store.get_participant(b.id).pair_id is None
    assert store.resume_device(a.token) is None
    assert _rows(store, "SELECT count(*) FROM responses")[0][0] == 0
    with pytest.raises(StoreError, match=r"no participant with id \d+\. The facilitator may have removed"):
        store.submit(a.participant.id, quiz, {quiz.items[0].id: True})


@pytest.mark.parametrize("keep", [True, False])
def test_merge_participants(store: Store, session, instruments, keep: bool) -> None:
    quiz = instruments["quiz"]
    i0, i1 = quiz.items[0].id, quiz.items[1].id
    real = store.join_device(session.id, "Alice", "supervisor")
    typo = store.join_device(session.id, "Alcie", "supervisor")
    sam = store.join_device(session.id, "Sam", "peer_specialist").participant
    store.submit(real.participant.id, quiz, {i0: True})
    store.submit(typo.participant.id, quiz, {i0: False})  # submitted later: the newest
    store.submit(typo.participant.id, quiz, {i0: False, i1: True})
    store.save_draft(typo.participant.id, "reflect", {"r1": "half written"})
    pair = store.set_pair(typo.participant.id, sam.id)
    store.merge_participants(typo.participant.id, real.participant.id, keep_answers=keep)
    names = [p.display_name for p in store.participants(session.id)]
    assert names == ["Alice", "Sam"]
    alice = store.get_participant(real.participant.id)
    revs = [r.revision for r in store.revisions(alice.id, "quiz")]
    if keep:
        assert revs == [1, 2, 3]
        assert store.current_answers(alice.id, "quiz") == {i0: False, i1: True}
        assert store.load_draft(alice.id, "reflect") == {"r1": "half written"}
    else:
        assert revs == [1]
        assert store.current_answers(alice.id, "quiz") == {i0: True}
        assert store.load_draft(alice.id, "reflect") is None
    assert alice.pair_id == pair and store.partner(alice.id).id == sam.id
    assert store.resume_device(typo.token).participant.id == alice.id  # the typo's phone opens Alice
    with pytest.raises(StoreError, match="two different"):
        store.merge_participants(alice.id, alice.id)
    other = store.create_session("Other", "pass-other")
    stranger = store.join_device(other.id, "Zoe", "other").participant
    with pytest.raises(StoreError, match="same session"):
        store.merge_participants(stranger.id, alice.id)


def test_purge_removes_devices_and_lockouts(store: Store, session) -> None:
    a = store.join_device(session.id, "Alice", "supervisor")
    store.unlock_session(session.id, "wrong")
    store.purge_session(session.id)
    assert store.resume_device(a.token) is None
    assert _rows(store, "SELECT count(*) FROM devices")[0][0] == 0
    assert _rows(store, "SELECT count(*) FROM access_failures")[0][0] == 0
