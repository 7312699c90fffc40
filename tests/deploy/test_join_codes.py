"""Join codes are made in the database: servers creating sessions at the same moment on one
PostgreSQL database never hand out the same code.

Each process stands for a server's kernel (its own ``Store``, its own connections). The code
generator is narrowed to a small pool so that clashes certainly happen; the store's check and the
database's unique constraint (a clash between two transactions is retried with a new code) must
still give every session its own code.
"""

from __future__ import annotations

import multiprocessing as mp

import pytest

from peerkit.store import Store
from peerkit.store.schema import JOIN_ALPHABET, JOIN_CODE_LENGTH

from .code_worker import create_sessions

pytestmark = pytest.mark.postgres

WORKERS = 4
PER_WORKER = 8


def test_concurrent_servers_never_share_a_join_code(pg_url: str) -> None:
    Store(pg_url).close()  # the schema exists before the race (as after the first server's start)
    n = len(JOIN_ALPHABET)
    pool = ["A" * (JOIN_CODE_LENGTH - 2) + JOIN_ALPHABET[i // n] + JOIN_ALPHABET[i % n]
            for i in range(2 * WORKERS * PER_WORKER)]  # 64 codes for 32 sessions
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=create_sessions, args=(pg_url, w, PER_WORKER, pool, start, results))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    start.set()
    got = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [e for _w, _c, errs in got for e in errs]
    assert not errors, errors
    codes = [c for _w, cs, _e in got for c in cs]
    assert len(codes) == WORKERS * PER_WORKER
    assert len(set(codes)) == len(codes), "two sessions got the same join code"
    with Store(pg_url) as store:
        stored = [s.join_code for s in store.list_sessions()]
    assert sorted(stored) == sorted(codes)
