"""A facilitator opens an exercise in a live room: N phones receive the form at the same moment.

The moment: N participants have joined a facilitator-led session and wait; the facilitator opens
an exercise, and every participant's kernel builds that form at once and sends it to its phone
as one burst of widget messages (the 105-item peer-role sorting: about 530 messages per phone).
Protocol level, as ``burst_client``: each client opens the participant page of the kit's Voila,
connects to its kernel, joins by sending what a person types and clicks, then reads the kernel's
messages as a browser would (without drawing). For each client:

- **time to the form**: from the facilitator's change in the store until the message that puts
  the new form on the page (every widget of the form comes before it);
- **lost messages**: a widget referred to (as a child, layout or style) whose ``comm_open`` never
  arrived. The browser cannot draw such a form ("widget model not found").

Variants, in the same run on the same server code: the long exercise and a 10-item one (the
baseline for the ratio), and the long one with ipykernel's own launcher instead of the kit's
(:mod:`peerkit.kernel`), whose IOPub channel drops what is beyond 1,000 queued messages.

    .venv/bin/python benchmarks/bench_switch.py [--clients 40] [--write]

``--write`` puts the result into BENCHMARKS.md as the section "A facilitator opens an
exercise in a live room" (replacing an earlier one); ``benchmarks/run.py`` rewrites that file, so run this
afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import harness as h  # noqa: E402
from benchmarks.burst_client import VIEW_MIME, _decode, _msg  # noqa: E402

MARK_START = "<!-- bench_switch: start -->"
MARK_END = "<!-- bench_switch: end -->"
LONG, SHORT = "peer-role-sorting", "sia-recovery-principles"
STOCK_KERNELS = ("--MappingKernelManager.kernel_manager_class="
                 "jupyter_server.services.kernels.kernelmanager.ServerKernelManager")
WAITING = "Waiting for your facilitator"
REF = re.compile(r"IPY_MODEL_([0-9a-f]+)")


class Phone(threading.Thread):
    """One participant's page: join, wait, then time the form's arrival after the switch."""

    def __init__(self, base_url: str, page_url: str, code: str, name: str, target: str,
                 switch: dict, timeout: float):
        super().__init__(daemon=True)
        self.base_url, self.page_url, self.code, self.name = base_url, page_url, code, name
        self.target, self.switch, self.timeout = target, switch, timeout
        self.joined = threading.Event()
        self.form_s: float | None = None
        self.messages = 0        # messages received after the switch
        self.missing: set[str] = set()
        self.error: str | None = None

    def run(self) -> None:
        from websockets.sync.client import connect
        import urllib.request

        try:
            with urllib.request.urlopen(self.page_url, timeout=self.timeout) as resp:
                body = resp.read().decode("utf-8", "replace")
            kernel = re.search(r'kernelId"\s*:\s*"([0-9a-f-]{36})"', body)
            if not kernel or VIEW_MIME not in body:
                self.error = "blank page"
                return
            session = uuid.uuid4().hex
            ws_url = (self.base_url.replace("http://", "ws://")
                      + f"/api/kernels/{kernel.group(1)}/channels?session_id={session}")
            with connect(ws_url, open_timeout=60, max_size=None) as ws:
                self._session(ws, session)
        except Exception as exc:  # noqa: BLE001 - every failure is a figure of the benchmark
            self.error = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            self.joined.set()  # never leave the room waiting for a client that failed

    def _send_state(self, ws, session: str, model: str, data: dict) -> None:
        ws.send(_msg("comm_msg", {"comm_id": model, "data": data}, session))

    def _session(self, ws, session: str) -> None:
        control = uuid.uuid4().hex
        ws.send(_msg("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                     session, metadata={"version": "1.0.0"}))
        ws.send(_msg("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}, session))
        known: set[str] = set()
        deadline = time.perf_counter() + self.timeout
        form: str | None = None
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                self.error = "the form did not arrive" if self.joined.is_set() else "could not join"
                return
            msg = _decode(ws.recv(timeout=left))
            if msg.get("msg_type") not in ("comm_open", "comm_msg"):
                continue
            switched = "t" in self.switch
            if switched:
                self.messages += 1
            content = msg.get("content", {})
            data = content.get("data", {}) or {}
            if content.get("comm_id") == control and data.get("method") == "update_states":
                states = data.get("states", {})
                known.update(states)
                self._join(ws, session, states)
                continue
            state = data.get("state", {}) or {}
            if msg["msg_type"] == "comm_open":
                known.add(content.get("comm_id"))
            if f"peerkit-form-{self.target}" in state.get("_dom_classes", ()):
                form = content.get("comm_id")
            refs = set(REF.findall(json.dumps(state)))
            self.missing |= refs - known
            if not self.joined.is_set() and WAITING in str(state.get("value", "")):
                self.joined.set()
            if switched and form is not None and form in refs and "children" in state:
                self.form_s = time.perf_counter() - self.switch["t"]
                return

    def _join(self, ws, session: str, states: dict) -> None:
        """Type the join code and a name, choose a role, press Join (as a person does)."""
        def model(css: str) -> str:
            return next(m for m, s in states.items() if css in s.get("state", {}).get("_dom_classes", ()))

        self._send_state(ws, session, model("peerkit-join-code"),
                         {"method": "update", "state": {"value": self.code}, "buffer_paths": []})
        self._send_state(ws, session, model("peerkit-join-name"),
                         {"method": "update", "state": {"value": self.name}, "buffer_paths": []})
        self._send_state(ws, session, model("peerkit-join-role"),
                         {"method": "update", "state": {"index": 1}, "buffer_paths": []})
        self._send_state(ws, session, model("peerkit-join-button"),
                         {"method": "custom", "content": {"event": "click"}})


def run_room(clients: int, target: str, stock_kernels: bool, timeout: float) -> dict:
    """One room: a server, ``clients`` phones joined and waiting, the switch to ``target``."""
    from peerkit.store import Store

    base = h.tmpdir("peerkit-switch-")
    server = h.start_server(base, extra=[STOCK_KERNELS] if stock_kernels else [])
    store = Store(server.db_url)
    try:
        live = store.create_live_session("Switch benchmark", "bench-pass")
        switch: dict = {}
        phones = [Phone(server.base_url, server.url("participant.ipynb"), live.join_code,
                        f"Person {k + 1}", target, switch, timeout) for k in range(clients)]
        t0 = time.perf_counter()
        for p in phones:
            p.start()
        for p in phones:
            p.joined.wait(timeout)
        joined_in = time.perf_counter() - t0
        launchers = sorted({c[c.index("-m") + 1] for c in (k.cmdline() for k in server.kernels())})
        h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=60)
        kernels, voila, me = server.kernels(), h.psutil.Process(server.pid), h.psutil.Process()
        def usage() -> list[float]:
            return [h.cpu_seconds(kernels), h.cpu_seconds([voila]), h.cpu_seconds([me])]

        before = usage()
        switch["t"] = time.perf_counter()
        store.open_exercise(live.id, target, plan="")
        for p in phones:
            p.join(timeout + 10)
        cpu = [round(after - b, 1) for after, b in zip(usage(), before)]
        times = [p.form_s for p in phones if p.form_s is not None]
        return {
            "target": target, "clients": clients, "kernel_launcher": ", ".join(launchers),
            "joined_in_s": round(joined_in, 1),
            "arrived": len(times),
            "median_s": round(statistics.median(times), 2) if times else None,
            "max_s": round(max(times), 2) if times else None,
            "messages_per_phone": round(statistics.median([p.messages for p in phones])) if phones else 0,
            "phones_with_lost_widgets": sum(1 for p in phones if p.missing),
            "cpu_kernels_s": cpu[0], "cpu_server_s": cpu[1], "cpu_clients_s": cpu[2],
            "errors": sorted({p.error for p in phones if p.error}),
        }
    finally:
        store.close()
        server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds a client waits for each step")
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args(argv)

    load_before = os.getloadavg()
    rooms = []
    for target, stock in ((SHORT, False), (LONG, False), (LONG, True)):
        print(f"room of {args.clients}: {target}, {'ipykernel launcher' if stock else 'kit launcher'} ...",
              flush=True)
        rooms.append(run_room(args.clients, target, stock, args.timeout))
        print(json.dumps(rooms[-1]), flush=True)
    result = {
        "rooms": rooms, "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    if args.write:
        write_section(result)
    return 0


def _time(r: dict) -> str:
    if not r["arrived"]:
        return "never"
    return f"{r['median_s']:.2f} s (max {r['max_s']:.2f} s)"


def section(r: dict) -> str:
    short, long_, stock = r["rooms"]
    ratio = (f"{long_['max_s'] / short['max_s']:.2f}×" if long_["arrived"] and short["arrived"] else "–")
    rows = []
    for label, room in ((f"10-item exercise ({SHORT}), kit's kernels: the baseline", short),
                        (f"105-item exercise ({LONG}), kit's kernels", long_),
                        ("105-item exercise, ipykernel's own launcher", stock)):
        errors = "; ".join(room["errors"]) or "none"
        rows.append(f"| {label} | {_time(room)} | {room['arrived']} of {room['clients']} | "
                    f"{room['phones_with_lost_widgets']} | {room['messages_per_phone']} | {errors} |")
    table = "\n".join(rows)
    return f"""{MARK_START}
