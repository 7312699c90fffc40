"""A room opening the link at once: N phone-like clients at the same instant, bare Voila vs the kit.

For every variant and N (1, 10, 25, 40; ``--quick``: 1, 10) Voila servers are started one after
the other, each fresh, each serving the same folder (``participant.ipynb`` and a bare one-button
notebook), in an order that alternates from one measurement to the next:

- **bare Voila**: Voila as installed (``voila``: its own launcher, kernel manager, ``lab``
  template and TCP kernels; the kit's voila.json settings) serving the one-button notebook;
- **the kit**: ``peerkit serve``'s Voila (:mod:`peerkit.room`: templates compiled once, kernel
  starts checked, kernels on local sockets, the kit's template) serving the participant app
  (``?code=`` in the link);
- for ``cold`` also **one button on the kit's server**: the one-button notebook served by the
  kit's Voila, which tells the participant app's own cost apart from the server's.

One burst of N clients opens each. Each client (:mod:`benchmarks.burst_client`) fetches the page,
opens the kernel websocket and waits for every widget's state: the time to a usable form. While
the clients run, one real Chromium page opens the same notebook at the same instant and is timed
to its first visible widget. Afterwards every kernel's CPU time and RSS are read.

Variants:

- ``cold``: a kernel is started for every page (Voila's default);
- ``prepared``: ``peerkit serve --room N`` (the pool of N + margin kernels is full and the
  machine quiet before the burst); bare Voila gets Voila's own preheated pool of the same size;
- ``cold+load``: cold, with another process using half a core during the burst (a busy laptop).

Cold bursts of 25 and 40 people, whose ratios are the headline, are run three times
(:data:`ROUNDS`), the sides in another order each time; each side reports its median round.
Blank pages are pages whose widgets never arrive (no widget view in the page, or no state).
Also measured: the arrival beyond a prepared pool (pool of 3, 4 at once), with the kit's pool and
with Voila's own pool refilling after ``fill_delay`` = 30 s; and the memory a room of 40 holds
after everyone has reloaded twice (no shutdown beacon, as phones often do not send one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Callable

from . import harness as h
from .burst_client import Visit, visit
from .stats import Row, fmt_s, median

NOTEBOOKS = {"bare": "bare.ipynb", "kit": "participant.ipynb", "same": "bare.ipynb"}
QUERY = {"bare": "", "kit": "code=ABC-DEF", "same": ""}
STOCK = {"bare": True, "kit": False, "same": False}  # served by Voila as installed
HALF_CORE = """
import time
while True:
    t = time.perf_counter()
    while time.perf_counter() - t < 0.05:
        pass
    time.sleep(0.05)
