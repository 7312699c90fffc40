"""What the group and pair views show, as blocks: a heading, a chart, its one-sentence
summary and a table. Built from :mod:`peerkit.prep` and :mod:`peerkit.plots`; rendered as
HTML by the dashboard (inside ``ipywidgets.HTML``) and by the HTML reports, and laid out
on pages by the PDF reports, so the room, the facilitator and the printout say the same.

Which blocks an instrument gets follows from its model, never from its id:
scoring bands -> band distribution; a score without bands -> scores by role; sections on
an ordinal scale -> area means by role with spread; option answers (S/I/A, true/false,
choice, checklist) -> answers per item by role; numeric items -> the widest disagreement
and (both roles present) the largest gaps between roles; nominal items -> the least
agreed items; two occasions (pre/post) -> change; text items -> the written answers
(only when names may be shown).

``names=False`` and ``min_group`` make a view safe to project: nobody is named, no
free text is shown, a role with fewer than ``min_group`` respondents is left out of the
role breakdowns, and nothing is shown for an instrument with fewer respondents than that.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from . import plots, prep
from .instruments import Instrument

__all__ = ["Block", "answer_text", "group_blocks", "pair_area_block", "pair_blocks", "respondent_sentence"]


@dataclass
class Block:
    """One part of a view: heading, summary sentence, optional chart and table."""

    key: str
    title: str
    summary: str
    figure: Any = None
    table: pd.DataFrame | None = None
    columns: Mapping[str, str] | None = None
    caption: str = ""
    formatters: Mapping[str, Any] = field(default_factory=dict)
    row_classes: Any = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (question/label, answer) for reports
    groups: tuple = ()  # column groups of the table (e.g. one per role), see plots.html_table

    def html(self, dpi: int = 100, heading_level: int = 4, fmt: str = "png") -> str:
        h = f"h{heading_level}"
        out = [f'<section class="peerkit-block peerkit-block-{html.escape(self.key)}">',
               f"<{h}>{html.escape(self.title)}</{h}>"]
        if self.figure is not None:
            out.append(plots.figure_html(self.figure, self.summary, dpi=dpi, fmt=fmt))
        elif self.summary:
            out.append(f'<p class="peerkit-summary">{html.escape(self.summary)}</p>')
        if self.table is not None:
            out.append(plots.html_table(self.table, self.caption or self.title, self.columns,
                                        formatters=self.formatters, row_classes=self.row_classes,
                                        groups=self.groups))
        if self.notes:
            out.append('<dl class="peerkit-notes">')
            for label, text in self.notes:
                out.append(f"<dt>{html.escape(label)}</dt><dd>{html.escape(text) if text else '—'}</dd>")
            out.append("</dl>")
        out.append("</section>")
        return "".join(out)


# -- formatting -----------------------------------------------------------------------------

def answer_text(instrument: Instrument, item_id: str, value: Any) -> str:
    """An answer as shown in tables: "S", "4 (Frequently)", "ticked", "True"."""
    value = prep._py(value)
    if value is None:
        return ""
    return instrument.scale_for(item_id).answer_label(value, compact=True)


def _num(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.{digits}f}"


def _pct(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{float(x):.0%}"


def _role_text(x: Any) -> str:
    return prep.role_label(str(x))


def _item(row: Mapping[str, Any]) -> str:
    return f"{row['number']}. {row['text']}" if row.get("number") else str(row["text"])


def respondent_sentence(people: pd.DataFrame, noun: str = "submitted") -> str:
    n = len(people)
    if n == 0:
        return f"Nobody has {noun} yet."
    by = [f"{int((people['role'] == r).sum())} {prep.role_label(r).lower()}{'s' if (people['role'] == r).sum() != 1 else ''}"
          for r in prep.ROLE_ORDER if (people["role"] == r).any()]
    return f"{n} {'person has' if n == 1 else 'people have'} {noun}: " + ", ".join(by) + "."


def _occasion_label(ins: Instrument, occasion: str) -> str:
    return next((o.label for o in ins.occasions if o.id == occasion), occasion)


# -- group ---------------------------------------------------------------------------------

def group_blocks(frame: pd.DataFrame | None, instrument: Instrument, occasion: str | None = None, *,
                 names: bool = True, min_group: int = 1) -> list[Block]:
    """The aggregate blocks of one instrument (one occasion) for the group view."""
    ins = instrument
    occ = prep.default_occasion(ins) if occasion is None else occasion
    suffix = f" — {_occasion_label(ins, occ)}" if occ else ""
    people = prep.respondents(frame, ins, occ)
    blocks = [Block("respondents", f"Respondents{suffix}", respondent_sentence(people))]
    if len(people) == 0:
        return blocks
    if len(people) < min_group:
        blocks.append(Block("withheld", "Results not shown yet",
                            f"Results appear once at least {min_group} people have submitted, "
                            f"so that no one's answers can be picked out."))
        return blocks
    role_sizes = people["role"].value_counts()
    roles_ok = all(int(n) >= min_group for n in role_sizes.values)
    kinds = ins.kinds
    # bands
    bands = prep.band_distribution(frame, ins, occ)
    if not bands.empty:
        fig, summary = plots.band_chart(bands, "", by_role=roles_ok)
        cols = {"band": "Band", "n": "People", "share": "Share"}
        if roles_ok:
            cols.update({f"n_{r}": prep.role_label(r) + "s" for r in prep.ROLE_ORDER
                         if (people["role"] == r).any()})
        blocks.append(Block("bands", f"Bands{suffix}", summary, fig, bands, cols,
                            f"{ins.title}: people per band", {"share": _pct}))
    # scores without bands
    elif ins.scoring.method in ("count", "key", "sum") and not any(
            prep._numeric_kind(ins.scale_for(i)) == "ordinal" for i in ins.items):
        sc = prep.suppress_small_groups(prep.score_summary(frame, ins, occ), min_group)
        what = {"count": "items counted", "key": "correct answers", "sum": "total"}[ins.scoring.method]
        everyone = sc[sc["role"] == "all"]
        summary = (f"Mean score ({what}) {_num(everyone['mean'].iloc[0])} of {len(ins.items)}, "
                   f"from {_num(everyone['min'].iloc[0])} to {_num(everyone['max'].iloc[0])} "
                   f"(n={int(everyone['n'].iloc[0])}).") if len(everyone) else ""
        blocks.append(Block("scores", f"Scores{suffix}", summary, None, sc,
                            {"role": "Role", "n": "People", "mean": "Mean", "min": "Lowest", "max": "Highest"},
                            f"{ins.title}: scores ({what}) by role", {"role": _role_text, "mean": _num}))
    # area means
    ordinal = any(prep._numeric_kind(ins.scale_for(i)) == "ordinal" for i in ins.items)
    areas = prep.suppress_small_groups(prep.area_means(frame, ins, occ), min_group)
    if not areas.empty and ("frequency" in kinds or areas["section_id"].nunique() > 1):
        scale = ins.scale_for(ins.items[0])
        nums = [float(v) for v in (o.value for o in scale.options) if isinstance(v, int)] if scale.kind == "frequency" else []
        lo, hi = (min(nums), max(nums)) if nums else (1, len(scale.values))
        fig, summary = plots.area_means_chart(areas, "", lo, hi)
        wide, cols, groups = _areas_per_role(ins, areas)
        blocks.append(Block("areas", f"Area means by role{suffix}", summary, fig, wide, cols,
                            f"{ins.title}: area means by role with spread (lowest to highest person)",
                            groups=groups))
    # answers per item (not for frequency ratings: the area means and spread say it better)
    if kinds & {"sia", "true_false", "choice", "checklist"}:
        counts = prep.suppress_small_groups(prep.option_counts(frame, ins, occ), min_group)
        n_items = counts["item_id"].nunique()
        by_role = n_items <= 15 and bool(set(counts["role"]) - {"all"})
        if not by_role:
            counts = counts[counts["role"] == "all"]
        keys = [c for c in counts.columns if c not in ("item_id", "number", "text", "section_id", "role", "n")]
        labels = _key_labels(ins, keys)
        fig, summary = plots.option_counts_chart(counts, ins, "", by_role=by_role, labels=labels)
        wide, cols, groups = _per_role_columns(counts, keys, labels)
        blocks.append(Block("options", f"Answers per item{' by role' if by_role else ''}{suffix}", summary, fig,
                            wide, cols, f"{ins.title}: how many gave each answer", groups=groups))
    # disagreement
    spread = prep.widest_disagreement(frame, ins, occ, by="std" if ordinal else "modal_share", n=5)
    if not spread.empty:
        numeric = ordinal
        fig, summary = plots.spread_chart(spread, "", "std" if numeric else "modal_share")
        cols = ({"text": "Item", "n": "Answers", "mean": "Mean", "std": "SD", "min": "Lowest", "max": "Highest"}
                if numeric else {"text": "Item", "n": "Answers", "distinct": "Different answers",
                                 "modal_share": "Share giving the most common answer"})
        blocks.append(Block("spread", f"Widest disagreement{suffix}", summary, fig,
                            spread.assign(text=[_item(r) for r in spread.to_dict("records")]), cols,
                            f"{ins.title}: items with the widest disagreement",
                            {"mean": _num, "std": _num, "min": _num, "max": _num, "modal_share": _pct}))
        both_roles = all(int(role_sizes.get(r, 0)) >= max(min_group, 1) for r in ("supervisor", "peer_specialist"))
        if numeric and both_roles:
            gaps = prep.widest_disagreement(frame, ins, occ, by="role_gap", n=5)
            if not gaps.empty:
                fig, summary = plots.role_gap_chart(gaps, "")
                blocks.append(Block("role-gap", f"Largest gaps between roles{suffix}", summary, fig,
                                    gaps.assign(text=[_item(r) for r in gaps.to_dict("records")]),
                                    {"text": "Item", "mean_supervisor": "Supervisors",
                                     "mean_peer_specialist": "Peer specialists", "role_gap": "Gap"},
                                    f"{ins.title}: mean rating by role, largest gaps first",
                                    {"mean_supervisor": _num, "mean_peer_specialist": _num,
                                     "role_gap": lambda x: f"{float(x):+.2f}"}))
    # written answers (facilitator only)
    if names and "text" in kinds:
        texts = prep.text_answers(frame, ins, occ)
        blocks.append(Block("text", f"Written answers{suffix}",
                            f"{len(texts)} written answer{'s' if len(texts) != 1 else ''}.", None,
                            texts.assign(text=[_item(r) for r in texts.to_dict("records")]),
                            {"text": "Question", "display_name": "Name", "role": "Role", "answer": "Answer"},
                            f"{ins.title}: written answers", {"role": _role_text}))
    return blocks


def pre_post_blocks(frame: pd.DataFrame | None, instrument: Instrument, *, names: bool = True,
                    min_group: int = 1) -> list[Block]:
    """Change between the two occasions: per section for the group, per person when named."""
    ins = instrument
    occ = prep.pre_post_occasions(ins)
    if occ is None:
        return []
    before, after = (_occasion_label(ins, o) for o in occ)
    sections = prep.group_pre_post_sections(frame, ins, occ)
    if sections.empty:
        return [Block("pre-post", f"{before} → {after}", "Nobody has answered both times yet.")]
    people = int(sections["people"].iloc[0])
    if people < min_group:
        return [Block("pre-post", f"{before} → {after}",
                      f"Change appears once at least {min_group} people have answered both times.")]
    fig, summary = plots.pre_post_chart(sections, "", before, after)
    summary = f"{people} {'person' if people == 1 else 'people'} answered both times. " + summary
    blocks = [Block("pre-post", f"{before} → {after}", summary, fig, sections,
                    {"section": "Section", "items": "Items (all people)", "pre_count": before,
                     "post_count": after, "gained": "Gained", "lost": "Lost"},
                    f"{ins.title}: items ticked before and after, everyone who answered both times")]
    if names:
        per = prep.group_pre_post(frame, ins, occ)
        blocks.append(Block("pre-post-people", f"{before} → {after}, per person", "", None, per,
                            {"display_name": "Name", "role": "Role", "pre": before, "post": after,
                             "change": "Change"},
                            f"{ins.title}: score before and after, per person",
                            {"role": _role_text, "pre": _num, "post": _num,
                             "change": lambda x: "" if pd.isna(x) else f"{float(x):+g}"}))
    return blocks


def instrument_blocks(frame: pd.DataFrame | None, instrument: Instrument, *, names: bool = True,
                      min_group: int = 1) -> list[Block]:
    """Every occasion's group blocks, then the before/after change when there is one."""
    out: list[Block] = []
    for occ in instrument.occasion_ids:
        out.extend(group_blocks(frame, instrument, occ, names=names, min_group=min_group))
    out.extend(pre_post_blocks(frame, instrument, names=names, min_group=min_group))
    return out


