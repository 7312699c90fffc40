"""Fixtures for the dashboard suite: small hand-made instruments, a tidy frame built by hand
(with every expectation computed in the tests' comments), and a temporary SQLite store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest

from peerkit.instruments import Instrument, parse_instrument
from peerkit.prep import RESPONSE_COLUMNS

SOURCE = """
source:
  document: test.txt
  title: Test manual
  lines: 1-2
"""

SIA_DOC = """
id: t-sia
version: 1
title: Principles
completed_by: both
compare: true
instructions: |-
  Read the principles.

  1. Review the principles independently.
  2. Rate each one.
""" + SOURCE + """
scale:
  kind: sia
  ordinal: true
  options:
    - {value: S, label: Strong, short: S}
    - {value: I, label: Incomplete, short: I}
    - {value: A, label: Absent, short: A}
sections:
  - id: principles
    title: Principles
    items:
      - {id: p1, number: "1", text: "Principle one"}
      - {id: p2, number: "2", text: "Principle two"}
      - {id: p3, number: "3", text: "Principle three"}
scoring: {method: tally}
discussion:
  questions:
    - {id: d1, text: "Compare and discuss."}
    - {id: d2, text: "What steps could you take?"}
"""

FREQ_DOC = """
id: t-freq
version: 1
title: Self evaluation
completed_by: both
compare: true
""" + SOURCE + """
scale:
  kind: frequency
  ordinal: true
  options:
    - {value: 5, label: Always}
    - {value: 4, label: Often}
    - {value: 3, label: Sometimes}
    - {value: 2, label: Seldom}
    - {value: 1, label: Never}
sections:
  - id: a
    title: Area A
    items:
      - {id: a1, text: "Item a one"}
      - {id: a2, text: "Item a two"}
  - id: b
    title: Area B
    items:
      - {id: b1, text: "Item b one"}
      - {id: b2, text: "Item b two"}
      - {id: b3, text: "Item b three"}
scoring: {method: sum, by_section: true}
discussion:
  questions:
    - {id: d1, text: "Where did you agree?"}
    - {id: d2, text: "Where did you differ?"}
"""

QUIZ_DOC = """
id: t-quiz
version: 1
title: Readiness
completed_by: anyone
""" + SOURCE + """
scale:
  kind: true_false
  options:
    - {value: true, label: "True", short: T}
    - {value: false, label: "False", short: F}
sections:
  - id: quiz
    items:
      - {id: q1, number: "1", text: "Statement one"}
      - {id: q2, number: "2", text: "Statement two"}
      - {id: q3, number: "3", text: "Statement three"}
      - {id: q4, number: "4", text: "Statement four"}
scoring:
  method: count
  value: true
  bands:
    - {min: 3, max: 4, label: Ready}
    - {min: 0, max: 2, label: Not yet}
"""

CHECK_DOC = """
id: t-check
version: 1
title: Checklist
completed_by: supervisor
""" + SOURCE + """
occasions:
  - {id: pre, label: Before}
  - {id: post, label: After}
scale: {kind: checklist}
sections:
  - id: s1
    title: Section one
    items:
      - {id: c1, text: "Check one"}
      - {id: c2, text: "Check two"}
  - id: s2
    title: Section two
    items:
      - {id: c3, text: "Check three"}
scoring: {method: count, value: true, by_section: true}
"""

TEXT_DOC = """
id: t-text
version: 1
title: Reflection
completed_by: both
""" + SOURCE + """
scale: {kind: text}
sections:
  - id: r
    items:
      - {id: r1, text: "What did you notice?"}
