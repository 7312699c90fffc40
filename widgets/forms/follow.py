"""Following a facilitator-led session in the participant app.

:class:`LiveFollower` polls the store's live-state version (one integer of one row) from an
asyncio task on the kernel's event loop, every ``interval`` seconds (2 by default); only when
that number changed does it read the whole state and tell the app, which then shows the
waiting screen, the exercise the facilitator opened, that answering is closed, or the key
after the reveal. While the participant waits for their partner on a comparison exercise, it
also checks (cheaply) whether both have submitted, so the app can offer the pair view at once.

ipykernel runs its asyncio loop on the main thread: the task wakes between messages and
updates the widgets on the same thread as every click, so there are no races. Without a
running loop (plain Python, tests) nothing starts and :meth:`LiveFollower.check` is called
by hand. The task is one ``asyncio.sleep`` and, per tick, one short read: 40 idle kernels
following a session stay idle (see BENCHMARKS.md, "Following a facilitator-led session").
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from ..polling import Poller

__all__ = ["DEFAULT_INTERVAL", "LiveFollower", "WAITING_TEXT"]

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 2.0
WAITING_TEXT = "Your facilitator will open the next exercise."


class LiveFollower:
    """Calls ``on_change(state)`` whenever the session's live state changed, and
    ``on_tick()`` after every check (for the pair offer); see the module's text."""

    def __init__(self, store: Any, session_id: int, on_change: Callable[[Any], None], *,
                 on_tick: Callable[[], None] | None = None, interval: float = DEFAULT_INTERVAL,
                 on_error: Callable[[BaseException], None] | None = None):
        self.store = store
        self.session_id = session_id
        self.on_change = on_change
        self.on_tick = on_tick
        self.on_error = on_error
        self.interval = float(interval)
        self.version: int | None = None
        self.state: Any = None
        self.checks = 0
        self._poller = Poller(self.check, self.interval, on_error=on_error, what="following the session",
                              on_recover=(lambda: on_error(None)) if on_error else None)  # type: ignore[arg-type]

    @property
    def running(self) -> bool:
        return self._poller.running

    def check(self) -> bool:
        """Read the version; on a change read the state and report it. True when it changed."""
        self.checks += 1
        version = self.store.live_version(self.session_id)
        changed = version != self.version
        if changed:
            self.state = self.store.live_state(self.session_id)
            self.version = self.state.version
            self.on_change(self.state)
        if self.on_tick is not None:
            self.on_tick()
        return changed

    def start(self) -> bool:
        """Start following on the running event loop; False when there is none."""
        return self._poller.start()

    def stop(self) -> None:
        self._poller.stop()
