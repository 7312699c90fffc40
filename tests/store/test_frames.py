"""``Store.responses_frame`` and ``Store.submission_status`` (store/frames.py) on both backends:
the frame of a larger session against one built from the stored documents by hand, stored order
of the answers, and JSON values the kit never writes itself (an imported file could hold them)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa

from peerkit.store import RESPONSE_COLUMNS, STATUS_COLUMNS, Store
from peerkit.store.schema import participants, responses

WHEN = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.timezone.utc)


def payload(people: int) -> dict:
    ps, resps = [], []
    for p in range(1, people + 1):
        ps.append({"id": p, "display_name": f"Name «{p}»", "role": ("supervisor", "peer_specialist")[p % 2],
                   "pair_id": None})
        for iid in ("zeta", "alpha"):
            for occ in ("", "post") if p % 3 == 0 else ("",):
                for rev in (1, 2) if p % 2 else (1,):
                    # keys deliberately out of alphabetical order: the stored order is kept
                    answers = {f"q{k}": (k + p + rev) % 5 if k % 3 else (k % 2 == 0) for k in range(9, 0, -1)}
                    answers["note"] = f"Written by {p}, revision {rev}: \"quoted\", ünïcode"
                    resps.append({"participant_id": p, "instrument_id": iid, "instrument_version": 1,
                                  "occasion": occ, "revision": rev, "answers": answers,
                                  "submitted_at": WHEN + dt.timedelta(minutes=p, seconds=rev)})
    return {"session": {"title": "Frames", "join_code": None, "status": "open"}, "participants": ps,
            "pairs": [], "responses": resps, "notes": []}


def by_hand(store: Store, session_id: int) -> pd.DataFrame:
    """The frame from the stored documents, one answer at a time, through SQLAlchemy's own rows."""
    with store.engine.connect() as conn:
        subs = conn.execute(sa.select(responses, participants.c.display_name, participants.c.role,
                                      participants.c.pair_id, participants.c.session_id)
                            .join(participants, participants.c.id == responses.c.participant_id)
                            .where(participants.c.session_id == session_id)).all()
    current: dict = {}
    for r in subs:
        key = (r.participant_id, r.instrument_id, r.occasion)
        if key not in current or r.revision > current[key].revision:
            current[key] = r
    rows = []
    for key in sorted(current):
        r = current[key]
        for item_id, value in r.answers.items():
            rows.append({"session_id": r.session_id, "participant_id": r.participant_id,
                         "display_name": r.display_name, "role": r.role, "pair_id": r.pair_id,
                         "instrument_id": r.instrument_id, "instrument_version": r.instrument_version,
                         "occasion": r.occasion, "item_id": item_id, "value": value, "revision": r.revision,
                         "submitted_at": r.submitted_at})
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


def test_frame_equals_the_stored_documents(store: Store) -> None:
    session = store.restore_session(payload(30), new_code=True, passcode="pw")
    other = store.restore_session(payload(4), new_code=True, passcode="pw")  # not in the frame
    df = store.responses_frame(session.id)
    want = by_hand(store, session.id)
    assert len(df) == len(want) == 30 * 2 * 10 + 10 * 2 * 10
    assert list(df.columns) == RESPONSE_COLUMNS
    for col in ("session_id", "participant_id", "display_name", "role", "instrument_id", "instrument_version",
                "occasion", "item_id", "revision"):
        assert df[col].tolist() == want[col].tolist(), col
    assert [(type(v), v) for v in df["value"]] == [(type(v), v) for v in want["value"]]
    assert df["submitted_at"].tolist() == [pd.Timestamp(t) for t in want["submitted_at"]]
    assert df["item_id"].tolist()[:10] == [f"q{k}" for k in range(9, 0, -1)] + ["note"]
    assert set(df["revision"]) == {1, 2} and df["pair_id"].isna().all()
    assert set(df["session_id"]) == {session.id} and other.id != session.id
    # one exercise only
    alpha = store.responses_frame(session.id, "alpha")
    assert alpha["item_id"].tolist() == want.loc[want["instrument_id"] == "alpha", "item_id"].tolist()
    # who submitted what: the same current revisions
    status = store.submission_status(session.id)
    assert list(status.columns) == STATUS_COLUMNS
    assert len(status) == len(df.drop_duplicates(["participant_id", "instrument_id", "occasion"]))
    merged = df.drop_duplicates(["participant_id", "instrument_id", "occasion"])[
        ["participant_id", "instrument_id", "occasion", "revision", "submitted_at"]]
    pd.testing.assert_frame_equal(
        status[["participant_id", "instrument_id", "occasion", "revision", "submitted_at"]]
        .sort_values(["participant_id", "instrument_id", "occasion"]).reset_index(drop=True),
        merged.sort_values(["participant_id", "instrument_id", "occasion"]).reset_index(drop=True),
        check_dtype=False)


def test_values_the_kit_never_writes_come_as_json_text(store: Store) -> None:
    data = payload(1)
    data["responses"] = [{"participant_id": 1, "instrument_id": "odd", "instrument_version": 1, "occasion": "",
                          "revision": 1, "submitted_at": WHEN,
                          "answers": {"f": 2.5, "n": None, "l": ["x", "y"], "b": False, "i": 0, "s": ""}}]
    session = store.restore_session(data, new_code=True, passcode="pw")
    df = store.responses_frame(session.id)
    got = dict(zip(df["item_id"], df["value"]))
    assert got["b"] is False and got["i"] == 0 and type(got["i"]) is int and got["s"] == ""
    assert got["f"] == "2.5" and got["n"] is None
    assert json.loads(got["l"]) == ["x", "y"]
