"""peerkit benchmarks: ``make bench`` (or ``.venv/bin/python benchmarks/run.py [--quick]``).

Measures, on this machine, in one run:

- render:    time to first widget and kernel memory of the participant app vs a bare one-widget
             notebook served by the same Voila, with and without a preheated kernel pool; the
             modules a participant kernel loads (pandas / matplotlib must not be among them);
- capacity:  N = 10, 50, 100 open participant sessions: memory per kernel × count, and time to
             first widget as N grows (extrapolated, and labelled so, when a level does not fit);
- submit:    Store.submit latency (median, p95) from 1, 20 and 60 processes at once, on SQLite and
             PostgreSQL, vs a bare SQLAlchemy INSERT of the same payload; and click -> "Submitted"
             in the browser vs a bare ipywidgets round trip;
- aggregate: the facilitator's group view refreshing with a course's answers (1k, 10k, 100k answer
             rows): the dashboard's read, the group view's aggregates of every exercise, the tab shown;
- shard:     N participants open the participant app at once on 1 vs 2 ``peerkit serve`` servers
             sharing one database (protocol-level clients);
- reports:   time to produce the session report (HTML, PDF), the handout and a pair report for the
             demo session and a 40-participant session (``bench_reports.py``);
- test:      the wall time of the test suite (``python -m pytest``, as ``make test`` runs it).

Every figure is printed with its ratio to a baseline measured in the same run, and written to
BENCHMARKS.md at the kit's root with the machine and date. Everything runs on 127.0.0.1 and stops
what it started. ``--quick`` is a short version (about 3 minutes); the full run takes about
10-15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import harness as h  # noqa: E402
from benchmarks.stats import Row  # noqa: E402

SECTIONS = ("burst", "render", "capacity", "submit", "aggregate", "shard", "reports", "test")
HEADLINE_START = "<!-- burst table: written by benchmarks/run.py -->"
HEADLINE_END = "<!-- end burst table -->"
HEADER = ["section", "measure", "value", "baseline (same run)", "ratio", "notes"]


def log(msg: str) -> None:
    print(msg, flush=True)


def time_tests(timeout: float) -> dict:
    """Wall time of ``python -m pytest`` in the kit (what ``make test`` runs after its set-up).

    Like CI, PostgreSQL tests run when a server answers (``PEERKIT_TEST_POSTGRES_URL``, or the URL
    .ci/run sets up); the failing and erroring tests, if any, are listed."""
    from benchmarks.bench_submit import postgres_url

    env = dict(os.environ)
    pg = postgres_url()
    if pg and not env.get("PEERKIT_TEST_POSTGRES_URL"):
        env["PEERKIT_TEST_POSTGRES_URL"] = pg
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, env=env)
        wall = time.perf_counter() - t0
        lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
        tail = lines[-1:] or ["(no output)"]
        bad = [ln.split(" - ")[0] for ln in lines if ln.startswith(("FAILED ", "ERROR "))]
        return {"wall": wall, "rc": proc.returncode, "summary": tail[0], "not_passed": bad,
                "postgres": bool(env.get("PEERKIT_TEST_POSTGRES_URL"))}
    except subprocess.TimeoutExpired:
        return {"wall": time.perf_counter() - t0, "rc": None, "summary": f"stopped after {timeout:.0f} s",
                "not_passed": [], "postgres": bool(env.get("PEERKIT_TEST_POSTGRES_URL"))}


def text_table(rows: list[Row]) -> str:
    cells = [HEADER] + [r.cells()[:5] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    widths[1] = min(widths[1], 72)
    lines = []
    for k, c in enumerate(cells):
        lines.append("  ".join(c[i][:widths[i]].ljust(widths[i]) for i in range(5)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def headline_block(b: dict) -> str:
    """The burst table with what it measures and under what load: the top of BENCHMARKS.md, and
    copied into the README and docs/voila.md (a test keeps the copies equal)."""
    variants = ", ".join(b.get("variants", []))
    lines = [HEADLINE_START, "",
             f"Time until the participant's form is usable when N people open the link in the same second, "
             f"on a {b.get('cores', '?')}-core machine: median (max) over the N, the kit (`peerkit serve`, the "
             "participant app) against bare Voila (Voila as installed, a one-button notebook) measured in the "
             "same run. *Kit ÷ one button on the kit's server* compares the participant app with the one-button "
             "notebook served by the kit's own Voila: the app's own cost. *Prepared room* is "
             "`peerkit serve --room N`; "
             "*busy machine* adds a process using half a core during the burst. Pages never usable are pages whose "
             "widgets never arrived (a blank page, or a kernel that died at its start; a client gives up "
             f"after 120 s). Cold bursts of 25 and 40 are the median of three rounds. Load average (1, 5, 15 min) at the start of the burst runs: "
             f"{tuple(b.get('load_at_start', ()))}, at the end: {tuple(b.get('load_at_end', ()))}: the machine "
             "was shared with other work, so absolute times vary with that load, the ratios much less. "
             f"Variants run: {variants}.", "",
             b["headline"], "", HEADLINE_END]
    return "\n".join(lines)


def previous_report(path: Path) -> dict:
    """The sections of an existing BENCHMARKS.md, to keep those a partial run (--only) did not redo."""
    import re

    out: dict = {"rows": {}, "notes": {}, "headline": "", "date": ""}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return out
    m = re.search(r"Measured (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", text)
    out["date"] = m.group(1) if m else "an earlier run"
    if HEADLINE_START in text and HEADLINE_END in text:
        out["headline"] = text[text.index(HEADLINE_START):text.index(HEADLINE_END) + len(HEADLINE_END)]
    for line in text.splitlines():
        if line.startswith("| "):
            section = line[2:].split(" |", 1)[0].strip()
            if section in SECTIONS:
                out["rows"].setdefault(section, []).append(line)
    parts = text.split("## What was measured, and findings", 1)
    out["tail"] = ""
    if len(parts) == 2:
        body, _, tail = parts[1].partition("\n## ")
        for chunk in body.split("\n### ")[1:]:
            title = chunk.split("\n", 1)[0].strip()
            out["notes"][title] = "### " + chunk.rstrip() + "\n"
        # sections written by other benchmark scripts; an earlier run's failures are not this run's
        tail = ("\n## " + tail).split("\n## Sections that failed in this run", 1)[0].removeprefix("\n## ")
        if tail.strip():
            out["tail"] = "## " + tail.rstrip() + "\n"
    return out


NOTE_TITLES = {"render": "Render and kernel memory", "capacity": "Capacity", "submit": "Submit → stored",
               "aggregate": "Facilitator aggregation", "test": "Test suite", "burst": "A room at once"}


def markdown(rows: list[Row], results: dict, mach: dict, args: argparse.Namespace, started: dt.datetime,
             wall: float, load_end: tuple, previous: dict | None = None) -> str:
    previous = previous or {"rows": {}, "notes": {}, "headline": "", "date": ""}
    kept = [sec for sec in SECTIONS if sec not in results and previous["rows"].get(sec)]
    out = ["# peerkit benchmarks", ""]
    mode = "quick (`benchmarks/run.py --quick`)" if args.quick else "full (`make bench`)"
    if args.only:
        mode = f"partial (`benchmarks/run.py --only {args.only}`)"
    out += [f"Measured {started:%Y-%m-%d %H:%M} UTC, {mode}, in {wall / 60:.1f} min. "
            "Every ratio is against a baseline measured in the same run on the same machine, so the "
            "ratios travel better than the absolute figures. Regenerate with `make bench`.", ""]
    b = results.get("burst")
    if b and b.get("headline"):
        out += ["## A room opening the link at once", "", headline_block(b), ""]
    elif previous.get("headline"):
        out += ["## A room opening the link at once", "", previous["headline"], ""]
    out += ["## Machine", "", "| | |", "|---|---|",
            f"| CPU | {mach['cpu']} |", f"| cores | {mach['cores']} |",
            f"| memory | {mach['memory_gib']} GiB ({mach['available_gib']} GiB available at start) |",
            f"| load average at start / end | {mach['load_at_start']} / {load_end} |",
            f"| OS | {mach['os']} |", f"| Python | {mach['python']} |",
            f"| SQLite | {mach['sqlite']} |", f"| PostgreSQL | {mach['postgresql']} |",
            f"| Chromium | {mach['chromium']} |",
            "| packages | " + ", ".join(f"{k} {v}" for k, v in mach["packages"].items()) + " |", ""]
    out += ["## Results", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        out.append("| " + " | ".join(md_escape(c) for c in r.cells()) + " |")
    for sec in kept:  # a partial run: the other sections' figures of the previous run
        for line in previous["rows"][sec]:
            out.append(line if "previous run" in line else line[:-1].rstrip() + f" (previous run, {previous['date']}) |")
    out.append("")
    if kept:
        out += [f"Sections {', '.join(kept)} were not rerun this time: their rows and notes are those of "
                "earlier runs (each row marked *previous run* with the date of its run).", ""]
    out += ["## What was measured, and findings", ""]
    out += notes(results)
    for sec in kept:
        note = previous["notes"].get(NOTE_TITLES.get(sec, ""))
        if note:
            out += [refresh_cull(note)]
    for title, note in previous["notes"].items():  # notes of other benchmark scripts stay
        if title not in NOTE_TITLES.values():
            out += [note]
    if previous.get("tail"):
        out += [previous["tail"]]
    errors = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    if errors:
        out += ["## Sections that failed in this run", ""]
        for k, v in errors.items():
            out += [f"- **{k}**:", "", "```", v.strip()[-3000:], "```", ""]
    return "\n".join(out) + "\n"


def cull_sentence() -> str:
    """How long a closed tab's kernel stays, from voila.json (the one place it is set)."""
    from peerkit.serve import cull_idle_timeout

    t = cull_idle_timeout()
    return (f"stay until culled (`cull_idle_timeout` {t} s in voila.json), so every reload in a room "
            f"can hold one more kernel for up to {t // 60} minutes.")


