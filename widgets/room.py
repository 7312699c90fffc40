"""Room preparation: Voila with kernels ready before the room arrives (server side only).

``peerkit serve`` starts Voila through :func:`main` (``python -m peerkit.room``), which runs
Voila unchanged except for its kernel manager:

- **Kernel starts are retried.** Under load a kernel can die at start because a port chosen for
  it was taken by another process before it bound it (``ZMQError: Address already in use``); the
  page would never load. A start is checked (the kernel answers ``kernel_info``) and retried
  (:data:`START_ATTEMPTS`); only then does the page get its kernel.
- **Kernels keep every message of a burst.** They are started by the kit's launcher
  (:mod:`peerkit.kernel`, :class:`KitKernelManager`), whose IOPub channel does not drop widget
  messages when the server falls behind (stock ipykernel drops beyond 1,000 queued messages, and
  a form that lost one of its ``comm_open`` messages never appears).
- **A prepared room** (``peerkit serve --room N``, :func:`room_args`) uses Voila's preheated
  kernel pools for ``participant.ipynb`` only (``kernel_pools_config``), sized ``N`` plus a margin
  (:func:`pool_size`), with three changes to Voila's pool:

  * only kernels whose notebook has finished running count as ready; an arrival beyond them is
    served cold at once instead of waiting for a kernel that is still starting (Voila's own pool
    makes it wait for the next one, including its refill delay);
  * the pool is refilled after the room has arrived: every page served (prepared or cold) pushes
    the refill back by :attr:`RoomPool.quiet_seconds`; then kernels are started one at a time, so
    the refill never takes more than one core from the people who are answering;
  * readiness is written to ``room.json`` in the data folder (``$PEERKIT_HOME``), which
    ``peerkit serve`` prints and the facilitator dashboard shows ("ready for 40 participants").

Its pages use the kit's Voila template ``peerkit`` (:data:`TEMPLATES`, Voila's ``lab`` with the
kit's error page): a page whose kernel could not be started after every attempt answers 503 and
says, in plain words, that the server is busy and that the page tries again by itself.

**The kit's modules are compiled before the first kernel** (:func:`precompile`), so no
participant kernel compiles them again.

**Templates are compiled once.** Voila makes a new Jinja environment for every page and so
compiled the page's templates for every page; the kit gives those environments one shared
bytecode cache (:func:`compiled_templates`), which saves about a third of the server's CPU per page.

The participant kernel itself imports nothing of Voila: ``?code=`` is read in the browser
(:mod:`peerkit.forms.opening`).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = [
    "PARTICIPANT_NOTEBOOK",
    "START_ATTEMPTS",
    "TEMPLATE",
    "TEMPLATES",
    "main",
    "pool_size",
    "read_status",
    "room_args",
    "status_path",
    "status_line",
]

PARTICIPANT_NOTEBOOK = "participant.ipynb"
TEMPLATE = "peerkit"
# a Jupyter data folder holding voila/templates/peerkit (added to JUPYTER_PATH by :func:`main`)
TEMPLATES = Path(__file__).resolve().parent
START_ATTEMPTS = 3
STATUS_FILE = "room.json"
QUIET_SECONDS = 20.0  # no page served for this long: the room has arrived, refill the pool


def pool_size(room: int) -> int:
    """Kernels to prepare for a room of ``room`` people: the room plus a margin for reloads and
    late-comers (10 %, at least 2)."""
    if room <= 0:
        return 0
    return room + max(2, math.ceil(room * 0.1))


def room_args(room: int, quiet_seconds: float = QUIET_SECONDS, notebook: str = PARTICIPANT_NOTEBOOK) -> list[str]:
    """Voila arguments that prepare ``pool_size(room)`` kernels of ``notebook`` (none for others)."""
    if room <= 0:
        return []
    pools = {"default": {"pool_size": 0}, notebook: {"pool_size": pool_size(room)}}
    args = [
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
        f"--RoomPool.room={room}",
        f"--RoomPool.quiet_seconds={quiet_seconds:g}",
    ]
    if notebook != PARTICIPANT_NOTEBOOK:
        args.append(f"--RoomPool.notebook={notebook}")
    return args


def status_path(home: Path | str | None = None) -> Path:
    """Where the prepared room's readiness is written (``$PEERKIT_HOME/room.json``)."""
    if home is None:
        env = os.environ.get("PEERKIT_HOME")
        home = Path(env).expanduser() if env else Path(__file__).resolve().parent.parent / "var"
    return Path(home) / STATUS_FILE


def read_status(home: Path | str | None = None, max_age: float = 120.0) -> dict | None:
    """The prepared room's readiness, or None (no room prepared, or its server stopped)."""
    path = status_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or time.time() - float(data.get("updated", 0)) > max_age:
        return None
    return data


