"""The store's reads of a whole session for the dashboards and reports, as pandas DataFrames.

:meth:`FramesMixin.responses_frame` is the facilitator's big read: every current answer of a
session, one row per participant x item (100,000 rows for a large course). It takes two plain
queries whose rows come straight from the database driver's cursor (no SQLAlchemy row object per
row): the session's current submissions, each with its answers as one JSON document, and the
session's participants. The documents are decoded with ``json.loads`` and laid out one answer
after another; the per-submission and per-participant columns are repeated by position (numpy
``repeat`` / ``take``). A participant removed between the two queries drops out of the frame.

pandas is imported only here, so a participant's kernel that only submits stays small.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import participants, responses

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FramesMixin", "RESPONSE_COLUMNS", "STATUS_COLUMNS"]

RESPONSE_COLUMNS = [
    "session_id", "participant_id", "display_name", "role", "pair_id", "instrument_id",
    "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at",
]
STATUS_COLUMNS = ["participant_id", "display_name", "role", "instrument_id", "occasion",
                  "submitted_at", "revision"]


def _raw(conn: Connection, statement: Any) -> list[tuple]:
    """All rows of ``statement`` as the driver's own tuples (no SQLAlchemy row per result row)."""
    result = conn.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


class FramesMixin:
    """``responses_frame``: a session's current answers as one tidy DataFrame."""

    backend: str

    def responses_frame(self, session_id: int, instrument_id: str | None = None) -> "pd.DataFrame":
        """All current answers of a session as a tidy DataFrame: one row per participant x item.

        Columns: session_id, participant_id, display_name, role, pair_id, instrument_id,
        instrument_version, occasion, item_id, value, revision, submitted_at. ``value`` holds
        Python values (bool / int / str); ``pair_id`` is a nullable integer. Rows come by
        participant, exercise, occasion and then in the order the answers are stored.
        """
        import numpy as np
        import pandas as pd

        where = [participants.c.session_id == session_id]
        if instrument_id is not None:
            where.append(responses.c.instrument_id == instrument_id)
        latest = (sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion,
                            sa.func.max(responses.c.revision).label("revision"))
                  .join(participants, participants.c.id == responses.c.participant_id)
                  .where(*where)
                  .group_by(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion)
                  .subquery("latest"))
        current = (sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.instrument_version,
                             responses.c.occasion, responses.c.revision,
                             # naive UTC text on SQLite, aware on PostgreSQL; pandas makes both UTC
                             responses.c.submitted_at, responses.c.answers)
                   .select_from(responses)
                   .join(latest, sa.and_(responses.c.participant_id == latest.c.participant_id,
                                         responses.c.instrument_id == latest.c.instrument_id,
                                         responses.c.occasion == latest.c.occasion,
                                         responses.c.revision == latest.c.revision))
                   .order_by(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion))
        with self._read() as conn:  # type: ignore[attr-defined]
            session = self._get_session(conn, session_id)  # type: ignore[attr-defined]
            subs = _raw(conn, current)
            people = _raw(conn, sa.select(participants.c.id, participants.c.display_name, participants.c.role,
                                          participants.c.pair_id).where(participants.c.session_id == session_id))
        # the answers of each submission, in their stored order, one after the other
        loads = json.loads
        item: list = []
        value: list = []
        per_sub: list[int] = []
        for sub in subs:
            answers = sub[6] if isinstance(sub[6], dict) else loads(sub[6])
            item += answers
            value += answers.values()
            per_sub.append(len(answers))
        if not item:
            return _no_answers()
        sub_cols = list(zip(*subs))
        ppl_cols = list(zip(*people)) if people else [()] * 4
        at_sub = np.repeat(np.arange(len(subs)), per_sub)
        pid = np.asarray(sub_cols[0], dtype=np.int64)
        at_person = pd.Index(np.asarray(ppl_cols[0], dtype=np.int64)).get_indexer(pid)[at_sub]
        if (at_person < 0).any():  # a participant removed between the two reads
            keep = at_person >= 0
            at_sub, at_person = at_sub[keep], at_person[keep]
            item = [x for x, k in zip(item, keep) if k]
            value = [x for x, k in zip(value, keep) if k]
            if not item:
                return _no_answers()

        def strings(values: tuple, at: np.ndarray) -> Any:
            return pd.array(list(values), dtype="str").take(at)

        def ints(values: tuple, at: np.ndarray) -> np.ndarray:
            return np.asarray(values, dtype=np.int64)[at]

        return pd.DataFrame({
            "session_id": np.full(len(at_sub), session.id, dtype=np.int64),
            "participant_id": pid[at_sub],
            "display_name": strings(ppl_cols[1], at_person),
            "role": strings(ppl_cols[2], at_person),
            "pair_id": pd.array(list(ppl_cols[3]), dtype="Int64").take(at_person),
            "instrument_id": strings(sub_cols[1], at_sub),
            "instrument_version": ints(sub_cols[2], at_sub),
            "occasion": strings(sub_cols[3], at_sub),
            "item_id": pd.array(item, dtype="str"),
            "value": pd.Series(_plain_values(value), dtype=object),
            "revision": ints(sub_cols[4], at_sub),
            "submitted_at": pd.to_datetime(pd.Series(sub_cols[5], dtype=object), utc=True).take(at_sub)
            .reset_index(drop=True),
        }, columns=RESPONSE_COLUMNS)

    def submission_status(self, session_id: int) -> "pd.DataFrame":
        """Who has submitted what: one row per participant x instrument x occasion (current revision).

        Columns: participant_id, display_name, role, instrument_id, occasion, submitted_at,
        revision. Participants without any submission have no row (see :meth:`participants`).
        The dashboards read this on every poll, to see whether anything changed.
        """
        import pandas as pd

        latest = (sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion,
                            sa.func.max(responses.c.revision).label("revision"))
                  .join(participants, participants.c.id == responses.c.participant_id)
                  .where(participants.c.session_id == session_id)
                  .group_by(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion)
                  .subquery("latest"))
        q = (sa.select(participants.c.id, participants.c.display_name, participants.c.role,
                       responses.c.instrument_id, responses.c.occasion, responses.c.submitted_at,
                       responses.c.revision)
             .select_from(responses)
             .join(latest, sa.and_(responses.c.participant_id == latest.c.participant_id,
                                   responses.c.instrument_id == latest.c.instrument_id,
                                   responses.c.occasion == latest.c.occasion,
                                   responses.c.revision == latest.c.revision))
             .join(participants, participants.c.id == responses.c.participant_id)
             .order_by(participants.c.id, responses.c.instrument_id, responses.c.occasion))
        with self._read() as conn:  # type: ignore[attr-defined]
            self._get_session(conn, session_id)  # type: ignore[attr-defined]
            rows = _raw(conn, q)
        df = pd.DataFrame.from_records(rows, columns=STATUS_COLUMNS)
        df["submitted_at"] = pd.to_datetime(df["submitted_at"], utc=True)
        return df


def _no_answers() -> "pd.DataFrame":
    """The frame of a session (or exercise) without answers: the columns, with the types pandas
    gives empty columns (a nullable integer pair_id, UTC times)."""
    import pandas as pd

    df = pd.DataFrame({c: [] for c in RESPONSE_COLUMNS}, columns=RESPONSE_COLUMNS)
    df["value"] = pd.Series([], dtype=object)
    df["pair_id"] = df["pair_id"].astype("Int64")
    df["submitted_at"] = pd.to_datetime(df["submitted_at"], utc=True)
    return df


def _plain_values(values: list) -> list:
    """Answers as the kit stores them (bool / int / str) stay as they are; anything else a JSON
    document could hold is given as the database's JSON functions would give it as text."""
    if all(type(v) in (bool, int, str) for v in values):
        return values
    return [v if type(v) in (bool, int, str) or v is None else
            json.dumps(v, ensure_ascii=False, separators=(",", ":")) if isinstance(v, (list, dict)) else str(v)
            for v in values]
