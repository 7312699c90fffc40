"""The pair comparison as one HTML list: the screen a pair discusses on, on a phone or a laptop.

Built from :func:`peerkit.prep.pair_table`; no widgets, so the participant's view, the
facilitator's Pairs tab and the reports can all show it.

- One row per item: the item, the first person's answer, the second person's answer and a
  mark that says in a symbol *and* a word whether they are the same ("= same", "≠ different",
  "… waiting"); colour only adds to it.
- Differences first (the largest gap first on an ordinal scale), then items only one of the two
  has answered, then the agreements. The differences come with the exercise's own prompt for
  discussing them (the discussion question of the source that talks about differences).
- A plain sentence on agreement: "You agree on 7 of 10 items (kappa 0.78: substantial
  agreement)", with one line saying what kappa is.
- Names are isolated (``<bdi>``) so a right-to-left name cannot reorder the text around it,
  and everything typed by a person is escaped.

On a wide screen the rows line up as four columns under a header; on a phone (kit.css) each
row becomes the item on one line and the two answers side by side below it, each with its name.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import pandas as pd

from .compare import weighted_kappa
from .instruments import Instrument

__all__ = ["agreement", "agreement_html", "difference_prompt", "kappa_words", "pair_list_html"]

# Landis & Koch (1977), the usual words for kappa
KAPPA_WORDS = ((0.0, "less than chance agreement"), (0.20, "slight agreement"), (0.40, "fair agreement"),
               (0.60, "moderate agreement"), (0.80, "substantial agreement"), (1.01, "almost perfect agreement"))
KAPPA_NOTE = ("What is this? Kappa is agreement corrected for chance: 1 means the same answer on every "
              "item, 0 means no more agreement than chance alone would give.")
MARKS = {
    "differs": ("≠", "different"),
    "same": ("=", "same"),
    "one answer": ("…", "waiting"),
    "no answers": ("", "not answered"),
}


def _esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def name_html(name: Any) -> str:
    """A person's name isolated from the text around it (right-to-left names stay in place)."""
    return f"<bdi>{_esc(name)}</bdi>"


def kappa_words(kappa: float) -> str:
    """The usual words for a kappa value (Landis & Koch)."""
    if kappa is None or (isinstance(kappa, float) and math.isnan(kappa)):
        return ""
    if kappa <= 0:
        return KAPPA_WORDS[0][1]
    for upper, words in KAPPA_WORDS[1:]:
        if kappa <= upper:
            return words
    return KAPPA_WORDS[-1][1]


def _answered(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["status"].isin(["same", "differs"])]


def agreement(instrument: Instrument, table: pd.DataFrame) -> dict[str, Any]:
    """Items both answered, how many the same, and one kappa over them when every item shares one
    scale (weighted linearly on an ordinal scale, unweighted otherwise); NaN when undefined."""
    both = _answered(table)
    same = int((both["status"] == "same").sum())
    kappa = math.nan
    scales = {repr(instrument.scale_for(i)) for i in both["item_id"]}
    if len(both) and len(scales) == 1:
        scale = instrument.scale_for(both["item_id"].iloc[0])
        if scale.kind not in ("text",):
            kappa = weighted_kappa(list(both["a"]), list(both["b"]), list(scale.values),
                                   "linear" if scale.ordinal else "none")
    return {"both": len(both), "same": same, "kappa": kappa}


def agreement_sentence(instrument: Instrument, table: pd.DataFrame, who: str = "You") -> str:
    """Plain text: "You agree on 7 of 10 items (kappa 0.78: substantial agreement)."."""
    a = agreement(instrument, table)
    if not a["both"]:
        return ""
    items = "item" if a["both"] == 1 else "items"
    verb = "agree" if who == "You" or " and " in who else "agrees"
    s = f"{who} {verb} on {a['same']} of {a['both']} {items}"
    if not math.isnan(a["kappa"]):
        s += f" (kappa {a['kappa']:.2f}: {kappa_words(a['kappa'])})"
    return s + "."


def agreement_html(instrument: Instrument, table: pd.DataFrame, first: str | None = None,
                   second: str | None = None) -> str:
    """The agreement sentence (names isolated) with its one-line note; '' when nothing to compare."""
    a = agreement(instrument, table)
    if not a["both"]:
        return ""
    who = "You" if first is None else f"{name_html(first)} and {name_html(second)}"
    items = "item" if a["both"] == 1 else "items"
    s = f"{who} agree on <strong>{a['same']} of {a['both']}</strong> {items}"
    note = ""
    if not math.isnan(a["kappa"]):
        s += f" (kappa {a['kappa']:.2f}: {kappa_words(a['kappa'])})"
        note = f'<p class="peerkit-agreement-note">{_esc(KAPPA_NOTE)}</p>'
    return f'<p class="peerkit-agreement">{s}.</p>{note}'


