"""CPU of N idle participant kernels following a facilitator-led session.

Protocol level, without a browser: N IPython kernels are started with jupyter_client (as Voila
starts one per tab); each builds the participant app on a temporary SQLite store, joins a
facilitator-led session and follows it (the app's asyncio task polls the live-state version
every 2 s). Then, with nobody doing anything:

1. **Following, idle**: the CPU time (user + system, psutil) of all N kernel processes over a
   window of ``--window`` seconds;
2. **Baseline, same kernels**: the followers are stopped and the same window is measured again
   (an idle kernel's own heartbeat and housekeeping);
3. **A switch**: the followers are started again, the facilitator opens an exercise, and the
   time until every kernel shows it is read back from the kernels.

The machine is shared: the load average before and after is printed, and the figures are CPU
time of the kernels alone (not the machine's load). Everything runs on this machine; every
kernel started is shut down at the end.

    .venv/bin/python benchmarks/bench_follow.py [--kernels 40] [--window 60] [--write]

``--write`` puts the result into BENCHMARKS.md as the section "Following a facilitator-led
session" (replacing an earlier one); ``benchmarks/run.py`` rewrites that file, so run this
afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil
from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import cpu_seconds  # noqa: E402
from peerkit.store import Store  # noqa: E402

SETUP = """
import time as _t
from peerkit.store import Store
from peerkit.forms import participant_app
_store = Store({url!r})
app = participant_app(_store)
app.join_panel.code.value = {code!r}
app.join_panel.name.value = {name!r}
app.join_panel.role.value = "peer_specialist"
app.join_panel.join()
_seen = []
_apply = app._apply_live
def _record(state, _apply=_apply):
    _seen.append((_t.time(), state.instrument_id))
    _apply(state)
app.follower.on_change = _record
print("following", app.following, app.follower.running, app.follower.interval)
"""

STOP = "app.follower.stop(); print(app.follower.running)"
START = "app.follower.start(); print(app.follower.running)"
SEEN = "import json; print(json.dumps([[t, i] for t, i in _seen if i]))"

MARK_START = "<!-- bench_follow: start -->"
MARK_END = "<!-- bench_follow: end -->"


def run_code(km: KernelManager, code: str, timeout: float = 120.0) -> str:
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        out: list[str] = []
        reply = kc.execute_interactive(code, timeout=timeout,
                                       output_hook=lambda m: out.append(m["content"].get("text", ""))
                                       if m["msg_type"] == "stream" else None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel error: {reply['content'].get('evalue')}")
        return "".join(out).strip()
    finally:
        kc.stop_channels()


def window(procs: list[psutil.Process], seconds: float) -> float:
    before = cpu_seconds(procs)
    time.sleep(seconds)
    return cpu_seconds(procs) - before


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", type=int, default=40)
    ap.add_argument("--window", type=float, default=60.0, help="seconds of each measuring window")
    ap.add_argument("--settle", type=float, default=20.0, help="seconds to let the kernels go quiet first")
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args(argv)

    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="peerkit-follow-"))
    url = f"sqlite:///{tmp / 'peerkit.sqlite'}"
    store = Store(url)
    session = store.create_live_session("Follow benchmark", "bench-pass")
    kms: list[KernelManager] = []
    env = {**os.environ, "PEERKIT_HOME": str(tmp)}
    try:
        t0 = time.monotonic()
        for k in range(args.kernels):
            km = KernelManager(kernel_name="python3")
            km.start_kernel(env=env, cwd=str(tmp))
            kms.append(km)
            out = run_code(km, SETUP.format(url=url, code=session.join_code, name=f"Person {k + 1}"))
            if not out.startswith("following True"):
                raise RuntimeError(f"kernel {k}: not following ({out!r})")
        started_in = time.monotonic() - t0
        procs = [psutil.Process(km.provisioner.pid) for km in kms]
        time.sleep(args.settle)
        following = window(procs, args.window)
        for km in kms:
            run_code(km, STOP)
        time.sleep(5)
        baseline = window(procs, args.window)
        for km in kms:
            run_code(km, START)
        time.sleep(3)
        switched_at = time.time()
        store.open_exercise(session.id, "sia-recovery-principles", plan="unit-2")
        deadline = time.monotonic() + 30
        lags: list[float] = []
        while time.monotonic() < deadline:
            time.sleep(1)
            lags = []
            for km in kms:
                seen = json.loads(run_code(km, SEEN) or "[]")
                if seen:
                    lags.append(seen[-1][0] - switched_at)
            if len(lags) == len(kms):
                break
        rss = sum(p.memory_info().rss for p in procs)
    finally:
        for km in kms:
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - shut down the others too
                pass
        store.close()
    load_after = os.getloadavg()

    n, w = len(kms), args.window
    result = {
        "kernels": n, "window_s": w, "interval_s": 2.0,
        "follow_cpu_s": round(following, 3), "baseline_cpu_s": round(baseline, 3),
        "follow_pct_of_one_core": round(100 * following / w, 2),
        "baseline_pct_of_one_core": round(100 * baseline / w, 2),
        "extra_pct_per_kernel": round(100 * (following - baseline) / w / n, 3),
        "switch_seen_by": len(lags), "switch_median_s": round(sorted(lags)[len(lags) // 2], 2) if lags else None,
        "switch_max_s": round(max(lags), 2) if lags else None,
        "kernels_rss_gb": round(rss / 1e9, 2), "started_in_s": round(started_in, 1),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
        "cpus": psutil.cpu_count(), "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    print(json.dumps(result, indent=1))
    if args.write:
        write_section(result)
    return 0


def section(r: dict) -> str:
    return f"""{MARK_START}
### Following a facilitator-led session

`benchmarks/bench_follow.py` ({r['date']}, {r['cpus']} cores): {r['kernels']} IPython kernels started with
jupyter_client, each running the participant app joined to one facilitator-led session on a SQLite store,
following it (one read of the live-state version every {r['interval_s']:g} s from an asyncio task). CPU time
of the {r['kernels']} kernel processes (user + system, psutil) over {r['window_s']:g} s with nobody doing anything:

| what | CPU over {r['window_s']:g} s | share of one core |
|---|---|---|
| {r['kernels']} kernels following (idle) | {r['follow_cpu_s']:.2f} s | {r['follow_pct_of_one_core']:.2f} % |
| the same kernels, followers stopped (baseline) | {r['baseline_cpu_s']:.2f} s | {r['baseline_pct_of_one_core']:.2f} % |
| following, per kernel, beyond the baseline | | {r['extra_pct_per_kernel']:.3f} % |

- A switch of exercise reached {r['switch_seen_by']} of {r['kernels']} kernels; median {r['switch_median_s']} s,
  slowest {r['switch_max_s']} s after the facilitator's click (the poll interval bounds it).
- The {r['kernels']} kernels held {r['kernels_rss_gb']} GB RSS in all; starting them one after another took
  {r['started_in_s']} s.
- The machine was shared with other work while this ran: load average {r['load_before']} before,
  {r['load_after']} after (1, 5, 15 minutes). The figures are the kernels' own CPU time: other work on the
  machine is not counted in them (it can only delay the kernels' wake-ups).
- No browser was connected: the kernels send their widget updates to no front end, as a phone
  with its screen off would. `benchmarks/run.py` rewrites this file; run
  `benchmarks/bench_follow.py --write` after it to put this section back.
{MARK_END}
"""


def write_section(r: dict) -> None:
    from benchmarks.sections import write_benchmarks_section

    write_benchmarks_section(MARK_START, MARK_END, section(r))


if __name__ == "__main__":
    raise SystemExit(main())
