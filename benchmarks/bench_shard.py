"""Sharding: N participants open the participant app at the same instant, on 1 server vs 2 servers.

The servers are real ``peerkit serve`` processes (the recipe of deploy/multi-server/, started by
the deployment tests' helpers) on one database: a PostgreSQL schema of its own when a server
answers (else one SQLite file, which several servers on one machine can share too). With 2
servers the room is split in half: half of the clients get server 1's link, half server 2's.

Each participant is a protocol-level client (tests/deploy/voila_client.py): it fetches the page
(Voila starts a kernel and runs the notebook), opens the kernel's websocket and waits for the
widget states -- what a browser does before it can draw the first widget, without drawing. All N
start together. Measured per client: seconds until its widget states arrived; per burst: the
median, the 95th percentile and the slowest (the last person in the room to see the app).

Fresh servers for every burst (no kernels left from the previous one); the 1- and 2-server bursts
alternate so that a change in the machine's load hits both. The machine has 2 cores: two servers
on it share them, so the gain is bounded by what one Voila process leaves unused (its own
single-threaded work) -- this measures how much that is.
"""

from __future__ import annotations

import asyncio
import os
import time

from benchmarks import harness as h
from benchmarks.stats import Row, median, pct, ratio
from tests.deploy.servers import free_ports, start_many
from tests.deploy.voila_client import open_all


def _burst(servers, n: int) -> dict:
    urls = [servers[i % len(servers)].url("participant.ipynb") for i in range(n)]

    async def go() -> tuple[list[float], list[float], float]:
        t0 = time.perf_counter()
        pages = await open_all(urls)
        wall = time.perf_counter() - t0
        times = [p.timings.first_state for p in pages]
        html = [p.timings.html for p in pages]
        await asyncio.gather(*(p.close() for p in pages))
        return times, html, wall

    times, html, wall = asyncio.run(go())
    slowest = max(range(len(times)), key=times.__getitem__)
    return {"times": times, "html": html, "wall": wall, "median": median(times), "p95": pct(times, 95),
            "max": max(times), "slowest_html": html[slowest]}


def _one(n: int, n_servers: int, db_url: str, log) -> dict:
    base = h.tmpdir(f"shard-{n_servers}")  # removed at the end of the run
    servers = start_many(free_ports(n_servers), base, db_url)
    try:
        load = os.getloadavg()[0]
        res = _burst(servers, n)
        res["load_before"] = load
        kernels = sum(len(s.kernels()) for s in servers)
        res["kernels"] = kernels
    finally:
        for s in servers:
            s.stop()
    log(f"  N={n}, {n_servers} server(s): median {res['median']:.2f} s, p95 {res['p95']:.2f} s, "
        f"slowest {res['max']:.2f} s (its page answered after {res['slowest_html']:.2f} s; "
        f"{res['kernels']} kernels; load before {res['load_before']:.2f})")
    return res


def run(quick: bool, log=print) -> dict:
    from benchmarks.bench_submit import PgSchema, postgres_url

    levels = [10] if quick else [10, 20, 30]
    reps = 1 if quick else 2
    pg = postgres_url()
    schema = PgSchema(pg) if pg else None
    sqlite_dir = None
    if schema is not None:
        db_url, backend = schema.url, "PostgreSQL"
    else:
        sqlite_dir = h.tmpdir("shard-db")
        db_url, backend = f"sqlite:///{sqlite_dir / 'peerkit.sqlite'}", "SQLite (no PostgreSQL server answered)"
    log(f"  database: {backend}; levels {levels}, {reps} burst(s) each per set-up")
    results: dict = {"levels": {}, "backend": backend, "reps": reps}
    rows: list[Row] = []
    try:
        for n in levels:
            per: dict[int, list[dict]] = {1: [], 2: []}
            for _rep in range(reps):
                for n_servers in (1, 2):
                    per[n_servers].append(_one(n, n_servers, db_url, log))
            results["levels"][n] = per
            summary = {}
            for k, bursts in per.items():
                times = [t for b in bursts for t in b["times"]]
                summary[k] = {"median": median(times), "p95": pct(times, 95),
                              "max": median([b["max"] for b in bursts]),
                              "load": [round(b["load_before"], 2) for b in bursts]}
            one, two = summary[1], summary[2]
            note = (f"{reps} burst(s) each, alternating; load avg before the bursts: 1 server {one['load']}, "
                    f"2 servers {two['load']}")
            rows += [
                Row("shard", f"N={n} open at once: time to widget state, median, 2 servers", two["median"],
                    one["median"], "1 server", note=note),
                Row("shard", f"N={n} open at once: p95, 2 servers", two["p95"], one["p95"], "1 server"),
                Row("shard", f"N={n} open at once: slowest client (median of bursts), 2 servers", two["max"],
                    one["max"], "1 server"),
            ]
            results.setdefault("summary", {})[n] = {k: {**v, "ratio_median": ratio(summary[2]["median"],
                                                                                   summary[1]["median"])}
                                                    for k, v in summary.items()}
    finally:
        if schema is not None:
            schema.drop()
    results["rows"] = rows
    return results
