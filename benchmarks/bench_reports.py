"""Printable reports: time to produce the session report (HTML, and PDF through WeasyPrint) for the
demo session (12 participants) and for a 40-participant session, plus one pair's report.

Both sessions hold the demo's four exercises (readiness quiz, S/I/A ratings, program
self-evaluation, role clarity before and after) answered with ``demo_answers``; the 40-participant
one has 20 supervisor–peer specialist pairs, written with ``Store.restore_session``. Timed from the
snapshot (``peerkit.reports.collect``, included) to the finished bytes: HTML is the templates with
every chart drawn as SVG; PDF is that page laid out by WeasyPrint. Median of ``reps`` after a
warm-up. The baseline of each PDF is the HTML of the same report in the same run.

Run alone: ``.venv/bin/python benchmarks/bench_reports.py`` updates only the "Reports" section of
BENCHMARKS.md; ``benchmarks/run.py --only reports`` runs it with the other sections' machinery.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from benchmarks import harness as h  # noqa: E402
from benchmarks.sections import write_marked_section  # noqa: E402
from benchmarks.stats import Row, median  # noqa: E402

BEGIN, END = "<!-- reports-benchmark:begin -->", "<!-- reports-benchmark:end -->"


def _payload(people: int) -> dict:
    from peerkit.instruments import load_all
    from peerkit.store import DEMO_INSTRUMENTS, demo_answers

    found = load_all()
    instruments = [found[i] for i in DEMO_INSTRUMENTS if i in found]
    when = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    participants, pairs, responses = [], [], []
    for k in range(people // 2):
        sup, ps = 2 * k + 1, 2 * k + 2
        pairs.append({"id": k + 1, "supervisor_id": sup, "supervisee_id": ps})
        participants += [{"id": sup, "display_name": f"Supervisor {k + 1}", "role": "supervisor", "pair_id": k + 1},
                         {"id": ps, "display_name": f"Peer specialist {k + 1}", "role": "peer_specialist",
                          "pair_id": k + 1}]
        for pid, role in ((sup, "supervisor"), (ps, "peer_specialist")):
            for ins in instruments:
                if ins.completed_by not in ("both", "anyone", "group", role):
                    continue
                for n, occ in enumerate(ins.occasion_ids):
                    answers = demo_answers(ins, k, role, occ, n)
                    if answers:
                        responses.append({"participant_id": pid, "instrument_id": ins.id,
                                          "instrument_version": ins.version, "occasion": occ, "revision": 1,
                                          "answers": answers, "submitted_at": when})
    return {"session": {"title": f"Report bench ({people} participants)", "join_code": None, "status": "open"},
            "participants": participants, "pairs": pairs, "responses": responses, "notes": []}


def _timed(fn, reps: int) -> tuple[float, object, float]:
    """(median wall time, the result, median CPU time of this process: less sensitive to other load)."""
    fn()  # warm-up: imports, fonts, template compilation
    times, cpu, out = [], [], None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return median(times), out, median(cpu)


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def run(quick: bool = False, log=print) -> dict:
    from peerkit import reports
    from peerkit.store import Store

    if not reports.pdf_available():
        raise RuntimeError("WeasyPrint cannot load here (the Pango library is missing)")
    reps = 1 if quick else 3
    out: dict = {"reps": reps, "levels": []}
    rows: list[Row] = []
    for label, people in (("demo session", 12), ("40 participants", 40)):
        store = Store(f"sqlite:///{h.tmpdir('reports') / 'reports.sqlite'}")
        try:
            session = store.load_demo() if people == 12 else store.restore_session(
                _payload(people), new_code=True, passcode="bench")

            def data():
                return reports.collect(store, session.id)

            html_s, page, html_cpu = _timed(lambda: reports.session_report_html(data()), reps)
            pdf_s, pdf, pdf_cpu = _timed(lambda: reports.session_report_document(data(), fmt="pdf").content, reps)
            handout_s, handout, _ = _timed(lambda: reports.session_report_document(data(), fmt="pdf", names=False)
                                           .content, reps)
            pair_id = store.pairs(session.id)[0].id
            pair_html_s, _, _ = _timed(lambda: reports.pair_report_html(data(), pair_id), reps)
            pair_s, pair, pair_cpu = _timed(lambda: reports.pair_report_document(data(), pair_id, fmt="pdf").content,
                                            reps)
            n_people = len(store.participants(session.id))
        finally:
            store.close()
        entry = {"label": label, "people": n_people, "html_s": html_s, "pdf_s": pdf_s, "handout_s": handout_s,
                 "html_cpu": html_cpu, "pdf_cpu": pdf_cpu, "pair_cpu": pair_cpu,
                 "pair_html_s": pair_html_s, "pair_s": pair_s, "pages": _pages(pdf), "handout_pages": _pages(handout),
                 "pair_pages": _pages(pair), "pdf_kb": len(pdf) / 1024, "html_kb": len(page.encode()) / 1024}
        out["levels"].append(entry)
        log(f"  reports[{label}]: session HTML {html_s:.1f} s, PDF {pdf_s:.1f} s ({entry['pages']} pages), "
            f"handout PDF {handout_s:.1f} s, pair PDF {pair_s:.1f} s")
        note = f"{n_people} participants; median of {reps}"
        rows += [
            Row("reports", f"session report HTML (charts as SVG), {label}", html_s, None, note=note),
            Row("reports", f"session report PDF, {label}", pdf_s, html_s, "its HTML",
                note=f"{entry['pages']} pages, {entry['pdf_kb']:.0f} KB; CPU {pdf_cpu:.1f} s"),
            Row("reports", f"room handout PDF (no names), {label}", handout_s, html_s, "session HTML",
                note=f"{entry['handout_pages']} pages"),
            Row("reports", f"one pair's report PDF, {label}", pair_s, pair_html_s, "its HTML",
                note=f"{entry['pair_pages']} pages"),
        ]
    first, last = out["levels"][0], out["levels"][-1]
    rows.append(Row("reports", "session report PDF, 40 participants vs the demo session", last["pdf_s"],
                    first["pdf_s"], "demo session", note=f"CPU time ratio {last['pdf_cpu'] / first['pdf_cpu']:.2f}×"))
    out["rows"] = rows
    return out


def notes(res: dict) -> list[str]:
    """The section's text for BENCHMARKS.md."""
    out = ["### Reports", "",
           "Time to produce the printable session report, from reading the session out of the store "
           "(`reports.collect`) to the finished file: HTML (Jinja2 templates, every chart drawn by matplotlib "
           "as SVG) and PDF (the same page laid out by WeasyPrint). Both sessions hold the demo's four "
           "exercises; the 40-participant session has 20 pairs. Wall time, with this process's CPU time in "
           "brackets (other sessions were using the machine's 2 cores: CPU time is the steadier figure). "
           f"Median of {res['reps']} after a warm-up.", "",
           "| session | participants | session HTML | session PDF | pages | room handout PDF | pair report PDF |",
           "|---|---|---|---|---|---|---|"]
    for e in res["levels"]:
        out.append(f"| {e['label']} | {e['people']} | {e['html_s']:.1f} s ({e['html_cpu']:.1f} s) | "
                   f"{e['pdf_s']:.1f} s ({e['pdf_cpu']:.1f} s) | {e['pages']} | "
                   f"{e['handout_s']:.1f} s ({e['handout_pages']} pages) | {e['pair_s']:.1f} s "
                   f"({e['pair_cpu']:.1f} s; {e['pair_pages']} pages) |")
    first, last = res["levels"][0], res["levels"][-1]
    share = 1 - first["html_cpu"] / first["pdf_cpu"] if first["pdf_cpu"] else float("nan")
    out += ["", f"- {last['people']} participants instead of {first['people']}: the session PDF takes "
                f"{last['pdf_s'] / first['pdf_s']:.2f}× the wall time and {last['pdf_cpu'] / first['pdf_cpu']:.2f}× "
                f"the CPU time, for {last['pages']} pages instead of {first['pages']} (the charts have the same "
                "rows; the pairs table, the lists of names and the counts grow).",
            f"- Of the demo session's PDF CPU time, {share:.0%} is WeasyPrint's layout and drawing (the rest is "
            "reading the store, the charts and the templates, i.e. the HTML).", ""]
    return out


def _write_section(res: dict, path: Path, mach: dict) -> None:
    body = "\n".join([BEGIN, f"## Reports (measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
                             f"{mach['cores']} cores, load average {mach['load_at_start']} at start)", "",
                      *notes(res)[2:], END])
    write_marked_section(path, BEGIN, END, body)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Time the printable reports; update BENCHMARKS.md's Reports section")
    ap.add_argument("--quick", action="store_true", help="one repetition instead of three")
    ap.add_argument("--output", default=str(h.ROOT / "BENCHMARKS.md"))
    args = ap.parse_args(argv)
    mach = h.machine()
    try:
        res = run(args.quick)
    finally:
        h.cleanup()
    _write_section(res, Path(args.output), mach)
    print(f"wrote the Reports section of {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
