"""Participants and who has submitted what: the participants frame, role counts, and the
submission tables of the dashboard (long, one row per person; counts per exercise)."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from ..instruments import Instrument
from .common import PARTICIPANT_COLUMNS, STATUS_COLUMNS, _empty, _py, _roles_present, instrument_key

__all__ = [
    "participants_frame", "role_counts", "LONG_COLUMNS", "submission_long", "submission_matrix",
    "COUNT_COLUMNS", "submission_counts",
]


def participants_frame(participants: Any) -> pd.DataFrame:
    """Participants (a list of ``peerkit.store.Participant`` or a DataFrame) as a frame."""
    if isinstance(participants, pd.DataFrame):
        df = participants.copy()
        if "participant_id" not in df.columns and "id" in df.columns:
            df = df.rename(columns={"id": "participant_id"})
        for c in PARTICIPANT_COLUMNS:
            if c not in df.columns:
                df[c] = None
        return df[PARTICIPANT_COLUMNS].reset_index(drop=True)
    rows = [{"participant_id": p.id, "session_id": p.session_id, "display_name": p.display_name,
             "role": p.role, "pair_id": p.pair_id} for p in (participants or [])]
    return pd.DataFrame(rows, columns=PARTICIPANT_COLUMNS) if rows else _empty(PARTICIPANT_COLUMNS)


def role_counts(participants: Any) -> pd.DataFrame:
    """How many participants have each role (roles present, then "all")."""
    df = participants_frame(participants)
    rows = [{"role": r, "n": int((df["role"] == r).sum())} for r in _roles_present(df["role"])]
    rows.append({"role": "all", "n": len(df)})
    return pd.DataFrame(rows, columns=["role", "n"])


def _expected(instrument: Instrument, role: str) -> bool:
    if instrument.completed_by in ("supervisor", "peer_specialist"):
        return role == instrument.completed_by
    return True


LONG_COLUMNS = ["participant_id", "display_name", "role", "instrument_id", "occasion", "key", "title",
                "expected", "submitted", "submitted_at", "revision", "status"]


def submission_long(status: pd.DataFrame | None, participants: Any,
                    instruments: Iterable[Instrument]) -> pd.DataFrame:
    """One row per participant x instrument x occasion: expected? submitted? when?

    ``status`` is ``Store.submission_status``; ``expected`` follows the instrument's
    ``completed_by`` (supervisor / peer_specialist: only that role; otherwise everyone).
    ``status`` (the column) reads "submitted", "not submitted" or "not expected".
    """
    people = participants_frame(participants)
    people = people.iloc[sorted(range(len(people)), key=lambda k: (str(people["display_name"].iloc[k]).casefold(),
                                                                  people["participant_id"].iloc[k]))]
    st = status if status is not None and len(status) else _empty(STATUS_COLUMNS)
    st_occ = st["occasion"].astype(object).where(st["occasion"].notna(), "").astype(str) if len(st) else st["occasion"]
    index: dict[tuple[int, str, str], tuple[Any, Any]] = {}
    for pid, iid, occ, at, rev in zip(st["participant_id"].tolist(), st["instrument_id"].tolist(),
                                      list(st_occ), st["submitted_at"].tolist(), st["revision"].tolist()):
        key = (int(pid), str(iid), occ)
        prev = index.get(key)
        if prev is None or (at is not None and (prev[0] is None or at > prev[0])):
            index[key] = (at, rev)
    rows = []
    instruments = list(instruments)
    for _, p in people.iterrows():
        for ins in instruments:
            for occ in ins.occasion_ids:
                hit = index.get((int(p["participant_id"]), ins.id, occ))
                expected = _expected(ins, p["role"])
                submitted = hit is not None
                rows.append({
                    "participant_id": int(p["participant_id"]), "display_name": p["display_name"],
                    "role": p["role"], "instrument_id": ins.id, "occasion": occ,
                    "key": instrument_key(ins, occ), "title": _title(ins, occ),
                    "expected": expected, "submitted": submitted,
                    "submitted_at": hit[0] if hit else None, "revision": _py(hit[1]) if hit else None,
                    "status": "submitted" if submitted else ("not submitted" if expected else "not expected"),
                })
    return pd.DataFrame(rows, columns=LONG_COLUMNS) if rows else _empty(LONG_COLUMNS)


def _title(ins: Instrument, occ: str) -> str:
    if not occ:
        return ins.title
    label = next((o.label for o in ins.occasions if o.id == occ), occ)
    return f"{ins.title} — {label}"


def submission_matrix(long: pd.DataFrame) -> pd.DataFrame:
    """Who has submitted what: one row per participant, one column per instrument key.

    Columns: participant_id, display_name, role, then each key with "submitted" /
    "not submitted" / "not expected", then submitted (count) and outstanding (expected,
    not yet submitted).
    """
    base = ["participant_id", "display_name", "role"]
    if long.empty:
        return _empty([*base, "submitted", "outstanding"])
    keys = list(dict.fromkeys(long["key"].tolist()))
    rows = []
    for pid, part in long.groupby("participant_id", sort=False):
        first = part.iloc[0]
        row = {"participant_id": int(pid), "display_name": first["display_name"], "role": first["role"]}
        row.update(dict(zip(part["key"], part["status"])))
        row["submitted"] = int(part["submitted"].sum())
        row["outstanding"] = int((part["expected"] & ~part["submitted"]).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=[*base, *keys, "submitted", "outstanding"])


COUNT_COLUMNS = ["instrument_id", "occasion", "key", "title", "expected", "submitted", "not_submitted"]


def submission_counts(long: pd.DataFrame) -> pd.DataFrame:
    """Per instrument (occasion): how many were expected, have submitted, have not yet."""
    if long.empty:
        return _empty(COUNT_COLUMNS)
    rows = []
    for key, part in long.groupby("key", sort=False):
        first = part.iloc[0]
        rows.append({"instrument_id": first["instrument_id"], "occasion": first["occasion"], "key": key,
                     "title": first["title"], "expected": int(part["expected"].sum()),
                     "submitted": int(part["submitted"].sum()),
                     "not_submitted": int((part["expected"] & ~part["submitted"]).sum())})
    return pd.DataFrame(rows, columns=COUNT_COLUMNS)