## A facilitator opens an exercise in a live room

`benchmarks/bench_switch.py` ({r['date']}, {r['cpus']} cores): {short['clients']} phone-like clients
(protocol level, see the module) open the participant app on the kit's Voila, join one
facilitator-led session by typing and clicking as a person does, and wait. Then the facilitator
opens an exercise: every kernel builds the form at once and sends it. *Time to the form* runs from
the facilitator's change until the message that puts the form on the page (it includes up to 2 s
of the follower's poll). *Phones with lost widgets* received a form that refers to a widget whose
message never came: a browser cannot draw it.

| exercise, kernels | time to the form, median (max) | forms arrived | phones with lost widgets | messages per phone | errors |
|---|---|---|---|---|---|
{table}

- The long form takes {ratio} the short one's time (max), in the same run.
- CPU from the facilitator's change until the last form arrived (kernels / Voila's server / the
  clients): {short['cpu_kernels_s']} / {short['cpu_server_s']} / {short['cpu_clients_s']} s for the short
  exercise, {long_['cpu_kernels_s']} / {long_['cpu_server_s']} / {long_['cpu_clients_s']} s for the long one
  ({long_['cpu_kernels_s'] / long_['clients']:.2f} s of kernel CPU per phone).
- Kernels were started by: {short['kernel_launcher']} (kit) and {stock['kernel_launcher']} (stock).
- The clients joined in {short['joined_in_s']} s, {long_['joined_in_s']} s and {stock['joined_in_s']} s
  (pages, kernels and the join itself).
- Load average {r['load_before']} before, {r['load_after']} after (1, 5, 15 minutes); the
  clients run on the same machine as the server. `benchmarks/run.py` rewrites this file; run
  `benchmarks/bench_switch.py --write` after it to put this section back.
{MARK_END}
"""


def write_section(r: dict) -> None:
    from benchmarks.sections import write_benchmarks_section

    write_benchmarks_section(MARK_START, MARK_END, section(r))


if __name__ == "__main__":
    sys.exit(main())