def _role_heading(role: str) -> str:
    return "Everyone" if role == "all" else prep.role_label(role) + "s"


def _per_role_columns(counts: pd.DataFrame, keys: list[str], labels: Mapping[str, str]
                      ) -> tuple[pd.DataFrame, dict[str, str], tuple]:
    """``prep.option_counts`` (one row per item and role) as one row per item with a group of
    columns per role: the count of each answer, and for everyone the number of answers. Each
    heading names its role ("Supervisors: S"), so a table without group headings still reads;
    with them (:func:`peerkit.plots.html_table`) the role is said once above its columns."""
    roles = list(dict.fromkeys(counts["role"]))
    rows: dict[str, dict[str, Any]] = {}
    for r in counts.to_dict("records"):
        row = rows.setdefault(r["item_id"], {"item": _item(r)})
        for k in keys:
            row[f"{r['role']}|{k}"] = int(r[k])
        if r["role"] == "all" or len(roles) == 1:
            row["n"] = int(r["n"])
    cols: dict[str, str] = {"item": "Item"}
    groups = []
    for role in roles:
        members = [f"{role}|{k}" for k in keys]
        head = _role_heading(role)
        cols.update({f"{role}|{k}": f"{head}: {labels.get(k, k)}" for k in keys})
        if role == "all" or len(roles) == 1:
            cols["n"] = f"{head}: answers"
            members.append("n")
        groups.append((_role_heading(role), members))
    return pd.DataFrame(list(rows.values())), cols, tuple(groups)


