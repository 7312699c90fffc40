"""Download: hands a file from the kernel to the browser as a download, in one click.

The facilitator clicks "Answers as CSV"; the kernel writes the file and calls
:meth:`Download.send_file`, which sends its bytes to the page in one widget message (as a binary
buffer, not base64 text); the page saves them under the file's name with a temporary object URL
and a ``<a download>`` it clicks itself. No second click on a link, no file server route (Voila
serves none), nothing kept in the page afterwards.

The widget shows one line saying what was downloaded last (a polite live region). The file goes
to the views of the widget open at that moment: the dashboard keeps it displayed in its Export
tab, and Voila gives every browser tab its own kernel, so it is the tab where the button was
clicked.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import anywidget
import traitlets

__all__ = ["Download", "MAX_BYTES", "mime_type"]

#: the largest file sent through the page (a session's full backup is far smaller)
MAX_BYTES = 50 * 1024 * 1024


def mime_type(name: str) -> str:
    if name.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class Download(anywidget.AnyWidget):
    """A one-line status that turns files sent from the kernel into browser downloads."""

    _esm = """
    export default {
      render({ model, el }) {
        const line = document.createElement("p");
        line.className = "peerkit-download-status";
        line.setAttribute("role", "status");
        line.setAttribute("aria-live", "polite");
        el.appendChild(line);
        const show = () => { line.textContent = model.get("last"); };
        model.on("change:last", show);
        show();
        model.on("msg:custom", (msg, buffers) => {
          if (!msg || msg.kind !== "download" || !buffers || !buffers.length) return;
          const data = buffers[0];
          const bytes = data instanceof DataView
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
          const url = URL.createObjectURL(new Blob([bytes], { type: msg.mime }));
          const a = document.createElement("a");
          a.href = url;
          a.download = msg.name;
          a.style.display = "none";
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60000);
          model.set("delivered", model.get("delivered") + 1);
          model.save_changes();
        });
      }
    };
    """
    _css = """
    .peerkit-download-status { margin: .2rem 0; }
    """
    #: what was sent last, in words ("Downloaded session-3.csv (12 KB)")
    last = traitlets.Unicode("").tag(sync=True)
    #: how many files the page has saved (the browser counts up; tests read it)
    delivered = traitlets.Int(0).tag(sync=True)

    def send_file(self, path: str | Path, name: str | None = None) -> int:
        """Send the file at ``path`` to the browser as a download named ``name`` (default: its
        own name); returns its size in bytes. Raises ValueError for a file over :data:`MAX_BYTES`."""
        path = Path(path)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"{path.name} is {size / 1024 / 1024:.0f} MB, too large to download "
                             f"through the page; it is saved as {path}")
        name = name or path.name
        self.send({"kind": "download", "name": name, "mime": mime_type(name)}, buffers=[path.read_bytes()])
        human = f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
        self.last = f"⬇ Downloaded {name} ({human})."
        return size
