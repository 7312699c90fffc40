"""ConnectionWatch: show at once when the page has lost its server, and come back by itself.

An anywidget with a few lines of JavaScript:

- it follows the kernel connection of the widget manager (``connectionStatus``) where the page
  exposes it, and sends a heartbeat (``ping``) every ``interval_ms`` that the kernel answers
  (``pong``); a lost connection or no answer for ``timeout_ms`` shows the banner
  (``message``, a ``role="alert"`` region) and disables the buttons matching
  ``disable_selector`` (Submit), so nobody believes an answer was saved;
- meanwhile it asks the server for a tiny URL next to the page (any HTTP answer but a gateway
  error, even 404, means the server is up; behind JupyterHub the proxy answers 502/503 while
  the kit's server is down); when the server answers again but this page's kernel does not (a
  restarted server forgets its kernels), it reloads the page after ``reload_after_ms``, and the app resumes with
  the device token (:mod:`peerkit.frontend.device`), drafts included; when the kernel answers
  again, the banner goes and the buttons come back.

It also carries two page helpers: ``maxlength`` (``{CSS selector: n}``) sets the browser-side
length limit of text inputs ipywidgets has no option for, and :meth:`focus` moves the keyboard
focus to an element (e.g. the first thing after Join).
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

__all__ = ["ConnectionWatch", "OFFLINE_MESSAGE"]

OFFLINE_MESSAGE = ("Not connected — what you type now is not saved. This page reconnects by itself "
                   "when the server is back; your saved answers and drafts come back with it.")

_ESM = r"""
export default {
  render({ model, el }) {
    const banner = document.createElement("div");
    banner.className = "peerkit-offline";
    banner.setAttribute("role", "alert");
    banner.hidden = true;
    el.appendChild(banner);
    el.classList.add("peerkit-connection");

    let lastPong = Date.now();
    let down = false;
    let serverBackSince = 0;
    let disabled = [];
    const timers = [];
    const manager = model.widget_manager;
    const kernel = manager && manager.kernel;

    const kernelState = () => {
      try {
        return kernel && typeof kernel.connectionStatus === "string" ? kernel.connectionStatus : "";
      } catch (e) {
        return "";
      }
    };

    const setDown = (isDown) => {
      if (isDown === down) return;
      down = isDown;
      model.set("connected", !down);
      banner.hidden = !down;
      banner.textContent = down ? model.get("message") : "";
      document.body.classList.toggle("peerkit-disconnected", down);
      if (down) {
        serverBackSince = 0;
        disabled = Array.from(document.querySelectorAll(model.get("disable_selector")))
          .filter((b) => !b.disabled);
        disabled.forEach((b) => { b.disabled = true; b.setAttribute("data-peerkit-offline", "1"); });
      } else {
        disabled.forEach((b) => { b.disabled = false; b.removeAttribute("data-peerkit-offline"); });
        disabled = [];
      }
    };

    model.on("msg:custom", (msg) => {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "pong") {
        lastPong = Date.now();
        if (kernelState() !== "disconnected") setDown(false);
      }
      if (msg.type === "focus") {
        const target = document.querySelector(msg.selector);
        if (target) {
          if (!target.hasAttribute("tabindex") && !/^(INPUT|BUTTON|SELECT|TEXTAREA|A)$/.test(target.tagName)) {
            target.setAttribute("tabindex", "-1");
          }
          target.focus();
          if (target.scrollIntoView) target.scrollIntoView({ block: "nearest" });
        }
      }
    });

    const applyLimits = () => {
      const limits = model.get("maxlength") || {};
      for (const [selector, n] of Object.entries(limits)) {
        document.querySelectorAll(selector).forEach((input) => {
          if (input.maxLength !== n) input.maxLength = n;
        });
      }
    };
    const observer = new MutationObserver(applyLimits);
    observer.observe(document.body, { childList: true, subtree: true });
    applyLimits();

    const probe = () => {
      // a tiny request next to the page (under the same base URL, so behind a hub or a proxy it
      // reaches this kit's server): any answer but a gateway error means the server is up
      const url = model.get("probe_url") || new URL("peerkit-connection-probe", window.location.href).href;
      return fetch(url + "?t=" + Date.now(), { cache: "no-store", credentials: "same-origin" })
        .then((r) => ![502, 503, 504].includes(r.status), () => false);
    };

    const tick = () => {
      try {
        model.send({ type: "ping" });
      } catch (e) {
        /* the connection is gone: the checks below notice */
      }
      const state = kernelState();
      const silent = Date.now() - lastPong > model.get("timeout_ms");
      if (state === "disconnected" || state === "connecting" || silent) setDown(true);
      if (!down) return;
      probe().then((serverUp) => {
        if (!serverUp) {
          serverBackSince = 0;
          return;
        }
        if (!serverBackSince) serverBackSince = Date.now();
        const kernelGone = state === "disconnected" || state === "connecting" ||
          (state === "" && Date.now() - lastPong > 2 * model.get("timeout_ms"));
        if (kernelGone && Date.now() - serverBackSince >= model.get("reload_after_ms")) {
          window.location.reload();
        }
      });
    };
    timers.push(setInterval(tick, model.get("interval_ms")));
    if (kernel && kernel.connectionStatusChanged && kernel.connectionStatusChanged.connect) {
      const onStatus = (_k, status) => {
        if (status !== "connected") setDown(true);
        else tick();
      };
      kernel.connectionStatusChanged.connect(onStatus);
      timers.push({ disconnect: () => kernel.connectionStatusChanged.disconnect(onStatus) });
    }
    window.addEventListener("offline", () => setDown(true));
    return () => {
      observer.disconnect();
      timers.forEach((t) => (t && t.disconnect ? t.disconnect() : clearInterval(t)));
    };
  },
};
"""

_CSS = """
.peerkit-offline {
  position: fixed; top: 0; left: 0; right: 0; z-index: 10000;
  margin: 0; padding: 0.75em 1em; font-size: 1.05em; font-weight: 600; line-height: 1.4;
  background: #fff4ce; color: #1f1f1f; border-bottom: 3px solid #7a5b00;
  box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
}
.peerkit-offline::before { content: "⚠ "; }
"""


class ConnectionWatch(anywidget.AnyWidget):
    """The "Not connected" banner, the Submit lock while offline, and reload-and-resume.

    Display it once on a page (the participant app and the dashboard include it). ``message``
    is the banner's text; ``connected`` mirrors what the browser last knew.
    """

    _esm = _ESM
    _css = _CSS
    message = traitlets.Unicode(OFFLINE_MESSAGE).tag(sync=True)
    interval_ms = traitlets.Int(2500).tag(sync=True)
    timeout_ms = traitlets.Int(12000).tag(sync=True)
    reload_after_ms = traitlets.Int(3000).tag(sync=True)
    disable_selector = traitlets.Unicode("button.peerkit-submit, .peerkit-submit button").tag(sync=True)
    probe_url = traitlets.Unicode("").tag(sync=True)
    maxlength = traitlets.Dict().tag(sync=True)
    connected = traitlets.Bool(True).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("peerkit-connection")
        self.pings = 0
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            self.pings += 1
            self.send({"type": "pong"})

    def focus(self, selector: str) -> None:
        """Move the keyboard focus to the first element matching ``selector``."""
        self.send({"type": "focus", "selector": selector})
