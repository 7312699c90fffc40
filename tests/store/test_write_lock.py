"""SQLite writers wait for the write lock with short jittered tries (not the busy handler's 100 ms steps)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from peerkit.store import Store, StoreError


def test_writer_gets_the_lock_soon_after_another_program_releases_it(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    with Store(f"sqlite:///{path}", busy_timeout=5) as s:
        session = s.create_session("W", "pw")
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        released = threading.Event()

        def release() -> None:
            time.sleep(0.3)
            holder.execute("ROLLBACK")
            released.set()

        t = threading.Thread(target=release)
        t.start()
        try:
            t0 = time.monotonic()
            ann = s.join(session.id, "Ann", "other")
            waited = time.monotonic() - t0
        finally:
            t.join()
            holder.close()
        assert released.is_set() and ann.display_name == "Ann"
        assert 0.25 <= waited < 5
        # the connection's own busy timeout is back in force for everything else
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_writer_gives_up_after_the_busy_timeout_and_leaves_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    with Store(f"sqlite:///{path}", busy_timeout=0.2) as s:
        session = s.create_session("W", "pw")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            t0 = time.monotonic()
            with pytest.raises(StoreError, match="is busy"):
                s.join(session.id, "Ann", "other")
            assert time.monotonic() - t0 >= 0.2
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert s.join(session.id, "Ann", "other").display_name == "Ann"
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
