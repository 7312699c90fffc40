"""Fixtures for the accessibility tests, reusing the browser tests' Chromium launch and Voila helpers.

- ``browser_available`` comes from tests/browser/conftest.py (Chromium at /usr/bin/chromium;
  skipped, or failed with PEERKIT_REQUIRE_BROWSER=1, when it is missing), and so does ``browser``,
  Chromium for this package only (package scope): Playwright's event loop and Voila are gone before
  the next folder's tests run (a session-scoped Playwright loop breaks later tests that call
  ``asyncio.run``).
- ``a11y_server`` starts Voila with the browser tests' ``start_voila`` / ``stop_voila`` (exactly as
  ``peerkit serve`` does), on a store of its own, so these tests neither wait for nor disturb the
  workshop-flow test's server and its artifacts.
- ``axe_js`` is axe.min.js (skip, or fail in CI, when ``make test`` could not install it).
- At the end of the session the audit's summary (pages checked, violations by impact) is printed and
  written to test-artifacts/a11y-summary.md.
"""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from tests.browser.conftest import (ARTIFACTS, VoilaServer, browser,  # noqa: F401
                                    browser_available, start_voila, stop_voila)

from . import helpers

PASSCODE = "a11y-passcode-7"
_timing: dict[str, float] = {}


@pytest.fixture(scope="session")
def axe_js() -> str:
    return helpers.axe_source()


@pytest.fixture(scope="package")
def a11y_server(browser_available, tmp_path_factory) -> Iterator[VoilaServer]:
    _timing.setdefault("start", time.monotonic())
    server = start_voila(tmp_path_factory.mktemp("a11y-voila"))
    try:
        yield server
    finally:
        stop_voila(server)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "a11y-voila.log").write_text(server.log_tail(300))


@pytest.fixture(scope="package")
def a11y_store(a11y_server):
    from peerkit.store import Store

    s = Store(a11y_server.db_url)
    yield s
    s.close()


@pytest.fixture(scope="package")
def workshop(a11y_store):
    """A workshop session for the participant pages (join code + passcode)."""
    return a11y_store.create_session("Accessibility check", PASSCODE)


@pytest.fixture(scope="package")
def demo_session(a11y_store):
    """The demo session (a dozen participants with answers, pairs): fills the dashboard."""
    return a11y_store.load_demo()


def _summary() -> str:
    start = _timing.get("start")
    return helpers.summary_markdown(time.monotonic() - start if start else None)


def pytest_sessionfinish(session, exitstatus) -> None:
    text = _summary()
    if text:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "a11y-summary.md").write_text(text)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    text = _summary()
    if text:
        terminalreporter.section("accessibility summary")
        terminalreporter.write(text)
        terminalreporter.write_line(f"(written to {ARTIFACTS / 'a11y-summary.md'})")