def status_line(status: dict | None) -> str:
    """One line for people: "Room: ready for 40 participants (42 kernels prepared)"."""
    if not status:
        return ""
    room, ready, size = int(status.get("room", 0)), int(status.get("ready", 0)), int(status.get("pool", 0))
    if ready >= room:
        extra = f", {ready - room} spare" if ready > room else ""
        return f"Room: ready for {room} participants ({ready} pages prepared{extra})."
    if status.get("refill_at"):
        return (f"Room: {ready} of {size} pages prepared; the rest are prepared once nobody has "
                "opened a page for a little while (later arrivals are served at once, a little slower).")
    return f"Room: preparing, {ready} of {size} pages ready."


# -- the kernel manager ----------------------------------------------------------------------

def _kit_kernel_manager() -> type:
    """jupyter_server's manager of one kernel, starting ipykernel through :mod:`peerkit.kernel`
    (IOPub keeps every message of a burst: a form or a dashboard arrives whole under load)."""
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    from .kernel import kernel_command

    class KitKernelManager(ServerKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return kernel_command(super().format_kernel_cmd(extra_arguments))

    return KitKernelManager


def __getattr__(name: str) -> Any:
    # ``KitKernelManager`` is named in the kernel manager's settings (a dotted name) and made on
    # first use, so that importing this module does not import jupyter_server
    if name == "KitKernelManager":
        cls = globals()["KitKernelManager"] = _kit_kernel_manager()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _retrying(base: type) -> type:
    """``base`` (a jupyter_server kernel manager) with kernel starts checked and retried, and
    its kernels started by the kit's launcher (:class:`KitKernelManager`)."""
    from traitlets import Float, Integer, default

    class RetryingKernelManager(base):  # type: ignore[misc, valid-type]
        @default("kernel_manager_class")
        def _kit_kernel_manager_class(self) -> str:
            return "peerkit.room.KitKernelManager"  # by name: also when this module runs as __main__

        start_attempts = Integer(START_ATTEMPTS, config=True,
                                 help="How many times a kernel start is tried before the page fails.")
        start_check_timeout = Float(60.0, config=True,
                                    help="Seconds a new kernel has to answer kernel_info.")

        async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
            last: BaseException | None = None
            for attempt in range(1, self.start_attempts + 1):
                try:
                    kernel_id = await super().start_kernel(*args, **kwargs)
                except Exception as exc:  # noqa: BLE001 - e.g. ZMQError on a port taken meanwhile
                    last = exc
                    self.log.warning("Kernel start failed (attempt %d of %d): %s", attempt,
                                     self.start_attempts, exc)
                    await asyncio.sleep(0.25 * attempt)
                    continue
                problem = await self._check_started(kernel_id)
                if problem is None:
                    return kernel_id
                last = RuntimeError(problem)
                self.log.warning("Kernel %s did not come up (attempt %d of %d): %s; starting another",
                                 kernel_id, attempt, self.start_attempts, problem)
                try:
                    await super().shutdown_kernel(kernel_id, now=True)
                except Exception:  # noqa: BLE001 - it is gone already
                    pass
                await asyncio.sleep(0.25 * attempt)
            # 503 "busy": the kit's error page (template ``peerkit``) says so and tries again itself
            from tornado.web import HTTPError

            raise HTTPError(503, "the kernel could not be started after %d attempts: %s",
                            self.start_attempts, last, reason="Server busy")

        async def _check_started(self, kernel_id: str) -> str | None:
            """None when the kernel answers kernel_info, else what went wrong.

            Only the shell channel is opened and only the reply is awaited (jupyter_client's
            ``wait_for_ready`` also waits for 0.2 s of quiet on IOPub, which Voila's executor
            does again anyway: a page a fifth of a second later for nothing)."""
            import queue

            km = self.get_kernel(kernel_id)
            ready = getattr(km, "ready", None)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.start_check_timeout
            try:
                if ready is not None:
                    await asyncio.wait_for(asyncio.wrap_future(ready) if not asyncio.isfuture(ready)
                                           else ready, self.start_check_timeout)
                kc = km.client()
                kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
                try:
                    asked = kc.kernel_info()
                    while True:
                        left = deadline - loop.time()
                        if left <= 0:
                            return f"no answer to kernel_info within {self.start_check_timeout:.0f} s"
                        try:
                            reply = await kc.shell_channel.get_msg(timeout=min(1.0, left))
                        except queue.Empty:
                            if not await km.is_alive():
                                return "the kernel died before answering kernel_info"
                            continue
                        if reply.get("parent_header", {}).get("msg_id") == asked:
                            return None
                finally:
                    kc.stop_channels()
            except Exception as exc:  # noqa: BLE001 - timeouts, a kernel gone meanwhile
                return f"{type(exc).__name__}: {exc}"

    return RetryingKernelManager


class _PoolMixin:
    """Changes to Voila's preheated pool (mixed in front of Voila's VoilaKernelManager)."""

    def _room_init(self) -> None:
        self._gate = asyncio.Semaphore(max(1, int(self.fill_concurrency)))
        self._refill_handle: asyncio.TimerHandle | None = None
        self._refill_due: float | None = None
        self._refill_requests: dict[str, tuple[dict, dict]] = {}
        self._refilling = False
        self._refill_lock = asyncio.Lock()
        self._status_written = 0.0
        self._status_pending = False

    # readiness -------------------------------------------------------------------------------
    @staticmethod
    def _ready(task: asyncio.Future) -> bool:
        if not task.done() or task.cancelled() or task.exception() is not None:
            return False
        render = task.result().get("task")
        return render is None or render.done()

    def get_pool_size(self, notebook_name: str) -> int:
        """Kernels ready now (Voila counts kernels still starting, so arrivals wait for them)."""
        return sum(1 for t in self._pools.get(notebook_name, []) if self._ready(t))

    async def get_rendered_notebook(self, notebook_name: str, *args: Any, **kwargs: Any):
        pool = self._pools.get(notebook_name, [])
        # failed starts are dropped; a ready kernel goes first (Voila takes the first one)
        pool[:] = [t for t in pool if not (t.done() and (t.cancelled() or t.exception() is not None))]
        pool.sort(key=lambda t: 0 if self._ready(t) else 1)
        result = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        self._write_status()
        return result

    # deferred, one-at-a-time refill -------------------------------------------------------------
    def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None,
                       extra_kernel_env_variables: dict | None = None, **kwargs: Any) -> None:
        extra = dict(extra_kernel_env_variables or {})
        if delay is None:  # a prepared kernel was just taken: the room is arriving
            extra.pop("VOILA_REQUEST_URL", None)  # the request of whoever took the last kernel
            self._refill_requests[notebook_name] = (extra, kwargs)
            self._push_refill()
            return
        super().fill_if_needed(delay=delay, notebook_name=notebook_name,
                               extra_kernel_env_variables=extra, **kwargs)

    def _push_refill(self) -> None:
        loop = asyncio.get_event_loop()
        if self._refill_handle is not None:
            self._refill_handle.cancel()
        self._refill_due = time.time() + self.quiet_seconds
        self._refill_handle = loop.call_later(self.quiet_seconds, self._refill)
        self._write_status(force=True)

    def _refill(self) -> None:
        self._refill_handle = None
        self._refill_due = None
        self._refilling = True
        requests, self._refill_requests = self._refill_requests, {}
        for name, (extra, kwargs) in requests.items():
            self.log.info("The room has arrived; refilling the pool of %s one kernel at a time", name)
            super().fill_if_needed(delay=0, notebook_name=name, extra_kernel_env_variables=extra, **kwargs)
        self._write_status(force=True)

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs: Any):
        if kernel_id is not None:  # a restart: not a pool kernel
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        if self._refilling:  # refills go one at a time, whatever fill_concurrency is
            async with self._refill_lock:
                return await self._initialize_and_run(notebook_path, **kwargs)
        async with self._gate:
            return await self._initialize_and_run(notebook_path, **kwargs)

    async def _initialize_and_run(self, notebook_path: str, **kwargs: Any):
        result = await super()._initialize(notebook_path, None, **kwargs)
        render = result.get("task")
        if render is not None:
            try:
                await asyncio.shield(render)  # ready = the notebook has run
            except Exception as exc:  # noqa: BLE001
                self.log.warning("A prepared kernel's notebook failed: %s", exc)
        asyncio.get_event_loop().call_soon(self._write_status)
        return result

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """A page served cold (the pool had no ready kernel): the room is still arriving."""
        if self._refill_handle is not None or self._refill_requests:
            self._push_refill()
        return await super().start_kernel(*args, **kwargs)

    # status ------------------------------------------------------------------------------------
    def _write_status(self, force: bool = False) -> None:
        if self.room <= 0:
            return
        now = time.time()
        if not force and now - self._status_written < 0.5:
            if not self._status_pending:  # a last write after the burst of changes
                self._status_pending = True
                asyncio.get_event_loop().call_later(0.6, self._write_status, True)
            return
        self._status_pending = False
        self._status_written = now
        pool = self._pools.get(self.notebook, [])
        data = {"room": self.room, "pool": pool_size(self.room), "ready": self.get_pool_size(self.notebook),
                "starting": sum(1 for t in pool if not self._ready(t)), "refill_at": self._refill_due,
                "updated": now, "pid": os.getpid()}
        path = status_path()
        try:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            self.log.warning("Could not write %s: %s", path, exc)