def difference_prompt(instrument: Instrument) -> str:
    """The source's prompt for discussing differences: the exercise's first discussion question
    that speaks of differences ("differ", "different", "differently"); '' when it has none (no
    prompt is made up)."""
    d = instrument.discussion
    if d is None or not d.questions:
        return ""
    for q in d.questions:
        if re.search(r"\bdiffer", q.text, re.I):
            return q.text
    return ""


def _answer(instrument: Instrument, item_id: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return instrument.scale_for(item_id).answer_label(value, compact=True)


def _order(table: pd.DataFrame) -> pd.DataFrame:
    rank = {"differs": 0, "one answer": 1, "same": 2, "no answers": 3}
    t = table[table["status"].isin(rank)].copy()
    t["_rank"] = t["status"].map(rank)
    t["_gap"] = -pd.to_numeric(t["abs_difference"], errors="coerce").fillna(0)
    t["_pos"] = range(len(t))
    return t.sort_values(["_rank", "_gap", "_pos"]).drop(columns=["_rank", "_gap", "_pos"])


GROUP_TITLES = {"differs": "Where {who} differ", "one answer": "Only one answer so far",
                "same": "Where {who} agree", "no answers": "Not answered yet"}


def pair_list_html(instrument: Instrument, table: pd.DataFrame, first_label: str, second_label: str, *,
                   swap: bool = False, caption: str = "", prompt: bool = True, you: bool = True) -> str:
    """The side-by-side list. ``first_label`` / ``second_label`` head the answer columns (e.g.
    "You" and the partner's name); ``swap`` shows the table's ``b`` answers first (a participant
    who is the pair's second member sees their own answers first)."""
    first, second = ("b", "a") if swap else ("a", "b")
    rows = _order(table)
    if rows.empty:
        return ""
    from .forms.common import item_numbers  # the numbers the person saw in the form

    numbers = item_numbers(instrument)
    head = (f'<div class="peerkit-pairlist-head" aria-hidden="true"><span>Item</span>'
            f"<span>{name_html(first_label)}</span><span>{name_html(second_label)}</span>"
            f"<span>Same?</span></div>")
    out = [f'<div class="peerkit-pairlist-box" role="group" aria-label="{_esc(caption or "Side by side")}">']
    ask = difference_prompt(instrument) if prompt else ""
    for status, part in rows.groupby("status", sort=False):
        title = GROUP_TITLES[status].format(who="you" if you else "they")
        out.append(f'<h5 class="peerkit-pairlist-group">{title} ({len(part)})</h5>')
        if status == "differs" and ask:
            out.append(f'<p class="peerkit-prompt"><strong>Talk about it:</strong> {_esc(ask)}</p>')
        out.append(head)
        out.append('<ul class="peerkit-pairlist" role="list">')
        for r in part.to_dict("records"):
            number = numbers.get(r["item_id"]) or str(r.get("number") or "").strip()
            item = (f"<strong>{_esc(number)}.</strong> " if number else "") + _esc(r["text"])
            symbol, word = MARKS[status]
            gap = r.get("abs_difference")
            if status == "differs" and gap is not None and not pd.isna(gap) and float(gap) > 0:
                steps = int(gap) if float(gap).is_integer() else float(gap)
                word = f"{word} ({steps} step{'s' if steps != 1 else ''})"
            cls = {"differs": "peerkit-differs", "same": "peerkit-same"}.get(status, "peerkit-waiting")
            answers = []
            for col, label in ((first, first_label), (second, second_label)):
                text = _answer(instrument, r["item_id"], r[col]) or "–"
                answers.append(f'<div class="peerkit-pair-answer peerkit-pair-{col}">'
                               f'<span class="peerkit-pair-who">{name_html(label)}:</span> '
                               f"<strong>{_esc(text)}</strong></div>")
            mark = (f'<span aria-hidden="true">{symbol}</span>&nbsp;' if symbol else "") + _esc(word)
            out.append(f'<li class="peerkit-pair-row {cls}"><div class="peerkit-pair-item">{item}</div>'
                       + "".join(answers) + f'<div class="peerkit-pair-mark">{mark}</div></li>')
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)


def scale_key_html(instrument: Instrument) -> str:
    """One line naming the answer codes of an S/I/A scale ("S: a strong component ..."), from the data."""
    for item in instrument.items:
        scale = instrument.scale_for(item)
        if scale.kind == "sia" and any(o.description for o in scale.options):
            parts = "; ".join(f"<strong>{_esc(o.short or o.label)}</strong> {_esc(o.description)}"
                              for o in scale.options)
            return f'<p class="peerkit-pair-key">{parts}</p>'
    return ""
