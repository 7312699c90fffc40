"""The facilitator's group view refreshing with a whole course's answers: 1k, 10k and 100k answer rows.

"Answer rows" are the rows of ``Store.responses_frame``: participant × item answers of current
revisions (one submission of the 39-item self-evaluation is 39 rows). The session is a course's
worth: pairs of a supervisor and a peer specialist, each answering **every exercise of the kit**
that their role completes, on every occasion (before and after, CPS and colleague), with the kit's
sample answers (``peerkit.store.demo_answers``: a few items skipped, pairs that mostly agree) and a
sentence or two for every written answer; earlier revisions of some submissions are stored too.
100,000 rows is about 100 pairs: a large cohort, or a self-study server where everyone shares one
session. Written through ``Store.restore_session`` (the import path), then timed, as the
dashboard does it, median of ``--repeat`` runs after one warm-up:

1. **read**: ``SessionModel.refresh(force=True)``, the dashboard's read when the data changed
   (who submitted what, participants, pairs, then every answer: ``responses_frame``);
2. **aggregates**: for every exercise and occasion in the session, the ``peerkit.prep`` calls the
   group view makes (``blocks.instrument_blocks`` without drawing): respondents, bands, score
   summary, area means, answers per item, widest disagreement, role gaps, written answers, and the
   change before → after for the exercises given twice;
3. **tab shown**: the Group tab updated with the new data, the current exercise drawn (charts as
   SVG, tables, summaries: ``GroupPanel.update``), i.e. what the facilitator waits for;
4. **every exercise ready**: the other exercises' views, which the dashboard computes in a worker
   thread after a change (``GroupPanel.warm``).

Read + aggregates is the figure of issue #14's target ("100k answer rows aggregated in under
1 s"). Baselines measured in the same run: the **bare read** (the same answers fetched with the
database driver and ``json.loads``, nothing else: the floor of any read), and with
``--against REV`` the same measurements with the kit's code at git revision ``REV`` (run in a
subprocess on the same database, so before and after are compared on the same data, machine and
moment).

    .venv/bin/python benchmarks/bench_aggregate.py [--quick] [--postgres] [--against main] [--write]

``--write`` puts the result into BENCHMARKS.md between its markers (``benchmarks/sections.py``);
``benchmarks/run.py`` (section ``aggregate``) calls :func:`run` and writes the same section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stats import Row, fmt_s, median  # noqa: E402

MARK_START = "<!-- bench_aggregate: start -->"
MARK_END = "<!-- bench_aggregate: end -->"
STEPS = ("read", "aggregates", "tab", "all_views")
STEP_LABELS = {"read": "read (SessionModel.refresh)", "aggregates": "aggregates, every exercise (prep)",
               "tab": "Group tab shown (update + current exercise drawn)",
               "all_views": "every other exercise's view (warm)"}
WRITTEN = ("We talked about this in supervision last month and agreed to try it for a while.",
           "Not sure yet. I would like to hear how the others in the group handle it.",
           "Our team does this well with new staff, less so when things get busy.",
           "Ask for a regular check-in instead of waiting for a problem; keep notes short.")


def expected(ins, role: str) -> bool:
    return ins.completed_by not in ("supervisor", "peer_specialist") or ins.completed_by == role


def course_payload(instruments: list, pairs: int) -> dict:
    """A session of ``pairs`` supervisor + peer specialist pairs who answered every exercise."""
    from peerkit.scoring import clean_answers
    from peerkit.store import demo_answers

    people, pair_rows, responses = [], [], []
    when = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    for n in range(pairs):
        sup, peer = 2 * n + 1, 2 * n + 2
        people += [{"id": sup, "display_name": f"Supervisor {n + 1}", "role": "supervisor", "pair_id": n + 1},
                   {"id": peer, "display_name": f"Peer specialist {n + 1}", "role": "peer_specialist",
                    "pair_id": n + 1}]
        pair_rows.append({"id": n + 1, "supervisor_id": sup, "supervisee_id": peer})
        for k, ins in enumerate(instruments):
            for pid, role in ((sup, "supervisor"), (peer, "peer_specialist")):
                if not expected(ins, role):
                    continue
                for o, occ in enumerate(ins.occasion_ids):
                    answers = demo_answers(ins, n, role, occ, o)
                    for j, item in enumerate(ins.items):
                        if ins.scale_for(item).kind == "text" and (pid + j) % 9:  # 1 in 9 left blank
                            answers[item.id] = WRITTEN[(pid + j + k) % len(WRITTEN)] + f" ({item.id})"
                    answers = clean_answers(ins, answers)
                    if not answers:
                        continue
                    at = when + dt.timedelta(minutes=10 * k + o, seconds=pid)
                    revisions = [answers]
                    if (pid + k) % 4 == 0:  # an earlier revision, changed since
                        revisions.insert(0, dict(list(answers.items())[: max(1, len(answers) // 2)]))
                    for rev, ans in enumerate(revisions, start=1):
                        responses.append({"participant_id": pid, "instrument_id": ins.id,
                                          "instrument_version": ins.version, "occasion": occ, "revision": rev,
                                          "answers": ans, "submitted_at": at + dt.timedelta(seconds=rev)})
    return {"session": {"title": f"Aggregation bench ({2 * pairs} people, every exercise)", "join_code": None,
                        "status": "open"},
            "participants": people, "pairs": pair_rows, "responses": responses, "notes": []}


def rows_per_pair(instruments: list) -> int:
    """Answer rows one pair adds (from a generated pair: the sample answers skip a few items)."""
    payload = course_payload(instruments, 1)
    current: dict = {}
    for r in payload["responses"]:
        current[(r["participant_id"], r["instrument_id"], r["occasion"])] = r["answers"]
    return sum(len(a) for a in current.values())


# -- what the dashboard does (this part also runs with an older revision of the kit) ----------------

def group_aggregates(frame, ins, occ) -> None:
    """The prep calls of ``peerkit.blocks.group_blocks`` for one exercise and occasion (no drawing)."""
    from peerkit import prep

    people = prep.respondents(frame, ins, occ)
    if not len(people):
        return
    prep.band_distribution(frame, ins, occ)
    ordinal = any(prep._numeric_kind(ins.scale_for(i)) == "ordinal" for i in ins.items)
    if ins.scoring.method in ("count", "key", "sum") and not ordinal:
        prep.score_summary(frame, ins, occ)
    prep.area_means(frame, ins, occ)
    if ins.kinds & {"sia", "true_false", "choice", "checklist"}:
        prep.option_counts(frame, ins, occ)
    prep.widest_disagreement(frame, ins, occ, by="std" if ordinal else "modal_share", n=5)
    if ordinal:
        prep.widest_disagreement(frame, ins, occ, by="role_gap", n=5)
    if "text" in ins.kinds:
        prep.text_answers(frame, ins, occ)


def exercise_aggregates(frame, ins) -> None:
    """Every occasion's aggregates, then the change between two occasions (``blocks.instrument_blocks``)."""
    from peerkit import prep

    for occ in ins.occasion_ids:
        group_aggregates(frame, ins, occ)
    if prep.pre_post_occasions(ins):
        prep.group_pre_post_sections(frame, ins)
        prep.group_pre_post(frame, ins)


