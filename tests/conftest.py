"""Shared test configuration: where the kit's files and the source documents are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _seeds_dir() -> Path | None:
    env = os.environ.get("PEERKIT_SEEDS")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "seeds")
    for c in candidates:
        if (c / "README.md").exists():
            return c
    return None


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    found = _seeds_dir()
    if found is None:
        msg = "source documents not found (set PEERKIT_SEEDS to the seeds folder)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return found
