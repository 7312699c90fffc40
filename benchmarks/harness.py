"""Shared pieces of the benchmarks: a Voila server on a folder of our own, its kernels, the browser.

Voila is started exactly as the browser tests start it (``peerkit.serve.voila_command``, the
kit's ``voila.json`` picked up from the kit's folder as working directory, a temporary store in
``PEERKIT_DB_URL``), and stopped with the browser tests' ``stop_voila`` (SIGTERM to the process
group, SIGKILL after a bounded wait). Chromium is launched with the browser tests' arguments.
Nothing here listens on anything but 127.0.0.1.

The served folder holds a byte-identical copy of ``notebooks/participant.ipynb`` and a bare
notebook with one ipywidgets control (the baseline), so both are served by the same Voila.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the browser tests' helpers live in tests/browser
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from peerkit.kernel import is_kernel_command  # noqa: E402
from peerkit.serve import voila_command, wait_until_serving  # noqa: E402
from tests.browser.conftest import (CHROMIUM, CHROMIUM_ARGS, VoilaServer, free_port,  # noqa: E402
                                    stop_voila)
from tests.deploy.servers import reap  # noqa: E402

START_TIMEOUT = 120.0
HEAVY = ("pandas", "matplotlib", "numpy", "openpyxl", "scipy", "PIL")

BARE_SOURCE = """\
import ipywidgets as widgets
from IPython.display import display

clicks = widgets.Label(value="not clicked", layout=widgets.Layout(width="100%"))
button = widgets.Button(description="Ready")

def _clicked(_b):
    clicks.value = f"clicked {int(clicks.value.split()[-1]) + 1 if clicks.value.startswith('clicked') else 1}"

