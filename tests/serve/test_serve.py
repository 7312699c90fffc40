"""`peerkit serve`: options, URLs, data folder, and a real start/stop of Voila."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from peerkit import serve
from peerkit.cli import build_parser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_share_urls_local_and_lan():
    local = serve.share_urls("127.0.0.1", 8866)
    assert local.start == "http://127.0.0.1:8866/voila/render/start.ipynb"
    assert local.participant == "http://127.0.0.1:8866/voila/render/participant.ipynb"
    assert local.facilitator == "http://127.0.0.1:8866/voila/render/facilitator.ipynb"
    lan = serve.share_urls("0.0.0.0", 9000, "192.168.1.20")
    assert lan.participant == "http://192.168.1.20:9000/voila/render/participant.ipynb"
    assert serve.share_urls("::", 1, "fe80::1").tree == "http://[fe80::1]:1/"


def test_lan_address_is_an_ipv4_address():
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", serve.lan_address())


def test_voila_command_serves_the_notebooks_folder():
    cmd = serve.voila_command("127.0.0.1", 8866)
    assert cmd[:3] == [sys.executable, "-m", "peerkit.room"]  # Voila with the kit's kernel manager
    assert cmd[3] == str(serve.kit_root() / "notebooks")
    assert "--no-browser" in cmd and "--port=8866" in cmd and "--Voila.ip=127.0.0.1" in cmd
    assert (serve.kit_root() / "voila.json").exists()  # found because Voila runs in the kit's folder
    # a slow cell arrives late rather than empty, wherever Voila starts: the executor's
    # timeouts are on the command line too, with voila.json's values
    executor = serve.voila_settings()["VoilaExecutor"]
    assert executor["iopub_timeout"] >= 60 and executor["startup_timeout"] >= 60
    for key, value in executor.items():
        assert f"--VoilaExecutor.{key}={value}" in cmd
    # kernels over local sockets (no TCP port two kernels could both pick), unless told otherwise
    assert ("--KernelManager.transport=ipc" in cmd) == (os.name == "posix")
    explicit = serve.voila_command("127.0.0.1", 8866, extra=["--KernelManager.transport=tcp"])
    assert "--KernelManager.transport=ipc" not in explicit
    # the kit's template (Voila's lab with the kit's error page) ships with the package
    assert "--VoilaConfiguration.template=peerkit" in cmd
    from peerkit import room

    folder = room.TEMPLATES / "voila" / "templates" / room.TEMPLATE
    assert json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
    assert "This page could not be opened yet" in (folder / "error.html").read_text()
    # an explicit template wins
    assert not any(a.startswith("--VoilaConfiguration.template=peerkit")
                   for a in serve.voila_command("127.0.0.1", 8866, extra=["--template=reveal"]))
    # Voila as installed (the benchmarks' baseline): same settings, none of the kit's changes
    stock = serve.voila_command("127.0.0.1", 8866, stock=True)
    assert stock[:3] == [sys.executable, "-m", "voila"]
    assert not any(a.startswith(("--VoilaConfiguration.template", "--KernelManager.transport")) for a in stock)
    assert set(stock) - set(cmd) == {"voila"} and set(cmd) - set(stock) == {
        "peerkit.room", "--VoilaConfiguration.template=peerkit", *(["--KernelManager.transport=ipc"]
                                                                   if os.name == "posix" else [])}


def test_parser_defaults_and_db_in_either_place():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.all_interfaces, args.demo, args.db) == (None, 8866, False, True, None)
    assert build_parser().parse_args(["--db", "sqlite:///a.db", "serve"]).db == "sqlite:///a.db"
    assert build_parser().parse_args(["serve", "--db", "sqlite:///b.db"]).db == "sqlite:///b.db"
    assert build_parser().parse_args(["serve", "--no-demo"]).demo is False


def test_data_folder_errors_are_clear(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(serve.ServeError, match="(?s)cannot create the data folder .*PEERKIT_HOME"):
        serve.ensure_writable_dir(blocker / "var")
    assert serve.ensure_writable_dir(tmp_path / "new" / "var").is_dir()


def test_contradicting_options_and_busy_port(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path))
    args = build_parser().parse_args(["serve", "--all-interfaces", "--host", "127.0.0.1"])
    with pytest.raises(serve.ServeError, match="contradict"):
        serve.run(args, io.StringIO())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        args = build_parser().parse_args(["serve", "--port", str(port), "--no-demo",
                                          "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"])
        with pytest.raises(serve.ServeError, match="in use"):
            serve.run(args, io.StringIO())


def test_banner_for_a_room_has_the_security_note():
    out = io.StringIO()
    serve._banner(serve.share_urls("0.0.0.0", 8866, "10.0.0.7"), "0.0.0.0", out)
    text = out.getvalue()
    assert "http://10.0.0.7:8866/voila/render/participant.ipynb" in text
    assert "SECURITY NOTE" in text and "ANYONE on this network" in text and "Ctrl-C" in text
    out = io.StringIO()
    serve._banner(serve.share_urls("127.0.0.1", 8866), "127.0.0.1", out)
    assert "SECURITY NOTE" not in out.getvalue() and "--all-interfaces" in out.getvalue()


@pytest.mark.slow
def test_peerkit_serve_starts_voila_loads_the_demo_and_stops(tmp_path):
    port = _free_port()
    env = {**os.environ, "PEERKIT_HOME": str(tmp_path / "home")}
    env.pop("PEERKIT_DB_URL", None)
    peerkit = Path(sys.executable).with_name("peerkit")
    cmd = [str(peerkit)] if peerkit.exists() else [sys.executable, "-m", "peerkit.cli"]
    proc = subprocess.Popen([*cmd, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Stop with Ctrl-C"):
                break
        text = "".join(lines)
        assert "peerkit is running" in text, text
        assert re.search(r"Join code: \S+ +facilitator passcode: demo", text), text
        assert f"http://127.0.0.1:{port}/voila/render/participant.ipynb" in text
        assert f"http://127.0.0.1:{port}/voila/render/facilitator.ipynb" in text
        assert (tmp_path / "home" / "peerkit.sqlite").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/start.ipynb", timeout=60) as resp:
            page = resp.read().decode()
        assert "<title>peerkit · start</title>" in page
        assert "from peerkit.pages import" not in page  # no source cells
    finally:
        serve.stop_process_group(proc, timeout=30)
    # Voila (its own process group) was stopped with peerkit: the port is free again
    deadline = time.monotonic() + 15
    while not serve.port_free("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert serve.port_free("127.0.0.1", port)
