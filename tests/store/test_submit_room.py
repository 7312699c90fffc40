"""A room pressing Submit at once, and what the short submit transaction must still keep:
rows as SQLAlchemy would write them, one revision per new answer set, retries on a dropped
PostgreSQL connection."""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator
from collections import Counter

import pytest
import sqlalchemy as sa

from peerkit.instruments import Instrument
from peerkit.store import RevisionConflict, SessionClosed, Store, answers_hash
from peerkit.store import core, engine
from peerkit.store.schema import responses

from .conftest import _postgres_schema_url

ROOM = 60


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL schema (skipped, or failed in CI, without a server)."""
    yield from _postgres_schema_url(request)


def _answers(quiz: Instrument, n: int) -> dict:
    return {item.id: bool((n >> k) & 1) for k, item in enumerate(quiz.items)}


def test_sixty_threads_submit_at_once(store: Store, instruments: dict[str, Instrument]) -> None:
    """60 threads, each its own participant and double-clicking, plus 10 threads sharing one
    participant: every new answer set is stored exactly once, as acknowledged, with
    consecutive revisions, and a double click stores nothing."""
    quiz = instruments["quiz"]
    s = store.create_session("Room", "pw")
    people = [store.join(s.id, f"Person {i}", ("supervisor", "peer_specialist")[i % 2]).id for i in range(ROOM)]
    shared = store.join(s.id, "Shared", "supervisor").id
    jobs = [(pid, n) for n, pid in enumerate(people)] + [(shared, 100 + k) for k in range(10)]
    start = threading.Barrier(len(jobs))
    acks: list[tuple] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(pid: int, n: int) -> None:
        try:
            start.wait(timeout=60)
            for k in range(3):
                answers = _answers(quiz, n * 8 + k)
                sub = store.submit(pid, quiz, answers)
                with lock:
                    acks.append((pid, sub.response_id, sub.revision, sub.created, answers_hash(answers)))
                if pid != shared:  # a double click stores nothing
                    again = store.submit(pid, quiz, answers)
                    assert (again.created, again.response_id) == (False, sub.response_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:3]
    created = [a for a in acks if a[3]]
    assert len(created) == len(jobs) * 3
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(responses.c.id, responses.c.participant_id, responses.c.revision,
                                      responses.c.answers_hash)).all()
    stored = {r.id: r for r in rows}
    assert len(rows) == len(created)
    assert Counter(a[1] for a in created) == Counter(list(stored))
    for pid, response_id, revision, _, digest in acks:
        assert tuple(stored[response_id][1:]) == (pid, revision, digest)
    for pid in {*people, shared}:
        revs = sorted(r.revision for r in rows if r.participant_id == pid)
        assert revs == list(range(1, len(revs) + 1))
    assert len([r for r in rows if r.participant_id == shared]) == 30


def test_stored_row_is_what_sqlalchemy_writes(store: Store, instruments: dict[str, Instrument]) -> None:
    """The answers (JSON), hash and time read back through SQLAlchemy equal what submit returned."""
    quiz = instruments["quiz"]
    s = store.create_session("W", "pw")
    pid = store.join(s.id, "Ann", "supervisor").id
    answers = _answers(quiz, 5)
    store.save_draft(pid, quiz.id, {"q1": True})
    sub = store.submit(pid, quiz, answers)
    assert sub.created and sub.revision == 1 and sub.submitted_at.tzinfo is not None
    assert store.load_draft(pid, quiz.id) is None
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(responses).where(responses.c.id == sub.response_id)).one()
    assert row.answers == answers
    assert row.answers_hash == answers_hash(answers)
    assert row.instrument_version == quiz.version and row.occasion == ""
    assert row.submitted_at == sub.submitted_at
    same = store.submit(pid, quiz, dict(reversed(list(answers.items()))))  # same answers, any order
    assert (same.created, same.response_id, same.revision) == (False, sub.response_id, 1)
    assert same.submitted_at == sub.submitted_at and same.submitted_at.tzinfo is not None
    with pytest.raises(RevisionConflict) as info:
        store.submit(pid, quiz, _answers(quiz, 6), base_revision=0)
    assert info.value.current_revision == 1 and info.value.submitted_at == sub.submitted_at
    assert store.submit(pid, quiz, _answers(quiz, 6), base_revision=1).revision == 2


def test_refused_submit_writes_nothing(store: Store, instruments: dict[str, Instrument]) -> None:
    quiz = instruments["quiz"]
    s = store.create_session("W", "pw")
    pid = store.join(s.id, "Ann", "supervisor").id
    store.save_draft(pid, quiz.id, {"q1": True})
    store.set_status(s.id, "closed")
    with pytest.raises(SessionClosed):
        store.submit(pid, quiz, _answers(quiz, 1))
    assert store.load_draft(pid, quiz.id) == {"q1": True}  # the draft is kept
    assert store.revisions(pid, quiz.id) == []


@pytest.mark.postgres
def test_submit_survives_a_dropped_connection(pg_url: str, instruments: dict[str, Instrument]) -> None:
    """Pooled connections are not pinged while in steady use: a connection the server dropped
    fails the submit's first statement, and the submit is retried on a new one."""
    quiz = instruments["quiz"]
    with Store(pg_url) as store:
        s = store.create_session("W", "pw")
        pid = store.join(s.id, "Ann", "supervisor").id
        with store.engine.connect() as conn:  # the pooled connection the submit will get
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({backend})")
        admin.dispose()
        sub = store.submit(pid, quiz, _answers(quiz, 3))
        assert sub.created and store.current_answers(pid, quiz.id) == _answers(quiz, 3)