def _areas_per_role(ins: Instrument, areas: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], tuple]:
    """``prep.area_means`` (one row per area and role) as one row per area with a group of columns
    per role: mean, lowest to highest person, people."""
    roles = list(dict.fromkeys(areas["role"]))
    rows: dict[str, dict[str, Any]] = {}
    for r in areas.to_dict("records"):
        row = rows.setdefault(r["section_id"], {"section": _area_title(ins, r)})
        n = int(r["n"]) if not pd.isna(r["n"]) else 0
        row[f"{r['role']}|mean"] = _num(r["mean"]) if n else ""
        row[f"{r['role']}|range"] = f"{_num(r['min'])}–{_num(r['max'])}" if n else ""
        row[f"{r['role']}|n"] = n
    cols: dict[str, str] = {"section": "Area"}
    groups = []
    for role in roles:
        head = _role_heading(role)
        cols.update({f"{role}|mean": f"{head}: mean", f"{role}|range": f"{head}: range",
                     f"{role}|n": f"{head}: people"})
        groups.append((_role_heading(role), [f"{role}|mean", f"{role}|range", f"{role}|n"]))
    return pd.DataFrame(list(rows.values())), cols, tuple(groups)


def _key_labels(ins: Instrument, keys: list[str]) -> dict[str, str]:
    labels = {}
    for k in keys:
        for item in ins.items:
            scale = ins.scale_for(item)
            if scale.kind == "checklist":
                labels.setdefault(k, "ticked" if k == "True" else "not ticked")
            for o in scale.options:
                if str(o.value) == k:
                    labels.setdefault(k, o.short or o.label)
        labels.setdefault(k, k)
    return labels