button.on_click(_clicked)
display(widgets.VBox([button, clicks]))
"""


def bare_notebook() -> dict:
    """The baseline: one ipywidgets control (a button; its label shows kernel round trips)."""
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "bare", "metadata": {},
                   "outputs": [], "source": BARE_SOURCE}],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def bench_folder(base: Path) -> Path:
    """A folder with participant.ipynb (copied from the kit) and bare.ipynb."""
    folder = base / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "notebooks" / "participant.ipynb", folder / "participant.ipynb")
    (folder / "bare.ipynb").write_text(json.dumps(bare_notebook(), indent=1))
    return folder


@dataclass
class Server:
    """A Voila server of the benchmarks (wraps the browser tests' VoilaServer)."""

    voila: VoilaServer
    folder: Path
    extra: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.voila.base_url

    @property
    def db_url(self) -> str:
        return self.voila.db_url

    def url(self, notebook: str, query: str = "") -> str:
        return self.voila.url(notebook, query)

    @property
    def pid(self) -> int:
        return self.voila.proc.pid

    def kernels(self) -> list[psutil.Process]:
        """The kernel processes of this Voila (ipykernel children)."""
        out = []
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return out
        for c in children:
            try:
                if is_kernel_command(c.cmdline()):
                    out.append(c)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return out

    def wait_for_kernels(self, n: int, timeout: float) -> bool:
        """Wait until this Voila has ``n`` kernels (a pool filling up); False if not within ``timeout``."""
        t0 = time.monotonic()
        while len(self.kernels()) < n:
            if time.monotonic() - t0 > timeout:
                return False
            time.sleep(0.5)
        return True

    def kernel_by_id(self, kernel_id: str) -> psutil.Process | None:
        for k in self.kernels():
            try:
                if f"kernel-{kernel_id}.json" in " ".join(k.cmdline()):
                    return k
            except psutil.NoSuchProcess:
                continue
        return None

    def stop(self) -> None:
        """Stop Voila (its kernels with it); kernels still alive after that -- jupyter_client starts
        them in sessions of their own, so a SIGKILL of Voila's group misses them -- are killed."""
        kernels = self.kernels()
        stop_voila(self.voila)
        reap(kernels, grace=10)


def start_server(base: Path, extra: Iterable[str] = (), db_url: str | None = None,
                 stock_voila: bool = False) -> Server:
    """Voila on a bench folder under ``base`` (store: a SQLite file in ``base/home`` unless ``db_url``).

    ``stock_voila``: Voila as installed (its own launcher, kernel manager, template and kernel
    transport) instead of the kit's (``peerkit.room``)."""
    folder = bench_folder(base)
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{home / 'peerkit.sqlite'}"
    env = {**os.environ, "PEERKIT_DB_URL": db_url, "PEERKIT_HOME": str(home)}
    port = free_port()
    log = base / "voila.log"
    extra = list(extra)
    t0 = time.monotonic()
    with open(log, "wb") as fh:
        cmd = voila_command("127.0.0.1", port, folder, extra, stock=stock_voila)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    voila = VoilaServer(f"http://127.0.0.1:{port}", db_url, home, log, proc, 0.0)
    if not wait_until_serving(voila.base_url + "/", proc, timeout=START_TIMEOUT):
        stop_voila(voila)
        raise RuntimeError(f"Voila did not start within {START_TIMEOUT:.0f} s:\n{voila.log_tail()}")
    voila.started_in = time.monotonic() - t0
    return Server(voila, folder, extra)


def http_render(url: str, timeout: float = 180.0) -> tuple[float, str]:
    """GET a Voila page without a browser: Voila starts a kernel and runs the notebook while it
    answers, so the kernel stays open afterwards (like a tab whose browser never closes it)."""
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        body = resp.read().decode("utf-8", "replace")
    return time.perf_counter() - t0, body


def kernel_id_of(html: str) -> str | None:
    m = re.search(r'kernelId"\s*:\s*"([0-9a-f-]{36})"', html)
    return m.group(1) if m else None


def connection_file(proc: psutil.Process) -> str | None:
    cmd = proc.cmdline()
    for i, part in enumerate(cmd):
        if part == "-f" and i + 1 < len(cmd):
            return cmd[i + 1]
    return None


def kernel_exec(proc: psutil.Process, code: str, timeout: float = 60.0) -> str:
    """Run ``code`` in a running kernel (a second client on its connection file); its stdout."""
    from jupyter_client import BlockingKernelClient

    cf = connection_file(proc)
    if cf is None:
        raise RuntimeError(f"no connection file for kernel process {proc.pid}")
    kc = BlockingKernelClient(connection_file=cf)
    kc.load_connection_file()
    kc.start_channels()
    out: list[str] = []
    try:
        kc.wait_for_ready(timeout=timeout)

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("ERROR: " + msg["content"]["ename"] + ": " + msg["content"]["evalue"])

        kc.execute_interactive(code, timeout=timeout, output_hook=hook, store_history=False)
    finally:
        kc.stop_channels()
    return "".join(out)


MODULES_CODE = """\
import sys, json
print(json.dumps(sorted({m.split('.')[0] for m in list(sys.modules)})))
"""


def kernel_modules(proc: psutil.Process) -> list[str]:
    """Top-level modules imported in a kernel."""
    text = kernel_exec(proc, MODULES_CODE).strip().splitlines()
    return json.loads(text[-1]) if text else []


def cpu_seconds(procs: Iterable[psutil.Process]) -> float:
    """CPU seconds (user + system) that ``procs`` have used so far."""
    total = 0.0
    for p in procs:
        t = p.cpu_times()
        total += t.user + t.system
    return total


def memory_of(procs: Iterable[psutil.Process]) -> list[dict]:
    """RSS and USS (bytes) of each process; USS is what the process alone holds (not shared)."""
    out = []
    for p in procs:
        try:
            full = p.memory_full_info()
            out.append({"pid": p.pid, "rss": full.rss, "uss": full.uss, "pss": getattr(full, "pss", full.rss)})
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return out


def wait_quiet(procs_of, threshold: float = 8.0, settle: float = 0.6, timeout: float = 60.0) -> float:
    """Wait until the given processes (a callable returning them) use less than ``threshold`` %
    CPU together over ``settle`` seconds; returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        procs = procs_of()
        for p in procs:
            try:
                p.cpu_percent(None)
            except psutil.NoSuchProcess:
                pass
        time.sleep(settle)
        total = 0.0
        for p in procs:
            try:
                total += p.cpu_percent(None)
            except psutil.NoSuchProcess:
                pass
        if total < threshold:
            break
    return time.monotonic() - t0


# -- browser -----------------------------------------------------------------------------------

def launch_browser(pw):
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def browser_available() -> str | None:
    """None when Chromium and Playwright are there, else the reason."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None


def first_widget(page, notebook: str):
    """The locator of the first widget a person sees on the page."""
    if notebook.startswith("participant"):
        return page.get_by_label("Join code")
    return page.get_by_role("button", name="Ready")


def time_to_render(browser, server: Server, notebook: str, query: str = "",
                   timeout_ms: int = 120_000) -> dict:
    """Navigate a fresh tab to the notebook; seconds until its first widget is visible.

    Returns the time, the kernel id and process, and the open page/context (close them with
    :func:`close_tab`)."""
    ctx = browser.new_context()
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(server.url(notebook, query), timeout=timeout_ms)
    first_widget(page, notebook).wait_for(state="visible", timeout=timeout_ms)
    seconds = time.perf_counter() - t0
    kid = kernel_id_of(page.content())
    return {"seconds": seconds, "kernel_id": kid, "page": page, "context": ctx,
            "kernel": server.kernel_by_id(kid) if kid else None}


def close_tab(tab: dict) -> None:
    try:
        tab["page"].close(run_before_unload=True)  # Voila shuts the kernel down on beforeunload
    except Exception:
        pass
    try:
        tab["context"].close()
    except Exception:
        pass


# -- machine -----------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vm = psutil.virtual_memory()
    from importlib.metadata import PackageNotFoundError, version

    pkgs = {}
    for name in ("peerkit", "voila", "ipywidgets", "ipykernel", "jupyter_server", "sqlalchemy", "pandas",
                 "psycopg", "playwright", "pytest", "psutil"):
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = "-"
    sqlite_version = __import__("sqlite3").sqlite_version
    pg = "-"
    try:
        pg = subprocess.run(["pg_config", "--version"], capture_output=True, text=True, timeout=10).stdout.strip() or "-"
    except (OSError, subprocess.SubprocessError):
        pass
    chromium = "-"
    try:
        chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True,
                                  timeout=20).stdout.strip() or "-"
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "cpu": cpu, "cores": psutil.cpu_count(logical=True), "memory_gib": round(vm.total / 2**30, 1),
        "available_gib": round(vm.available / 2**30, 1),
        "load_at_start": tuple(round(x, 2) for x in os.getloadavg()),
        "python": platform.python_version(), "os": platform.platform(),
        "sqlite": sqlite_version, "postgresql": pg, "chromium": chromium, "packages": pkgs,
    }


_TMPDIRS: list[Path] = []


def tmpdir(prefix: str) -> Path:
    """A temporary folder, removed by :func:`cleanup` at the end of the run."""
    path = Path(tempfile.mkdtemp(prefix=f"peerkit-bench-{prefix}-"))
    _TMPDIRS.append(path)
    return path


def cleanup() -> None:
    while _TMPDIRS:
        shutil.rmtree(_TMPDIRS.pop(), ignore_errors=True)
