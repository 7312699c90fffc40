"""A phone-like client of a Voila page, at protocol level (no rendering).

It makes the requests a phone's browser makes to show the page's widgets, without drawing them
(in a real room that CPU is the phones', not the server's):

1. GET the page (Voila starts or takes a kernel and runs the notebook while it answers); the
   page is *blank* when it carries no widget view (its output was lost);
2. open the kernel's websocket (``/api/kernels/ID/channels``), as Voila's front end does;
3. ask for every widget's state through the ``jupyter.widget.control`` comm (what ipywidgets 8's
   front end does on load) and wait for the answer: then the form can be drawn and used.

The time to 3 is "time to a usable form". Binary websocket frames (messages with buffers) are
decoded as jupyter_server sends them.
"""

from __future__ import annotations

import json
import re
import struct
import time
import urllib.request
import uuid
from dataclasses import dataclass, field

VIEW_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass
class Visit:
    """What one client saw."""

    page_s: float | None = None      # HTML page received
    usable_s: float | None = None    # every widget state received
    kernel_id: str | None = None
    blank: bool = False              # the page had no widget view (its output was lost)
    widgets: int = 0                 # widget states received
    error: str | None = None
    phases: dict = field(default_factory=dict)


def _msg(msg_type: str, content: dict, session: str, channel: str = "shell", metadata: dict | None = None) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session,
                   "msg_type": msg_type, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": channel, "buffers": [],
    })


def _decode(frame: str | bytes) -> dict:
    if isinstance(frame, str):
        return json.loads(frame)
    # jupyter_server's binary message: n, offsets[n], then the JSON and the buffers
    n = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{n}I", frame[4:4 + 4 * n])
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode("utf-8"))


def visit(base_url: str, page_url: str, timeout: float = 240.0, t0: float | None = None) -> Visit:
    """Open ``page_url`` like a phone would; times are from ``t0`` (default: now)."""
    from websockets.sync.client import connect

    t0 = time.perf_counter() if t0 is None else t0
    out = Visit()
    deadline = t0 + timeout
    try:
        with urllib.request.urlopen(page_url, timeout=timeout) as resp:
            body = resp.read().decode("utf-8", "replace")
        out.page_s = time.perf_counter() - t0
        m = re.search(r'kernelId"\s*:\s*"([0-9a-f-]{36})"', body)
        if not m:
            out.error = "no kernel id in the page"
            out.blank = True
            return out
        out.kernel_id = m.group(1)
        if VIEW_MIME not in body:
            out.blank = True
            return out
        session = uuid.uuid4().hex
        ws_url = base_url.replace("http://", "ws://") + f"/api/kernels/{out.kernel_id}/channels?session_id={session}"
        with connect(ws_url, open_timeout=max(1.0, deadline - time.perf_counter()), max_size=None) as ws:
            out.phases["ws_open"] = time.perf_counter() - t0
            comm_id = uuid.uuid4().hex
            ws.send(_msg("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                       "data": {}}, session, metadata={"version": "1.0.0"}))
            ws.send(_msg("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, session))
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    out.error = "no widget state before the timeout"
                    return out
                msg = _decode(ws.recv(timeout=left))
                if msg.get("msg_type") != "comm_msg":
                    continue
                content = msg.get("content", {})
                data = content.get("data", {})
                if content.get("comm_id") == comm_id and data.get("method") == "update_states":
                    out.widgets = len(data.get("states", {}))
                    out.usable_s = time.perf_counter() - t0
                    return out
    except Exception as exc:  # noqa: BLE001 - every failure is a figure of the benchmark
        out.error = f"{type(exc).__name__}: {exc}"[:300]
    return out