# -- pairs -----------------------------------------------------------------------------

NOTE_ACTION = "action:"
NOTE_QUESTION = "question:"


def pair_blocks(frame: pd.DataFrame | None, instrument: Instrument, a_name: str, b_name: str,
                a_id: int | None, b_id: int | None, occasion: str | None = None,
                notes: Mapping[str, str] | None = None) -> list[Block]:
    """A pair's comparison of one instrument (reports; the pair view adds text boxes)."""
    ins = instrument
    notes = notes or {}
    occ = prep.default_occasion(ins) if occasion is None else occasion
    suffix = f" — {_occasion_label(ins, occ)}" if occ else ""
    table = prep.pair_table(frame, ins, a_id, b_id, occ)
    if table["a"].isna().all() and table["b"].isna().all():
        return [Block("pair-none", f"{ins.title}{suffix}", "Neither has submitted this exercise yet.")]
    blocks = []
    fig, summary = plots.pair_chart(table, ins, a_name, b_name, "")
    from .pairlist import agreement, kappa_words

    overall = agreement(ins, table)
    if overall["both"] and not math.isnan(overall["kappa"]):
        summary += f" Agreement corrected for chance: kappa {overall['kappa']:.2f} ({kappa_words(overall['kappa'])})."
    cols = {"item": "Item", "a": a_name, "b": b_name, "match": "Match"}
    if table["difference"].notna().any():
        cols.update({"difference": "Gap (steps)", "higher": "Rated higher by"})
    blocks.append(Block("pair-items", f"Side by side{suffix}", summary, fig,
                        side_by_side(ins, table, a_name, b_name), cols,
                        f"{ins.title}: {a_name} and {b_name} side by side",
                        row_classes=lambda r: "peerkit-differs" if r.get("status") == "differs" else ""))
    numeric_sections = [s for s in ins.sections if all(prep._numeric_kind(ins.scale_for(i)) for i in s.items)]
    if numeric_sections:
        areas_block = pair_area_block(ins, table, a_name, b_name, suffix)
        if areas_block is not None:
            blocks.append(areas_block)
        gaps = prep.pair_gaps(table)
        if len(gaps):
            g = gaps.assign(item=[_item(r) for r in gaps.to_dict("records")],
                            a=[answer_text(ins, i, v) for i, v in zip(gaps["item_id"], gaps["a"])],
                            b=[answer_text(ins, i, v) for i, v in zip(gaps["item_id"], gaps["b"])],
                            higher=[{"a": a_name, "b": b_name, "same": "same"}.get(d, "") if isinstance(d, str) else ""
                                    for d in gaps["direction"]])
            blocks.append(Block("pair-gaps", f"Largest gaps first{suffix}",
                                f"{len(g)} item{'s' if len(g) != 1 else ''} rated differently.", None, g,
                                {"item": "Item", "a": a_name, "b": b_name, "difference": "Difference",
                                 "higher": "Rated higher by"},
                                f"{ins.title}: items rated differently, largest gap first",
                                {"difference": lambda x: "" if pd.isna(x) else f"{float(x):+g}"}))
    actions = prep.action_items(ins, table)
    if len(actions):
        items = [(f"{_item(r)} — {a_name}: {answer_text(ins, r['item_id'], r['a']) or '–'}, "
                  f"{b_name}: {answer_text(ins, r['item_id'], r['b']) or '–'}",
                  notes.get(NOTE_ACTION + r["item_id"], "")) for r in actions.to_dict("records")]
        blocks.append(Block("pair-actions", f"Action steps{suffix}",
                            f"{len(actions)} item{'s' if len(actions) != 1 else ''} rated below the top of the "
                            f"scale by at least one of you.", notes=items))
    if ins.discussion:
        qs = [(f"{k}. {q.text}", notes.get(NOTE_QUESTION + q.id, ""))
              for k, q in ins.discussion.numbered()]
        blocks.append(Block("pair-questions", ins.discussion.title or "Discussion", ins.discussion.intro or "",
                            notes=qs))
    return blocks


