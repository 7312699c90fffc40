"""A Voila page without a browser: the ipywidgets protocol spoken over the kernel's websocket.

What a browser tab does with a Voila page, at protocol level (no JavaScript, no rendering):

1. ``GET /voila/render/NAME.ipynb``: Voila starts a kernel, runs the notebook and answers with
   the page, which names the kernel (``kernelId``);
2. open ``/api/kernels/ID/channels`` (a websocket, Jupyter's JSON message format);
3. ask for every widget's state through the ``jupyter.widget.control`` comm (ipywidgets 8), then
   follow ``comm_open`` / ``update`` / ``comm_close`` messages as the kernel changes the widgets;
4. act like a person: set a text field's or a choice's value (an ``update`` with the new state),
   click a button (a ``custom`` message ``{"event": "click"}``).

Widgets are found by the kit's ``peerkit-*`` CSS classes (``_dom_classes``) and by their
``description``, the way the browser tests find them by label. Every wait is on a condition
(a widget's state), bounded in time; nothing sleeps.

Used by the deployment tests (tests/deploy) and by the sharding benchmark (benchmarks/).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

KERNEL_ID = re.compile(r'kernelId"\s*:\s*"([0-9a-f-]{36})"')
WIDGET = "jupyter.widget"
CONTROL = "jupyter.widget.control"
PROTOCOL_VERSION = "2.1.0"
CONTROL_VERSION = "1.0.0"
PAGE_TIMEOUT = 180.0    # s: a page load starts a kernel and runs the notebook
ACTION_TIMEOUT = 60.0   # s: one round trip through the kernel (and the store), loaded machine


class PageError(AssertionError):
    """The page did not reach the state a step waited for (the message says which)."""


@dataclass
class Model:
    comm_id: str
    name: str
    state: dict[str, Any]

    @property
    def classes(self) -> list[str]:
        return list(self.state.get("_dom_classes") or [])

    @property
    def description(self) -> str:
        return str(self.state.get("description") or "")

    @property
    def value(self) -> Any:
        return self.state.get("value")

    @property
    def text(self) -> str:
        """Text a person would read in this widget (HTML without tags, a label, a value)."""
        v = self.state.get("value")
        if isinstance(v, str):
            text = html.unescape(re.sub(r"<[^>]+>", " ", v))
            return " ".join(text.split())
        return self.description

    def options(self) -> list[str]:
        return list(self.state.get("_options_labels") or [])


@dataclass
class Timings:
    html: float = 0.0            # GET answered (kernel started, notebook run)
    first_state: float = 0.0     # widget states received over the websocket
    extra: dict[str, float] = field(default_factory=dict)


def _msg(msg_type: str, content: dict, session: str, channel: str = "shell",
         metadata: dict | None = None) -> dict:
    return {
        "header": {"msg_id": uuid.uuid4().hex, "username": "peerkit-test", "session": session,
                   "msg_type": msg_type, "version": "5.3",
                   "date": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())},
        "parent_header": {}, "metadata": metadata or {}, "content": content,
        "channel": channel, "buffers": [],
    }


def _decode_binary(frame: bytes) -> dict:
    """Jupyter's binary websocket frame (a message with buffers): the JSON part; buffers dropped."""
    nbufs = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{nbufs}I", frame[4:4 + 4 * nbufs])
    end = offsets[1] if nbufs > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode("utf-8"))


