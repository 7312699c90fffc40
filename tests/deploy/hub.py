"""A real JupyterHub on 127.0.0.1 for the tests: the kit's deploy/jupyterhub/jupyterhub_config.py
loaded from a small test configuration (written by :func:`write_config`).

The test configuration adds only what a test machine needs and a real hub would set otherwise:

- ports on 127.0.0.1 only (the hub's public and internal ports, the proxy's API);
- configurable-http-proxy from tests/deploy/node_modules (``npm ci`` in tests/deploy, which
  ``make test`` and .ci/run do), or ``$PEERKIT_CHP`` / ``configurable-http-proxy`` on the PATH;
- ``SimpleLocalProcessSpawner`` (users' servers are local processes of the hub's own user, each
  with a home folder under the test's temporary folder) and ``jupyterhub-singleuser`` from the
  kit's environment; ``--allow-root`` because CI runs as root;
- ``DummyAuthenticator`` with a password and two allowed users;
- the hub's own database is a SQLite file in the temporary folder; the kit's store is the
  PostgreSQL schema of the test, given to the hub in ``PEERKIT_DB_URL`` as the guide says.

Without jupyterhub or the proxy the hub tests skip, unless ``PEERKIT_REQUIRE_HUB=1`` (CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from peerkit.serve import kit_root

from .servers import terminate

ROOT = kit_root()
HERE = Path(__file__).resolve().parent
KIT_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
START_TIMEOUT = 180.0
PASSWORD = "peerkit-hub-test"

TEST_CONFIG = '''\
"""Test configuration: the kit's hub settings plus what a hub on one test machine needs."""
c = get_config()  # noqa: F821
load_subconfig({kit_config!r})  # noqa: F821  the kit's deploy/jupyterhub/jupyterhub_config.py

c.JupyterHub.bind_url = "http://127.0.0.1:{port}/"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}/"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.db_url = "sqlite:///{base}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{base}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{base}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{base}/home/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = [*c.Spawner.args, "--allow-root"]
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {{"alice", "bob"}}
'''


def chp_command() -> str | None:
    env = os.environ.get("PEERKIT_CHP")
    for candidate in (env, str(HERE / "node_modules" / ".bin" / "configurable-http-proxy"),
                      shutil.which("configurable-http-proxy")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def require_hub() -> tuple[str, str]:
    """(jupyterhub, configurable-http-proxy) commands; skip or (PEERKIT_REQUIRE_HUB=1) fail."""
    problem = None
    hub = Path(sys.executable).with_name("jupyterhub")
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    chp = chp_command()
    if not hub.exists() or not singleuser.exists():
        problem = "jupyterhub is not installed (pip install -e '.[test]')"
    elif chp is None:
        problem = ("configurable-http-proxy is not installed (npm ci in tests/deploy, which "
                   "`make test` does when npm exists)")
    if problem:
        if os.environ.get("PEERKIT_REQUIRE_HUB") == "1":
            pytest.fail(f"the JupyterHub test is required (PEERKIT_REQUIRE_HUB=1) but {problem}", pytrace=False)
        pytest.skip(f"the JupyterHub test needs {problem}")
    return str(hub), chp


@dataclass
class Hub:
    url: str
    base: Path
    log: Path
    proc: subprocess.Popen
    public_port: int

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the hub: it stops the proxy, the users' servers and the service; what is still
        alive after a bounded wait is killed."""
        try:
            procs = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            procs = []
        terminate(self.proc, procs, wait=60, grace=15)


def write_config(base: Path, ports: list[int], chp: str) -> Path:
    port, hub_port, api_port = ports
    cfg = base / "jupyterhub_config.py"
    cfg.write_text(TEST_CONFIG.format(
        kit_config=str(KIT_CONFIG), port=port, hub_port=hub_port, api_port=api_port, chp=chp, base=base,
        singleuser=str(Path(sys.executable).with_name("jupyterhub-singleuser")), password=PASSWORD))
    return cfg


def start_hub(base: Path, ports: list[int], db_url: str) -> Hub:
    """Start JupyterHub with the test configuration; wait until its API answers through the proxy.

    ``ports``: the hub's public port, its internal port, the proxy's API port and the port of the
    kit's public participant service."""
    hub_cmd, chp = require_hub()
    base.mkdir(parents=True, exist_ok=True)
    (base / "home").mkdir(exist_ok=True)
    cfg = write_config(base, ports[:3], chp)
    env = {**os.environ,
           "PEERKIT_DB_URL": db_url,                 # as deploying.md says: in the hub's environment
           "PEERKIT_DIR": str(ROOT),                 # the kit's folder on this machine
           "PEERKIT_PUBLIC_PARTICIPANT_APP": "1",    # participants without hub accounts
           "PEERKIT_PUBLIC_PORT": str(ports[3]),
           "PEERKIT_SERVICE_HOME": str(base / "peerkit-service"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("PEERKIT_HOME", None)
    log = base / "jupyterhub.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([hub_cmd, "-f", str(cfg)], cwd=base, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{ports[0]}", base, log, proc, ports[3])
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterHub stopped at start (exit {proc.returncode}):\n{hub.output()[-4000:]}")
        try:
            with urllib.request.urlopen(hub.url + "/hub/api/", timeout=5) as resp:
                if resp.status == 200:
                    return hub
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)  # polling for a condition, bounded by the deadline
    hub.stop()
    raise RuntimeError(f"JupyterHub did not answer within {START_TIMEOUT:.0f} s:\n{hub.output()[-4000:]}")


def wait_http(url: str, ok: tuple[int, ...] = (200,), timeout: float = START_TIMEOUT) -> int:
    """Poll ``url`` until it answers with one of ``ok`` (no redirects followed); the status."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):  # noqa: ANN002, ANN003
            return None

    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=10) as resp:
                last = resp.status
        except urllib.error.HTTPError as exc:
            last = exc.code
        except (urllib.error.URLError, OSError):
            last = None
        if last in ok:
            return last
        time.sleep(0.5)  # polling for a condition, bounded by the deadline
    raise AssertionError(f"{url} never answered {ok} within {timeout:.0f} s (last: {last})")
