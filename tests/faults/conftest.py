"""Fault tests: crashes, locked / read-only / full stores, unwritable data folders, bad input.

Everything is bounded in time and stays on 127.0.0.1. The Voila server is started with the browser
tests' ``start_voila`` (same command line as ``peerkit serve``) but driven without a browser: a
plain HTTP GET of the participant page makes Voila start a kernel and run the notebook, and the
test then runs code in that participant kernel through a second kernel client.

Tests run as root here, where ``chmod`` does not stop writes. Read-only files and folders are made
with the immutable attribute (``chattr +i``, which binds root too) and always reverted; where
``chattr`` is unavailable those tests skip with the reason. An unwritable data folder is a path
under a regular file (``/dev/null/x``); a full database is SQLite's ``PRAGMA max_page_count`` set
on every connection of the store; a full disk at start-up is ``RLIMIT_FSIZE`` in a child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from peerkit.forms import available_instruments
from peerkit.instruments import Instrument


@pytest.fixture(scope="session")
def curriculum() -> dict[str, Instrument]:
    return available_instruments()


@pytest.fixture(autouse=True)
def _no_ambient_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here may touch the kit's own var/ store by accident."""
    monkeypatch.delenv("PEERKIT_DB_URL", raising=False)
    monkeypatch.delenv("PEERKIT_HOME", raising=False)


def chattr_works(tmp: Path) -> str | None:
    """None when ``chattr +i`` can make a file immutable here, else why not."""
    if shutil.which("chattr") is None:
        return "chattr is not installed (e2fsprogs)"
    probe = tmp / ".chattr-probe"
    probe.write_text("x")
    try:
        res = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, text=True, timeout=10)
        if res.returncode != 0:
            return f"chattr +i failed: {res.stderr.strip()}"
        try:
            with open(probe, "a") as fh:
                fh.write("y")
            return "chattr +i does not stop writes on this file system"
        except OSError:
            return None
    finally:
        subprocess.run(["chattr", "-i", str(probe)], capture_output=True, timeout=10)
        probe.unlink(missing_ok=True)


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Make ``paths`` immutable (read-only even for root) for the ``with`` block."""
    existing = [str(p) for p in paths if p.exists()]
    subprocess.run(["chattr", "+i", *existing], check=True, capture_output=True, timeout=10)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *existing], capture_output=True, timeout=10)


@pytest.fixture
def need_chattr(tmp_path: Path) -> None:
    why = chattr_works(tmp_path)
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"read-only fault tests need chattr: {why}", pytrace=False)
        pytest.skip(why)