"""


def _load_process() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HALF_CORE], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_room(server: h.Server, home, timeout: float = 600.0) -> float:
    from peerkit import room

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        st = room.read_status(home)
        if st and st["ready"] >= st["pool"]:
            break
        time.sleep(0.5)
    else:
        raise RuntimeError(f"the room was not prepared within {timeout:.0f} s: {room.read_status(home)}")
    h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=60)
    return time.monotonic() - t0


#: Cold bursts of 25 and 40 (the headline's ratios) are run this many times, each time in another
#: order of the sides; each side reports its median round (by the slowest page).
ROUNDS = 3


def median_round(runs: list[dict]) -> dict:
    """Per side, the round whose slowest page is the median one, with every round's slowest page
    and median kept (``rounds_max``, ``rounds_median``)."""
    if len(runs) == 1:
        return runs[0]
    out = {}
    for who in runs[0]:
        mine = [r[who] for r in runs]
        ranked = sorted(mine, key=lambda x: (x["max"] != x["max"], x["max"]))  # NaN (a page lost) last
        pick = dict(ranked[len(ranked) // 2])
        pick["rounds_max"] = [x["max"] for x in mine]
        pick["rounds_median"] = [x["median"] for x in mine]
        out[who] = pick
    return out


def one_burst(server: h.Server, who: str, n: int, browser=None, load: bool = False,
              timeout: float = 120.0) -> dict:
    """N clients (plus one browser page) open ``who``'s notebook at the same instant."""
    nb, query = NOTEBOOKS[who], QUERY[who]
    page_url = server.url(nb, query)
    results: list[Visit | None] = [None] * n
    barrier = threading.Barrier(n + 1)
    start: dict[str, float] = {}

    def client(i: int) -> None:
        barrier.wait()
        results[i] = visit(server.base_url, page_url, timeout=timeout, t0=start["t0"])

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    loader = _load_process() if load else None
    try:
        load_before = os.getloadavg()
        voila = h.psutil.Process(server.pid)
        server_cpu0 = sum(voila.cpu_times()[:2])
        start["t0"] = time.perf_counter()
        barrier.wait()
        browser_s = None
        browser_error = None
        if browser is not None:
            try:
                tab = h.time_to_render(browser, server, nb, query, timeout_ms=int(timeout * 1000))
                browser_s = tab["seconds"]
                h.close_tab(tab)
            except Exception as exc:  # noqa: BLE001
                browser_error = f"{type(exc).__name__}: {exc}"[:200]
        for t in threads:
            t.join(timeout + 30)
        wall = time.perf_counter() - start["t0"]
        server_cpu = sum(voila.cpu_times()[:2]) - server_cpu0
    finally:
        if loader is not None:
            loader.kill()
            loader.wait()
    visits = [r or Visit(error="client did not finish") for r in results]
    cpu, rss = [], []
    for v in visits:
        proc = server.kernel_by_id(v.kernel_id) if v.kernel_id else None
        if proc is None:
            continue
        try:
            ct = proc.cpu_times()
            cpu.append(ct.user + ct.system)
            rss.append(proc.memory_info().rss)
        except h.psutil.NoSuchProcess:
            continue
    usable = [v.usable_s for v in visits if v.usable_s is not None]
    return {
        "n": n, "who": who, "load_before": [round(x, 2) for x in load_before], "wall": wall,
        "usable": usable, "median": median(usable), "max": max(usable) if len(usable) == n else float("nan"),
        "blank": sum(1 for v in visits if v.blank or (v.usable_s is None and v.error is None)),
        "errors": [v.error for v in visits if v.error],
        "widgets": median([v.widgets for v in visits if v.widgets]) if usable else 0,
        "cpu": median(cpu), "rss": median(rss), "browser_s": browser_s, "browser_error": browser_error,
        # Voila's own CPU for the burst, per page (the browser page included)
        "server_cpu": server_cpu / (n + (1 if browser is not None else 0)),
        "kernels": len(server.kernels()),
    }


def _stock_pool_args(n: int, notebook: str) -> list[str]:
    """Voila's own preheated pool of the prepared room's size, for ``notebook`` only."""
    from peerkit import room

    pools = {"default": {"pool_size": 0}, notebook: {"pool_size": room.pool_size(n)}}
    return ["--VoilaConfiguration.preheat_kernel=True",
            f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"]


def _wait_stock_pool(server: h.Server, size: int, timeout: float = 600.0) -> float:
    t0 = time.monotonic()
    if not server.wait_for_kernels(size, timeout):
        raise RuntimeError(f"Voila's pool did not reach {size} kernels within {timeout:.0f} s")
    h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=120)
    return time.monotonic() - t0


def run_variant(variant: str, n: int, browser, log: Callable[[str], None], turn: int = 0) -> dict:
    """Bare Voila and the kit (and, cold, one button on the kit's server), one after the other,
    each on a fresh server, in one variant at one N. ``turn`` rotates the order, so that no side
    always runs in the wake of another's shutdown."""
    from peerkit import room

    sides = ["bare", "kit", *(["same"] if variant == "cold" else [])]
    k = turn % len(sides)
    out = {}
    for who in sides[k:] + sides[:k]:
        base = h.tmpdir(f"burst-{variant}-{who}-{n}")
        extra: list[str] = []
        if variant.startswith("prepared"):
            extra = (_stock_pool_args(n, NOTEBOOKS[who]) if STOCK[who]
                     else room.room_args(n, quiet_seconds=600, notebook=NOTEBOOKS[who]))
        server = h.start_server(base, extra, stock_voila=STOCK[who])
        try:
            if variant.startswith("prepared"):
                prep = (_wait_stock_pool(server, room.pool_size(n)) if STOCK[who]
                        else _wait_room(server, base / "home"))
            else:
                h.wait_quiet(lambda: [h.psutil.Process(server.pid)], timeout=30)
                prep = 0.0
            res = one_burst(server, who, n, browser=browser, load=variant.endswith("load"))
            res["prepared_in"] = prep
        finally:
            server.stop()
        out[who] = res
        log(f"  {variant:10s} N={n:2d} {who:4s}: median {fmt_s(res['median'])}, max {fmt_s(res['max'])}, "
            f"blank {res['blank']}, errors {len(res['errors'])}, cpu/page {fmt_s(res['cpu'])} "
            f"(server {fmt_s(res['server_cpu'])}), "
            f"RSS {res['rss'] / 1e6:.0f} MB, browser {fmt_s(res['browser_s'] or float('nan'))}, "
            f"load before {res['load_before'][0]}")
    return out


