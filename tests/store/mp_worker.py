"""Worker for the multi-process test (a module of its own so that spawned processes can import it)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def submit_many(url: str, data_dir: str, participant_ids: list[int], worker: int, count: int,
                start: Any, results: Any) -> None:
    """Submit ``count`` distinct quiz responses, alternating over ``participant_ids``.

    Every 8th submission is sent twice at once (a double click). Puts
    (worker, [(participant_id, response_id, revision, created, answers_hash), ...], seconds) on ``results``.
    """
    os.environ["PEERKIT_DATA"] = data_dir
    from peerkit.instruments import get_instrument
    from peerkit.store import Store, answers_hash

    quiz = get_instrument("quiz", Path(data_dir))
    store = Store(url)
    acks = []
    try:
        start.wait(timeout=120)
        began = time.perf_counter()
        for j in range(count):
            pid = participant_ids[j % len(participant_ids)]
            n = worker * count + j  # distinct answers across all workers (10 items: 1024 patterns)
            answers = {item.id: bool((n >> k) & 1) for k, item in enumerate(quiz.items)}
            digest = answers_hash(answers)
            sub = store.submit(pid, quiz, answers)
            acks.append((pid, sub.response_id, sub.revision, sub.created, digest))
            if j % 8 == 0:
                again = store.submit(pid, quiz, answers)
                acks.append((pid, again.response_id, again.revision, again.created, digest))
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    results.put((worker, acks, elapsed))
