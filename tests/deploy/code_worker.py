"""Worker for the join-code test (a module of its own so that spawned processes can import it)."""

from __future__ import annotations

import random
from typing import Any


def create_sessions(url: str, worker: int, count: int, pool: list[str], start: Any, results: Any) -> None:
    """Create ``count`` sessions, drawing join codes from the small ``pool`` (so that servers
    collide on purpose); puts (worker, [join codes], [errors]) on ``results``."""
    from peerkit.store import Store, core

    rng = random.Random(worker)
    core._new_join_code = lambda: rng.choice(pool)  # a tiny code space: clashes are certain
    store = Store(url)
    codes, errors = [], []
    try:
        start.wait(timeout=120)
        for j in range(count):
            try:
                codes.append(store.create_session(f"Room {worker}-{j}", "passcode").join_code)
            except Exception as exc:  # noqa: BLE001 - reported to the test
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        store.close()
    results.put((worker, codes, errors))
