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
    """A kernel that answers kernel_info (after a message of another request) or has died."""

    def __init__(self, alive: bool):
        self.alive = alive

    async def is_alive(self):
        return self.alive

    def client(self):
        kernel = self

        class Shell:
            def __init__(self):
                self.replies = []

            async def get_msg(self, timeout):
                import queue

                if not kernel.alive or not self.replies:
                    await asyncio.sleep(min(timeout, 0.01))
                    raise queue.Empty
                return self.replies.pop(0)

        class Client:
            def __init__(self):
                self.shell_channel = Shell()

            def start_channels(self, **channels):
                assert channels.get("iopub") is False  # only the shell channel is needed

            def stop_channels(self):
                pass

            def kernel_info(self):
                self.shell_channel.replies = [{"parent_header": {"msg_id": "other"}},
                                              {"parent_header": {"msg_id": "asked"}}]
                return "asked"

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


def test_compiled_templates_are_shared_and_follow_edits(tmp_path, monkeypatch):
    """Every page's new Jinja environment reuses the compiled templates; an edit is compiled anew."""
    import jinja2

    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    (tmp_path / "base.j2").write_text("<p>{% block body %}{% endblock %}</p>")
    (tmp_path / "page.j2").write_text("{% extends 'base.j2' %}{% block body %}hello {{ who }}{% endblock %}")
    cache = room.compiled_templates()

    def page(who: str, is_async: bool = False) -> str:  # a new environment per page, as Voila does
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), enable_async=is_async)
        env.bytecode_cache = cache
        template = env.get_template("page.j2")
        return asyncio.run(template.render_async(who=who)) if is_async else template.render(who=who)

    assert page("A") == "<p>hello A</p>" and sorted(compiled) == ["base.j2", "page.j2"]
    assert page("<b>") == "<p>hello <b></p>" and len(compiled) == 2  # nothing compiled again
    (tmp_path / "page.j2").write_text("{% extends 'base.j2' %}{% block body %}bye {{ who }}{% endblock %}")
    assert page("A") == "<p>bye A</p>" and compiled[2:] == ["page.j2"]  # only the edited one
    assert page("A", is_async=True) == "<p>bye A</p>" and len(compiled) == 5  # async code is other code
    assert page("B", is_async=True) == "<p>bye B</p>" and len(compiled) == 5


def test_modules_are_compiled_before_the_kernels_start(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # kernels would not write it themselves
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    module = pkg / "mod.py"
    module.write_text("X = 1\n")
    cached = Path(importlib.util.cache_from_source(str(module)))
    assert not cached.exists()
    assert room.precompile(pkg) and cached.exists()
    first = cached.stat().st_mtime_ns
    assert room.precompile(pkg) and cached.stat().st_mtime_ns == first  # up to date: left alone
    module.write_text("X = 2  # edited\n")
    os.utime(module, ns=(first + 10**9, first + 10**9))
    assert room.precompile(pkg) and cached.stat().st_mtime_ns != first  # an edit is compiled again
    (pkg / "broken.py").write_text("def (:\n")
    assert not room.precompile(pkg)  # a module that does not compile is reported


VOILA_CACHE_CHECK = """
import json
import voila.notebook_renderer as renderer
from peerkit import room

room._cache_templates()
room._cache_templates()  # installing twice changes nothing
first, second = (renderer.VoilaExporter(template_name="lab").environment for _ in range(2))
cache = renderer.VoilaExporter.template_cache
before = len(cache.code)
first.get_template("index.html.j2")
after_first = len(cache.code)
second.get_template("index.html.j2")
print(json.dumps({"layers": [c.__name__ for c in renderer.VoilaExporter.__mro__[:3]],
                  "distinct": first is not second, "counts": [before, after_first,
                                                              len(cache.code)]}))
"""


def test_voila_pages_use_the_shared_template_cache():
    """Voila's page exporter, as the kit's Voila runs it, shares compiled templates across pages
    (in a process of its own: importing Voila here would hide whether other code imports it)."""
    out = subprocess.run([sys.executable, "-c", VOILA_CACHE_CHECK], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["layers"][:2] == ["VoilaExporter", "VoilaExporter"] and got["layers"][2] != "VoilaExporter"
    assert got["distinct"]  # a new environment per page, as before
    before, after_first, after_second = got["counts"]
    assert after_first == before + 1  # compiled by the first page
    assert after_second == after_first  # found by the second page, not compiled again


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
        # every kernel (prepared and cold) runs the kit's launcher, whose IOPub drops nothing
        import psutil

        from peerkit.kernel import is_kernel_command

        kernels = [c for c in (p.cmdline() for p in psutil.Process(proc.pid).children(recursive=True))
                   if is_kernel_command(c)]
        assert len(kernels) >= 6, kernels
        assert all(c[c.index("-m") + 1] == "peerkit.kernel" for c in kernels), kernels
        log = "".join(lines)
        assert "Traceback" not in log
    finally:
        serve.stop_process_group(proc, timeout=60)
    deadline = time.monotonic() + 15
    while not serve.port_free("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert serve.port_free("127.0.0.1", port)
