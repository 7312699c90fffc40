"""Several processes submit at once to one database (SQLite file / PostgreSQL)."""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerkit.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mp_worker  # noqa: E402

PROCESSES = 6
PER_PROCESS = 40


@pytest.mark.slow
def test_many_processes_submit_at_once(store: Store, db_url: str, fixture_data: Path, backend: str) -> None:
    s = store.create_session("Busy workshop", "pw")
    # two participants shared by all processes: every submission races for the next revision number
    shared = [store.join(s.id, "Ann", "supervisor").id, store.join(s.id, "Ben", "peer_specialist").id]

    ctx = mp.get_context("spawn")
    start = ctx.Barrier(PROCESSES + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=mp_worker.submit_many,
                         args=(db_url, str(fixture_data), shared, w, PER_PROCESS, start, results))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    start.wait(timeout=120)  # all processes are connected; go
    began = time.perf_counter()
    collected = []
    try:
        for _ in procs:
            collected.append(results.get(timeout=300))
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    wall = time.perf_counter() - began
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]

    acks = [a for _, worker_acks, _ in collected for a in worker_acks]
    created = [a for a in acks if a[3]]
    repeats = [a for a in acks if not a[3]]
    assert len(acks) == PROCESSES * (PER_PROCESS + PER_PROCESS // 8)

    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, participant_id, revision, answers_hash FROM responses ORDER BY participant_id, revision"
        )).all()
    stored = {r.id: r for r in rows}
    # every acknowledged new submission is there exactly once, as acknowledged
    assert len(rows) == len(created)
    assert Counter(a[1] for a in created) == Counter(list(stored))
    for pid, response_id, revision, _, digest in created:
        row = stored[response_id]
        assert (row.participant_id, row.revision, row.answers_hash) == (pid, revision, digest)
    # a double click that stored nothing points at the stored, identical revision
    for pid, response_id, revision, _, digest in repeats:
        row = stored[response_id]
        assert (row.participant_id, row.revision, row.answers_hash) == (pid, revision, digest)
    # revisions are consecutive per participant: no gaps, no duplicates
    for pid in shared:
        revs = [r.revision for r in rows if r.participant_id == pid]
        assert revs == list(range(1, len(revs) + 1))
    # all 240 distinct answers were stored
    assert len({a[4] for a in created}) == PROCESSES * PER_PROCESS

    worker_secs = max(t for _, _, t in collected)
    doubles = len(acks) - PROCESSES * PER_PROCESS
    print(f"\n[{backend}] {PROCESSES} processes x {PER_PROCESS} submissions + {doubles} double clicks "
          f"({len(repeats)} stored nothing): {len(created)} revisions in {wall:.2f} s "
          f"(slowest worker {worker_secs:.2f} s, {len(acks) / wall:.0f} submit calls/s)")


def test_pairing_the_same_people_from_many_threads(store: Store) -> None:
    """set_pair(a, b) and set_pair(b, a) at once: no deadlock error, a consistent end state."""
    from concurrent.futures import ThreadPoolExecutor

    s = store.create_session("W", "pw")
    a = store.join(s.id, "Ann", "supervisor").id
    b = store.join(s.id, "Ben", "supervisor").id

    def flip(k: int) -> int:
        return store.set_pair(a, b) if k % 2 else store.set_pair(b, a)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(flip, range(40)))
    assert len(set(results)) == 2  # two pairs: (a, b) and (b, a)
    pa, pb = store.get_participant(a).pair_id, store.get_participant(b).pair_id
    assert pa == pb and pa in results


def test_opening_a_store_needs_no_write_lock(tmp_path: Path) -> None:
    """Kernels starting while another writes do not wait for the write lock."""
    import sqlite3

    path = tmp_path / "busy.sqlite"
    Store(f"sqlite:///{path}").close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        began = time.perf_counter()
        with Store(f"sqlite:///{path}", busy_timeout=5) as s:
            assert s.list_sessions() == []
        assert time.perf_counter() - began < 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