"""

# People: (participant_id, name, role, pair_id). Dan joined but submitted nothing.
PEOPLE = [
    (1, "Ann", "supervisor", 1),
    (2, "Ben", "peer_specialist", 1),
    (3, "Cat", "supervisor", 2),
    (4, "Dan", "peer_specialist", 2),
    (5, "Eve", "other", None),
]

ANSWERS: dict[tuple[str, str], dict[int, dict[str, Any]]] = {
    ("t-sia", ""): {
        1: {"p1": "S", "p2": "I", "p3": "A"},
        2: {"p1": "S", "p2": "A", "p3": "A"},
        3: {"p1": "I", "p2": "I"},
        5: {"p1": "A", "p2": "S", "p3": "I"},
    },
    ("t-freq", ""): {
        1: {"a1": 5, "a2": 3, "b1": 4, "b2": 4, "b3": 1},
        2: {"a1": 5, "a2": 4, "b1": 2, "b2": 2},
        3: {"a1": 1, "a2": 2, "b1": 5, "b2": 5, "b3": 5},
        5: {"a1": 3},
    },
    ("t-quiz", ""): {
        1: {"q1": True, "q2": True, "q3": True, "q4": False},
        2: {"q1": True, "q2": False, "q3": False, "q4": False},
        3: {"q1": True, "q2": True, "q3": True, "q4": True},
        5: {"q1": True, "q2": True},
    },
    ("t-check", "pre"): {
        1: {"c1": True, "c2": False, "c3": False},
        2: {"c1": True, "c2": True, "c3": True},
        3: {"c1": False, "c2": False, "c3": True},
    },
    ("t-check", "post"): {
        1: {"c1": True, "c2": True, "c3": False},
        3: {"c1": True, "c2": False, "c3": False},
    },
}

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)


def build_frame(answers=ANSWERS, people=PEOPLE) -> pd.DataFrame:
    """The tidy responses frame (Store.responses_frame columns) for ``answers``."""
    who = {p[0]: p for p in people}
    rows = []
    for k, ((iid, occ), by_person) in enumerate(answers.items()):
        for pid, items in by_person.items():
            _, name, role, pair = who[pid]
            for item_id, value in items.items():
                rows.append({"session_id": 1, "participant_id": pid, "display_name": name, "role": role,
                             "pair_id": pair, "instrument_id": iid, "instrument_version": 1, "occasion": occ,
                             "item_id": item_id, "value": value, "revision": 1,
                             "submitted_at": T0 + dt.timedelta(minutes=10 * k + pid)})
    df = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    df["value"] = pd.Series([r["value"] for r in rows], dtype=object)
    df["pair_id"] = df["pair_id"].astype("Int64")
    return df


def people_frame(people=PEOPLE) -> pd.DataFrame:
    return pd.DataFrame([{"participant_id": p, "session_id": 1, "display_name": n, "role": r, "pair_id": pr}
                         for p, n, r, pr in people])


def status_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame.groupby(["participant_id", "display_name", "role", "instrument_id", "occasion"], sort=False)
            .agg(submitted_at=("submitted_at", "max"), revision=("revision", "max")).reset_index())


@pytest.fixture(scope="session")
def sia() -> Instrument:
    return parse_instrument(SIA_DOC)


@pytest.fixture(scope="session")
def freq() -> Instrument:
    return parse_instrument(FREQ_DOC)


@pytest.fixture(scope="session")
def quiz() -> Instrument:
    return parse_instrument(QUIZ_DOC)


@pytest.fixture(scope="session")
def check() -> Instrument:
    return parse_instrument(CHECK_DOC)


@pytest.fixture(scope="session")
def text_ins() -> Instrument:
    return parse_instrument(TEXT_DOC)


@pytest.fixture(scope="session")
def small_instruments(sia, freq, quiz, check, text_ins) -> dict[str, Instrument]:
    return {i.id: i for i in (sia, freq, quiz, check, text_ins)}


@pytest.fixture
def frame() -> pd.DataFrame:
    return build_frame()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A temporary SQLite store; exports land in tmp_path too."""
    from peerkit.store import Store

    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PEERKIT_DB_URL", raising=False)
    s = Store(f"sqlite:///{tmp_path / 'test.sqlite'}")
    yield s
    s.close()


@pytest.fixture
def demo(store) -> Any:
    """The store's demo session: 6 supervisors and 6 peer specialists in pairs (passcode "demo")."""
    return store.load_demo()


@pytest.fixture(scope="session")
def curriculum() -> dict[str, Instrument]:
    from peerkit.instruments import load_all

    return load_all()
