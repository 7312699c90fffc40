"""The results a participant sees after submitting, rendered as escaped HTML.

Built on :func:`peerkit.scoring.score`. Meaning is always carried by words and symbols
(✔ correct, ✘ not correct, ▲ newly ticked ...), never by colour alone. Everything typed by a
participant is escaped. pandas is imported only when an occasion comparison is drawn.
"""

from __future__ import annotations

from typing import Any, Mapping

import ipywidgets as widgets

from ..instruments import Instrument, Item, Option
from ..scoring import Score, key_points, score
from .common import esc, item_numbers, paragraphs, value_label

__all__ = ["ResultsPanel", "occasion_changes", "render_results"]


def _table(head: list[str], rows: list[list[str]], caption: str = "") -> str:
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    th = "".join(f'<th scope="col">{h}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    import re

    name = caption or ", ".join(re.sub(r"<[^>]+>", "", h) for h in head)
    # its own box scrolls sideways when the table cannot fit (focusable, so a keyboard can scroll
    # it); cells wrap between words only (kit.css)
    return (f'<div class="peerkit-table-wrap" role="region" tabindex="0" aria-label="{esc(name)}">'
            f"<table>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>")


def _num(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "–"
    return str(int(x)) if float(x).is_integer() else f"{x:.{digits}f}"


def _item_ref(num: Mapping[str, str], item: Item) -> str:
    return f"<strong>{esc(num[item.id])}.</strong> {esc(item.text)}"


def _counted_label(ins: Instrument) -> str:
    target = ins.scoring.value
    scale = ins.scale_for(ins.items[0])
    if scale.kind == "checklist":
        return "Ticked" if target is True else "Not ticked"
    return f"Answered ‘{value_label(scale, target)}’"


def _band_html(ins: Instrument, sc: Score) -> str:
    if not ins.scoring.bands:
        return ""
    if sc.band is None:
        if sc.unanswered:
            return ("<p>ℹ Answer every item to see which range your result falls in "
                    f"({sc.answered} of {sc.n_items} answered).</p>")
        return ""
    text = paragraphs(sc.band.text)
    return (f'<div class="peerkit-band" role="group" aria-label="Your result">'
            f"<p><strong>Your result: {esc(sc.band.label)}</strong></p>{text}</div>")


def _count_html(ins: Instrument, sc: Score, answers: Mapping[str, Any]) -> str:
    label = _counted_label(ins)
    out = f"<p><strong>{esc(label)}:</strong> {sc.count or 0} of {sc.n_items}</p>"
    if len(ins.sections) > 1:
        target = ins.scoring.value
        rows = []
        for sec in ins.sections:
            n = sum(1 for i in sec.items if answers.get(i.id) == target
                    and type(answers.get(i.id)) is type(target))
            rows.append([esc(sec.title or sec.id), f"{n} of {len(sec.items)}"])
        out += _table(["Section", esc(label)], rows)
    return out


def _sum_html(ins: Instrument, sc: Score, answers: Mapping[str, Any], num: Mapping[str, str]) -> str:
    out = (f"<p><strong>Total:</strong> {_num(sc.total)} · <strong>Mean:</strong> {_num(sc.mean)} "
           f"(over {sc.answered} answered of {sc.n_items})</p>")
    if sc.sections:
        rows = [[esc(s.title or s.section_id), f"{s.answered} of {s.n_items}", _num(s.total), _num(s.mean)]
                for s in sc.sections]
        out += _table(["Area", "Answered", "Total", "Mean"], rows)

    def listing(pairs: tuple, title: str) -> str:
        if not pairs:
            return ""
        lis = "".join(
            f"<li>{_item_ref(num, ins.item(i))} — {esc(value_label(ins.scale_for(i), v))}</li>"
            for i, v in pairs
        )
        return f"<h4>{title}</h4><ul>{lis}</ul>"

    out += listing(sc.strengths, "Strengths (your highest-rated items)")
    out += listing(sc.needs, "Training, mentoring or coaching needs (your lowest-rated items)")
    if sc.answered and not sc.strengths and not sc.needs:
        out += "<p>All your ratings are the same, so no item stands out as a strength or a need.</p>"
    return out


def _options(ins: Instrument, items: tuple[Item, ...]) -> list[Option]:
    seen: dict[str, Option] = {}
    for item in items:
        for opt in ins.scale_for(item).options:
            seen.setdefault(str(opt.value), opt)
    return list(seen.values())


def _tally_html(ins: Instrument, sc: Score) -> str:
    opts = _options(ins, ins.items)
    rows = [[f"<strong>{esc(o.label)}</strong>", esc(o.description or ""), str(sc.tally.get(str(o.value), 0))]
            for o in opts]
    out = _table(["Rating", "Meaning", "Items"], rows)
    if len(sc.sections) > 1:
        head = ["Section"] + [esc(o.label) for o in opts]
        srows = [[esc(s.title or s.section_id)] + [str(s.tally.get(str(o.value), 0)) for o in opts]
                 for s in sc.sections]
        out += _table(head, srows)
    return out


def _keyed_items_html(ins: Instrument, answers: Mapping[str, Any], num: Mapping[str, str],
                      all_items: bool) -> str:
    """Each answer next to the key (✔/✘ in words too) and the explanation."""
    parts = []
    for item in ins.items:
        if not all_items and item.answer is None and not item.explanation:
            continue
        scale = ins.scale_for(item)
        if scale.kind == "text":
            continue
        given = answers.get(item.id)
        lines = [f"<p>{_item_ref(num, item)}</p>",
                 f"<p>Your answer: {esc(value_label(scale, given))}</p>"]
        if item.answer is not None:
            if given is None:
                verdict = '<span aria-hidden="true">–</span> Not answered'
            elif given == item.answer and type(given) is type(item.answer):
                verdict = '<span aria-hidden="true">✔</span> <strong>Correct</strong>'
            elif scale.kind == "multi":
                got, possible = key_points(ins, item, given)
                verdict = (f'<span aria-hidden="true">◐</span> <strong>Partly as in the key</strong>: '
                           f"{got} of {possible} categories ticked or left as the key has them")
            else:
                verdict = '<span aria-hidden="true">✘</span> <strong>Not correct</strong>'
            lines.append(f"<p>{verdict} · Answer key: {esc(value_label(scale, item.answer))}</p>")
        if item.explanation:
            lines.append(f'<div class="peerkit-explanation">{paragraphs(item.explanation)}</div>')
        parts.append(f'<li class="peerkit-result-item">{"".join(lines)}</li>')
    return f'<ol class="peerkit-result-items" style="list-style:none;padding-left:0">{"".join(parts)}</ol>' if parts else ""


def _text_answers_html(ins: Instrument, answers: Mapping[str, Any], num: Mapping[str, str]) -> str:
    parts = []
    for item in ins.items:
        if ins.scale_for(item).kind != "text":
            continue
        given = answers.get(item.id)
        body = (f'<div class="peerkit-answer-text">{esc(given)}</div>' if given
                else "<div><em>not answered</em></div>")
        parts.append(f"<li><p>{_item_ref(num, item)}</p>{body}</li>")
    if not parts:
        return ""
    return f'<h4>Your written answers</h4><ul class="peerkit-text-answers">{"".join(parts)}</ul>'


def _guidance_html(ins: Instrument) -> str:
    out = ""
    for g in ins.guidance:
        if g.numbers:  # the source numbers the points: show its numbers, as printed
            points = "".join(f"<li><strong>{esc(n)}.</strong> {esc(p)}</li>" for n, p in g.labelled())
            listing = f'<ul style="list-style:none;padding-left:0">{points}</ul>'
        else:
            points = "".join(f"<li>{esc(p)}</li>" for p in g.points)
            listing = f"<ul>{points}</ul>" if points else ""
        out += f'<div class="peerkit-guidance"><h4>{esc(g.title)}</h4>{paragraphs(g.text)}{listing}</div>'

    return out


def _discussion_html(ins: Instrument) -> str:
    d = ins.discussion
    if d is None:
        return ""
    if any(n for n, _ in d.labelled()):  # the source's own numbers, as printed
        qs = "".join(f"<li><strong>{esc(n or '')}{'.' if n else ''}</strong> {esc(q.text)}</li>"
                     for n, q in d.labelled())
        items = f'<ul style="list-style:none;padding-left:0">{qs}</ul>'
    else:  # the source bullets them
        items = "<ul>" + "".join(f"<li>{esc(q.text)}</li>" for q in d.questions) + "</ul>"
    return (f'<div class="peerkit-discussion"><h4>{esc(d.title or "For discussion")}</h4>'
            f"{paragraphs(d.intro)}{items}</div>")


# -- occasions (pre -> post) ------------------------------------------------

CHANGE_WORDS = {
    "gained": ("▲", "newly ticked"),
    "lost": ("▼", "no longer ticked"),
    "changed": ("≠", "changed"),
    "same": ("=", "same"),
}


def occasion_changes(instrument: Instrument, before: Mapping[str, Any] | None,
                     after: Mapping[str, Any] | None) -> list[dict]:
    """Rows of :func:`peerkit.compare.pre_post` as plain dicts (pandas imported here only)."""
    from ..compare import pre_post  # lazy: pandas stays out of the participant's start-up

    df = pre_post(instrument, before, after)
    rows = []
    for rec in df.to_dict("records"):
        rows.append({k: (None if _isna(v) else v) for k, v in rec.items()})
    return rows


def _isna(v: Any) -> bool:
    try:
        return v != v  # NaN
    except Exception:  # pragma: no cover - exotic values
        return False


def _changes_html(ins: Instrument, before: Mapping[str, Any], after: Mapping[str, Any],
                  before_label: str, num: Mapping[str, str]) -> str:
    try:
        rows = occasion_changes(ins, before, after)
    except ValueError as exc:  # answers from an older version of the instrument
        return f"<p>ℹ The comparison with {esc(before_label)} is not available ({esc(exc)}).</p>"
    head = f"<h4>Change since {esc(before_label)}</h4>"
    checklist = all(ins.scale_for(i).kind == "checklist" for i in ins.items)
    out = head
    if checklist:
        n = len(ins.items)
        b = sum(1 for v in before.values() if v is True)
        a = sum(1 for v in after.values() if v is True)
        diff = a - b
        out += (f"<p><strong>Ticked then:</strong> {b} of {n} · <strong>now:</strong> {a} of {n} "
                f"({'+' if diff > 0 else ''}{diff})</p>")
    counts = {k: 0 for k in CHANGE_WORDS}
    listed = []
    for r in rows:
        ch = r.get("change")
        if ch in counts:
            counts[ch] += 1
        if ch in ("gained", "lost", "changed"):
            sym, word = CHANGE_WORDS[ch]
            item = ins.item(r["item_id"])
            scale = ins.scale_for(item)
            listed.append([
                _item_ref(num, item),
                esc(value_label(scale, r.get("pre"))),
                esc(value_label(scale, r.get("post"))),
                f'<span aria-hidden="true">{sym}</span> {word}',
            ])
    summary = " · ".join(f"{CHANGE_WORDS[k][1]}: {v}" for k, v in counts.items() if v)
    out += f"<p>{esc(summary) if summary else 'No item was answered both times yet.'}</p>"
    if listed:
        out += _table(["Item", esc(before_label), "Now", "Change"], listed)
    return f'<div class="peerkit-changes">{out}</div>'


# -- the whole panel --------------------------------------------------------

KEY_LATER = ("<p class=\"peerkit-key-later\">ℹ The answer key and what your result means are shown "
             "when your facilitator reveals the results.</p>")


def render_results(instrument: Instrument, answers: Mapping[str, Any], *,
                   before: Mapping[str, Any] | None = None, before_label: str = "",
                   show_key: bool = True) -> str:
    """HTML of the results for ``answers`` (a submitted response).

    ``show_key=False`` (a facilitator-led session before the reveal) leaves out the answer key,
    the explanations and the score ranges, and says when they will be shown.
    """
    ins = instrument
    if not show_key:
        return _results_without_key(ins, answers)
    num = item_numbers(ins)
    try:
        sc = score(ins, answers)
    except ValueError as exc:
        return f"<p>✘ These answers cannot be scored: {esc(exc)}</p>"
    method = sc.method
    parts = ['<h3>Your results</h3>']
    n_text = sum(1 for i in ins.items if ins.scale_for(i).kind != "checklist")
    if n_text:
        answered = sum(1 for i in ins.items if ins.scale_for(i).kind != "checklist" and i.id in answers
                       and answers[i.id] is not None)
        parts.append(f"<p>You answered {answered} of {n_text} items.</p>")
    parts.append(_band_html(ins, sc))
    if method == "count":
        parts.append(_count_html(ins, sc, answers))
    elif method == "sum":
        parts.append(_sum_html(ins, sc, answers, num))
    elif method == "tally":
        parts.append(_tally_html(ins, sc))
    elif method == "key":
        parts.append(f"<p><strong>Correct:</strong> {sc.correct or 0} of {sc.n_items}</p>")
        if sc.max_points != sc.n_items:
            parts.append(f"<p><strong>Points, each category of a multiple answer counted on its own:</strong> "
                         f"{sc.points or 0} of {sc.max_points}</p>")
    keyed = _keyed_items_html(ins, answers, num, all_items=(method == "key"))
    if keyed:
        parts.append("<h4>Your answers and the answer key</h4>" if method == "key"
                     else "<h4>Your answers, with notes from the source</h4>")
        parts.append(keyed)
    parts.append(_text_answers_html(ins, answers, num))
    if before is not None:
        parts.append(_changes_html(ins, before, answers, before_label or "last time", num))
    parts.append(_guidance_html(ins))
    parts.append(_discussion_html(ins))
    return "".join(p for p in parts if p)


def _results_without_key(ins: Instrument, answers: Mapping[str, Any]) -> str:
    num = item_numbers(ins)
    rows = []
    for item in ins.items:
        scale = ins.scale_for(item)
        if scale.kind == "text":
            continue
        rows.append(f"<li>{_item_ref(num, item)} — {esc(value_label(scale, answers.get(item.id)))}</li>")
    listing = f'<h4>Your answers</h4><ul class="peerkit-result-items">{"".join(rows)}</ul>' if rows else ""
    return "".join(['<h3>Your results</h3>', KEY_LATER, listing, _text_answers_html(ins, answers, num),
                    _discussion_html(ins)])


class ResultsPanel(widgets.HTML):
    """An HTML widget showing :func:`render_results`; hidden until there is something to show."""

    def __init__(self, instrument: Instrument):
        super().__init__(value="", layout=widgets.Layout(width="100%", display="none"))
        self.instrument = instrument
        self.add_class("peerkit-results")

    def show(self, answers: Mapping[str, Any], **kw: Any) -> None:
        self.value = f'<section aria-label="Your results">{render_results(self.instrument, answers, **kw)}</section>'
        self.layout.display = None

    def clear(self) -> None:
        self.value = ""
        self.layout.display = "none"
