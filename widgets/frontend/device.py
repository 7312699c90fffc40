"""DeviceKeeper: what this browser keeps for the kit in ``localStorage`` (anywidget).

The participant app keeps the device token (a secret that lets this browser, and only it,
continue as its participant), the personal resume code shown at the first join, and where the
person was (exercise and occasion). When the page opens, the browser sends what it kept; the app
resumes with it, so a reload or a server restart needs no retyping.

Nothing else reads these values: the kernel hashes the token before looking it up, and the
browser keeps it under one key per app (``key``).
"""

from __future__ import annotations

from typing import Any, Callable

import anywidget
import traitlets

__all__ = ["DeviceKeeper"]

_ESM = r"""
function read(key) {
  try {
    const data = JSON.parse(window.localStorage.getItem(key) || "{}");
    return data && typeof data === "object" && !Array.isArray(data) ? data : {};
  } catch (e) {
    return {};
  }
}

function write(key, data) {
  try {
    if (data === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(data));
    return true;
  } catch (e) {
    return false;  // private browsing or storage full: the person resumes with the resume code
  }
}

export default {
  render({ model, el }) {
    el.classList.add("peerkit-device");
    el.setAttribute("aria-hidden", "true");
    const key = model.get("key");
    const onMessage = (msg) => {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "save") write(key, msg.data);
      if (msg.type === "clear") write(key, null);
    };
    model.on("msg:custom", onMessage);
    if (!model.get("loaded")) {
      model.set("stored", read(key));
      model.set("loaded", true);
      model.save_changes();
    }
    return () => model.off("msg:custom", onMessage);
  },
};
"""


class DeviceKeeper(anywidget.AnyWidget):
    """A hidden widget that reads and writes one ``localStorage`` entry of this browser.

    ``on_load(callback)``: ``callback(data)`` once the browser has sent what it kept (``{}`` when
    nothing, or when storage is unavailable). ``save(data)`` replaces the entry, ``clear()``
    removes it.
    """

    _esm = _ESM
    key = traitlets.Unicode("peerkit-device").tag(sync=True)
    loaded = traitlets.Bool(False).tag(sync=True)
    stored = traitlets.Dict().tag(sync=True)

    def __init__(self, key: str = "peerkit-device", **kwargs: Any) -> None:
        super().__init__(key=key, **kwargs)
        self.layout.display = "none"
        self.add_class("peerkit-device")
        self._callbacks: list[Callable[[dict], None]] = []
        self.observe(self._loaded, names="loaded")

    def on_load(self, callback: Callable[[dict], None]) -> None:
        self._callbacks.append(callback)
        if self.loaded:
            callback(dict(self.stored))

    def _loaded(self, change: dict) -> None:
        if change["new"]:
            data = dict(self.stored or {})
            for cb in list(self._callbacks):
                cb(data)

    def save(self, data: dict) -> None:
        """Keep ``data`` (text, numbers, true/false) in this browser."""
        clean = {str(k): v for k, v in dict(data).items() if v is not None}
        self.stored = clean
        self.send({"type": "save", "data": clean})

    def update(self, **values: Any) -> None:
        """Change some of the kept values (``None`` removes one)."""
        data = dict(self.stored or {})
        for k, v in values.items():
            if v is None:
                data.pop(k, None)
            else:
                data[k] = v
        self.save(data)

    def clear(self) -> None:
        self.stored = {}
        self.send({"type": "clear"})
