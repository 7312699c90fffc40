"""``peerkit serve``: start the kit's notebooks in Voila and print the links to hand out.

The command serves the folder ``notebooks/`` (every notebook at ``/voila/render/NAME.ipynb``)
with the configuration in the kit's ``voila.json`` (clean "lab" template, no source cells, no
tracebacks for participants, kernel culling). It

1. creates the data folder (``var/`` in the kit, or ``$PEERKIT_HOME``) and stops with a clear
   message when it cannot write there;
2. opens the store once (``--db URL``, else ``$PEERKIT_DB_URL``, else the SQLite file in the data
   folder) and, on the first start with an empty store, loads the demo session (``--no-demo``
   to skip) and prints its join code and passcode;
3. starts ``voila notebooks/ --no-browser`` on ``--host``/``--port`` (default 127.0.0.1:8866;
   ``--all-interfaces`` serves on 0.0.0.0 for a room of devices and prints a security note);
4. waits until Voila answers, then prints the start page, participant and facilitator URLs
   (this machine's LAN address when serving on all interfaces).

Several servers may share one PostgreSQL database (``--db``/``$PEERKIT_DB_URL``), one per port or
machine: see deploy/multi-server/. Behind a proxy under a path (a JupyterHub service),
``--base-url /services/peerkit/`` serves there and ``--public-url`` is the address printed;
``--participant-only`` serves nothing but the participant app (a folder in the data folder that
holds only ``participant.ipynb``).

Ctrl-C stops Voila and every kernel it started.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TextIO

from .room import TEMPLATE

__all__ = [
    "ServeError",
    "add_arguments",
    "data_home",
    "kit_root",
    "lan_address",
    "main",
    "run",
    "share_urls",
    "voila_command",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
ALL_INTERFACES = ("0.0.0.0", "::", "")
START_TIMEOUT = 120.0  # seconds to wait for Voila to answer

SECURITY_NOTE = """\
SECURITY NOTE: the kit is now reachable by ANYONE on this network, not only by your group.
  - There is no login: participants join with the session's join code; only the facilitator
    dashboard and the group display ask for the session passcode. Give every session its own
    passcode (not "demo") and share it with no one but the facilitators.
  - The connection is plain http (not encrypted): use a network you trust (the training room's
    Wi-Fi or your own hotspot), not a public one.
  - Stop the server (Ctrl-C in this window) right after the workshop."""


class ServeError(Exception):
    """A problem the person starting the kit can fix; printed without a traceback."""


def kit_root() -> Path:
    """The kit's folder (holds notebooks/, data/, voila.json)."""
    return Path(__file__).resolve().parent.parent


def data_home() -> Path:
    """``$PEERKIT_HOME`` or the kit's ``var/`` folder."""
    env = os.environ.get("PEERKIT_HOME")
    return Path(env).expanduser() if env else kit_root() / "var"