def refresh_cull(note: str) -> str:
    """A note kept from an earlier run, with the idle-cull timeout as voila.json sets it now."""
    import re

    return re.sub(r"stay until culled \(`cull_idle_timeout` \d+ s in voila\.json\), so every reload in a room "
                  r"can hold one more kernel for up to \d+ minutes\.", cull_sentence(), note)


def notes(results: dict) -> list[str]:
    out: list[str] = []
    b = results.get("burst")
    if b and "rows" in b:
        from benchmarks.bench_burst import notes as burst_notes
        out += burst_notes(b)
    r = results.get("render")
    if r and "rows" in r:
        heavy = r.get("heavy_in_participant") or []
        out += ["### Render and kernel memory", "",
                "One Voila serves a copy of `notebooks/participant.ipynb` and `bare.ipynb` (one ipywidgets "
                "button). Each load is a fresh browser context (no HTTP cache) in headless Chromium; the time "
                "is from navigation to the first widget being visible (participant: the *Join code* field). "
                f"Median of {r['reps']} loads per notebook, after one warm-up load each. Kernel memory is read "
                "with psutil from the kernel process behind the page (RSS; USS is the part no other process "
                "shares). Preheated: `--preheat_kernel=True --pool_size="
                f"{r['pool_size']}`; between loads the pool is let refill.", ""]
        out += [f"- **Heavy modules in a participant kernel** (cold and preheated): "
                + (", ".join(heavy) + " — imported by: " + json.dumps(r.get("heavy_imported_by"))
                   if heavy else "none of " + ", ".join(h.HEAVY) + "."),
                "- Modules the participant kernel loads beyond the bare kernel (third-party, top level): "
                + ", ".join(r.get("participant_extra_modules", [])) + "."]
        pre = r["modes"].get("preheated", {})
        cold = r["modes"].get("cold", {})
        if pre.get("extra_vs_cold"):
            out.append("- A **preheated** participant kernel loads more than a cold one: "
                       + ", ".join(pre["extra_vs_cold"]) + ". `peerkit.pages.query_params()` imports "
                       "`voila.utils` (for `get_query_string`) when `VOILA_PREHEAT` is set, and `voila.utils` "
                       "imports jupyter_server, jupyterlab_server, nbconvert and their dependencies; that is the "
                       "difference in kernel memory between the preheated and the cold rows above.")

        def prefill(m: dict) -> str:
            got = m.get("code_prefill")
            return "yes" if got == "ABC-DEF" else f"NO (the field held {got!r})"

        out.append(f"- `?code=ABC-DEF` in the participant link fills in the join code: cold {prefill(cold)}, "
                   f"preheated {prefill(pre)}."
                   + ("" if pre.get("code_prefill") == "ABC-DEF" else
                      " A preheated kernel runs the notebook before the request exists, so the query has to be "
                      "fetched from Voila (`voila.utils.get_query_string`)."))
        out += [f"- Preheating starts `pool_size` kernels for **every** notebook in the served folder (Voila's "
                f"kernel manager globs `*.ipynb`): here {pre.get('kernels_at_start', '?')} kernels for 2 notebooks, "
                "ready after "
                f"{pre.get('pool_filled_in_s', float('nan')):.1f} s. On the kit's `notebooks/` (15 notebooks) "
                "`--pool_size=1` would start 15 kernels, each running its notebook; limit it with "
                "`VoilaKernelManager.kernel_pools_config` (e.g. `{\"default\": {\"pool_size\": 0}, "
                "\"participant.ipynb\": {\"pool_size\": 5}}`) or `preheat_denylist`.", ""]
    c = results.get("capacity")
    if c and "rows" in c:
        out += ["### Capacity", "",
                "Sessions are opened by plain HTTP GETs of the participant page, "
                "3 at a time (Voila starts a kernel and runs the notebook while it answers; with no browser to "
                "close the tab the kernel stays open, like a participant's tab). At each level the memory of every "
                "kernel is read, then one browser tab measures the time to first widget. All kernels are closed "
                f"by stopping the server afterwards (took {c.get('close_s', float('nan')):.1f} s). Voila idle: "
                f"{c.get('voila_idle_rss', 0) / 1e6:.0f} MB RSS.", ""]
        if c.get("extrapolated"):
            out += [f"- **Extrapolated, not measured**: N = {', '.join(map(str, c['extrapolated']))} did not fit "
                    f"the time budget ({c['budget_s']:.0f} s); their memory is PSS per kernel × N.", ""]
        if c.get("levels"):
            extra = c["levels"][-1]["kernels"] - c["levels"][-1]["n"]
            out += [f"- The {extra} kernels beyond N are those of the browser measurements' tabs, closed with "
                    "Playwright (`page.close(run_before_unload=True)`): Voila's front end sends a shutdown beacon "
                    "on `beforeunload`, which did not get through before the headless context closed. A phone "
                    "whose browser is backgrounded or killed does not fire `beforeunload` either; such kernels "
                    + cull_sentence(), ""]
        out += [f"- The memory ceiling estimate ({c.get('max_kernels_by_memory', '?')} kernels) is an "
                "extrapolation: available memory at start minus 2 GiB, divided by the measured PSS per kernel "
                "(RSS counts shared libraries once per kernel; PSS splits them). Opening kernels is CPU-bound "
                "on 2 cores (see the server render times while opening).", ""]
    s = results.get("submit")
    if s and "rows" in s:
        out += ["### Submit → stored", "",
                "Each submitter is a process of its own with its own `Store` (as a Voila kernel), joined as its "
                "own participant of a facilitator-led session whose open exercise is the 39-item program "
                "self-evaluation; all start together at a barrier and submit it, alternating two answer sets so "
                "that each call stores a new revision. Latency is "
                "the `Store.submit` round trip (validation, transaction, commit). The baseline is a bare "
                "SQLAlchemy Core INSERT of the same answers (JSON) into a table of its own, one transaction per "
                "row, by the same number of processes (SQLite: same WAL / busy-timeout settings). After each "
                "level the stored revisions are counted against the acknowledged ones. Levels (processes × "
                f"submissions each): {s['levels']}.", ""]
        if s.get("postgres_skipped"):
            out += [f"- PostgreSQL: skipped ({s['postgres_skipped']}).", ""]
        for name, per in s.get("backends", {}).items():
            top = max(per)
            st, raw = per[top]["store"], per[top]["raw"]
            lost = sum(v["store"]["acks"] - v["store"]["stored"] for v in per.values())
            out += [f"- {name}, {top} processes at once: Store.submit median {st['median'] * 1000:.1f} ms, p95 "
                    f"{st['p95'] * 1000:.0f} ms (bare INSERT {raw['median'] * 1000:.1f} / {raw['p95'] * 1000:.0f} ms); "
                    f"acknowledged but not stored: {lost}; errors: {len(st['errors'])}."]
        if "SQLite" in s.get("backends", {}):
            out += ["- On SQLite every writer takes the database's write lock up front (`BEGIN IMMEDIATE`) and "
                    "holds it for two statements run on the driver: one guarded `INSERT ... SELECT` (the next "
                    "revision, unless the participant is gone, the session or exercise is closed, the answers are "
                    "identical or a newer revision exists) and the draft delete, then commits; validation, the "
                    "hash, the JSON and the timestamp are ready before the lock. A writer that finds the lock "
                    "taken retries with jittered waits doubling from 0.5 ms to at most 25 ms. With 60 processes "
                    "on 2 cores the tail is the queue and the scheduler: a holder preempted for a time slice "
                    "holds up everyone behind it."]
        if "PostgreSQL" in s.get("backends", {}):
            out += ["- On PostgreSQL a submit is one round trip (psycopg's pipeline mode): BEGIN, the participant "
                    "row lock, the live-state share lock, the guarded insert with the draft delete in one "
                    "statement (prepared once per connection, with a generic plan), COMMIT; pooled connections "
                    "are pinged only after 10 s idle. The bare INSERT is 3 round trips (BEGIN, INSERT, COMMIT). "
                    "With 60 client processes and their 60 server backends on 2 cores the latency is CPU "
                    "queueing: compare the bare INSERT's own p95 at 60."]
        out.append("")
        if "e2e" in s:
            out += ["- Browser, end to end: one participant in the participant app (10 true/false items), "
                    "click *Submit answers* → the status shows the new revision; baseline: the bare notebook's "
                    "button click → its label changes (a kernel round trip with no store).", ""]
    a = results.get("aggregate")
    if a and "rows" in a:
        out += ["### Facilitator aggregation", "",
                "The aggregate rows above: a session of pairs who answered every exercise of the kit, read as the "
                "dashboard reads it and aggregated for the group view; each figure against the same answers "
                "fetched with the bare database driver in the same run. What is timed, and the figures per step, "
                "are in the section *Facilitator aggregation: the group view with a course's answers* below "
                "(`benchmarks/bench_aggregate.py`).", ""]
    out += shard_notes(results.get("shard"))
    rep = results.get("reports")
    if rep and "rows" in rep:
        from benchmarks import bench_reports

        out += [bench_reports.BEGIN, *bench_reports.notes(rep), bench_reports.END, ""]
    t = results.get("test")
    if t and "wall" in t:
        out += ["### Test suite", "", f"`python -m pytest` (what `make test` runs; PostgreSQL "
                f"{'on' if t.get('postgres') else 'off'}): {t['wall']:.0f} s, exit code {t['rc']}, "
                f"`{t['summary']}`. Other sessions may have been using the machine.", ""]
        if t.get("not_passed"):
            out += ["Not passing in this run (the suite was being worked on while it ran):", ""]
            out += [f"- `{x}`" for x in t["not_passed"][:30]] + [""]
    return out