def beyond_the_pool(log: Callable[[str], None]) -> dict:
    """Pool of 3, four arrivals at once: the kit's pool vs Voila's own (refill after fill_delay 30 s)."""
    from peerkit import room

    out = {}
    for label, launcher_extra, stock in (
            ("kit", room.room_args(1, quiet_seconds=600), False),
            ("voila", ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.fill_delay=30",
                       '--VoilaKernelManager.kernel_pools_config={"default": {"pool_size": 0}, '
                       '"participant.ipynb": {"pool_size": 3}}'], True)):
        base = h.tmpdir(f"beyond-{label}")
        server = h.start_server(base, launcher_extra, stock_voila=stock)
        try:
            server.wait_for_kernels(3, timeout=300)
            h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=90)
            res = one_burst(server, "kit", 4)
        finally:
            server.stop()
        res["fourth"] = max(res["usable"]) if len(res["usable"]) == 4 else float("nan")
        out[label] = res
        log(f"  beyond the pool ({label}): the 4th of 4 usable after {fmt_s(res['fourth'])} "
            f"(all: {', '.join(fmt_s(x) for x in sorted(res['usable']))})")
    return out


def reloads(n: int, log: Callable[[str], None], times: int = 3) -> dict:
    """A room of ``n`` opens the page, then everyone reloads twice without a shutdown beacon."""
    base = h.tmpdir("reloads")
    server = h.start_server(base)
    try:
        for k in range(times):
            one_burst(server, "kit", n)
        h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=60)
        mem = h.memory_of(server.kernels())
        voila_rss = h.psutil.Process(server.pid).memory_info().rss
    finally:
        server.stop()
    res = {"n": n, "loads": times, "kernels": len(mem), "rss_sum": sum(m["rss"] for m in mem),
           "pss_sum": sum(m["pss"] for m in mem), "voila_rss": voila_rss}
    log(f"  a room of {n} after everyone reloaded twice: {res['kernels']} kernels, RSS sum "
        f"{res['rss_sum'] / 1e6:.0f} MB (PSS {res['pss_sum'] / 1e6:.0f} MB)")
    return res


def rows_of(results: dict) -> list[Row]:
    rows: list[Row] = []
    for key, per in results["bursts"].items():
        variant, n = key.rsplit(" N=", 1)
        b, k = per["bare"], per["kit"]
        label = f"{variant}, N={n}"
        rows.append(Row("burst", f"{label}: time to usable form, median", k["median"], b["median"], "bare"))
        rounds = (f"; median of {len(k['rounds_max'])} rounds, each round's max: kit "
                  f"{', '.join(fmt_s(x) for x in k['rounds_max'])}, bare "
                  f"{', '.join(fmt_s(x) for x in b.get('rounds_max', []))}" if k.get("rounds_max") else "")
        rows.append(Row("burst", f"{label}: time to usable form, max", k["max"], b["max"], "bare",
                        note=f"blank pages kit {k['blank']} / bare {b['blank']}; errors kit {len(k['errors'])} / "
                             f"bare {len(b['errors'])}; load average before {k['load_before'][0]} / "
                             f"{b['load_before'][0]}{rounds}"))
        rows.append(Row("burst", f"{label}: kernel CPU per page (median)", k["cpu"], b["cpu"], "bare"))
        rows.append(Row("burst", f"{label}: RSS per kernel (median)", k["rss"], b["rss"], "bare", kind="mb"))
        if "server_cpu" in k and "server_cpu" in b:
            rows.append(Row("burst", f"{label}: Voila's server CPU per page", k["server_cpu"], b["server_cpu"],
                            "bare", note="the server process's CPU time over the burst, divided by the pages"))
        same = per.get("same")
        if same:
            one = "one button, kit's server"
            rows.append(Row("burst", f"{label}: time to usable form, max, against one button on the kit's "
                                     "server", k["max"], same["max"], one,
                            note=f"median {fmt_s(k['median'])} / {fmt_s(same['median'])}; the participant "
                                 "app's own cost, the server being the same"
                                 + (f"; each round's max: {', '.join(fmt_s(x) for x in same['rounds_max'])}"
                                    if same.get("rounds_max") else "")))
            rows.append(Row("burst", f"{label}: kernel CPU per page (median), against one button on the "
                                     "kit's server", k["cpu"], same["cpu"], one))
            rows.append(Row("burst", f"{label}: RSS per kernel (median), against one button on the kit's "
                                     "server", k["rss"], same["rss"], one, kind="mb"))
        if k.get("browser_s") is not None and b.get("browser_s") is not None:
            rows.append(Row("burst", f"{label}: one real Chromium page during the burst", k["browser_s"],
                            b["browser_s"], "bare", note="navigation to first visible widget"))
    bp = results.get("beyond")
    if bp:
        rows.append(Row("burst", "beyond the pool: 4 arrive at a pool of 3, the 4th usable after",
                        bp["kit"]["fourth"], bp["voila"]["fourth"], "Voila's pool (fill_delay 30 s)"))
    rl = results.get("reloads")
    if rl:
        rows.append(Row("burst", f"a room of {rl['n']} after everyone reloaded twice: kernel RSS sum",
                        rl["rss_sum"], None, kind="mb",
                        note=f"{rl['kernels']} kernels until culled; PSS sum {rl['pss_sum'] / 1e6:,.0f} MB"))
    return rows


