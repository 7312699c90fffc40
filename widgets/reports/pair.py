"""The pair report: a conversation aid for one supervisor and supervisee.

Per exercise the two compare: where their answers differ (largest gap first), the exercise's
discussion questions from its data file with the pair's notes (or ruled space to write), action
steps for the items either rated below the top of an S/I/A scale, each person's strengths and
needs, then every answer side by side with the chart, and agreement per area. Exercises done
before and after (not compared) show each person's change. A last page holds the pair's notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .. import blocks as _blocks
from .. import plots, prep
from ..instruments import Instrument
from ..scoring import score
from .data import Paper, SessionData, pair_session_data, slug
from .render import block_view, render_html, table_view, write_pdf

__all__ = ["pair_context", "pair_report_html", "pair_report_pdf", "pair_sections", "person_pre_post_blocks"]

ACTION, QUESTION = _blocks.NOTE_ACTION, _blocks.NOTE_QUESTION


def note_key(prefix: str, ident: str, occasion: str = "") -> str:
    """The key a pair's note is saved under (as the pair view saves it)."""
    return f"{prefix}{ident}" + (f"@{occasion}" if occasion else "")


def _pair_row(data: SessionData, pair_id: int) -> dict[str, Any]:
    pairs = data.pairs_df()
    match = pairs[pairs["pair_id"] == int(pair_id)]
    if match.empty:
        raise KeyError(f"no pair {pair_id} in session {getattr(data.session, 'id', '?')}")
    p = match.iloc[0].to_dict()
    p["b_name"] = p["b_name"] if prep._py(p["b_name"]) is not None else "(partner missing)"
    p["b_id"] = int(p["b_id"]) if pd.notna(p["b_id"]) else None
    p["a_id"] = int(p["a_id"])
    return p


def comparable(ins: Instrument) -> bool:
    return bool(ins.compare and (ins.kinds - {"text"}))


def _answer(ins: Instrument, item_id: str, value: Any) -> str:
    """An answer as the pair reads it: "True", "S", "4 (Frequently)"; "–" when not given."""
    if prep._py(value) is None:
        return "–"
    scale = ins.scale_for(item_id)
    return scale.answer_label(prep._py(value), compact=scale.kind != "true_false")


def _legend(ins: Instrument) -> list[tuple[str, str]]:
    """What the short answers mean, where the exercise's scale says (S / I / A)."""
    seen: dict[str, str] = {}
    for item in ins.items:
        for o in ins.scale_for(item).options:
            if o.description:
                seen.setdefault(o.short or o.label, o.description)
    return list(seen.items())


def _differences(ins: Instrument, table: pd.DataFrame, a: str, b: str):
    differs = table[table["status"] == "differs"]
    numeric = differs["abs_difference"].notna().any()
    if numeric:
        differs = differs.assign(_gap=differs["abs_difference"].astype(float)).sort_values(
            "_gap", ascending=False, kind="stable")
    rows = pd.DataFrame({
        "item": [_blocks._item(r) for r in differs.to_dict("records")],
        "a": [_answer(ins, i, v) for i, v in zip(differs["item_id"], differs["a"])],
        "b": [_answer(ins, i, v) for i, v in zip(differs["item_id"], differs["b"])],
        "gap": ["" if pd.isna(d) else f"{abs(float(d)):g}" for d in differs["difference"]],
        "higher": [{"a": a, "b": b}.get(d, "") if isinstance(d, str) else "" for d in differs["direction"]],
    })
    cols = {"item": "Item", "a": a, "b": b}
    if numeric:
        cols.update({"gap": "Gap", "higher": "Rated higher by"})
    caption = f"Items {a} and {b} answered differently" + (", largest gap first" if numeric else "")
    return table_view(rows, caption, cols, row_header="item")


def _strengths(ins: Instrument, answers: Mapping[str, Any] | None) -> tuple[list[str], list[str]] | None:
    """(strengths, needs) of one person as item texts with their answers; None when the
    exercise has none (only S/I/A ratings and rating scales scored by sum have them)."""
    if answers is None:
        return [], []
    label = lambda i, v: f"{_blocks._item({'number': ins.item(i).number, 'text': ins.item(i).text})} — {_answer(ins, i, v)}"  # noqa: E731
    if ins.scoring.method == "sum":
        sc = score(ins, answers)
        return [label(i, v) for i, v in sc.strengths], [label(i, v) for i, v in sc.needs]
    sia = [i for i in ins.items if ins.scale_for(i).kind == "sia"]
    if sia:
        top = ins.scale_for(sia[0]).values[0]
        got = [(i.id, answers.get(i.id)) for i in sia if prep._py(answers.get(i.id)) is not None]
        return ([label(i, v) for i, v in got if v == top], [label(i, v) for i, v in got if v != top])
    return None


