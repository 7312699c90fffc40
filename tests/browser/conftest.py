"""Browser tests: Voila serving notebooks/ on a free port, driven by Playwright in Debian's Chromium.

- Chromium is ``/usr/bin/chromium`` (``.ci/run`` installs the package ``chromium``). Without it
  the tests are skipped with the reason, unless ``PEERKIT_REQUIRE_BROWSER=1`` (CI), which turns
  the skip into a failure.
- ``voila_server`` (package scope) starts ``voila notebooks/`` exactly as ``peerkit serve`` does
  (same command line, same voila.json) on 127.0.0.1 with a temporary store (``PEERKIT_DB_URL``)
  and stops its process group afterwards, with bounded waits.
- Screenshots go to ``test-artifacts/`` (git-ignored) and, for the README, to ``docs/screenshots/``
  when missing or with ``PEERKIT_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from peerkit.serve import kit_root, stop_process_group, voila_command, wait_until_serving

CHROMIUM = Path(os.environ.get("PEERKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = kit_root()
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
START_TIMEOUT = 90.0  # s: Voila answering
STOP_TIMEOUT = 15.0   # s: Voila shutting its kernels down before SIGKILL
PAGE_TIMEOUT = 60_000  # ms: a page's first widget (a kernel starts per page)



def _require_browser() -> None:
    """Skip (locally) or fail (CI) when Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "Playwright for Python is not installed (pip install playwright)"
    if problem:
        if os.environ.get("PEERKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (PEERKIT_REQUIRE_BROWSER=1) but {problem}", pytrace=False)
        pytest.skip(f"browser tests need Chromium: {problem}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class VoilaServer:
    base_url: str
    db_url: str
    home: Path
    log: Path
    proc: subprocess.Popen
    started_in: float
    timings: dict = field(default_factory=dict)

    def url(self, notebook: str, query: str = "") -> str:
        return f"{self.base_url}/voila/render/{notebook}" + (f"?{query}" if query else "")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_voila(home: Path, port: int | None = None, extra: list[str] | None = None) -> VoilaServer:
    """Start Voila like ``peerkit serve`` does, in its own process group, and wait until it answers."""
    port = port or free_port()
    home.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{home / 'peerkit.sqlite'}"
    env = {**os.environ, "PEERKIT_DB_URL": db_url, "PEERKIT_HOME": str(home)}
    log = home / "voila.log"
    t0 = time.monotonic()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(voila_command("127.0.0.1", port, ROOT / "notebooks", extra or []),
                                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = VoilaServer(f"http://127.0.0.1:{port}", db_url, home, log, proc, 0.0)
    if not wait_until_serving(server.base_url + "/", proc, timeout=START_TIMEOUT):
        stop_voila(server)
        raise RuntimeError(f"Voila did not start within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")
    server.started_in = time.monotonic() - t0
    return server


def stop_voila(server: VoilaServer) -> None:
    """SIGTERM the process group (Voila shuts its kernels down), SIGKILL after a bounded wait."""
    stop_process_group(server.proc, timeout=STOP_TIMEOUT)


def kill_voila(server: VoilaServer, timeout: float = 15.0) -> None:
    """SIGKILL Voila's process group and every kernel it started (they run in sessions of their
    own), as a crash would, and wait until all of them are gone."""
    import signal

    import psutil

    try:
        kernels = psutil.Process(server.proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kernels = []
    os.killpg(server.proc.pid, signal.SIGKILL)
    for k in kernels:
        try:
            k.kill()
        except psutil.NoSuchProcess:
            pass
    server.proc.wait(timeout=timeout)
    psutil.wait_procs(kernels, timeout=timeout)


# -- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_available() -> None:
    _require_browser()


@pytest.fixture(scope="package")
def voila_server(browser_available, tmp_path_factory) -> Iterator[VoilaServer]:
    server = start_voila(tmp_path_factory.mktemp("voila-store"))
    try:
        yield server
    finally:
        stop_voila(server)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "voila.log").write_text(server.log_tail(400))
        if server.timings:
            server.timings["voila_started_in_s"] = round(server.started_in, 2)
            (ARTIFACTS / "timings.json").write_text(json.dumps(server.timings, indent=2) + "\n")


@pytest.fixture(scope="package")
def store(voila_server):
    """The same database the Voila kernels use (the facilitator's side of the test)."""
    from peerkit.store import Store

    s = Store(voila_server.db_url)
    yield s
    s.close()


# One Playwright and one Chromium at a time, shared by every fixture that needs it (tests/a11y
# imports the ``browser`` fixture too): the sync API cannot be started twice in one thread.
_shared: dict = {"users": 0}


def _acquire_browser():
    if "browser" not in _shared:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        try:
            _shared["browser"] = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                    args=CHROMIUM_ARGS)
        except BaseException:
            pw.stop()
            raise
        _shared["playwright"] = pw
    _shared["users"] += 1
    return _shared["browser"]


def _release_browser() -> None:
    _shared["users"] -= 1
    if _shared["users"] > 0:
        return
    b, pw = _shared.pop("browser", None), _shared.pop("playwright", None)
    try:
        if b is not None:
            b.close()
    finally:
        if pw is not None:
            pw.stop()


@pytest.fixture(scope="package")
def browser(browser_available):
    """Chromium for one test package (tests/browser, or tests/a11y which imports this fixture).

    Package scope, not session: while a sync Playwright is open its event loop counts as running
    in this thread, and later tests that call ``asyncio.run`` would fail."""
    b = _acquire_browser()
    try:
        yield b
    finally:
        _release_browser()


@pytest.fixture(scope="session")
def screenshot_dirs() -> tuple[Path, Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("failure-*.png"):
        stale.unlink()
    return ARTIFACTS, SCREENSHOTS
