"""Facilitator aggregation: ``Store.responses_frame`` + the group view's ``peerkit.prep`` aggregates
for 1k, 10k and 100k stored responses.

"Responses" here are answer rows: participant × item answers of current revisions, i.e. the rows
of ``responses_frame`` (a submission of the 39-item self-evaluation is 39 rows). One session holds
them: participants (supervisors and peer specialists alternating) who each answered the same
seven exercises (226 items: ratings, S/I/A, true/false, choice, checklist and written answers),
written in one transaction through ``Store.restore_session`` (the import path). Timed: the frame,
then for every exercise the prep calls the group display makes (``blocks.group_blocks`` without
its charts): respondents, band_distribution, score_summary, area_means, option_counts,
widest_disagreement (std or modal share, and role gap), text_answers.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from . import harness as h
from .stats import Row, median

INSTRUMENTS = ("program-self-evaluation", "sia-recovery-principles", "misconceptions", "readiness-timeline",
               "peer-role-sorting", "job-description-components", "code-of-ethics")


def _payload(instruments: list, participants: int) -> dict:
    from peerkit.scoring import clean_answers
    from peerkit.store import demo_answers

    people, responses = [], []
    when = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    for p in range(participants):
        role = ("supervisor", "peer_specialist")[p % 2]
        people.append({"id": p + 1, "display_name": f"Person {p + 1}", "role": role, "pair_id": None})
        for ins in instruments:
            answers = demo_answers(ins, p % 37, role)
            for item in ins.items:
                if ins.scale_for(item).kind == "text":
                    answers[item.id] = f"Written answer {p} to {item.id}: <b>not bold</b>"
                elif item.id not in answers:  # demo answers leave ~3% out; keep the row count exact
                    answers[item.id] = ins.scale_for(item).values[0]
            responses.append({"participant_id": p + 1, "instrument_id": ins.id,
                              "instrument_version": ins.version, "occasion": "", "revision": 1,
                              "answers": clean_answers(ins, answers), "submitted_at": when})
    return {"session": {"title": f"Aggregation bench ({participants} people)", "join_code": None,
                        "status": "open"},
            "participants": people, "pairs": [], "responses": responses, "notes": []}


def group_aggregates(frame, ins) -> None:
    """The prep calls of ``peerkit.blocks.group_blocks`` (no charts)."""
    from peerkit import prep

    occ = prep.default_occasion(ins)
    prep.respondents(frame, ins, occ)
    prep.band_distribution(frame, ins, occ)
    prep.score_summary(frame, ins, occ)
    ordinal = any(prep._numeric_kind(ins.scale_for(i)) == "ordinal" for i in ins.items)
    prep.area_means(frame, ins, occ)
    if ins.kinds & {"sia", "true_false", "choice", "checklist"}:
        prep.option_counts(frame, ins, occ)
    prep.widest_disagreement(frame, ins, occ, by="std" if ordinal else "modal_share", n=5)
    if ordinal:
        prep.widest_disagreement(frame, ins, occ, by="role_gap", n=5)
    if "text" in ins.kinds:
        prep.text_answers(frame, ins, occ)


def run(quick: bool = False, log=print, url_of=None, label: str = "SQLite") -> dict:
    from peerkit.instruments import get_instrument
    from peerkit.store import Store

    targets = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    reps = 3
    instruments = [get_instrument(i) for i in INSTRUMENTS]
    per_person = sum(len(i.items) for i in instruments)
    out: dict = {"per_person": per_person, "levels": [], "backend": label}
    for target in targets:
        people = math.ceil(target / per_person)
        url = url_of(target) if url_of else f"sqlite:///{h.tmpdir('agg') / 'agg.sqlite'}"
        store = Store(url)
        try:
            t0 = time.perf_counter()
            session = store.restore_session(_payload(instruments, people), new_code=True, passcode="bench")
            write_s = time.perf_counter() - t0
            frames, preps, rows = [], [], 0
            warm = store.responses_frame(session.id)  # warm-up (imports pandas and prep); not counted
            for ins in instruments:
                group_aggregates(warm, ins)
            for _ in range(reps):
                t0 = time.perf_counter()
                frame = store.responses_frame(session.id)
                t1 = time.perf_counter()
                for ins in instruments:
                    group_aggregates(frame, ins)
                t2 = time.perf_counter()
                frames.append(t1 - t0)
                preps.append(t2 - t1)
                rows = len(frame)
        finally:
            store.close()
        entry = {"target": target, "rows": rows, "people": people, "write_s": write_s,
                 "frame_s": median(frames), "prep_s": median(preps),
                 "total_s": median([a + b for a, b in zip(frames, preps)])}
        out["levels"].append(entry)
        log(f"  aggregate[{label}] {rows:,} rows ({people} people): frame {entry['frame_s']:.2f} s, "
            f"prep {entry['prep_s']:.2f} s (written in {write_s:.1f} s)")
    rows_out = []
    first = out["levels"][0]
    for e in out["levels"]:
        note = f"{e['rows']:,} answer rows = {e['people']} people × {per_person} items; median of {reps}"
        rows_out += [
            Row("aggregate", f"{label}: responses_frame, {e['target'] // 1000}k rows", e["frame_s"],
                first["frame_s"], "1k", note=note),
            Row("aggregate", f"{label}: prep group aggregates (7 exercises), {e['target'] // 1000}k rows",
                e["prep_s"], first["prep_s"], "1k"),
            Row("aggregate", f"{label}: frame + aggregates, {e['target'] // 1000}k rows", e["total_s"],
                first["total_s"], "1k",
                note=f"growth per row vs 1k: {(e['total_s'] / e['rows']) / (first['total_s'] / first['rows']):.2f}×"),
        ]
    out["rows"] = rows_out
    return out
