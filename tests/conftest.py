"""Shared test configuration: where the kit's files and the source documents are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


SOURCES_ENV = "PEERKIT_SEEDS"
_skipped: list[str] = []


def _seeds_dir() -> Path | None:
    """The folder of source documents the kit's exercises are transcribed from ($PEERKIT_SEEDS).

    The documents are not part of the repository; .ci/run points the variable at them."""
    env = os.environ.get(SOURCES_ENV, "").strip()
    if env and any(Path(env).glob("*.txt")):
        return Path(env)
    return None


def _sources_missing() -> str:
    env = os.environ.get(SOURCES_ENV, "").strip()
    if not env:
        return (f"{SOURCES_ENV} is not set: the source check (every exercise's text against its source "
                "document) needs the folder of source documents")
    return f"{SOURCES_ENV}={env} holds no source documents (*.txt)"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    found = _seeds_dir()
    if found is None:
        msg = _sources_missing()
        if os.environ.get("PEERKIT_REQUIRE_SOURCES") == "1" or os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + "; PEERKIT_REQUIRE_SOURCES=1 makes the source check mandatory", pytrace=False)
        _skipped.append(msg)
        pytest.skip(msg)
    return found


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it plainly at the end of the run when the source check did not run."""
    if _skipped:
        terminalreporter.write_sep("=", "SOURCE CHECK SKIPPED", yellow=True, bold=True)
        n = sum(1 for r in terminalreporter.stats.get("skipped", []) if _skipped[0] in str(r.longrepr))
        terminalreporter.write_line(
            f"{n} test(s) comparing the exercises with their source documents were skipped because "
            f"{_skipped[0]}.")
        terminalreporter.write_line(
            f"Run them with: {SOURCES_ENV}=/path/to/the/source/documents make test")