def measure(url: str, session_id: int, repeat: int) -> dict:
    """Median seconds of each step (see the module notes), after one warm-up run."""
    from peerkit.dashboard.common import SessionModel
    from peerkit.dashboard.group import GroupPanel, used_instruments
    from peerkit.instruments import load_all
    from peerkit.store import Store

    store = Store(url)
    instruments = load_all()
    times: dict[str, list[float]] = {s: [] for s in STEPS}
    rows = views = 0
    polls: list[float] = []
    try:
        for run in range(repeat + 1):
            model = SessionModel(store, session_id)
            t0 = time.perf_counter()
            model.refresh(force=True)
            t1 = time.perf_counter()
            used = used_instruments(model, instruments)
            for ins in used:
                exercise_aggregates(model.frame, ins)
            t2 = time.perf_counter()
            model.refresh(force=True)  # a new frame: the view below starts from nothing kept
            panel = GroupPanel(instruments, names=True, min_group=1)
            t3 = time.perf_counter()
            panel.update(model)
            t4 = time.perf_counter()
            views = 1 + panel.warm()
            t5 = time.perf_counter()
            panel.close()
            t6 = time.perf_counter()
            assert not model.refresh(), "nothing changed, yet the poll saw a change"
            t7 = time.perf_counter()
            rows = len(model.frame)
            if run:  # the first run warms up imports and caches
                for step, x in zip(STEPS, (t1 - t0, t2 - t1, t4 - t3, t5 - t4)):
                    times[step].append(x)
                polls.append(t7 - t6)
    finally:
        store.close()
    out = {s: median(v) for s, v in times.items()}
    out.update(rows=rows, views=views, exercises=len(used), poll=median(polls))
    return out