def headline(results: dict) -> str:
    """The burst table for the top of BENCHMARKS.md and the README."""
    lines = ["| N at once | bare Voila, cold | kit, cold | kit ÷ bare Voila (max) "
             "| kit ÷ one button on the kit's server (max) | kit, prepared room "
             "| kit, cold, busy machine | pages never usable (kit / bare): cold, prepared, busy |",
             "|---|---|---|---|---|---|---|---|"]
    bursts = results["bursts"]
    ns = sorted({int(k.rsplit("=", 1)[1]) for k in bursts})

    def failed(r: dict) -> int:
        return r["n"] - len(r["usable"])

    def cell(r: dict | None) -> str:
        if not r:
            return "–"
        if failed(r):  # a page that never became usable has no time: say so, and the others' max
            return (f"{fmt_s(r['median'])} (max of the others {fmt_s(max(r['usable'], default=float('nan')))}; "
                    f"**{failed(r)} of {r['n']} never usable**)")
        return f"{fmt_s(r['median'])} (max {fmt_s(r['max'])})"

    def ratio(k: dict | None, b: dict | None) -> str:
        if not k or not b or not k["usable"] or not b["usable"]:
            return "–"
        out = f"{max(k['usable']) / max(b['usable']):.2f}×"
        if failed(k) or failed(b):
            out += f" (of the usable pages; never usable: kit {failed(k)}, other {failed(b)})"
        return out

    for n in ns:
        cold = bursts.get(f"cold N={n}", {})
        prep = bursts.get(f"prepared N={n}", {})
        busy = bursts.get(f"cold+load N={n}", {})
        blank = [f"{failed(v['kit'])} / {failed(v['bare'])}" for v in (cold, prep, busy) if v]
        lines.append(f"| {n} | {cell(cold.get('bare'))} | {cell(cold.get('kit'))} | "
                     f"{ratio(cold.get('kit'), cold.get('bare'))} | {ratio(cold.get('kit'), cold.get('same'))} | "
                     f"{cell(prep.get('kit'))} | {cell(busy.get('kit'))} | {', '.join(blank)} |")
    return "\n".join(lines)


def _method() -> list[str]:
    """This module's description of the method, as Markdown paragraphs and lists."""
    out = []
    for para in (__doc__ or "").split("\n\n")[1:]:
        para = para.replace("``", "`").replace(":mod:", "").replace(":data:", "")
        if para.lstrip().startswith("- "):
            out += ["- " + " ".join(item.split()) for item in para.strip()[2:].split("\n- ")]
        else:
            out.append(" ".join(para.split()))
        out.append("")
    return out[:-1]