def side_by_side(ins: Instrument, table: pd.DataFrame, a_name: str = "a", b_name: str = "b") -> pd.DataFrame:
    """The pair table with readable answers, a text match column ("= same", "≠ differs"), the
    signed difference (b minus a on the scale's positions) and who rated higher."""
    match = {"same": "= same", "differs": "≠ differs", "one answer": "… one answer so far", "no answers": ""}
    who = {"a": a_name, "b": b_name, "same": "same"}
    return pd.DataFrame({
        "difference": ["" if pd.isna(d) else f"{float(d):+g}" for d in table["difference"]],
        "higher": [who.get(d, "") if isinstance(d, str) else "" for d in table["direction"]],
        "item_id": table["item_id"],
        "item": [_item(r) for r in table.to_dict("records")],
        "a": [answer_text(ins, i, v) for i, v in zip(table["item_id"], table["a"])],
        "b": [answer_text(ins, i, v) for i, v in zip(table["item_id"], table["b"])],
        "status": table["status"],
        "match": [match.get(s, "") for s in table["status"]],
    })


def _area_title(ins: Instrument, row: Mapping[str, Any]) -> str:
    """An area's title; an untitled section is named by the exercise (never by its id)."""
    title = str(row.get("section") or "").strip()
    return title or ins.title