def ensure_writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and check that files can be written there."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServeError(
            f"cannot create the data folder {path}: {exc.strerror or exc}.\n"
            "Choose a folder you can write to with PEERKIT_HOME=/some/folder, "
            "or give a database with --db URL."
        ) from None
    if not path.is_dir():
        raise ServeError(f"the data folder {path} exists but is not a folder.")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ServeError(
            f"the data folder {path} is not writable ({exc.strerror or exc}).\n"
            "Fix its permissions, choose another folder with PEERKIT_HOME=/some/folder, "
            "or give a database with --db URL."
        ) from None
    return path


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), else 127.0.0.1."""
    for family, probe in ((socket.AF_INET, ("192.0.2.1", 9)), (socket.AF_INET, ("10.255.255.255", 1))):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect(probe)  # UDP connect only picks a route; nothing is transmitted
                addr = s.getsockname()[0]
                if addr and not addr.startswith("127.") and addr != "0.0.0.0":
                    return addr
        except OSError:
            continue
    try:
        addr = socket.gethostbyname(socket.gethostname())
        if addr and not addr.startswith("127."):
            return addr
    except OSError:
        pass
    return "127.0.0.1"


def is_all_interfaces(host: str) -> bool:
    return host in ALL_INTERFACES


@dataclass(frozen=True)
class ShareUrls:
    start: str
    participant: str
    facilitator: str
    group: str
    self_study: str
    tree: str


def share_urls(host: str, port: int, public_host: str | None = None, base_url: str = "/",
               public_url: str | None = None) -> ShareUrls:
    """The URLs to hand out. ``public_host``: the address devices use (LAN address);
    ``base_url``: Voila's URL prefix; ``public_url``: the full address in front of a proxy."""
    shown = public_host or ("127.0.0.1" if is_all_interfaces(host) else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # IPv6 literal
    base = (public_url or f"http://{shown}:{port}{base_url}").rstrip("/")

    def render(name: str) -> str:
        return f"{base}/voila/render/{name}.ipynb"

    return ShareUrls(
        start=render("start"),
        participant=render("participant"),
        facilitator=render("facilitator"),
        group=render("group-display"),
        self_study=render("self-study"),
        tree=f"{base}/",
    )


def voila_settings() -> dict:
    """The kit's ``voila.json`` (one place for the executor timeouts and the idle-kernel cull)."""
    import json

    return json.loads((kit_root() / "voila.json").read_text(encoding="utf-8"))


def cull_idle_timeout() -> int:
    """Seconds after which a kernel with no page connected is shut down (from voila.json)."""
    return int(voila_settings()["MappingKernelManager"]["cull_idle_timeout"])


def voila_command(host: str, port: int, notebooks: Path | None = None,
                  extra: Sequence[str] = (), stock: bool = False) -> list[str]:
    """The Voila command line (the rest of the configuration is in the kit's voila.json).

    Voila runs through ``peerkit.room`` (its kernel manager retries failed kernel starts and
    prepares a room, and its pages' templates are compiled once, see that module), with the
    kit's template and kernels on local sockets. The executor's timeouts are passed explicitly
    too, so a slow cell arrives late rather than empty whatever folder Voila starts in.

    ``stock``: Voila as installed instead (its own launcher, kernel manager, template and
    transport; the same settings otherwise), the baseline the benchmarks compare the kit with.
    """
    notebooks = notebooks or kit_root() / "notebooks"
    given = {a.split("=", 1)[0] for a in extra}  # an explicit setting wins (traitlets refuses two)
    executor = [f"--VoilaExecutor.{k}={v}" for k, v in voila_settings().get("VoilaExecutor", {}).items()
                if f"--VoilaExecutor.{k}" not in given]
    return [
        sys.executable, "-m", "voila" if stock else "peerkit.room", str(notebooks),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--port={port}",
        "--Voila.port_retries=0",  # fail on a busy port instead of silently moving
        *([] if stock or "--template" in given or "--VoilaConfiguration.template" in given
          else [f"--VoilaConfiguration.template={TEMPLATE}"]),  # Voila's lab + the kit's error page
        # kernels talk to Voila over local sockets, not TCP ports: when a room opens the link at
        # once, two kernels can pick the same free port and one of them never starts
        *([] if stock or os.name != "posix" or "--KernelManager.transport" in given
          else ["--KernelManager.transport=ipc"]),
        *executor,
        *extra,
    ]


def port_free(host: str, port: int) -> bool:
    bind_host = "" if is_all_interfaces(host) else host
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((bind_host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def wait_until_serving(url: str, proc: subprocess.Popen | None, timeout: float = START_TIMEOUT) -> bool:
    """Poll ``url`` until it answers (True), the process dies or the time is up (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500:  # an answer all the same (e.g. 404 for a page not served)
                return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


# -- the store: check it and load the demo ------------------------------------------------

def prepare_store(db_url: str | None, demo: bool, out: TextIO) -> str:
    """Open the store once (a clear error if it is unusable) and return its URL for messages.

    On the first start -- a store without any session -- load the demo session unless ``demo``
    is False, and print its join code and passcode.
    """
    from . import store as store_module

    try:
        store = store_module.Store(db_url) if db_url else store_module.Store()
    except (store_module.StoreError, OSError) as exc:
        raise ServeError(f"cannot open the store: {exc}") from None
    try:
        shown = getattr(store, "safe_url", None) or store.url
        from .store.access import facilitator_key_note

        print(facilitator_key_note(store, os.environ.get("PEERKIT_FACILITATOR_KEY")), file=out, flush=True)
        if store.list_sessions() or not demo:
            return shown
        session = store.load_demo()
        passcode = getattr(store_module, "DEMO_PASSCODE", "demo")
        print(f"First start: loaded the demo session \"{session.title}\" so there is something to see\n"
              f"  (sample participants, pairs and answers).\n"
              f"  Join code: {session.join_code}    facilitator passcode: {passcode}\n"
              f"  Remove it when you no longer need it: peerkit purge {session.join_code}"
              " (and start with --no-demo).", file=out, flush=True)
        return shown
    except store_module.StoreError as exc:
        raise ServeError(f"the store is not usable: {exc}") from None
    finally:
        store.close()


# -- the command ------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--host", default=None,
                        help=f"address to listen on (default {DEFAULT_HOST}: this computer only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--all-interfaces", action="store_true",
                        help="serve on 0.0.0.0 so phones and laptops in the room can join "
                             "(anyone on the network can reach it; see the printed security note)")
    # SUPPRESS: `peerkit --db URL serve` (the main parser's option) is not overwritten by a default
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $PEERKIT_DB_URL, else var/peerkit.sqlite)")
    parser.add_argument("--demo", dest="demo", action="store_true", default=True,
                        help="on the first start with an empty store, load the demo session (default)")
    parser.add_argument("--no-demo", dest="demo", action="store_false",
                        help="do not load the demo session")
    parser.add_argument("--no-browser", action="store_true", help=argparse.SUPPRESS)  # always; kept for old scripts
    parser.add_argument("--base-url", default="/", metavar="PATH",
                        help="serve under this URL path, e.g. /services/peerkit/ as a JupyterHub service")
    parser.add_argument("--public-url", default=None, metavar="URL",
                        help="the address people use in front of a proxy (printed instead of this "
                             "machine's), e.g. https://hub.example.org/services/peerkit/")
    parser.add_argument("--participant-only", action="store_true",
                        help="serve only the participant app, at the base URL (a public link for "
                             "participants; no dashboard, group display or other pages)")
    parser.add_argument("--room", type=int, default=0, metavar="N",
                        help="prepare N participant pages before the session (N + a margin kernels, "
                             "about 60 MB each), so a room opening the link at once is served at "
                             "once; see the facilitator guide, 'Before the session'")
    parser.add_argument("--refill-after", type=float, default=None, metavar="SECONDS",
                        help="with --room: prepare pages again once nobody has opened one for this "
                             "long (default 20 s), so the refill never competes with an arriving room")
    parser.add_argument("--voila-arg", action="append", default=[], metavar="ARG",
                        help="extra argument passed to Voila (repeatable), e.g. "
                             "--voila-arg=--VoilaConfiguration.preheat_kernel=True")
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    host = args.host or DEFAULT_HOST
    if args.all_interfaces:
        if args.host and not is_all_interfaces(args.host):
            raise ServeError(f"--all-interfaces and --host {args.host} contradict each other; give one.")
        host = "0.0.0.0"
    if not (0 < args.port < 65536):
        raise ServeError(f"--port {args.port}: a port is a number from 1 to 65535.")
    base_url = "/" + "/".join(part for part in (getattr(args, "base_url", "/") or "/").split("/") if part)
    base_url = base_url.rstrip("/") + "/"
    only = getattr(args, "participant_only", False)

    root = kit_root()
    notebooks = root / "notebooks"
    if not (notebooks / "start.ipynb").exists():
        raise ServeError(f"the kit's notebooks are missing: {notebooks / 'start.ipynb'} not found.")

    env = dict(os.environ)
    home = ensure_writable_dir(data_home())
    env.setdefault("PEERKIT_HOME", str(home))
    db = getattr(args, "db", None)
    if db:
        env["PEERKIT_DB_URL"] = db
    shown = prepare_store(db, args.demo, out)
    if is_all_interfaces(host) and not env.get("PEERKIT_PUBLIC_URL"):
        # the join links and QR codes the kernels draw use the address devices reach
        env["PEERKIT_PUBLIC_URL"] = share_urls(host, args.port, lan_address()).tree

    if not port_free(host, args.port):
        raise ServeError(f"port {args.port} on {host} is in use: is the kit already running? "
                         f"Stop it, or choose another port with --port.")

    room = getattr(args, "room", 0) or 0
    if room < 0 or room > 500:
        raise ServeError(f"--room {room}: give the number of participants expected (1 to 500), or 0 for none.")
    from . import room as room_module

    refill = getattr(args, "refill_after", None)
    if refill is not None and not (0 < refill <= 86400):
        raise ServeError(f"--refill-after {refill:g}: give a number of seconds, e.g. 20.")
    room_extra = [*room_module.room_args(room, refill if refill is not None else room_module.QUIET_SECONDS),
                  *args.voila_arg]
    status_file = room_module.status_path(home)
    if status_file.exists():
        status_file.unlink()  # a previous server's figures
    served = participant_only_folder(home) if only else notebooks
    extra = [f"--Voila.base_url={base_url}"] if base_url != "/" else []
    cmd = voila_command(host, args.port, served, [*extra, *room_extra])
    print(f"Starting Voila on {host}:{args.port} (database: {shown}) ...",
          file=out, flush=True)
    proc = subprocess.Popen(cmd, cwd=root, env=env, start_new_session=True)
    _raise_on_termination()
    try:
        local = share_urls(host, args.port, base_url=base_url)
        if not wait_until_serving(local.tree, proc):
            code = proc.poll()
            if code is None:
                stop_process_group(proc)
                raise ServeError(f"Voila did not answer within {START_TIMEOUT:.0f} s; stopped it.")
            raise ServeError(f"Voila stopped at start (exit code {code}); see its messages above.")
        public = lan_address() if is_all_interfaces(host) else None
        urls = share_urls(host, args.port, public, base_url, getattr(args, "public_url", None))
        if only:
            print(f"\npeerkit is running (participant app only).\n"
                  f"Hand out to participants (join a session with the join code):\n    {urls.participant}\n"
                  f"  (add ?code=JOIN-CODE to fill the code in)\nStop with Ctrl-C.\n", file=out, flush=True)
        else:
            _banner(urls, host, out)
        if room:
            _report_room(proc, room, home, out)
        return proc.wait()
    except KeyboardInterrupt:
        print("\nStopping the kit ...", file=out, flush=True)
        return 0
    finally:
        stop_process_group(proc)


def participant_only_folder(home: Path) -> Path:
    """A folder with a fresh copy of the participant notebook and nothing else, for
    ``--participant-only``: Voila serves only what is in it, and its address without a notebook
    is a cheap listing (a proxy's health checks start no kernels)."""
    import shutil

    folder = home / "participant-only"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        if old.name != "participant.ipynb":
            old.unlink()
    shutil.copyfile(kit_root() / "notebooks" / "participant.ipynb", folder / "participant.ipynb")
    return folder


def _report_room(proc: subprocess.Popen, room: int, home: Path, out: TextIO,
                 timeout: float = 1800.0) -> bool:
    """Print how the room's preparation goes until every page is ready (True) or Voila stops."""
    from . import room as room_module

    print(f"Preparing the room: {room_module.pool_size(room)} participant pages for {room} participants "
          "(the links work already; pages not yet prepared open a little slower) ...", file=out, flush=True)
    deadline = time.monotonic() + timeout
    shown = -1
    while proc.poll() is None and time.monotonic() < deadline:
        status = room_module.read_status(home)
        ready = int(status.get("ready", 0)) if status else 0
        if status and ready != shown and (ready >= room or ready - shown >= 5 or shown < 0):
            shown = ready
            print(f"  {room_module.status_line(status)}", file=out, flush=True)
        if status and ready >= int(status.get("pool", room)):
            return True
        time.sleep(1.0)
    return False


def _raise_on_termination() -> None:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt so Voila (own process group) is stopped too."""
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt
    try:
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGHUP, handler)
    except ValueError:  # not the main thread (tests calling run() in a thread)
        pass


def _banner(urls: ShareUrls, host: str, out: TextIO) -> None:
    lines = [
        "",
        "=" * 72,
        "peerkit is running.  Open the start page:",
        f"    {urls.start}",
        "",
        "Hand out to participants (join a session with the join code):",
        f"    {urls.participant}",
        "Facilitator dashboard (asks for the session passcode):",
        f"    {urls.facilitator}",
        f"Group display for the projector:  {urls.group}",
        f"Self-study:                        {urls.self_study}",
        f"All notebooks:                     {urls.tree}",
    ]
    if is_all_interfaces(host):
        lines += ["", SECURITY_NOTE]
        if urls.start.startswith("http://127.0.0.1"):
            lines += ["", "(No network address found: connect this computer to the room's network "
                          "and restart, or look up its address and replace 127.0.0.1.)"]
    else:
        lines += ["", "Only this computer can open these links. For a room of devices: "
                      "peerkit serve --all-interfaces (or make serve HOST=0.0.0.0)."]
    lines += ["Stop with Ctrl-C.", "=" * 72, ""]
    print("\n".join(lines), file=out, flush=True)


def stop_process_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop Voila and its kernels (its process group): SIGTERM, then SIGKILL after ``timeout``."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m peerkit.serve`` (the same as ``peerkit serve``)."""
    parser = add_arguments(argparse.ArgumentParser(prog="peerkit serve", description=__doc__.split("\n")[0]))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ServeError as exc:
        print(f"peerkit serve: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