def notes(b: dict) -> list[str]:
    """The "A room at once" subsection of BENCHMARKS.md."""
    out = ["### A room at once", "",
           *_method(), "",
           "Kernel CPU per page is the kernel process's CPU time once the form was usable (for a prepared "
           "kernel that includes the work done before the burst); RSS per kernel is read at the same time.", ""]
    for key, per in b.get("bursts", {}).items():
        k, bare = per["kit"], per["bare"]
        errs = sorted({e.split(":")[0] for e in k["errors"] + bare["errors"]})
        out.append(f"- {key}: kit median {fmt_s(k['median'])} / max {fmt_s(k['max'])}, bare "
                   f"{fmt_s(bare['median'])} / {fmt_s(bare['max'])}; blank pages kit {k['blank']}, bare "
                   f"{bare['blank']}; errors kit {len(k['errors'])}, bare {len(bare['errors'])}"
                   + (f" ({', '.join(errs)})" if errs else "")
                   + f"; widget states per page kit {k['widgets']:.0f}, bare {bare['widgets']:.0f}"
                   + (f"; one button on the kit's server {fmt_s(per['same']['median'])} / "
                      f"{fmt_s(per['same']['max'])}, kernel CPU {fmt_s(per['same']['cpu'])} (kit "
                      f"{fmt_s(k['cpu'])}, bare Voila {fmt_s(bare['cpu'])})" if per.get("same") else "")
                   + (f"; room prepared in {k['prepared_in']:.0f} s (bare {bare['prepared_in']:.0f} s)"
                      if k.get("prepared_in") else "")
                   + f"; load average before the burst {k['load_before'][0]} / {bare['load_before'][0]}.")
    bp = b.get("beyond")
    if bp:
        out += ["", f"- **Beyond the pool** (a pool of 3, four people at once): with the kit's pool the 4th page "
                    f"was usable after {fmt_s(bp['kit']['fourth'])} (served cold at once); with Voila's own pool, "
                    f"whose next kernel waits for `fill_delay` (30 s here), after {fmt_s(bp['voila']['fourth'])}."]
    rl = b.get("reloads")
    if rl:
        out += [f"- **Reloads**: a room of {rl['n']} opened the page, then everyone reloaded twice without the "
                f"shutdown beacon (phones often do not send it): {rl['kernels']} kernels held "
                f"{rl['rss_sum'] / 1e6:,.0f} MB RSS ({rl['pss_sum'] / 1e6:,.0f} MB PSS) until culled after the "
                "idle timeout of voila.json."]
    out.append("")
    return out


def merge(earlier: dict, later: dict) -> dict:
    """One table from two runs (e.g. the big variants run separately, a few times only)."""
    out = dict(later)
    out["bursts"] = {**earlier.get("bursts", {}), **later.get("bursts", {})}
    out["levels"] = sorted(set(earlier.get("levels", [])) | set(later.get("levels", [])))
    out["variants"] = [v for v in ("cold", "prepared", "cold+load")
                       if v in set(earlier.get("variants", [])) | set(later.get("variants", []))]
    for key in ("beyond", "reloads"):
        if key not in later and key in earlier:
            out[key] = earlier[key]
    out["load_at_start"] = earlier.get("load_at_start", later.get("load_at_start"))
    out["rows"] = rows_of(out)
    out["headline"] = headline(out)
    return out


def run(quick: bool, log: Callable[[str], None], levels: tuple[int, ...] | None = None,
        variants: tuple[str, ...] | None = None, extras: bool | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    levels = levels or ((1, 10) if quick else (1, 10, 25, 40))
    variants = variants or ("cold", "prepared", "cold+load")
    extras = (not quick) if extras is None else extras
    results: dict = {"levels": list(levels), "variants": list(variants), "bursts": {},
                     "cores": os.cpu_count(), "load_at_start": [round(x, 2) for x in os.getloadavg()]}
    with sync_playwright() as pw:
        browser = h.launch_browser(pw)
        try:
            pairs = [(n, variant) for n in levels for variant in variants]
            for k, (n, variant) in enumerate(pairs):
                reps = ROUNDS if variant == "cold" and n >= 25 and not quick else 1
                runs = [run_variant(variant, n, browser, log, turn=k + r) for r in range(reps)]
                results["bursts"][f"{variant} N={n}"] = median_round(runs)
        finally:
            browser.close()
    if extras:
        results["beyond"] = beyond_the_pool(log)
        results["reloads"] = reloads(40, log)
    results["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["rows"] = rows_of(results)
    results["headline"] = headline(results)
    return results


if __name__ == "__main__":  # a single variant by hand: python -m benchmarks.bench_burst cold 10
    import argparse

    ap = argparse.ArgumentParser(description="One burst variant by hand (make bench runs them all).")
    ap.add_argument("variant", nargs="?", default="cold", choices=("cold", "prepared", "cold+load"))
    ap.add_argument("n", nargs="*", type=int, default=[10], help="people opening the link at once")
    ns_args = ap.parse_args()
    res = run(True, print, levels=tuple(ns_args.n), variants=(ns_args.variant,), extras=False)
    print(res["headline"])
    print(json.dumps({k: v for k, v in res.items() if k not in ("rows",)}, default=str)[:4000])
    h.cleanup()