def _strength_labels(ins: Instrument) -> tuple[str, str, str]:
    if ins.scoring.method == "sum":
        return ("Strengths (highest-rated items)", "Training, mentoring or coaching needs (lowest-rated items)",
                "The items each of you rated highest and lowest.")
    sia = next((ins.scale_for(i) for i in ins.items if ins.scale_for(i).kind == "sia"), None)
    top = sia.options[0] if sia else None
    low = " or ".join(o.short or o.label for o in sia.options[1:]) if sia else ""
    return (f"Strong ({top.short or top.label})" if top else "Strengths",
            f"Rated {low}" if low else "Needs",
            "What each of you sees as already strong, and what is incomplete or absent.")


def pair_exercise(data: SessionData, ins: Instrument, occ: str, p: Mapping[str, Any],
                  notes: Mapping[str, str]) -> dict[str, Any]:
    """One compared exercise (one occasion) of the pair report."""
    a, b = p["a_name"], p["b_name"]
    table = prep.pair_table(data.responses, ins, p["a_id"], p["b_id"], occ)
    suffix = f" — {_blocks._occasion_label(ins, occ)}" if occ else ""
    ex: dict[str, Any] = {"id": f"ex-{slug(ins.id)}{'-' + slug(occ) if occ else ''}", "title": ins.title + suffix,
                          "source": ins.source.title + (f" — {ins.source.exercise}" if ins.source.exercise else "")}
    waiting = [n for n, col in ((a, "a"), (b, "b")) if table[col].isna().all()]
    ex["waiting"] = f"Waiting for {' and '.join(waiting)} to submit this exercise." if waiting else ""
    ex["summary"] = plots.pair_summary(table, a, b) if len(waiting) < 2 else ""
    both = int(table["both_answered"].astype(bool).sum())
    ex["differences"] = _differences(ins, table, a, b) if both else None
    ex["no_differences"] = f"You gave the same answer on all {both} items you both answered."
    ex["legend"] = _legend(ins)
    ex["glance"] = {"exercise": ex["title"], "both": both,
                    "same": int((table["status"] == "same").sum()), "differ": int((table["status"] == "differs").sum()),
                    "one": int((table["status"] == "one answer").sum())}
    # the source's discussion questions, with the pair's notes or room to write
    ex["questions"] = []
    if ins.discussion:
        ex["questions_title"] = ins.discussion.title or "Questions to talk over together"
        ex["questions_intro"] = ins.discussion.intro or ""
        ex["questions"] = [{"number": n, "text": q.text,
                            "note": notes.get(note_key(QUESTION, q.id, occ), "").strip()}
                           for n, q in ins.discussion.numbered()]
    # action steps for the items either rated below the top of an S/I/A scale
    actions = prep.action_items(ins, table)
    ex["actions"] = [{"text": _blocks._item(r),
                      "ratings": f"{a}: {_answer(ins, r['item_id'], r['a'])} · {b}: {_answer(ins, r['item_id'], r['b'])}",
                      "note": notes.get(note_key(ACTION, r["item_id"], occ), "").strip()}
                     for r in actions.to_dict("records")]
    sia = next((ins.scale_for(i) for i in ins.items if ins.scale_for(i).kind == "sia"), None)
    low = " or ".join(o.short or o.label for o in sia.options[1:]) if sia else "below the top"
    ex["actions_intro"] = (f"For each item either of you rated {low}: what could you do, individually or "
                           "together, to begin to make changes?")
    # strengths and needs, per person
    ex["strengths"] = []
    answers = prep.pair_answers(data.responses, ins, p["a_id"], p["b_id"], occ)
    per = [(_strengths(ins, ans), name) for ans, name in zip(answers, (a, b))]
    if all(s is not None for s, _ in per) and any(s and (s[0] or s[1]) for s, _ in per):
        ex["strengths_label"], ex["needs_label"], ex["strengths_intro"] = _strength_labels(ins)
        ex["strengths"] = [{"name": name, "strengths": s[0], "needs": s[1],
                            "none": "Not submitted yet." if ans is None else "None."}
                           for (s, name), ans in zip(per, answers)]
    # every answer side by side, and per area
    bl = _blocks.pair_blocks(data.responses, ins, a, b, p["a_id"], p["b_id"], occ, {})
    # per area only where there are several areas (one area says no more than the counts above)
    keep = [blk for blk in bl if blk.key == "pair-items" or (blk.key == "pair-areas" and len(ins.sections) > 1)]
    for blk in keep:
        if blk.key == "pair-items":
            blk.title = "All answers side by side"
    ex["blocks"] = [block_view(blk) for blk in keep]
    return ex


def person_pre_post_blocks(ins: Instrument, table: pd.DataFrame, name: str, occ: tuple[str, str]) -> list:
    """One person's change between two occasions: per section (chart) and the items that changed."""
    before, after = (_blocks._occasion_label(ins, o) for o in occ)
    summary_t = prep.pre_post_summary(ins, table)
    fig, summary = plots.pre_post_chart(summary_t, "", before, after)
    summary = f"{name}: " + summary
    changed = table[table["change"].isin(["gained", "lost", "changed"])]
    items = changed.assign(item=[_blocks._item(r) for r in changed.to_dict("records")],
                           pre=[_blocks.answer_text(ins, i, v) for i, v in zip(changed["item_id"], changed["pre"])],
                           post=[_blocks.answer_text(ins, i, v) for i, v in zip(changed["item_id"], changed["post"])])
    return [
        _blocks.Block("pre-post", f"{name}: {before} → {after}", summary, fig, summary_t,
                      {"section": "Section", "items": "Items", "pre_count": before, "post_count": after,
                       "gained": "Gained", "lost": "Lost"}, f"{name}: items ticked before and after"),
        _blocks.Block("pre-post-items", f"{name}: what changed", f"{len(items)} item"
                      f"{'s' if len(items) != 1 else ''} changed.", None, items,
                      {"item": "Item", "pre": before, "post": after, "change": "Change"},
                      f"{name}: items that changed"),
    ]


