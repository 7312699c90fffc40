"""A supervisor and a peer specialist compared: the pairs, both members' answers side by side with
a marker for every difference, areas and gaps, the items that call for action steps, and the steps
of the exercise's discussion."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..compare import compare_pair, largest_gaps, section_summary
from ..instruments import Instrument
from .common import _empty, _py
from .selection import answers_by_participant
from .submissions import participants_frame

__all__ = [
    "PAIR_COLUMNS", "pairs_frame", "pair_answers", "PAIR_STATUS", "pair_table", "pair_areas", "pair_gaps",
    "action_items", "discussion_steps",
]


PAIR_COLUMNS = ["pair_id", "a_id", "a_name", "a_role", "b_id", "b_name", "b_role", "label", "complete"]


def pairs_frame(participants: Any, pairs: Any = None) -> pd.DataFrame:
    """One row per pair: ``a`` is the supervisor, ``b`` the supervisee.

    ``pairs`` (``Store.pairs``: objects with id, supervisor_id, supervisee_id) says who is
    who; without it ``a`` is the member with the supervisor role (or, failing that, the
    lower id). A pair whose partner is gone has empty ``b_*`` and ``complete`` False.
    """
    df = participants_frame(participants)
    df = df[df["pair_id"].notna()]
    order: dict[tuple[int, int], int] = {}
    for pr in pairs or []:
        order[(int(pr.id), int(pr.supervisor_id))] = 0
        order[(int(pr.id), int(pr.supervisee_id))] = 1
    rows = []
    for pair_id, part in df.groupby("pair_id", sort=True):
        members = sorted(part.to_dict("records"), key=lambda r: (
            order.get((int(pair_id), int(r["participant_id"])), 2), r["role"] != "supervisor",
            int(r["participant_id"])))
        a = members[0]
        b = members[1] if len(members) > 1 else None
        rows.append({
            "pair_id": int(pair_id), "a_id": int(a["participant_id"]), "a_name": a["display_name"],
            "a_role": a["role"], "b_id": int(b["participant_id"]) if b else None,
            "b_name": b["display_name"] if b else None, "b_role": b["role"] if b else None,
            "label": f"{a['display_name']} & {b['display_name']}" if b else f"{a['display_name']} (partner missing)",
            "complete": b is not None,
        })
    out = pd.DataFrame(rows, columns=PAIR_COLUMNS) if rows else _empty(PAIR_COLUMNS)
    for col in ("b_name", "b_role"):  # None stays None (not NaN) for a missing partner
        out[col] = pd.Series([r[col] for r in rows], index=out.index, dtype="object")
    out["b_id"] = out["b_id"].astype("Int64")
    return out


def pair_answers(frame: pd.DataFrame | None, instrument: Instrument, a_id: int | None, b_id: int | None,
                 occasion: str | None = None) -> tuple[dict | None, dict | None]:
    """Both members' answers (None for a member who has not submitted or is missing)."""
    answers = answers_by_participant(frame, instrument, occasion)
    get = lambda pid: answers.get(int(pid)) if pid is not None and not pd.isna(pid) else None  # noqa: E731
    return get(a_id), get(b_id)


PAIR_STATUS = {"same": "=", "differs": "≠", "one answer": "…", "no answers": "", "": ""}


def pair_table(frame: pd.DataFrame | None, instrument: Instrument, a_id: int | None, b_id: int | None,
               occasion: str | None = None) -> pd.DataFrame:
    """``peerkit.compare.compare_pair`` for a pair, plus ``status`` and ``marker``.

    status: "same" / "differs" (both answered), "one answer", "no answers"; "" for text
    items (not compared). marker: "=", "≠", "…" so a difference never rests on colour.
    """
    a, b = pair_answers(frame, instrument, a_id, b_id, occasion)
    table = compare_pair(instrument, a, b)
    kinds = {i.id: instrument.scale_for(i).kind for i in instrument.items}
    status = []
    for item_id, va, vb, agree in zip(table["item_id"], table["a"], table["b"], table["agree"]):
        has_a, has_b = _py(va) is not None, _py(vb) is not None
        if kinds[item_id] == "text":
            status.append("")
        elif has_a and has_b:
            status.append("same" if bool(agree) else "differs")
        elif has_a or has_b:
            status.append("one answer")
        else:
            status.append("no answers")
    table["status"] = pd.Series(status, index=table.index, dtype="object")
    table["marker"] = table["status"].map(PAIR_STATUS)
    for col in ("a", "b"):
        table[col] = pd.Series([_py(v) for v in table[col].tolist()], index=table.index, dtype="object")
    return table


def pair_areas(instrument: Instrument, table: pd.DataFrame, weights: str = "linear") -> pd.DataFrame:
    """Per area: items, both answered, agreements, differences, means, mean gap, weighted kappa."""
    return section_summary(instrument, table, weights)  # type: ignore[arg-type]


def pair_gaps(table: pd.DataFrame, n: int | None = None) -> pd.DataFrame:
    """The items rated differently, largest gap first."""
    return largest_gaps(table, n).reset_index(drop=True)


def action_items(instrument: Instrument, table: pd.DataFrame) -> pd.DataFrame:
    """Items either member rated below the top of an S/I/A scale (I or A): where action steps go."""
    low_ids = []
    for item_id, va, vb in zip(table["item_id"], table["a"], table["b"]):
        scale = instrument.scale_for(item_id)
        if scale.kind != "sia":
            continue
        low = [v for v in scale.values[1:]]
        if any(_py(v) is not None and _py(v) in low for v in (va, vb)):
            low_ids.append(item_id)
    return table[table["item_id"].isin(low_ids)].reset_index(drop=True)


def discussion_steps(instrument: Instrument) -> list[str]:
    """The steps of the exercise's discussion, in order.

    The numbered steps of the instrument's instructions (a line starting "1.", "2." ...,
    with the lines that follow it), then the discussion questions. An exercise whose
    instructions carry no numbered steps gives just its questions.
    """
    import re

    steps: list[str] = []
    if instrument.instructions:
        current: list[str] | None = None
        for line in instrument.instructions.splitlines():
            if re.match(r"^\s*\d+\.\s+", line):
                if current is not None:
                    steps.append("\n".join(current).strip())
                current = [re.sub(r"^\s*\d+\.\s+", "", line)]
            elif current is not None:
                if not line.strip():
                    steps.append("\n".join(current).strip())
                    current = None
                else:
                    current.append(line.strip())
        if current is not None:
            steps.append("\n".join(current).strip())
    if instrument.discussion:
        steps.extend(q.text for q in instrument.discussion.questions)
    return steps
