"""Room preparation (``peerkit serve --room N``): pool size, settings, readiness, retried starts,
and a real prepared room whose arrivals beyond the pool are served cold at once."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from peerkit import room, serve


def test_pool_is_the_room_plus_a_margin():
    assert room.pool_size(0) == 0
    assert room.pool_size(3) == 5
    assert room.pool_size(25) == 28
    assert room.pool_size(40) == 44


def test_room_args_prepare_the_participant_notebook_only():
    assert room.room_args(0) == []
    args = dict(a.removeprefix("--").split("=", 1) for a in room.room_args(40, quiet_seconds=15))
    assert args["VoilaConfiguration.preheat_kernel"] == "True"
    pools = json.loads(args["VoilaKernelManager.kernel_pools_config"])
    assert pools == {"default": {"pool_size": 0}, "participant.ipynb": {"pool_size": 44}}
    assert args["RoomPool.room"] == "40" and args["RoomPool.quiet_seconds"] == "15"


def test_status_line_and_stale_files(tmp_path):
    assert room.read_status(tmp_path) is None
    path = room.status_path(tmp_path)
    path.write_text(json.dumps({"room": 40, "pool": 44, "ready": 44, "updated": time.time()}))
    status = room.read_status(tmp_path)
    assert room.status_line(status) == "Room: ready for 40 participants (44 pages prepared, 4 spare)."
    path.write_text(json.dumps({"room": 40, "pool": 44, "ready": 12, "updated": time.time()}))
    assert room.status_line(room.read_status(tmp_path)) == "Room: preparing, 12 of 44 pages ready."
    path.write_text(json.dumps({"room": 40, "pool": 44, "ready": 3, "refill_at": time.time() + 9,
                                "updated": time.time()}))
    assert "once nobody has opened a page" in room.status_line(room.read_status(tmp_path))
    path.write_text(json.dumps({"room": 40, "pool": 44, "ready": 44, "updated": time.time() - 3600}))
    assert room.read_status(tmp_path) is None  # the server that wrote it is gone
    path.write_text("not json")
    assert room.read_status(tmp_path) is None and room.status_line(None) == ""


class _FakeKernel:
    def __init__(self, alive: bool):
        self.alive = alive

    def client(self):
        kernel = self

        class Client:
            def start_channels(self):
                pass

            def stop_channels(self):
                pass

            async def wait_for_ready(self, timeout):
                if not kernel.alive:
                    raise RuntimeError("Kernel died before replying to kernel_info")

        return Client()


from traitlets.config import LoggingConfigurable  # noqa: E402


class _FlakyManager(LoggingConfigurable):
    """Stands in for jupyter_server's manager: the first start raises (a port collision), the
    second starts a kernel that dies at once, the third works."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.calls, self.kernels, self.shut = 0, {}, []

    async def start_kernel(self, **kwargs):
        self.calls += 1
        if self.calls == 1:
            import zmq
            raise zmq.ZMQError(98, "Address already in use")
        kid = f"k{self.calls}"
        self.kernels[kid] = _FakeKernel(alive=self.calls >= 3)
        return kid

    def get_kernel(self, kid):
        return self.kernels[kid]

    async def shutdown_kernel(self, kid, now=False):
        self.shut.append(kid)


def test_kernel_starts_are_checked_and_retried():
    cls = room._retrying(_FlakyManager)
    km = cls(start_attempts=3, start_check_timeout=5.0)
    assert asyncio.run(km.start_kernel(kernel_name="python3")) == "k3"
    assert km.calls == 3 and km.shut == ["k2"]  # the kernel that died was cleaned up

    # every attempt failed: the page gets 503 ("busy"), which the kit's error page explains
    from tornado.web import HTTPError

    km2 = cls(start_attempts=2, start_check_timeout=5.0)
    with pytest.raises(HTTPError, match="could not be started after 2 attempts") as err:
        asyncio.run(km2.start_kernel(kernel_name="python3"))
    assert err.value.status_code == 503


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _render(url: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=180) as resp:
        body = resp.read().decode("utf-8", "replace")
    return time.perf_counter() - t0, body


def test_peerkit_serve_prepares_the_room_and_serves_arrivals_beyond_it(tmp_path):
    """``peerkit serve --room 2`` prints its readiness; 4 prepared pages go at once, a 5th and
    6th arrival are served cold without waiting for the refill (which waits for a quiet room)."""
    port = _free_port()
    home = tmp_path / "home"
    env = {**os.environ, "PEERKIT_HOME": str(home), "PEERKIT_DB_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    peerkit = Path(sys.executable).with_name("peerkit")
    cmd = [str(peerkit)] if peerkit.exists() else [sys.executable, "-m", "peerkit.cli"]
    proc = subprocess.Popen([*cmd, "serve", "--port", str(port), "--no-demo", "--room", "2",
                             "--refill-after", "600"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()  # drains the pipe whatever happens; the test waits on what it has read
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if any("Room: ready for 2 participants (4 pages prepared" in ln for ln in list(lines)):
                break
            time.sleep(0.2)
        text = "".join(lines)
        assert "Preparing the room: 4 participant pages for 2 participants" in text, text
        assert "Room: ready for 2 participants (4 pages prepared, 2 spare)." in text, text
        url = f"http://127.0.0.1:{port}/voila/render/participant.ipynb?code=ABC-DEF"
        with cf.ThreadPoolExecutor(6) as ex:
            got = list(ex.map(lambda _i: _render(url), range(6)))
        bodies = [b for _t, b in got]
        assert all("application/vnd.jupyter.widget-view+json" in b for b in bodies)  # no blank page
        times = sorted(t for t, _b in got)
        # the prepared four are sent at once; the two beyond the pool start cold at once
        # instead of waiting for a kernel of the refill (which is 600 s away here)
        assert times[-1] < 120, times
        status = room.read_status(home)
        assert status is not None and status["ready"] == 0 and status["refill_at"], status
        assert "once nobody has opened a page" in room.status_line(status)
        log = "".join(lines)
        assert "Traceback" not in log
    finally:
        serve.stop_process_group(proc, timeout=60)
    deadline = time.monotonic() + 15
    while not serve.port_free("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert serve.port_free("127.0.0.1", port)
