"""PageLocation: tells the kernel the address the page was opened at (``window.location``).

A kernel does not know under which address its page is served (a laptop's LAN address, a
JupyterHub user prefix); the join link and its QR code are built from it when the server
did not say (``PEERKIT_PUBLIC_URL``, which ``peerkit serve --all-interfaces`` sets).
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["PageLocation"]


class PageLocation(anywidget.AnyWidget):
    """An invisible widget whose ``href`` trait the browser fills in with the page's address."""

    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        model.set("href", String(window.location.href));
        model.save_changes();
      }
    };
    """
    href = traitlets.Unicode("").tag(sync=True)
