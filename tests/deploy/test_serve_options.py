"""``peerkit serve`` options for several servers and for serving behind a proxy (no server started;
tests/deploy/test_multi_server.py and test_jupyterhub.py start real ones)."""

from __future__ import annotations

import argparse

from peerkit import serve


def parse(*argv: str) -> argparse.Namespace:
    return serve.add_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_defaults_serve_everything_at_the_root() -> None:
    args = parse()
    assert (args.port, args.base_url, args.public_url, args.participant_only, args.demo) == (
        8866, "/", None, False, True)


def test_each_server_prints_links_on_its_own_port() -> None:
    a, b = serve.share_urls("127.0.0.1", 8866), serve.share_urls("127.0.0.1", 8867)
    assert a.participant == "http://127.0.0.1:8866/voila/render/participant.ipynb"
    assert b.participant == "http://127.0.0.1:8867/voila/render/participant.ipynb"


def test_links_under_a_base_url_and_behind_a_proxy() -> None:
    urls = serve.share_urls("127.0.0.1", 10101, base_url="/services/peerkit/")
    assert urls.participant == "http://127.0.0.1:10101/services/peerkit/voila/render/participant.ipynb"
    assert urls.tree == "http://127.0.0.1:10101/services/peerkit/"
    public = serve.share_urls("127.0.0.1", 10101, base_url="/services/peerkit/",
                              public_url="https://hub.example.org/services/peerkit/")
    assert public.tree == "https://hub.example.org/services/peerkit/"
    assert public.facilitator == "https://hub.example.org/services/peerkit/voila/render/facilitator.ipynb"


def test_service_options_parse() -> None:
    args = parse("--port", "10101", "--no-demo", "--participant-only", "--base-url", "/services/peerkit/",
                 "--public-url", "https://hub.example.org/services/peerkit/")
    assert args.participant_only and not args.demo and args.base_url == "/services/peerkit/"


def test_the_systemd_template_runs_a_valid_peerkit_serve() -> None:
    """deploy/multi-server/peerkit@.service: its ExecStart is `peerkit serve` with options that
    exist, one port per instance, no demo in the shared database."""
    import shlex

    unit = serve.kit_root() / "deploy" / "multi-server" / "peerkit@.service"
    lines = [ln for ln in unit.read_text(encoding="utf-8").splitlines() if ln.startswith("ExecStart=")]
    assert len(lines) == 1
    argv = shlex.split(lines[0].removeprefix("ExecStart="))
    assert argv[0].endswith("/peerkit") and argv[1] == "serve"
    args = parse(*[a.replace("%i", "8866") for a in argv[2:]])
    assert args.port == 8866 and not args.demo and args.all_interfaces
    assert args.voila_arg == ["--KernelManager.transport=ipc"]  # as the tests' servers run
    text = unit.read_text(encoding="utf-8")
    assert "EnvironmentFile=" in text and "PEERKIT_HOME=/var/lib/peerkit/%i" in text


def test_the_guide_shows_the_hub_test_configuration() -> None:
    """facilitator-guide/deploying.md shows the settings tests/deploy/hub.py really uses."""
    import re

    from .hub import TEST_CONFIG

    guide = (serve.kit_root() / "facilitator-guide" / "deploying.md").read_text(encoding="utf-8")
    setting = re.compile(r"^(c\.[A-Za-z]+\.[A-Za-z_]+) = ", re.M)
    used = set(setting.findall(TEST_CONFIG))
    shown = set(setting.findall(guide))
    assert used and used <= shown, f"not in the guide: {sorted(used - shown)}"
    assert "load_subconfig(" in guide and "PEERKIT_PUBLIC_PARTICIPANT_APP=1" in guide
