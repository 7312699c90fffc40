"""Repository-wide pytest configuration: the notebooks in notebooks/ run under nbval.

``make test`` runs ``pytest`` with ``--nbval-lax`` (pyproject.toml), so every notebook in
``notebooks/`` is executed top to bottom in a fresh kernel. Kernels inherit this process's
environment, so before a notebook's kernel starts we point the store at a temporary SQLite file
of its own (``PEERKIT_DB_URL``, and ``PEERKIT_HOME`` for anything else written to disk); the
environment is restored after the notebook's last cell. Unit tests in tests/ are unaffected.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_ENV_KEYS = ("PEERKIT_DB_URL", "PEERKIT_HOME")
_state: dict[str, object] = {}


def _is_notebook_item(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's first cell (its kernel starts then): a temporary store of its own."""
    if not _is_notebook_item(item) or _state.get("notebook") == item.path:
        return
    base = _state.get("base")
    if base is None:
        base = Path(tempfile.mkdtemp(prefix="peerkit-nbval-"))
        _state["base"] = base
        _state["saved"] = {k: os.environ.get(k) for k in _ENV_KEYS}
    home = Path(base) / item.path.stem
    home.mkdir(parents=True, exist_ok=True)
    os.environ["PEERKIT_HOME"] = str(home)
    os.environ["PEERKIT_DB_URL"] = f"sqlite:///{home / 'peerkit.sqlite'}"
    _state["notebook"] = item.path


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if not _is_notebook_item(item):
        return
    if nextitem is None or nextitem.path != item.path:
        _restore_env()


def _restore_env() -> None:
    saved = _state.get("saved")
    if not isinstance(saved, dict):
        return
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _state.pop("notebook", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    _restore_env()
    base = _state.pop("base", None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)