def bare_read(url: str, session_id: int, repeat: int) -> float:
    """The floor: the same current answers fetched with the driver and decoded with json.loads."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    q = sa.text("""SELECT r.answers FROM responses r JOIN participants p ON p.id = r.participant_id
                   WHERE p.session_id = :sid AND r.revision = (
                     SELECT max(r2.revision) FROM responses r2 WHERE r2.participant_id = r.participant_id
                       AND r2.instrument_id = r.instrument_id AND r2.occasion = r.occasion)""")
    got = []
    try:
        for run in range(repeat + 1):
            with engine.connect() as conn:
                t0 = time.perf_counter()
                result = conn.execute(q, {"sid": session_id})
                n = sum(len(a if isinstance(a, dict) else json.loads(a)) for (a,) in result.cursor.fetchall())
                result.close()
                if run:
                    got.append(time.perf_counter() - t0)
    finally:
        engine.dispose()
    return median(got) if n else math.nan


def measure_against(rev: str, url: str, session_id: int, repeat: int, log=print) -> dict | None:
    """:func:`measure` with the kit's code at git revision ``rev``, in a subprocess (same database)."""
    with tempfile.TemporaryDirectory(prefix="peerkit-bench-against-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "widgets"], capture_output=True)
        if archive.returncode:
            log(f"  --against {rev}: git archive failed: {archive.stderr.decode().strip()}")
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        os.rename(Path(tmp) / "widgets", Path(tmp) / "peerkit")
        sha = rev[:7]
        env = dict(os.environ, PEERKIT_DATA=str(ROOT / "data"), PYTHONPATH=tmp)
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", url, str(session_id),
                               str(repeat)], capture_output=True, text=True, env=env)
        if proc.returncode:
            log(f"  --against {rev}: failed: {proc.stderr.strip()[-2000:]}")
            return None
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        if not out.get("peerkit", "").startswith(tmp):
            log(f"  --against {rev}: the subprocess imported {out.get('peerkit')}, not the revision's code")
            return None
        out["sha"] = sha
        return out


def worker(argv: list[str]) -> int:
    url, session_id, repeat = argv[0], int(argv[1]), int(argv[2])
    import peerkit

    out = measure(url, session_id, repeat)
    out["peerkit"] = str(Path(peerkit.__file__).resolve().parent)
    print(json.dumps(out))
    return 0


# -- the run ---------------------------------------------------------------------------------------