def shard_notes(sh: dict | None) -> list[str]:
    if not sh or "rows" not in sh:
        return []
    from benchmarks import bench_shard

    out = ["### Sharding: 1 server vs 2 servers", "",
           " ".join(bench_shard.__doc__.split("\n\n")[1].split()) + f" Database: {sh['backend']}.", ""]
    for n, per in sh.get("summary", {}).items():
        one, two = per[1], per[2]
        out.append(f"- N={n}: median {one['median']:.2f} s on 1 server, {two['median']:.2f} s on 2 "
                   f"({two['ratio_median']:.2f}×); slowest {one['max']:.2f} s vs {two['max']:.2f} s.")
    out += ["", "Both servers run on the same 2 cores, so a second server on this machine can only use what "
                "one Voila process leaves idle; servers on separate machines add their processors. The machine "
                "was shared with other work while this ran (load averages in the table's notes).", ""]
    return out


def rewrite(args: argparse.Namespace) -> int:
    """The report of an earlier run again (from its --json file): its burst section, the other
    sections kept from the current BENCHMARKS.md."""
    from benchmarks import bench_burst

    data = json.loads(Path(args.from_json).read_text())
    args.only = args.only or "burst"  # the report says which sections this run measured
    b = data["results"]["burst"]
    b["rows"] = bench_burst.rows_of(b)
    b["headline"] = bench_burst.headline(b)
    started = dt.datetime.fromisoformat(data.get("started", "")) if data.get("started") else \
        dt.datetime.now(dt.timezone.utc)
    previous = previous_report(Path(args.output))
    text = markdown(b["rows"], {"burst": b}, data["machine"], args, started, float(b.get("seconds", 0)),
                    tuple(b.get("load_at_end", ())), previous)
    Path(args.output).write_text(text, encoding="utf-8")
    if Path(args.output).resolve() == (ROOT / "BENCHMARKS.md").resolve():
        for doc in (ROOT / "README.md", ROOT / "docs" / "voila.md"):
            copy_headline(doc, headline_block(b))
    log(f"wrote {args.output} from {args.from_json}")
    return 0