def pair_area_block(ins: Instrument, table: pd.DataFrame, a_name: str, b_name: str,
                    suffix: str = "") -> Block | None:
    """Agreement per area, in words, when the exercise has more than one area; means only on a
    frequency scale (a mean of S/I/A or True/False answers means nothing)."""
    from .pairlist import kappa_words

    if len(ins.sections) < 2:
        return None
    areas = prep.pair_areas(ins, table)
    if areas.empty:
        return None
    areas = areas.assign(section=[_area_title(ins, r) for r in areas.to_dict("records")])
    cols = {"section": "Area", "both_answered": "Both answered", "agreements": "Same",
            "differences": "Different"}
    means = bool(areas[["mean_a", "mean_b"]].notna().any().any())
    if means:
        cols.update({"mean_a": f"Mean, {a_name}", "mean_b": f"Mean, {b_name}"})
    cols["kappa"] = "Agreement (kappa)"
    chart = None
    summary = _kappa_sentence(areas)
    if means:
        chart, summary = plots.pair_area_chart(areas, a_name, b_name, "")

    def kappa(x: Any) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "not defined"
        return f"{float(x):.2f}: {kappa_words(float(x))}"

    return Block("pair-areas", f"Per area{suffix}", summary, chart, areas, cols,
                 f"{ins.title}: agreement per area (kappa corrects agreement for chance: 1 the same answer "
                 f"on every item, 0 no more than chance)",
                 {"mean_a": _num, "mean_b": _num, "kappa": kappa})


def _kappa_sentence(areas: pd.DataFrame) -> str:
    from .pairlist import kappa_words

    parts = []
    for r in areas.to_dict("records"):
        k = r["kappa"]
        defined = k is not None and not (isinstance(k, float) and math.isnan(k))
        words = f"kappa {float(k):.2f}, {kappa_words(float(k))}" if defined else "kappa not defined"
        parts.append(f"“{r['section'] or r['section_id']}”: same answer on {int(r['agreements'])} of "
                     f"{int(r['both_answered'])} ({words})")
    return "Agreement per area: " + "; ".join(parts) + "."
