"""Capacity: N open participant sessions on one Voila (N = 10, 50, 100).

Sessions are opened by plain HTTP GETs of the participant page (Voila starts a kernel and runs
the notebook while it answers; with no browser to close the tab the kernel stays, as for a tab
left open), a few at a time. At each level: the memory of every kernel (RSS, and USS = what a
kernel alone holds), the Voila server's own RSS, the server-side render time of the pages that
brought it there, and the browser's time to first widget of 3 more participant pages (median). The
levels are reached within a time budget; a level that does not fit is extrapolated from the
measured per-kernel memory and clearly labelled. Every kernel is closed at the end by stopping
the server (its process group; SIGKILL after a bounded wait).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from . import harness as h
from .stats import Row, median, pct

OPEN_CONCURRENCY = 3  # pages requested at once (a room arriving together, on 2 cores)


BROWSER_LOADS = 3  # browser tabs timed at each level (median)


def browser_loads(browser, server) -> list[float]:
    """Time to first widget of a few participant tabs, one after the other, once all is quiet."""
    times = []
    for _ in range(BROWSER_LOADS):
        h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=30)
        tab = h.time_to_render(browser, server, "participant.ipynb")
        times.append(tab["seconds"])
        h.close_tab(tab)
    return times


def run(quick: bool = False, budget_s: float | None = None, log=print) -> dict:
    levels = [5, 10] if quick else [10, 50, 100]
    budget_s = budget_s or (90.0 if quick else 420.0)
    from playwright.sync_api import sync_playwright

    base = h.tmpdir("capacity")
    server = h.start_server(base)
    out: dict = {"levels": [], "budget_s": budget_s, "extrapolated": []}
    t_start = time.monotonic()
    opened = 0
    try:
        h.wait_quiet(lambda: [h.psutil.Process(server.pid)], timeout=20)
        idle_rss = h.memory_of([h.psutil.Process(server.pid)])[0]["rss"]
        out["voila_idle_rss"] = idle_rss
        out["mem_available_start"] = h.psutil.virtual_memory().available
        with sync_playwright() as pw:
            browser = h.launch_browser(pw)
            try:
                # the baseline: a single session on an idle server (after one warm-up load)
                h.close_tab(h.time_to_render(browser, server, "participant.ipynb"))
                out["single_render_all"] = browser_loads(browser, server)
                out["single_render_s"] = median(out["single_render_all"])
                for level in levels:
                    need = level - opened
                    elapsed = time.monotonic() - t_start
                    per = (elapsed / opened) if opened else 3.0
                    if elapsed + need * per > budget_s:
                        log(f"  capacity: N={level} would take ~{need * per:.0f} s more; extrapolating")
                        out["extrapolated"].append(level)
                        continue
                    url = server.url("participant.ipynb")
                    t0 = time.monotonic()
                    with ThreadPoolExecutor(OPEN_CONCURRENCY) as pool:
                        times = [t for t, _ in pool.map(lambda _i: h.http_render(url), range(need))]
                    open_s = time.monotonic() - t0
                    opened = level
                    h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=60)
                    kernels = server.kernels()
                    mem = h.memory_of(kernels)
                    voila_rss = h.memory_of([h.psutil.Process(server.pid)])[0]["rss"]
                    loads = browser_loads(browser, server)
                    render_s = median(loads)
                    entry = {
                        "n": level, "kernels": len(kernels),
                        "rss_total": sum(m["rss"] for m in mem), "uss_total": sum(m["uss"] for m in mem),
                        "pss_total": sum(m["pss"] for m in mem),
                        "rss_per_kernel": median([m["rss"] for m in mem]),
                        "uss_per_kernel": median([m["uss"] for m in mem]),
                        "voila_rss": voila_rss, "open_s": open_s,
                        "server_render_median": median(times), "server_render_p95": pct(times, 95),
                        "browser_render_s": render_s, "browser_loads": loads,
                        "mem_available": h.psutil.virtual_memory().available,
                    }
                    out["levels"].append(entry)
                    log(f"  capacity N={level}: {len(kernels)} kernels, RSS {entry['rss_total'] / 1e9:.2f} GB "
                        f"(USS {entry['uss_total'] / 1e9:.2f} GB), opened in {open_s:.0f} s, "
                        f"browser render {render_s:.2f} s")
                    h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=30)
            finally:
                browser.close()
    finally:
        t0 = time.monotonic()
        server.stop()
        out["close_s"] = time.monotonic() - t0

    rows = []
    single = out.get("single_render_s")
    last = out["levels"][-1] if out["levels"] else None
    for e in out["levels"]:
        rows += [
            Row("capacity", f"kernel memory, N={e['n']} sessions (RSS sum of {e['kernels']} kernels)",
                e["rss_total"], None, kind="mb",
                note=f"{e['kernels'] - e['n']} more kernels are the browser measurements' closed tabs "
                     f"(Voila keeps them until culled); USS sum {e['uss_total'] / 1e6:,.0f} MB, PSS sum {e['pss_total'] / 1e6:,.0f} MB; "
                     f"Voila itself {e['voila_rss'] / 1e6:.0f} MB"),
            Row("capacity", f"RSS per kernel at N={e['n']}", e["rss_per_kernel"],
                out["levels"][0]["rss_per_kernel"], f"N={out['levels'][0]['n']}", kind="mb",
                note=f"USS per kernel {e['uss_per_kernel'] / 1e6:.0f} MB"),
            Row("capacity", f"time to first widget with N={e['n']} open", e["browser_render_s"], single,
                "N=0 (idle server)", note=f"median of {BROWSER_LOADS} tabs"),
            Row("capacity", f"server render (HTTP) while opening to N={e['n']}, median / p95",
                e["server_render_median"], None,
                note=f"p95 {e['server_render_p95']:.2f} s; {OPEN_CONCURRENCY} at a time; "
                     f"all opened in {e['open_s']:.0f} s"),
        ]
    if last:
        per_uss = last["uss_per_kernel"]
        per_pss = last["pss_total"] / max(last["kernels"], 1)
        for n in out["extrapolated"]:
            rows.append(Row("capacity", f"EXTRAPOLATED kernel memory, N={n} (PSS per kernel × N)",
                            per_pss * n, None, kind="mb",
                            note=f"not measured: {n} sessions did not fit the time budget of {budget_s:.0f} s"))
        usable = out["mem_available_start"] - 2 * 2**30  # keep 2 GiB for the OS, Voila, the database
        out["max_kernels_by_memory"] = int(usable // per_pss) if per_pss else 0
        rows.append(Row("capacity", "kernels that fit in memory (EXTRAPOLATED: available − 2 GiB) / PSS per kernel",
                        float(out["max_kernels_by_memory"]), None, kind="n",
                        note=f"PSS per kernel {per_pss / 1e6:.0f} MB at N={last['n']}; "
                             f"available at start {out['mem_available_start'] / 2**30:.1f} GiB; CPU, not memory, "
                             "limits how fast they open"))
    out["rows"] = rows
    return out