class VoilaPage:
    """One browser tab's worth of a Voila page, driven through the widget protocol.

    ``url`` is the page (``http://HOST:PORT/[prefix/]voila/render/NAME.ipynb[?query]``);
    ``headers`` are sent with the page request and the websocket (e.g. a hub token).
    """

    def __init__(self, url: str, headers: Mapping[str, str] | None = None):
        self.url = url
        self.headers = dict(headers or {})
        self.session = uuid.uuid4().hex
        self.kernel_id: str | None = None
        self.models: dict[str, Model] = {}
        self.timings = Timings()
        self.closed_reason: str | None = None
        self._ws: WebSocketClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self._control_id: str | None = None
        self._states_received = asyncio.Event()

    # -- opening -------------------------------------------------------------------------------
    async def open(self, timeout: float = PAGE_TIMEOUT) -> "VoilaPage":
        t0 = time.perf_counter()
        req = HTTPRequest(self.url, headers=self.headers, request_timeout=timeout, connect_timeout=timeout,
                          follow_redirects=True)
        # a client of its own: tornado's shared client queues beyond 10 requests at once, and a
        # room arriving together must not be queued here
        client = AsyncHTTPClient(force_instance=True)
        try:
            resp = await client.fetch(req, raise_error=False)
        finally:
            client.close()
        if resp.code != 200:
            raise PageError(f"GET {self.url}: HTTP {resp.code}")
        body = resp.body.decode("utf-8", "replace")
        m = KERNEL_ID.search(body)
        if not m:
            raise PageError(f"GET {self.url}: the page names no kernel")
        self.kernel_id = m.group(1)
        self.timings.html = time.perf_counter() - t0
        base = self.url.split("/voila/render/", 1)[0]
        ws_url = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        ws_url += f"/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        self._ws = await asyncio.wait_for(
            websocket_connect(HTTPRequest(ws_url, headers=self.headers, connect_timeout=timeout),
                              max_message_size=64 * 2**20), timeout)
        self._reader = asyncio.ensure_future(self._read())
        self._control_id = uuid.uuid4().hex
        await self._send(_msg("comm_open", {"comm_id": self._control_id, "target_name": CONTROL, "data": {}},
                              self.session, metadata={"version": CONTROL_VERSION}))
        await self._send(_msg("comm_msg", {"comm_id": self._control_id, "data": {"method": "request_states"}},
                              self.session))
        try:
            await asyncio.wait_for(self._states_received.wait(), timeout)
        except asyncio.TimeoutError:
            raise PageError(f"{self.url}: no widget states within {timeout:.0f} s") from None
        self.timings.first_state = time.perf_counter() - t0
        return self

    async def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing anyway
                pass

    async def _send(self, msg: dict) -> None:
        if self._ws is None or self.closed_reason:
            raise PageError(f"{self.url}: the connection is closed ({self.closed_reason})")
        await self._ws.write_message(json.dumps(msg))

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            while True:
                frame = await self._ws.read_message()
                if frame is None:
                    self.closed_reason = "websocket closed by the server"
                    return
                msg = _decode_binary(frame) if isinstance(frame, bytes) else json.loads(frame)
                self._handle(msg)
        except asyncio.CancelledError:
            self.closed_reason = self.closed_reason or "closed by the client"
            raise
        except Exception as exc:  # noqa: BLE001 - any failure ends this page's connection
            self.closed_reason = f"connection lost ({type(exc).__name__}: {exc})"
        finally:
            self._changed.set()

    def _handle(self, msg: dict) -> None:
        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        content = msg.get("content") or {}
        if kind == "comm_open" and content.get("target_name") == WIDGET:
            data = content.get("data") or {}
            state = data.get("state") or {}
            self.models[content["comm_id"]] = Model(content["comm_id"], state.get("_model_name", ""), dict(state))
        elif kind == "comm_msg":
            cid, data = content.get("comm_id"), content.get("data") or {}
            method = data.get("method")
            if cid == self._control_id and method == "update_states":
                for mid, entry in (data.get("states") or {}).items():
                    state = dict(entry.get("state") or {})
                    self.models[mid] = Model(mid, entry.get("model_name", state.get("_model_name", "")), state)
                self._states_received.set()
            elif method in ("update", "echo_update") and cid in self.models:
                self.models[cid].state.update(data.get("state") or {})
        elif kind == "comm_close":
            self.models.pop(content.get("comm_id"), None)
        else:
            return
        self._changed.set()

    # -- finding widgets ---------------------------------------------------------------------------
    def _children(self, model: Model) -> list[Model]:
        out = []
        for ref in model.state.get("children") or []:
            if isinstance(ref, str) and ref.startswith("IPY_MODEL_"):
                child = self.models.get(ref[len("IPY_MODEL_"):])
                if child is not None:
                    out.append(child)
        return out

    def descendants(self, root: Model) -> list[Model]:
        seen, out, todo = set(), [], list(self._children(root))
        while todo:
            m = todo.pop(0)
            if m.comm_id in seen:
                continue
            seen.add(m.comm_id)
            out.append(m)
            todo.extend(self._children(m))
        return out

    def find_all(self, css_class: str | None = None, *, description: str | None = None,
                 within: Model | None = None, model: str | None = None) -> list[Model]:
        pool = self.descendants(within) if within is not None else list(self.models.values())
        return [m for m in pool
                if (css_class is None or css_class in m.classes)
                and (description is None or m.description == description)
                and (model is None or m.name == model)]

    def find(self, css_class: str | None = None, **kw: Any) -> Model | None:
        found = self.find_all(css_class, **kw)
        return found[-1] if found else None  # the newest, if a panel was rebuilt

    async def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = ACTION_TIMEOUT) -> Any:
        """Wait until ``condition()`` is truthy (re-checked on every message); returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            self._changed.clear()
            got = condition()
            if got:
                return got
            if self.closed_reason:
                raise PageError(f"{self.url}: {what}: {self.closed_reason}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise PageError(f"{self.url}: {what} did not happen within {timeout:.0f} s")
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
            except asyncio.TimeoutError:
                pass

    async def widget(self, css_class: str | None = None, *, what: str | None = None,
                     timeout: float = ACTION_TIMEOUT, **kw: Any) -> Model:
        label = what or css_class or str(kw)
        return await self.wait_for(lambda: self.find(css_class, **kw), f"widget {label} shown", timeout)

    async def wait_text(self, css_class: str, text: str | re.Pattern, *, within: Model | None = None,
                        timeout: float = ACTION_TIMEOUT) -> Model:
        pattern = text if isinstance(text, re.Pattern) else re.compile(re.escape(text))

        def match() -> Model | None:
            for m in reversed(self.find_all(css_class, within=within)):
                if pattern.search(m.text):
                    return m
            return None

        try:
            return await self.wait_for(match, f"{css_class} reading {pattern.pattern!r}", timeout)
        except PageError as exc:
            seen = [m.text for m in self.find_all(css_class, within=within)]
            raise PageError(f"{exc} (it reads {seen!r})") from None

    def text_of(self, css_class: str) -> str:
        """The text of the widgets with this class and of everything inside them."""
        out = []
        for m in self.find_all(css_class):
            out += [m.text] + [d.text for d in self.descendants(m)]
        return " ".join(t for t in out if t)

    # -- acting --------------------------------------------------------------------------------
    async def set_state(self, m: Model, **state: Any) -> None:
        m.state.update(state)
        await self._send(_msg("comm_msg", {"comm_id": m.comm_id, "data": {
            "method": "update", "state": state, "buffer_paths": []}}, self.session))

    async def fill(self, m: Model, text: str) -> None:
        await self.set_state(m, value=text)

    async def choose(self, m: Model, label: str) -> None:
        """Pick an option of a Dropdown / RadioButtons / ToggleButtons by its visible label."""
        try:
            await self.wait_for(lambda: label in m.options(), f"option {label!r} offered")
        except PageError:
            raise PageError(f"{m.description or m.classes}: no option {label!r} in {m.options()}") from None
        await self.set_state(m, index=m.options().index(label))

    async def click(self, m: Model) -> None:
        await self._send(_msg("comm_msg", {"comm_id": m.comm_id, "data": {
            "method": "custom", "content": {"event": "click"}}}, self.session))


async def open_all(urls: Iterable[str], headers: Mapping[str, str] | None = None,
                   timeout: float = PAGE_TIMEOUT) -> list[VoilaPage]:
    """Open several pages at the same instant (a room arriving); all or an exception."""
    pages = [VoilaPage(u, headers) for u in urls]
    results = await asyncio.gather(*(p.open(timeout) for p in pages), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        await asyncio.gather(*(p.close() for p in pages))
        raise errors[0]
    return pages


# -- the kit's apps, as a person uses them ---------------------------------------------------------

class Participant:
    """The participant app (participant.ipynb) on one page."""

    def __init__(self, page: VoilaPage):
        self.page = page

    async def join(self, code: str, name: str, role_label: str) -> None:
        p = self.page
        await p.fill(await p.widget("peerkit-join-code"), code)
        await p.fill(await p.widget("peerkit-join-name"), name)
        await p.choose(await p.widget("peerkit-join-role"), role_label)
        await p.click(await p.widget("peerkit-join-button"))
        await p.wait_text("peerkit-signed-in", name)

    def kept(self) -> dict[str, Any]:
        """What this page's browser keeps in localStorage (the device token, the resume code):
        the state of the app's DeviceKeeper, which the kernel updates when it saves."""
        device = self.page.find("peerkit-device")
        return dict(device.state.get("stored") or {}) if device is not None else {}

    async def resume(self, kept: Mapping[str, Any], name: str) -> None:
        """Open the app as the browser that kept ``kept`` would: its DeviceKeeper sends what it
        kept, and the app resumes as that participant (no name typed)."""
        p = self.page
        device = await p.widget("peerkit-device")
        await p.set_state(device, stored=dict(kept), loaded=True)
        await p.wait_text("peerkit-signed-in", name)

    async def choose(self, title: str) -> Model:
        """Self-paced session: choose the exercise in the list."""
        p = self.page
        await p.choose(await p.widget("peerkit-exercise"), title)
        return await p.widget("peerkit-form", what=f"the form of {title!r}")

    async def follow(self, instrument_id: str, timeout: float = ACTION_TIMEOUT) -> Model:
        """Facilitator-led session: wait until the app shows the exercise the facilitator opened."""
        return await self.page.widget(f"peerkit-form-{instrument_id}", timeout=timeout)

    async def answer(self, item_id: str, label: str) -> None:
        """Choose the option with this label for one item (toggle buttons or radio buttons)."""
        p = self.page
        item = await p.widget(f"peerkit-item-{item_id}")
        controls = [m for m in p.descendants(item) if m.options()]
        if not controls:
            raise PageError(f"item {item_id}: no choice control")
        await p.choose(controls[0], label)

    def shown(self, item_ids: Iterable[str]) -> dict[str, str | None]:
        """The option each item shows as chosen now (its label); None where nothing is chosen
        (or the item is not shown)."""
        p = self.page
        out: dict[str, str | None] = {}
        for item_id in item_ids:
            item = p.find(f"peerkit-item-{item_id}")
            control = next((m for m in p.descendants(item) if m.options()), None) if item else None
            index = control.state.get("index") if control else None
            out[item_id] = None if index is None else control.options()[index]
        return out

    async def wait_shown(self, expected: Mapping[str, str | None], timeout: float = ACTION_TIMEOUT) -> None:
        try:
            await self.page.wait_for(lambda: self.shown(expected) == dict(expected),
                                     "the form showing the stored answers", timeout)
        except PageError as exc:
            raise PageError(f"{exc}: shows {self.shown(expected)}, expected {dict(expected)}") from None

    async def submit(self, expect: str | re.Pattern = "Submitted") -> str:
        """Click Submit; wait for the form's status to say it was stored; returns the status text."""
        p = self.page
        form = p.find("peerkit-form")
        status = p.find("peerkit-form-status", within=form)
        if status is not None:
            await p.set_state(status, value="")  # so the next message is a new one
        await p.click(await p.widget("peerkit-submit"))
        m = await p.wait_text("peerkit-form-status", expect, within=form)
        return m.text

    async def compare(self, partner: str) -> str:
        """Press "Compare with my partner"; wait for the comparison with ``partner``."""
        p = self.page
        await p.set_state(await p.widget("peerkit-compare"), value=True)
        m = await p.wait_text("peerkit-compare-status", f"Comparing with {partner}")
        return m.text


