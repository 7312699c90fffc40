"""Polling the store from an asyncio task on the kernel's event loop.

The dashboards refresh and the participant app follows a facilitator-led session this way, not
from a background thread. ipykernel (and so Voila) runs its asyncio loop on the main thread: the
task wakes every ``interval`` seconds between messages and runs its callback on the same thread as
every button click, so there are no races, no locks, and widget messages go out in order. Without a
running loop (plain Python, tests) nothing starts and the callback is called by hand. Only asyncio
and logging are imported: a participant's kernel stays small.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

__all__ = ["Poller"]

log = logging.getLogger(__name__)


class Poller:
    """Calls ``callback`` every ``interval`` seconds from an asyncio task.

    A failing call is logged and handed to ``on_error``, and polling goes on; the first call that
    succeeds after a failure calls ``on_recover``. ``paused`` skips the calls but keeps the task.
    ``what`` names the work in the log.
    """

    def __init__(self, callback: Callable[[], Any], interval: float = 5.0,
                 on_error: Callable[[BaseException], Any] | None = None, *,
                 on_recover: Callable[[], Any] | None = None, what: str = "dashboard refresh"):
        self.callback = callback
        self.interval = float(interval)
        self.on_error = on_error
        self.on_recover = on_recover
        self.what = what
        self.paused = False
        self.failing = False
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> bool:
        """Start polling on the running event loop; False when there is none (nothing started)."""
        if self.running:
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._task = loop.create_task(self._run())
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.paused:
                continue
            try:
                self.callback()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep polling; show the problem
                log.warning("%s failed: %s", self.what, exc, exc_info=True)
                self.failing = True
                self._notify(self.on_error, exc)
            else:
                if self.failing:
                    self.failing = False
                    self._notify(self.on_recover)

    @staticmethod
    def _notify(handler: Callable[..., Any] | None, *args: Any) -> None:
        if handler is None:
            return
        try:
            handler(*args)
        except Exception:  # pragma: no cover
            log.exception("poller handler failed")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
