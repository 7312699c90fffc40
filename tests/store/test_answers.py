"""Submissions, revisions, double submits, drafts, pair and pre/post queries, notes, frames."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from peerkit.store import RESPONSE_COLUMNS, STATUS_COLUMNS, Store, StoreError


@pytest.fixture
def pair(store: Store):
    """A session with a supervisor and a peer specialist in a pair, and one unpaired person."""
    s = store.create_session("W", "pw")
    sup = store.join(s.id, "Sue", "supervisor")
    ps = store.join(s.id, "Pat", "peer_specialist")
    other = store.join(s.id, "Olu", "other")
    pair_id = store.set_pair(sup.id, ps.id)
    return s, store.get_participant(sup.id), store.get_participant(ps.id), other, pair_id


def test_submit_creates_revisions(store: Store, pair, instruments) -> None:
    _, sup, *_ = pair
    quiz = instruments["quiz"]
    first = store.submit(sup.id, quiz, {"q1": True, "q2": False})
    assert first.created and first.revision == 1
    assert first.submitted_at.tzinfo is not None
    assert store.current_answers(sup.id, "quiz") == {"q1": True, "q2": False}
    second = store.submit(sup.id, quiz, {"q1": False, "q2": False, "q3": True})
    assert second.created and second.revision == 2 and second.response_id != first.response_id
    assert store.current_answers(sup.id, "quiz") == {"q1": False, "q2": False, "q3": True}
    revs = store.revisions(sup.id, "quiz")
    assert [r.revision for r in revs] == [1, 2]
    assert [r.response_id for r in revs] == [first.response_id, second.response_id]
    # the earlier revision is kept, never overwritten
    assert store.revision_answers(sup.id, "quiz", 1) == {"q1": True, "q2": False}


def test_double_submit_stores_once(store: Store, pair, instruments, open_store) -> None:
    _, sup, *_ = pair
    quiz = instruments["quiz"]
    a = store.submit(sup.id, quiz, {"q1": True, "q2": False})
    # same answers, other key order, blank extras, from another kernel: nothing new
    b = open_store().submit(sup.id, quiz, {"q2": False, "q1": True, "q3": None})
    assert not b.created
    assert (b.response_id, b.revision, b.submitted_at) == (a.response_id, a.revision, a.submitted_at)
    assert len(store.revisions(sup.id, "quiz")) == 1
    # a change, then back to the first answers: that is a new revision (it differs from the current one)
    store.submit(sup.id, quiz, {"q1": False})
    c = store.submit(sup.id, quiz, {"q1": True, "q2": False})
    assert c.created and c.revision == 3


def test_true_and_one_are_different_answers(store: Store, pair, instruments) -> None:
    _, sup, *_ = pair
    choice = instruments["choice"]
    store.submit(sup.id, choice, {"k1": 1})
    again = store.submit(sup.id, choice, {"k1": 1})
    assert not again.created
    assert store.submit(sup.id, choice, {"k1": 2}).created
    value = store.current_answers(sup.id, "choice")["k1"]
    assert value == 2 and type(value) is int


def test_submit_validates(store: Store, pair, instruments) -> None:
    _, sup, *_ = pair
    with pytest.raises(ValueError, match="unknown item"):
        store.submit(sup.id, instruments["quiz"], {"nope": True})
    with pytest.raises(ValueError, match="not an allowed answer"):
        store.submit(sup.id, instruments["quiz"], {"q1": "yes"})
    with pytest.raises(ValueError, match="not an allowed answer"):
        store.submit(sup.id, instruments["freq"], {"f1": 7})
    with pytest.raises(ValueError, match="nothing is answered"):
        store.submit(sup.id, instruments["quiz"], {"q1": None})
    with pytest.raises(ValueError, match="occasion"):
        store.submit(sup.id, instruments["checks"], {"c1": True})  # needs pre or post
    with pytest.raises(ValueError, match="occasion"):
        store.submit(sup.id, instruments["quiz"], {"q1": True}, occasion="pre")
    with pytest.raises(StoreError, match="no participant"):
        store.submit(9999, instruments["quiz"], {"q1": True})
    assert store.revisions(sup.id, "quiz") == []


def test_drafts(store: Store, pair, instruments, open_store) -> None:
    _, sup, ps, *_ = pair
    assert store.load_draft(sup.id, "reflect") is None
    store.save_draft(sup.id, "reflect", {"r1": "half a thought"})
    store.save_draft(sup.id, "reflect", {"r1": "a whole thought", "r2": ""})  # replaced, not added
    assert open_store().load_draft(sup.id, "reflect") == {"r1": "a whole thought", "r2": ""}
    store.save_draft(sup.id, "checks", {"c1": True}, occasion="pre")
    store.save_draft(sup.id, "checks", {"c2": True}, occasion="post")
    store.save_draft(ps.id, "reflect", {"r1": "mine"})
    assert store.load_draft(sup.id, "checks", "pre") == {"c1": True}
    assert store.load_draft(sup.id, "checks", "post") == {"c2": True}
    # submitting clears that draft only
    store.submit(sup.id, instruments["reflect"], {"r1": "a whole thought"})
    assert store.load_draft(sup.id, "reflect") is None
    assert store.load_draft(ps.id, "reflect") == {"r1": "mine"}
    assert store.load_draft(sup.id, "checks", "pre") == {"c1": True}
    # an identical resubmission clears a newer draft too
    store.save_draft(sup.id, "reflect", {"r1": "a whole thought"})
    assert not store.submit(sup.id, instruments["reflect"], {"r1": "a whole thought"}).created
    assert store.load_draft(sup.id, "reflect") is None
    with pytest.raises(ValueError, match="draft"):
        store.save_draft(sup.id, "reflect", {"r1": object()})
    with pytest.raises(StoreError, match="no participant"):
        store.save_draft(9999, "reflect", {"r1": "x"})


def test_drafts_allowed_in_closed_session(store: Store, pair) -> None:
    s, sup, *_ = pair
    store.set_status(s.id, "closed")
    store.save_draft(sup.id, "reflect", {"r1": "kept"})
    assert store.load_draft(sup.id, "reflect") == {"r1": "kept"}


def test_pair_answers(store: Store, pair, instruments) -> None:
    _, sup, ps, other, pair_id = pair
    sia = instruments["sia"]
    assert store.pair_answers(pair_id, "sia") == (None, None)
    store.submit(ps.id, sia, {"p1": "S", "p2": "A"})
    assert store.pair_answers(pair_id, "sia") == (None, {"p1": "S", "p2": "A"})
    store.submit(sup.id, sia, {"p1": "I"})
    store.submit(sup.id, sia, {"p1": "S", "p2": "I", "p3": "I"})
    store.submit(other.id, sia, {"p1": "A"})
    assert store.pair_answers(pair_id, "sia") == ({"p1": "S", "p2": "I", "p3": "I"}, {"p1": "S", "p2": "A"})
    with pytest.raises(StoreError, match="no pair"):
        store.pair_answers(9999, "sia")


def test_pre_post(store: Store, pair, instruments) -> None:
    _, sup, *_ = pair
    checks = instruments["checks"]
    assert store.pre_post(sup.id, "checks") == (None, None)
    store.submit(sup.id, checks, {"c1": True, "c2": False}, occasion="pre")
    assert store.pre_post(sup.id, "checks") == ({"c1": True, "c2": False}, None)
    store.submit(sup.id, checks, {"c1": True, "c2": True, "c3": True}, occasion="post")
    store.submit(sup.id, checks, {"c1": True, "c2": True, "c3": True, "c4": False}, occasion="post")
    pre, post = store.pre_post(sup.id, "checks")
    assert pre == {"c1": True, "c2": False}
    assert post == {"c1": True, "c2": True, "c3": True, "c4": False}
    assert [r.revision for r in store.revisions(sup.id, "checks", "post")] == [1, 2]
    assert [r.revision for r in store.revisions(sup.id, "checks", "pre")] == [1]


def test_notes(store: Store, pair) -> None:
    s, sup, ps, other, pair_id = pair
    assert store.notes(pair_id, "sia") == {}
    store.save_note(pair_id, "sia", "d1", "We agree on p1.", author_id=sup.id)
    store.save_note(pair_id, "sia", "action:p2", "Talk to the team.", author_id=ps.id)
    store.save_note(pair_id, "sia", "d1", "We agree on p1 and p3.")
    store.save_note(pair_id, "freq", "d1", "Other instrument")
    assert store.notes(pair_id, "sia") == {"d1": "We agree on p1 and p3.", "action:p2": "Talk to the team."}
    assert store.notes(pair_id, "freq") == {"d1": "Other instrument"}
    with pytest.raises(StoreError, match="no pair"):
        store.save_note(9999, "sia", "d1", "x")
    with pytest.raises(StoreError, match="key"):
        store.save_note(pair_id, "sia", "", "x")
    elsewhere = store.join(store.create_session("Other", "pw").id, "Zed", "other")
    with pytest.raises(StoreError, match="not in the pair's session"):
        store.save_note(pair_id, "sia", "d1", "x", author_id=elsewhere.id)


def test_responses_frame(store: Store, pair, instruments) -> None:
    s, sup, ps, other, pair_id = pair
    store.submit(sup.id, instruments["quiz"], {"q2": False, "q1": True})
    store.submit(sup.id, instruments["quiz"], {"q1": True, "q3": True})  # revision 2 is current
    store.submit(ps.id, instruments["freq"], {"f4": 2, "f1": 5})
    store.submit(other.id, instruments["reflect"], {"r1": "Zwölf «quotes», commas\nand lines"})
    store.submit(sup.id, instruments["checks"], {"c1": False}, occasion="pre")
    store.submit(sup.id, instruments["choice"], {"k1": "n/a", "k2": 1})
    elsewhere = store.create_session("Other", "pw")
    store.submit(store.join(elsewhere.id, "Xi", "other").id, instruments["quiz"], {"q1": True})

    df = store.responses_frame(s.id)
    assert list(df.columns) == RESPONSE_COLUMNS
    rows = [tuple(r) for r in df[["participant_id", "instrument_id", "occasion", "item_id", "value",
                                   "revision"]].itertuples(index=False)]
    assert rows == [
        (sup.id, "checks", "pre", "c1", False, 1),
        (sup.id, "choice", "", "k1", "n/a", 1),
        (sup.id, "choice", "", "k2", 1, 1),
        (sup.id, "quiz", "", "q1", True, 2),
        (sup.id, "quiz", "", "q3", True, 2),
        (ps.id, "freq", "", "f1", 5, 1),  # the instrument's item order, not the order given
        (ps.id, "freq", "", "f4", 2, 1),
        (other.id, "reflect", "", "r1", "Zwölf «quotes», commas\nand lines", 1),
    ]
    # Python values of the right type, usable with the pure core
    assert [type(v) for v in df["value"]] == [bool, str, int, bool, bool, int, int, str]
    assert df["pair_id"].dtype == "Int64"
    assert list(df["pair_id"].isna()) == [False] * 7 + [True]
    assert set(df["pair_id"].dropna()) == {pair_id}
    assert set(df["session_id"]) == {s.id}
    assert set(df["display_name"]) == {"Sue", "Pat", "Olu"}
    assert set(df.loc[df.instrument_id == "quiz", "instrument_version"]) == {2}
    assert str(df["submitted_at"].dt.tz) == "UTC"

    quiz = store.responses_frame(s.id, "quiz")
    assert list(quiz["item_id"]) == ["q1", "q3"]
    empty = store.responses_frame(s.id, "sia")
    assert list(empty.columns) == RESPONSE_COLUMNS and len(empty) == 0

    from peerkit.compare import compare_pair  # the frame's values go straight into the core
    answers = dict(zip(quiz["item_id"], quiz["value"]))
    assert compare_pair(instruments["quiz"], answers, answers)["agree"].dropna().all()


def test_submission_status(store: Store, pair, instruments) -> None:
    s, sup, ps, other, _ = pair
    assert list(store.submission_status(s.id).columns) == STATUS_COLUMNS
    store.submit(sup.id, instruments["quiz"], {"q1": True})
    last = store.submit(sup.id, instruments["quiz"], {"q1": False})
    store.submit(sup.id, instruments["checks"], {"c1": True}, occasion="pre")
    store.submit(ps.id, instruments["sia"], {"p1": "S"})
    df = store.submission_status(s.id)
    assert list(df.columns) == STATUS_COLUMNS
    got = [tuple(r) for r in df[["participant_id", "instrument_id", "occasion", "revision"]].itertuples(index=False)]
    assert got == [(sup.id, "checks", "pre", 1), (sup.id, "quiz", "", 2), (ps.id, "sia", "", 1)]
    stamp = df.loc[df.instrument_id == "quiz", "submitted_at"].iloc[0]
    assert stamp == pd.Timestamp(last.submitted_at)
    with pytest.raises(StoreError):
        store.submission_status(9999)


def test_timestamps_are_utc_and_ordered(store: Store, pair, instruments) -> None:
    _, sup, *_ = pair
    before = dt.datetime.now(dt.timezone.utc)
    sub = store.submit(sup.id, instruments["quiz"], {"q1": True})
    after = dt.datetime.now(dt.timezone.utc)
    stored = store.revisions(sup.id, "quiz")[0].submitted_at
    assert stored == sub.submitted_at and before <= stored <= after


def test_submitting_kernel_does_not_import_pandas(db_url: str, tmp_path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from peerkit.instruments import get_instrument
        from peerkit.store import Store
        store = Store({db_url!r})
        s = store.create_session("W", "pw")
        p = store.join(s.id, "Ann", "other")
        store.save_draft(p.id, "quiz", {{"q1": True}})
        store.submit(p.id, get_instrument("quiz"), {{"q1": True}})
        store.pair_answers, store.current_answers(p.id, "quiz")
        store.close()
        assert "pandas" not in sys.modules, "pandas was imported"
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
