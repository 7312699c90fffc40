"""Before and after the course: a person's answers on the two occasions, what was gained and lost
per section, and the group's scores before and after."""

from __future__ import annotations

import math

import pandas as pd

from ..compare import pre_post
from ..instruments import Instrument
from ..scoring import is_answered
from .common import _empty, _py
from .scores import _scores
from .selection import answers_by_participant

__all__ = [
    "pre_post_occasions", "person_pre_post", "PRE_POST_SUMMARY_COLUMNS", "pre_post_summary",
    "group_pre_post_sections", "GROUP_PRE_POST_COLUMNS", "group_pre_post",
]


def pre_post_occasions(instrument: Instrument) -> tuple[str, str] | None:
    """The two occasions compared as before/after: "pre"/"post" when present, else the first two."""
    ids = [o.id for o in instrument.occasions]
    if "pre" in ids and "post" in ids:
        return ("pre", "post")
    if len(ids) >= 2:
        return (ids[0], ids[1])
    return None


def person_pre_post(frame: pd.DataFrame | None, instrument: Instrument, participant_id: int,
                    occasions: tuple[str, str] | None = None) -> pd.DataFrame:
    """``peerkit.compare.pre_post`` for one participant (empty columns where not yet answered)."""
    occ = occasions or pre_post_occasions(instrument)
    if occ is None:
        raise ValueError(f"{instrument.id} has no before/after occasions")
    pre = answers_by_participant(frame, instrument, occ[0]).get(int(participant_id))
    post = answers_by_participant(frame, instrument, occ[1]).get(int(participant_id))
    table = pre_post(instrument, pre, post)
    for col in ("pre", "post"):
        table[col] = pd.Series([_py(v) for v in table[col].tolist()], index=table.index, dtype="object")
    return table


PRE_POST_SUMMARY_COLUMNS = ["section_id", "section", "items", "pre_answered", "post_answered",
                            "pre_count", "post_count", "gained", "lost", "changed"]


def pre_post_summary(instrument: Instrument, table: pd.DataFrame) -> pd.DataFrame:
    """Per section of a pre/post table: answered, counted (ticked / True) before and after, gained, lost.

    ``changed`` counts every item answered both times with a different answer.
    """
    target = instrument.scoring.value if instrument.scoring.method == "count" else True
    rows = []
    for s in instrument.sections:
        part = table[table["section_id"] == s.id]
        pre = [_py(v) for v in part["pre"]]
        post = [_py(v) for v in part["post"]]
        rows.append({
            "section_id": s.id, "section": s.title or s.id, "items": len(part),
            "pre_answered": sum(v is not None for v in pre), "post_answered": sum(v is not None for v in post),
            "pre_count": sum(v == target and type(v) is type(target) for v in pre),
            "post_count": sum(v == target and type(v) is type(target) for v in post),
            "gained": int((part["change"] == "gained").sum()), "lost": int((part["change"] == "lost").sum()),
            "changed": int(part["change"].isin(["gained", "lost", "changed"]).sum()),
        })
    return pd.DataFrame(rows, columns=PRE_POST_SUMMARY_COLUMNS)


def group_pre_post_sections(frame: pd.DataFrame | None, instrument: Instrument,
                            occasions: tuple[str, str] | None = None) -> pd.DataFrame:
    """:func:`pre_post_summary` added up over everyone who answered both times (columns as there,
    plus ``people``). Names nobody."""
    occ = occasions or pre_post_occasions(instrument)
    cols = [*PRE_POST_SUMMARY_COLUMNS, "people"]
    if occ is None:
        return _empty(cols)
    before = answers_by_participant(frame, instrument, occ[0])
    after = answers_by_participant(frame, instrument, occ[1])
    both = [pid for pid in before if pid in after]
    if not both:
        return _empty(cols)
    # what pre_post_summary(pre_post(...)) counts for each person, counted straight from the answers
    target = instrument.scoring.value if instrument.scoring.method == "count" else True
    rows = []
    for s in instrument.sections:
        n = {"pre_answered": 0, "post_answered": 0, "pre_count": 0, "post_count": 0, "gained": 0, "lost": 0,
             "changed": 0}
        checklist = {i.id: instrument.scale_for(i).kind == "checklist" for i in s.items}
        for pid in both:
            pre_answers, post_answers = before[pid], after[pid]
            for item in s.items:
                pre, post = pre_answers.get(item.id), post_answers.get(item.id)
                pre = pre if is_answered(pre) else None  # as clean_answers keeps them
                post = post if is_answered(post) else None
                n["pre_answered"] += pre is not None
                n["post_answered"] += post is not None
                n["pre_count"] += pre == target and type(pre) is type(target)
                n["post_count"] += post == target and type(post) is type(target)
                if pre is not None and post is not None and pre != post:
                    n["changed"] += 1
                    if checklist[item.id]:
                        n["gained" if post is True else "lost"] += 1
        rows.append({"section_id": s.id, "section": s.title or s.id, "items": len(s.items) * len(both),
                     **{k: int(v) for k, v in n.items()}})
    out = pd.DataFrame(rows, columns=PRE_POST_SUMMARY_COLUMNS)
    out["people"] = len(both)
    return out[cols]


GROUP_PRE_POST_COLUMNS = ["participant_id", "display_name", "role", "pre", "post", "change"]


def group_pre_post(frame: pd.DataFrame | None, instrument: Instrument,
                   occasions: tuple[str, str] | None = None) -> pd.DataFrame:
    """Everyone's score before and after (scored instruments; else items answered) and the change."""
    occ = occasions or pre_post_occasions(instrument)
    if occ is None:
        return _empty(GROUP_PRE_POST_COLUMNS)
    use_score = instrument.scoring.method not in ("none", "tally")
    per_occ = []
    for o in occ:
        sc = _scores(frame, instrument, o)
        col = "value" if use_score else "answered"
        per_occ.append({int(r["participant_id"]): (r["display_name"], r["role"], float(r[col]))
                        for _, r in sc.iterrows()})
    pids = list(dict.fromkeys([*per_occ[0], *per_occ[1]]))
    rows = []
    for pid in pids:
        who = per_occ[0].get(pid) or per_occ[1].get(pid)
        pre = per_occ[0].get(pid, (None, None, math.nan))[2]
        post = per_occ[1].get(pid, (None, None, math.nan))[2]
        rows.append({"participant_id": pid, "display_name": who[0], "role": who[1], "pre": pre, "post": post,
                     "change": post - pre})
    if not rows:
        return _empty(GROUP_PRE_POST_COLUMNS)
    out = pd.DataFrame(rows, columns=GROUP_PRE_POST_COLUMNS)
    order = sorted(range(len(out)), key=lambda k: str(out["display_name"].iloc[k]).casefold())
    return out.iloc[order].reset_index(drop=True)
