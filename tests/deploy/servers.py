"""Start and stop real ``peerkit serve`` processes, as deploy/multi-server/README.md tells an
administrator to (one per port, all on one database), and kill one like a crashed machine.

Each server's output goes to a log file (never a pipe, so nothing can block on a full pipe);
the test reads the banner it prints (its own participant link) from that file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import psutil

from peerkit.kernel import is_kernel_command
from peerkit.serve import kit_root

ROOT = kit_root()
START_TIMEOUT = 180.0  # s: several servers start at once on a loaded 2-core machine
PEERKIT = Path(sys.executable).with_name("peerkit")
# deploy/multi-server: kernels talk to their server over local sockets, not TCP ports, so that
# several servers on one machine never pick the same port for their kernels
RECIPE_ARGS = ("--voila-arg=--KernelManager.transport=ipc",)


def peerkit_command() -> list[str]:
    """The installed ``peerkit`` command (the venv's script), else ``python -m peerkit.cli``."""
    if PEERKIT.exists():
        return [str(PEERKIT)]
    return [sys.executable, "-m", "peerkit.cli"]


@dataclass
class PeerkitServer:
    """One ``peerkit serve`` process (it runs Voila in a process group of its own)."""

    port: int
    home: Path
    log: Path
    proc: subprocess.Popen
    base_url: str
    links: dict[str, str] | None = None

    def url(self, notebook: str, query: str = "") -> str:
        return f"{self.base_url}/voila/render/{notebook}" + (f"?{query}" if query else "")

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def processes(self) -> list[psutil.Process]:
        """``peerkit serve``, its Voila and every kernel (kernels run in sessions of their own)."""
        try:
            me = psutil.Process(self.proc.pid)
            return [me, *me.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kernels(self) -> list[psutil.Process]:
        out = []
        for p in self.processes():
            try:
                if is_kernel_command(p.cmdline()):
                    out.append(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return out

    def kill(self) -> None:
        """SIGKILL the whole server at once, kernels included: no clean shutdown (a crash)."""
        procs = self.processes()
        for p in procs:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=20)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop as Ctrl-C would (SIGTERM: peerkit serve stops Voila and its kernels); whatever
        is still alive after a bounded wait is killed."""
        terminate(self.proc, self.processes(), wait=40, grace=10)
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


def launch(port: int, home: Path, db_url: str, extra: Sequence[str] = ()) -> PeerkitServer:
    """Start ``peerkit serve --port PORT --no-demo`` (with the recipe's options) on ``db_url``
    (returns at once)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PEERKIT_DB_URL": db_url, "PEERKIT_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    log = home / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([*peerkit_command(), "serve", "--port", str(port), "--no-demo", *RECIPE_ARGS,
                                 *extra],
                                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    return PeerkitServer(port, home, log, proc, f"http://127.0.0.1:{port}")


BANNER_LINK = re.compile(r"^Hand out to participants.*\n\s+(\S+)", re.M)
FACILITATOR_LINK = re.compile(r"^Facilitator dashboard.*\n\s+(\S+)", re.M)


def wait_ready(server: PeerkitServer, timeout: float = START_TIMEOUT) -> dict[str, str]:
    """Wait for the server's banner (printed once Voila answers); returns the links it printed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = server.output()
        if "peerkit is running" in text and BANNER_LINK.search(text) and FACILITATOR_LINK.search(text):
            server.links = {"participant": BANNER_LINK.search(text).group(1),
                            "facilitator": FACILITATOR_LINK.search(text).group(1)}
            return server.links
        if server.proc.poll() is not None:
            raise RuntimeError(f"peerkit serve on port {server.port} stopped (exit {server.proc.returncode}):\n"
                               + text[-3000:])
        time.sleep(0.2)  # polling a log file for a condition, bounded by the deadline
    raise RuntimeError(f"peerkit serve on port {server.port} printed no banner within {timeout:.0f} s:\n"
                       + server.output()[-3000:])


class PortTaken(RuntimeError):
    """The port was free when chosen, then something else (another test's kernel) took it."""


def _ready_or_port_taken(server: PeerkitServer) -> None:
    try:
        wait_ready(server)
    except RuntimeError as exc:
        if server.proc.poll() is not None and re.search(r"already in use|is in use", server.output()):
            raise PortTaken(str(exc)) from None
        raise


def start_many(ports: Sequence[int], base: Path, db_url: str, extra: Sequence[str] = (),
               attempts: int = 3) -> list[PeerkitServer]:
    """Start one server per port at once and wait until all of them serve; all or none.

    A port chosen free can be taken before the server binds it (on a shared machine every kernel
    binds ports too): that server is started again on another free port, up to ``attempts``."""
    servers = [launch(p, base / f"server-{p}", db_url, extra) for p in ports]
    try:
        for i, s in enumerate(servers):
            for attempt in range(attempts):
                try:
                    _ready_or_port_taken(servers[i])
                    break
                except PortTaken:
                    if attempt == attempts - 1:
                        raise
                    port = free_ports(1)[0]
                    servers[i] = launch(port, base / f"server-{port}", db_url, extra)
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers


def free_ports(n: int) -> list[int]:
    """``n`` distinct free ports on 127.0.0.1 (held open together while choosing)."""
    import socket

    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def terminate(proc: subprocess.Popen, procs: Sequence[psutil.Process], *, wait: float, grace: float) -> None:
    """SIGTERM ``proc`` and wait up to ``wait`` s for it; then whatever of ``procs`` (it and its
    children, listed beforehand) is still alive after ``grace`` s more is killed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    reap(procs, grace=grace)


def reap(procs: Sequence[psutil.Process], *, grace: float) -> None:
    """Wait up to ``grace`` s for ``procs`` to end; kill those still alive and wait for them."""
    _gone, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)