@pytest.mark.postgres
def test_idle_connection_is_checked_before_use(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection idle for longer than the ping interval is checked first, so a read after
    the server dropped it still works."""
    with Store(pg_url) as store:
        s = store.create_session("W", "pw")
        with store.engine.connect() as conn:
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({backend})")
        admin.dispose()
        monkeypatch.setattr(engine, "_PING_AFTER", 0.0)
        assert store.get_session(s.id).title == "W"


def test_without_returning_the_read_then_insert_path_keeps_every_rule(
        store: Store, instruments: dict[str, Instrument], monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite before 3.35 has no RETURNING: every submit reads first, then inserts. The same
    rules hold (on PostgreSQL the path is the one a caller's own transaction takes)."""
    from peerkit.store import submit as submit_module

    monkeypatch.setattr(submit_module, "_SQLITE_RETURNING", False)
    quiz = instruments["quiz"]
    s = store.create_live_session("W", "pw")
    pid = store.join(s.id, "Ann", "supervisor").id
    with pytest.raises(core.StoreError, match="not opened"):
        store.submit(pid, quiz, _answers(quiz, 1))
    store.open_exercise(s.id, quiz.id)
    store.save_draft(pid, quiz.id, {"q1": True})
    first = store.submit(pid, quiz, _answers(quiz, 1))
    assert (first.created, first.revision) == (True, 1) and store.load_draft(pid, quiz.id) is None
    again = store.submit(pid, quiz, _answers(quiz, 1))
    assert (again.created, again.response_id, again.submitted_at) == (False, first.response_id, first.submitted_at)
    with pytest.raises(RevisionConflict):
        store.submit(pid, quiz, _answers(quiz, 2), base_revision=0)
    assert store.submit(pid, quiz, _answers(quiz, 2), base_revision=1).revision == 2
    store.close_answering(s.id)
    with pytest.raises(core.StoreError, match="closed answering"):
        store.submit(pid, quiz, _answers(quiz, 3))
    assert [r.revision for r in store.revisions(pid, quiz.id)] == [1, 2]


@pytest.mark.postgres
def test_postgres_submit_without_pipeline_mode(pg_url: str, instruments: dict[str, Instrument],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """With a libpq older than 14 (no pipeline mode) the same statements run one by one."""
    import psycopg

    from peerkit.store import submit as submit_module

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    quiz = instruments["quiz"]
    with Store(pg_url) as store:
        with store.engine.connect() as conn:  # the submit will not use the pipeline
            assert isinstance(submit_module._batch(conn.connection.dbapi_connection), contextlib.nullcontext)
        s = store.create_live_session("W", "pw")
        pid = store.join(s.id, "Ann", "supervisor").id
        store.open_exercise(s.id, quiz.id)
        first = store.submit(pid, quiz, _answers(quiz, 1))
        assert (first.created, first.revision) == (True, 1)
        assert store.submit(pid, quiz, _answers(quiz, 1)).created is False
        assert store.submit(pid, quiz, _answers(quiz, 2)).revision == 2
        store.close_answering(s.id)
        with pytest.raises(core.StoreError, match="closed answering"):
            store.submit(pid, quiz, _answers(quiz, 3))
