"""Deployment tests: several real ``peerkit serve`` processes on one PostgreSQL database, and a
real JupyterHub (with configurable-http-proxy) whose users' servers run the kit.

PostgreSQL is required as in the store tests: ``PEERKIT_TEST_POSTGRES_URL`` (each test gets a
schema of its own, dropped afterwards); without it the tests skip, unless
``PEERKIT_REQUIRE_POSTGRES=1`` or ``CI=true`` (then they fail). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.store.conftest import _postgres_schema_url

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _no_ambient_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here may touch the kit's own var/ store by accident."""
    monkeypatch.delenv("PEERKIT_DB_URL", raising=False)
    monkeypatch.delenv("PEERKIT_HOME", raising=False)
    monkeypatch.delenv("PEERKIT_DATA", raising=False)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL schema (``search_path`` in the URL) that every server of the test shares."""
    yield from _postgres_schema_url(request)


def required(var: str) -> bool:
    return os.environ.get(var) == "1"