def copy_headline(doc: Path, block: str) -> None:
    """Replace the burst table between its markers in ``doc`` (README, docs/voila.md)."""
    text = doc.read_text(encoding="utf-8")
    if HEADLINE_START not in text or HEADLINE_END not in text:
        return
    before, rest = text.split(HEADLINE_START, 1)
    after = rest.split(HEADLINE_END, 1)[1]
    doc.write_text(before + block + after, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run (fewer repetitions, smaller N)")
    ap.add_argument("--skip-test-time", action="store_true", help="do not time the test suite")
    ap.add_argument("--only", default="", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only")
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"), help="where to write the report")
    ap.add_argument("--json", default="", help="also write the raw results to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary databases and Voila logs")
    ap.add_argument("--against", default="", metavar="REV",
                    help="aggregate: also measure the kit's code at this git revision, in the same run")
    ap.add_argument("--burst-levels", default="", help="burst: N values, e.g. 1,10,25,40")
    ap.add_argument("--burst-variants", default="", help="burst: any of cold, prepared, cold+load")
    ap.add_argument("--burst-merge", default="", metavar="JSON",
                    help="burst: add the bursts of an earlier run (its --json file) to this run's table")
    ap.add_argument("--from-json", default="", metavar="JSON",
                    help="write the report of an earlier run (its --json file) again, measuring nothing")
    ap.add_argument("--burst-no-extras", action="store_true",
                    help="burst: skip the beyond-the-pool and reload measurements")
    args = ap.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.skip_test_time and "test" in chosen:
        chosen.remove("test")
    if args.no_postgres:
        os.environ["PEERKIT_TEST_POSTGRES_URL"] = "postgresql+psycopg://none@127.0.0.1:1/none"
    if args.from_json:
        return rewrite(args)
    no_browser = h.browser_available()
    started = dt.datetime.now(dt.timezone.utc)
    t_start = time.perf_counter()
    mach = h.machine()
    log(f"peerkit benchmarks ({'quick' if args.quick else 'full'}): {', '.join(chosen)}")
    log(f"machine: {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB, Python {mach['python']}, "
        f"load {mach['load_at_start']}")

    results: dict = {}
    rows: list[Row] = []
    for section in chosen:
        log(f"\n[{section}]")
        t0 = time.perf_counter()
        try:
            if section in ("render", "capacity", "burst") and no_browser:
                raise RuntimeError(f"needs the browser: {no_browser}")
            if section == "render":
                from benchmarks import bench_render
                res = bench_render.run(args.quick, log)
            elif section == "capacity":
                from benchmarks import bench_capacity
                res = bench_capacity.run(args.quick, log=log)
            elif section == "submit":
                from benchmarks import bench_submit
                res = bench_submit.run(args.quick, log, browser=no_browser is None)
            elif section == "aggregate":
                from benchmarks import bench_aggregate
                res = bench_aggregate.run(args.quick, log, against=args.against or None)
                from benchmarks.bench_submit import PgSchema, postgres_url
                pg = None if args.quick else postgres_url()
                if pg:
                    schemas: list = []

                    def url_of(_target: int) -> str:
                        schemas.append(PgSchema(pg))
                        return schemas[-1].url

                    try:
                        res_pg = bench_aggregate.run(args.quick, log, url_of=url_of, label="PostgreSQL",
                                                     against=args.against or None)
                    finally:
                        for sch in schemas:
                            sch.drop()
                    res["rows"] += res_pg["rows"]
                    res["postgres"] = res_pg
            elif section == "burst":
                from benchmarks import bench_burst
                levels = tuple(int(x) for x in args.burst_levels.split(",") if x.strip()) or None
                variants = tuple(x.strip() for x in args.burst_variants.split(",") if x.strip()) or None
                res = bench_burst.run(args.quick, log, levels=levels, variants=variants,
                                      extras=False if args.burst_no_extras else None)
                if args.burst_merge:
                    earlier = json.loads(Path(args.burst_merge).read_text())["results"]["burst"]
                    res = bench_burst.merge(earlier, res)
            elif section == "shard":
                from benchmarks import bench_shard
                res = bench_shard.run(args.quick, log)
            elif section == "reports":
                from benchmarks import bench_reports
                res = bench_reports.run(args.quick, log)
            else:
                t = time_tests(timeout=900)
                res = dict(t)
                res["rows"] = [Row("test", "test suite wall time (python -m pytest, as make test)", t["wall"],
                                   None, note=f"exit {t['rc']}: {t['summary']}")]
                log(f"  tests: {t['wall']:.0f} s, exit {t['rc']}: {t['summary']}")
        except Exception as exc:  # noqa: BLE001 - report the rest of the run
            res = {"error": traceback.format_exc()}
            log(f"  {section} FAILED: {type(exc).__name__}: {exc}")
        res["seconds"] = time.perf_counter() - t0
        results[section] = res
        rows += res.get("rows", [])
        log(f"  ({section}: {res['seconds']:.0f} s)")

    if not args.keep:
        h.cleanup()
    wall = time.perf_counter() - t_start
    load_end = tuple(round(x, 2) for x in os.getloadavg())
    print("\n" + text_table(rows) + "\n", flush=True)
    previous = previous_report(Path(args.output))
    Path(args.output).write_text(markdown(rows, results, mach, args, started, wall, load_end, previous),
                                 encoding="utf-8")
    log(f"wrote {args.output} ({wall / 60:.1f} min)")
    a = results.get("aggregate")
    if a and "rows" in a:  # its own marked section (benchmarks/bench_aggregate.py --write writes the same)
        from benchmarks import bench_aggregate
        bench_aggregate.write_section([a] + ([a["postgres"]] if a.get("postgres") else []), Path(args.output))
    b = results.get("burst")
    if b and b.get("headline") and Path(args.output).resolve() == (ROOT / "BENCHMARKS.md").resolve():
        for doc in (ROOT / "README.md", ROOT / "docs" / "voila.md"):
            copy_headline(doc, headline_block(b))
    if args.json:
        def plain(o):
            if isinstance(o, Row):
                return o.cells()
            return str(o)
        Path(args.json).write_text(json.dumps({"machine": mach, "results": results, "started": started.isoformat()},
                                              default=plain, indent=1))
    failed = [k for k, v in results.items() if "error" in v]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