def pair_sections(data: SessionData, pair_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The pair's label and the exercises of its report (compared ones, then before/after ones)."""
    p = _pair_row(data, pair_id)
    out = []
    used = data.used_instruments()
    for ins in used:
        if not comparable(ins):
            continue
        notes = data.pair_notes(int(pair_id), ins.id)
        for occ in ins.occasion_ids:
            out.append(pair_exercise(data, ins, occ, p, notes))
    for ins in used:
        occ = prep.pre_post_occasions(ins)
        if occ is None or ins.compare:
            continue
        bl = []
        for pid, name in ((p["a_id"], p["a_name"]), (p["b_id"], p["b_name"])):
            if pid is None:
                continue
            table = prep.person_pre_post(data.responses, ins, pid, occ)
            if table["pre"].isna().all() and table["post"].isna().all():
                continue
            bl.extend(person_pre_post_blocks(ins, table, name, occ))
        if bl:
            out.append({"id": f"ex-{slug(ins.id)}", "title": ins.title,
                        "source": ins.source.title + (f" — {ins.source.exercise}" if ins.source.exercise else ""),
                        "waiting": "", "summary": "Each of you, before and after.", "differences": None,
                        "questions": [], "actions": [], "strengths": [], "legend": [], "glance": None,
                        "blocks": [block_view(b) for b in bl]})
    return p["label"], out


def pair_context(data: SessionData, pair_id: int) -> dict[str, Any]:
    """Everything ``pair.html`` shows."""
    p = _pair_row(data, pair_id)
    label, exercises = pair_sections(data, pair_id)
    title = data.session_title()
    roles = [f"{p['a_name']}, {prep.role_label(str(p['a_role'])).lower()}"]
    if p["b_id"] is not None:
        roles.append(f"{p['b_name']}, {prep.role_label(str(p['b_role'])).lower()}")
    meta = [*roles, title, *([data.session_date()] if data.session_date() else []), f"Made {data.made_at()}"]
    general = []
    for ins in data.used_instruments():
        for key, text in data.pair_notes(int(pair_id), ins.id).items():
            if not (key.startswith(ACTION) or key.startswith(QUESTION)) and str(text).strip():
                general.append((f"{ins.title}: {key}", str(text)))
    who = " and ".join(n for n in (p["a_name"], p["b_name"] if p["b_id"] is not None else None) if n)
    rows = [ex["glance"] for ex in exercises if ex.get("glance")]
    glance = table_view(pd.DataFrame(rows), "Your answers at a glance, per exercise",
                        {"exercise": "Exercise", "both": "Both answered", "same": "Same", "differ": "Different",
                         "one": "Only one answer"}) if rows else None
    prepost = [ex["title"] for ex in exercises if not ex.get("glance")]
    return {
        "page_title": f"Pair report: {label}", "footer": f"{title} — Pair report: {label}",
        "kind": "Pair report", "title": label, "meta": meta,
        "note": f"For {who} only: it shows your own answers side by side.",
        "intro": "",
        "steps": ["Each exercise starts with the items where your answers differ. Take them one at a time: "
                  "each of you says why you answered as you did. The point is the conversation, not agreeing.",
                  "Talk over the exercise's questions. Notes you saved together are printed under them; "
                  "otherwise write in the space.",
                  "Where either of you rated an item below the top of the scale, agree one action step.",
                  "Each person's strengths and needs, and every answer side by side, follow for reference.",
                  "On the last page, write down what you agreed and when you will talk again."],
        "exercises": exercises, "general_notes": general, "body_class": "pair-report",
        "glance": glance, "prepost": prepost,
    }


def pair_report_html(source: Any, pair_id: int, session_id: int | None = None, *,
                     instruments: Mapping[str, Instrument] | None = None,
                     paper: str | Paper | None = None) -> str:
    """One pair's report as a standalone HTML page (prints as the PDF does)."""
    data = pair_session_data(source, pair_id, session_id, instruments)
    return render_html("pair.html", paper=paper, **pair_context(data, pair_id))


def pair_report_pdf(source: Any, pair_id: int, path: str | Path | None = None, session_id: int | None = None, *,
                    instruments: Mapping[str, Instrument] | None = None,
                    paper: str | Paper | None = None) -> Path | bytes:
    """One pair's report as PDF: written to ``path`` (returned), or its bytes when ``path`` is None."""
    return write_pdf(pair_report_html(source, pair_id, session_id, instruments=instruments, paper=paper), path)