def run(quick: bool = False, log=print, url_of=None, label: str = "SQLite", against: str | None = None,
        repeat: int = 3, levels: tuple[int, ...] | None = None) -> dict:
    """Every level on one backend; ``url_of(target)`` gives a database URL (default: a temporary
    SQLite file). Returns the figures and the results table's rows (``rows``)."""
    from peerkit.instruments import load_all, sorted_by_source
    from peerkit.store import Store

    instruments = sorted_by_source(load_all())
    per_pair = rows_per_pair(instruments)
    targets = levels or ((1_000, 10_000) if quick else (1_000, 10_000, 100_000))
    if against:  # the revision as it is now: a branch that moves during the run is measured once
        sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{against}^{{commit}}"],
                             capture_output=True, text=True)
        if sha.returncode:
            raise SystemExit(f"--against {against}: not a git revision here")
        against_name, against = against, sha.stdout.strip()
    out: dict = {"backend": label, "per_pair": per_pair, "exercises": len(instruments), "levels": [],
                 "repeat": repeat, "load_before": tuple(round(x, 2) for x in os.getloadavg()),
                 "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="peerkit-bench-agg-") as tmp:
        for target in targets:
            pairs = max(1, math.ceil(target / per_pair))
            url = url_of(target) if url_of else f"sqlite:///{Path(tmp) / f'agg-{target}.sqlite'}"
            store = Store(url)
            try:
                t0 = time.perf_counter()
                session = store.restore_session(course_payload(instruments, pairs), new_code=True, passcode="bench")
                write_s = time.perf_counter() - t0
            finally:
                store.close()
            entry = {"target": target, "pairs": pairs, "write_s": write_s, "kit": measure(url, session.id, repeat),
                     "bare_read": bare_read(url, session.id, repeat)}
            if against:
                entry["against"] = measure_against(against, url, session.id, repeat, log)
                if entry["against"]:
                    entry["against"]["rev"] = against_name
            out["levels"].append(entry)
            k = entry["kit"]
            log(f"  aggregate[{label}] {k['rows']:,} rows ({2 * pairs} people, {k['exercises']} exercises): "
                + ", ".join(f"{s} {fmt_s(k[s])}" for s in STEPS) + f"; bare read {fmt_s(entry['bare_read'])}"
                + f"; poll {fmt_s(k['poll'])}"
                + (f"; at {against[:7]}: " + ", ".join(f"{s} {fmt_s(entry['against'][s])}" for s in STEPS)
                   if entry.get("against") else ""))
    out["load_after"] = tuple(round(x, 2) for x in os.getloadavg())
    out["rows"] = table_rows(out)
    return out


def table_rows(out: dict) -> list[Row]:
    """The results table's rows: each figure against the same run's bare read, or the older code."""
    label = out["backend"]
    rows: list[Row] = []
    for e in out["levels"]:
        k, old = e["kit"], e.get("against")
        size = f"{e['target'] // 1000}k rows" if e["target"] >= 1000 else f"{e['target']} rows"
        note = f"{k['rows']:,} answer rows = {2 * e['pairs']} people × every exercise; median of {out['repeat']}"
        rows.append(Row("aggregate", f"{label}: read, {size}", k["read"], e["bare_read"], "bare driver read", note=note))
        total = k["read"] + k["aggregates"]
        if old:
            rows.append(Row("aggregate", f"{label}: read + aggregates, {size}", total,
                            old["read"] + old["aggregates"], f"code at {old['sha']}"))
            rows.append(Row("aggregate", f"{label}: Group tab shown after a change, {size}", k["read"] + k["tab"],
                            old["read"] + old["tab"], f"code at {old['sha']}"))
        else:
            rows.append(Row("aggregate", f"{label}: read + aggregates, {size}", total, e["bare_read"],
                            "bare driver read"))
            rows.append(Row("aggregate", f"{label}: Group tab shown after a change, {size}", k["read"] + k["tab"],
                            e["bare_read"], "bare driver read"))
    return rows


def section(results: list[dict]) -> str:
    """The marked section of BENCHMARKS.md for one or more backends' :func:`run` results."""
    first = results[0]
    lines = [MARK_START, "", "## Facilitator aggregation: the group view with a course's answers", "",
             f"`benchmarks/bench_aggregate.py` ({first['date']} UTC, {first['cores']} cores). A session of pairs "
             "(a supervisor and a peer specialist) who answered every exercise of the kit their role completes, "
             f"on every occasion ({first['exercises']} exercises; {first['per_pair']} answer rows per pair), with "
             "the kit's sample answers, written answers, and earlier revisions of some submissions. Timed as the "
             f"dashboard does it, median of {first['repeat']} after a warm-up: the read when the data changed "
             "(`SessionModel.refresh`), the group view's aggregates of every exercise (the `peerkit.prep` calls "
             "of `blocks.instrument_blocks`, before → after included), the Group tab shown with the current exercise drawn (`GroupPanel.update`), "
             "and the other exercises' views that the dashboard then prepares in a worker thread. The bare read "
             "fetches the same answers with the database driver and `json.loads`, nothing else.", ""]
    has_old = any(e.get("against") for r in results for e in r["levels"])
    head = ["backend", "answer rows (people)", "read", "aggregates", "read + aggregates", "Group tab shown",
            "all other views", "bare read"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        for e in r["levels"]:
            k = e["kit"]
            lines.append(f"| {r['backend']} | {k['rows']:,} ({2 * e['pairs']}) | {fmt_s(k['read'])} | "
                         f"{fmt_s(k['aggregates'])} | **{fmt_s(k['read'] + k['aggregates'])}** | "
                         f"{fmt_s(k['read'] + k['tab'])} | {fmt_s(k['all_views'])} | {fmt_s(e['bare_read'])} |")
            old = e.get("against")
            if old:
                named = f" ({old['rev']})" if not old["sha"].startswith(old["rev"]) else ""
                lines.append(f"| {r['backend']}, code at `{old['sha']}`{named} | {old['rows']:,} | "
                             f"{fmt_s(old['read'])} | {fmt_s(old['aggregates'])} | "
                             f"{fmt_s(old['read'] + old['aggregates'])} | {fmt_s(old['read'] + old['tab'])} | "
                             f"{fmt_s(old['all_views'])} | |")
    lines.append("")
    for r in results:
        top = r["levels"][-1]
        k, old = top["kit"], top.get("against")
        total = k["read"] + k["aggregates"]
        msg = (f"- {r['backend']}, {k['rows']:,} rows: read + aggregates {fmt_s(total)} "
               f"({'within' if total < 1 else 'above'} the 1 s target), {total / top['bare_read']:.1f}× the bare read; "
               f"the Group tab shows the new data after {fmt_s(k['read'] + k['tab'])}")
        if old:
            before = old["read"] + old["aggregates"]
            msg += (f". With the code at `{old['sha']}` on the same data in the same run: {fmt_s(before)} "
                    f"({before / total:.1f}× as long), tab {fmt_s(old['read'] + old['tab'])}")
        lines.append(msg + ".")
        lines.append(f"- {r['backend']}, {k['rows']:,} rows: a poll with nothing new (`SessionModel.refresh()`, "
                     f"every few seconds on the dashboard and the projector) {fmt_s(k['poll'])}"
                     + (f" (code at `{old['sha']}`: {fmt_s(old['poll'])})" if old and "poll" in old else "") + ".")
        small = r["levels"][0]["kit"]
        lines.append(f"- {r['backend']}: the other exercises' views took {fmt_s(k['all_views'])} for {k['views'] - 1} "
                     f"views at {k['rows']:,} rows, and {fmt_s(small['all_views'])} at {small['rows']:,} rows: drawing "
                     "the charts (matplotlib, as SVG), not the answers, is most of that time. The dashboard draws them "
                     "in a worker thread after a change, so the tab stays usable; `benchmarks/bench_group.py` times "
                     "a switch of exercise.")
        lines.append(f"- {r['backend']}: load average {r['load_before']} before, {r['load_after']} after "
                     "(1, 5, 15 minutes; the machine is shared, so absolute times vary with it).")
    if has_old:
        lines.append("- *Code at …* rows: the same measurement run in a subprocess with the kit's code at that git "
                     "revision, on the same database, right after the current code.")
    lines += ["", MARK_END]
    return "\n".join(lines) + "\n"


def write_section(results: list[dict], path: Path | None = None) -> None:
    from benchmarks.sections import write_benchmarks_section

    write_benchmarks_section(MARK_START, MARK_END, section(results), path, what="the aggregation section")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1k and 10k rows only")
    ap.add_argument("--levels", default="", help="answer rows, e.g. 100000 (default 1000,10000,100000)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--postgres", action="store_true", help="also on PostgreSQL ($PEERKIT_TEST_POSTGRES_URL)")
    ap.add_argument("--against", default="", metavar="REV", help="also measure the kit's code at this git revision")
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args(argv)
    levels = tuple(int(x) for x in args.levels.split(",") if x.strip()) or None
    results = [run(args.quick, against=args.against or None, repeat=args.repeat, levels=levels)]
    if args.postgres:
        from benchmarks.bench_submit import PgSchema, postgres_url

        pg = postgres_url()
        if not pg:
            print("PostgreSQL: no server (PEERKIT_TEST_POSTGRES_URL)")
        else:
            schemas: list = []

            def url_of(_target: int) -> str:
                schemas.append(PgSchema(pg))
                return schemas[-1].url

            try:
                results.append(run(args.quick, url_of=url_of, label="PostgreSQL", against=args.against or None,
                                   repeat=args.repeat, levels=levels))
            finally:
                for sch in schemas:
                    sch.drop()
    print(section(results))
    if args.write:
        write_section(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