class Dashboard:
    """The facilitator dashboard (facilitator.ipynb) on one page."""

    def __init__(self, page: VoilaPage):
        self.page = page

    async def create_session(self, title: str, passcode: str, facilitator_key: str | None = None) -> str:
        """Create a session with the dashboard's form; returns its join code (as shown). The
        facilitator key is typed in when the form asks for one."""
        p = self.page
        create = await p.widget("peerkit-dash-create")
        await p.fill(await p.widget(description="Title", within=create), title)
        await p.fill(await p.widget(description="Passcode for this session", within=create), passcode)
        await p.fill(await p.widget(description="Passcode again", within=create), passcode)
        key_field = p.find("peerkit-dash-facilitator-key")
        if key_field is not None:
            if not facilitator_key:
                raise PageError("the dashboard asks for the facilitator key, and the test gave none")
            await p.fill(key_field, facilitator_key)
        await p.click(await p.widget("peerkit-dash-create-button"))
        header = await p.wait_text("peerkit-dash-header", title)
        m = re.search(r"Join code\s+([A-Z0-9]{3}-[A-Z0-9]{3})", header.text)
        if not m:
            raise PageError(f"no join code in the dashboard's header: {header.text!r}")
        return m.group(1)

    async def open_exercise(self, exercise_set: str, exercise_title: str) -> None:
        """Facilitator-led: choose the exercise set, press Next (its first exercise opens on every
        participant's app); wait until the dashboard says it is open."""
        p = self.page
        await p.choose(await p.widget("peerkit-live-plan"), exercise_set)
        await p.click(await p.widget("peerkit-live-next"))
        await p.wait_text("peerkit-live-count", re.compile(re.escape(exercise_title) + r"\s*:\s*open for answers"))

    async def unlock(self, join_code: str, passcode: str, title: str) -> None:
        p = self.page
        await p.fill(await p.widget("peerkit-dash-code"), join_code)
        await p.fill(await p.widget("peerkit-dash-passcode"), passcode)
        await p.click(await p.widget("peerkit-dash-unlock-button"))
        await p.wait_text("peerkit-dash-header", title)

    async def refresh(self) -> None:
        await self.page.click(await self.page.widget("peerkit-dash-refresh"))

    async def wait_header(self, pattern: str, timeout: float = ACTION_TIMEOUT) -> str:
        """Wait until the header (participants, submissions) matches, pressing Refresh now while
        waiting (the dashboard also refreshes itself every few seconds)."""
        p = self.page
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            header = p.find("peerkit-dash-header")
            if header is not None and rx.search(header.text):
                return header.text
            if time.monotonic() > deadline:
                raise PageError(f"dashboard header never matched {pattern!r}: "
                                f"{header.text if header else None!r}")
            await self.refresh()
            try:
                await p.wait_text("peerkit-dash-header", rx, timeout=min(5.0, max(0.1, deadline - time.monotonic())))
            except PageError:
                continue

    def submitted_text(self) -> str:
        return self.page.text_of("peerkit-dash-submitted")

    async def wait_submitted(self, names: Iterable[str], timeout: float = ACTION_TIMEOUT) -> str:
        """Wait until "Who has submitted" lists every one of ``names``; returns its text."""
        names = list(names)
        try:
            return await self.page.wait_for(
                lambda: (lambda t: t if all(n in t for n in names) else "")(self.submitted_text()),
                f"'Who has submitted' listing {names}", timeout)
        except PageError as exc:
            raise PageError(f"{exc}; it reads {self.submitted_text()!r}; the dashboard says "
                            f"{self.page.text_of('peerkit-dash-updated')!r}") from None

    async def pair(self, supervisor_label: str, supervisee_label: str) -> None:
        p = self.page
        pairing = await p.widget("peerkit-dash-pairing")
        sup = await p.widget(description="Supervisor", within=pairing)
        sub = await p.widget(description="Peer specialist", within=pairing)
        await p.wait_for(lambda: supervisor_label in sup.options() and supervisee_label in sub.options(),
                         f"{supervisor_label} and {supervisee_label} offered for pairing")
        await p.choose(sup, supervisor_label)
        await p.choose(sub, supervisee_label)
        messages = [m for m in p.find_all(within=pairing, model="HTMLModel") if "<h3>" not in (m.value or "")]
        for m in messages:
            await p.set_state(m, value="")
        await p.click(await p.widget(description="Pair them", within=pairing))

        def said() -> str:
            return " ".join(m.text for m in messages if m.text)

        await p.wait_for(said, "the pairing's answer")
        if "Paired" not in said():
            raise PageError(f"pairing {supervisor_label} with {supervisee_label} refused: {said()}")