def _room_pool(cls: type) -> type:
    """Voila's VoilaKernelManager ``cls`` with :class:`_PoolMixin` in front and its settings."""
    from traitlets import Float, Integer, Unicode

    class RoomPool(_PoolMixin, cls):  # type: ignore[misc, valid-type]
        room = Integer(0, config=True, help="Participants the room is prepared for (peerkit serve --room).")
        notebook = Unicode(PARTICIPANT_NOTEBOOK, config=True, help="The notebook the room opens.")
        quiet_seconds = Float(QUIET_SECONDS, config=True,
                              help="Refill the pool once no page has been served for this long.")
        fill_concurrency = Integer(max(1, os.cpu_count() or 1), config=True,
                                   help="Kernels prepared at once before the session (refills: one).")

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)  # schedules the first fill; it runs once the server loop does
            self._room_init()
            self._write_status(force=True)

    RoomPool.__name__ = RoomPool.__qualname__ = "RoomPool"
    return RoomPool


def compiled_templates() -> Any:
    """A Jinja bytecode cache in memory, for every page's environment: each template compiled once.

    Voila builds a new exporter, and with it a new Jinja environment, for every page it serves,
    so without a shared cache every page compiles its templates again (``index.html.j2`` and what
    it extends: about 30 ms of the server's CPU per page, a third of its work for a page).
    Entries are keyed by Jinja's own bucket (template name, file, checksum of the source), so an
    edited template is compiled anew, and by the setting of the environment asking (async or
    not, extensions), as compiled code depends on it.
    """
    from jinja2 import BytecodeCache

    class CompiledTemplates(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[tuple, Any] = {}

        @staticmethod
        def _key(bucket: Any) -> tuple:
            env = bucket.environment
            return env.is_async, tuple(sorted(env.extensions)), bucket.key, bucket.checksum

        def load_bytecode(self, bucket: Any) -> None:
            code = self.code.get(self._key(bucket))
            if code is not None:
                bucket.code = code

        def dump_bytecode(self, bucket: Any) -> None:
            self.code[self._key(bucket)] = bucket.code

    return CompiledTemplates()


def _cache_templates() -> None:
    """Make Voila's page exporter keep compiled templates across pages (:func:`compiled_templates`)."""
    import voila.notebook_renderer as renderer

    base = getattr(renderer, "VoilaExporter", None)
    if base is None or getattr(base, "_peerkit", False):
        return  # a Voila that builds its pages otherwise: it serves them, only without the cache

    class VoilaExporter(base):  # type: ignore[misc, valid-type]
        _peerkit = True
        template_cache = compiled_templates()  # one per server process

        def _create_environment(self) -> Any:
            environment = super()._create_environment()
            environment.bytecode_cache = self.template_cache
            return environment

    renderer.VoilaExporter = VoilaExporter


def _install() -> None:
    """Make Voila build its kernel manager with the kit's changes, and keep compiled templates."""
    _cache_templates()
    import voila.app as voila_app

    original = voila_app.voila_kernel_manager_factory
    if getattr(original, "_peerkit", False):
        return

    def factory(base_class: type, preheat_kernel: bool, default_pool_size: int, page_config_hook: Any = None):
        cls = original(_retrying(base_class), preheat_kernel, default_pool_size, page_config_hook=page_config_hook)
        return _room_pool(cls) if preheat_kernel else cls

    factory._peerkit = True  # type: ignore[attr-defined]
    voila_app.voila_kernel_manager_factory = factory


def precompile(folder: Path | str = TEMPLATES) -> bool:
    """Write the bytecode of the kit's modules that lack it or have changed, once, before any
    kernel starts: every participant kernel imports them, and a module without bytecode is
    compiled again in each (with ``PYTHONDONTWRITEBYTECODE`` set, or after an edit, that is
    every kernel of the room). Modules already compiled are only checked (a few milliseconds).
    False when some could not be written (a read-only install keeps what pip compiled)."""
    import compileall

    return bool(compileall.compile_dir(str(folder), quiet=1, workers=1))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m peerkit.room NOTEBOOKS [voila options]``: Voila with the kit's kernel manager."""
    precompile()
    _install()
    # the kit's template folder first, so that Voila finds ``--template=peerkit``
    paths = [str(TEMPLATES), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    from voila.app import Voila

    Voila.launch_instance(argv=list(argv) if argv is not None else None)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
