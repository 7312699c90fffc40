"""Sessions, join codes, passcodes, participants, resume and pairs (both backends)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from peerkit.store import (
    JOIN_ALPHABET,
    Store,
    StoreError,
    format_join_code,
    normalize_join_code,
)


def test_join_code_alphabet_is_unambiguous() -> None:
    for c in "0O1ILU":
        assert c not in JOIN_ALPHABET
    assert len(set(JOIN_ALPHABET)) == len(JOIN_ALPHABET) == 30


@pytest.mark.parametrize("typed, expected", [
    ("abc-def", "ABCDEF"), (" ABC DEF ", "ABCDEF"), ("abcdef", "ABCDEF"), ("A.B.C-D_E F", "ABCDEF"),
    ("ABC-DE", None), ("ABC-DEFG", None), ("ABO-DEF", None), ("AB1-DEF", None), ("", None),
])
def test_normalize_join_code(typed: str, expected: str | None) -> None:
    assert normalize_join_code(typed) == expected


def test_create_and_find_session(store: Store) -> None:
    s = store.create_session("  Spring   workshop ", "secret", dt.date(2026, 3, 1))
    assert s.title == "Spring workshop"
    assert s.date == dt.date(2026, 3, 1)
    assert s.status == "open" and s.kind == "workshop"
    assert re.fullmatch(f"[{JOIN_ALPHABET}]{{3}}-[{JOIN_ALPHABET}]{{3}}", s.join_code)
    assert s.created_at.tzinfo is not None
    assert store.get_session(s.id) == s
    assert store.find_session(s.join_code.lower().replace("-", " ")) == s
    assert store.find_session("ZZZ-ZZZ") in (None, s)  # None unless that happens to be its code
    assert store.find_session("not a code") is None
    assert [x.id for x in store.list_sessions()] == [s.id]


def test_sessions_get_distinct_codes_and_list_newest_first(store: Store) -> None:
    made = [store.create_session(f"S{k}", "pw") for k in range(20)]
    assert len({s.join_code for s in made}) == 20
    assert [s.id for s in store.list_sessions()] == [s.id for s in reversed(made)]


def test_passcode_is_salted_and_checked(store: Store) -> None:
    a = store.create_session("A", "same passcode")
    b = store.create_session("B", "same passcode")
    assert store.check_passcode(a.id, "same passcode")
    assert store.check_passcode(a.id, "  same passcode ")  # surrounding spaces are not part of it
    assert not store.check_passcode(a.id, "Same passcode")
    assert not store.check_passcode(a.id, "")
    dump_a, dump_b = store.dump_session(a.id)["session"], store.dump_session(b.id)["session"]
    assert dump_a["passcode_hash"] != dump_b["passcode_hash"]  # different salts
    assert "same passcode" not in dump_a["passcode_hash"]
    store.set_passcode(a.id, "new one")
    assert store.check_passcode(a.id, "new one") and not store.check_passcode(a.id, "same passcode")


@pytest.mark.parametrize("title, passcode, message", [
    ("", "pw", "title"), ("   ", "pw", "title"), ("T" * 201, "pw", "too long"), ("T", "", "passcode"),
    ("T", "   ", "passcode"),
])
def test_create_session_rejects(store: Store, title: str, passcode: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.create_session(title, passcode)


def test_unknown_session(store: Store) -> None:
    for call in (lambda: store.get_session(999), lambda: store.set_status(999, "closed"),
                 lambda: store.check_passcode(999, "x"), lambda: store.join(999, "Ann", "other"),
                 lambda: store.participants(999), lambda: store.purge_session(999)):
        with pytest.raises(StoreError, match="no session with id 999"):
            call()


def test_close_and_reopen(store: Store, instruments: dict) -> None:
    s = store.create_session("W", "pw")
    ann = store.join(s.id, "Ann", "supervisor")
    store.set_status(s.id, "closed")
    assert store.get_session(s.id).status == "closed"
    with pytest.raises(StoreError, match="closed"):
        store.join(s.id, "Bob", "other")
    with pytest.raises(StoreError, match="closed"):
        store.join(s.id, "Ann", "supervisor")  # resume too
    with pytest.raises(StoreError, match="closed"):
        store.submit(ann.id, instruments["quiz"], {"q1": True})
    store.set_status(s.id, "open")
    assert store.join(s.id, "Bob", "other").display_name == "Bob"
    with pytest.raises(StoreError, match="status"):
        store.set_status(s.id, "archived")


def test_self_study_session(store: Store, open_store) -> None:
    a = store.self_study_session()
    b = open_store().self_study_session()
    assert a == b and a.kind == "self_study" and a.status == "open"
    me = store.join(a.id, "Me", "peer_specialist")
    assert store.get_participant(me.id).session_id == a.id
    with pytest.raises(StoreError, match="cannot be closed"):
        store.set_status(a.id, "closed")


def test_join_and_resume(store: Store, open_store) -> None:
    s = store.create_session("W", "pw")
    ann = store.join(s.id, "  Ann   Lee ", "supervisor")
    assert ann.display_name == "Ann Lee" and ann.role == "supervisor" and ann.pair_id is None
    # another kernel, different case and spacing: the same person; the first role is kept
    again = open_store().join(s.id, "ann lee", "other")
    assert again == ann
    bob = store.join(s.id, "Bob", "peer_specialist")
    assert bob.id != ann.id
    assert store.participants(s.id) == [ann, bob]
    # the same name in another session is another person
    other = store.create_session("X", "pw")
    assert store.join(other.id, "Ann Lee", "supervisor").id != ann.id


@pytest.mark.parametrize("name, role, message", [
    ("", "supervisor", "enter a name"), ("   ", "other", "enter a name"), ("x" * 61, "other", "too long"),
    ("Ann", "facilitator", "Unknown role"),
])
def test_join_rejects(store: Store, name: str, role: str, message: str) -> None:
    s = store.create_session("W", "pw")
    with pytest.raises(StoreError, match=message):
        store.join(s.id, name, role)
    assert store.participants(s.id) == []


def test_name_of_sixty_characters_is_fine(store: Store) -> None:
    s = store.create_session("W", "pw")
    assert len(store.join(s.id, "é" * 60, "other").display_name) == 60


def test_get_unknown_participant(store: Store) -> None:
    with pytest.raises(StoreError, match="no participant with id 42"):
        store.get_participant(42)


def test_pairs_and_partner(store: Store) -> None:
    s = store.create_session("W", "pw")
    sup = store.join(s.id, "Sue", "supervisor")
    ps = store.join(s.id, "Pat", "peer_specialist")
    alone = store.join(s.id, "Al", "other")
    pair = store.set_pair(sup.id, ps.id)
    assert store.get_participant(sup.id).pair_id == pair == store.get_participant(ps.id).pair_id
    assert store.partner(sup.id).id == ps.id and store.partner(ps.id).id == sup.id
    assert store.partner(alone.id) is None
    assert store.set_pair(sup.id, ps.id) == pair  # idempotent
    got = store.get_pair(pair)
    assert (got.supervisor_id, got.supervisee_id, got.session_id) == (sup.id, ps.id, s.id)
    assert [p.id for p in store.pairs(s.id)] == [pair]

    # re-pairing Sue with Al dissolves Sue-Pat; the old pair record stays for its notes
    store.save_note(pair, "sia", "d1", "old note")
    new = store.set_pair(sup.id, alone.id)
    assert new != pair
    assert store.get_participant(ps.id).pair_id is None
    assert store.partner(sup.id).id == alone.id
    assert [p.id for p in store.pairs(s.id)] == [new]
    assert store.notes(pair, "sia") == {"d1": "old note"}

    store.unpair(alone.id)
    assert store.get_participant(sup.id).pair_id is None and store.pairs(s.id) == []


def test_pair_rules(store: Store) -> None:
    a = store.create_session("A", "pw")
    b = store.create_session("B", "pw")
    x = store.join(a.id, "X", "supervisor")
    y = store.join(b.id, "Y", "peer_specialist")
    with pytest.raises(StoreError, match="different sessions"):
        store.set_pair(x.id, y.id)
    with pytest.raises(StoreError, match="two different"):
        store.set_pair(x.id, x.id)
    with pytest.raises(StoreError, match="no participant"):
        store.set_pair(x.id, 9999)
    with pytest.raises(StoreError, match="no pair"):
        store.get_pair(9999)


def test_format_join_code() -> None:
    assert format_join_code("ABCDEF") == "ABC-DEF"
