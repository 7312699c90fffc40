"""Fixtures for the store suite: every test that takes ``store`` (or ``db_url``) runs on
SQLite (a temporary file) and on PostgreSQL (``$PEERKIT_TEST_POSTGRES_URL``).

Each PostgreSQL test gets its own schema (``search_path`` set in the URL), dropped
afterwards, so several test runs can share one database. Without the variable the
PostgreSQL cases are skipped, unless ``PEERKIT_REQUIRE_POSTGRES=1`` (or ``CI=true``):
then they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from peerkit.instruments import Instrument, load_all
from peerkit.store import Store

DATA = Path(__file__).resolve().parent / "data"
PG_ENV = "PEERKIT_TEST_POSTGRES_URL"


def postgres_required() -> bool:
    return os.environ.get("PEERKIT_REQUIRE_POSTGRES") == "1" or os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def fixture_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests use the small fixture instruments in tests/store/data, not the curriculum files."""
    monkeypatch.setenv("PEERKIT_DATA", str(DATA))
    monkeypatch.delenv("PEERKIT_DB_URL", raising=False)
    return DATA


@pytest.fixture
def instruments() -> dict[str, Instrument]:
    return load_all(DATA)


def _postgres_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        message = (f"PostgreSQL tests need {PG_ENV}=postgresql+psycopg://user:password@host/db "
                   "(.ci/run starts a server and sets it)")
        if postgres_required():
            pytest.fail(message + "; PEERKIT_REQUIRE_POSTGRES=1 or CI=true makes them mandatory", pytrace=False)
        pytest.skip(message)
    schema = f"peerkit_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"cannot reach PostgreSQL at {make_url(base).render_as_string(hide_password=True)}: "
                    f"{str(exc.orig).splitlines()[0]}", pytrace=False)
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql("SET lock_timeout = '20s'")
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'peerkit.sqlite'}"
    else:
        yield from _postgres_schema_url(request)


@pytest.fixture
def backend(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgres"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A :class:`Store` on a fresh database, on SQLite and on PostgreSQL."""
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[[], Store]]:
    """Open further stores on the same database (like other kernels); all closed afterwards."""
    opened: list[Store] = []

    def make() -> Store:
        s = Store(db_url)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()
