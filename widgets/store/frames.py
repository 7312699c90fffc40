"""The store's read of a whole session's answers for the dashboards and reports.

:meth:`FramesMixin.responses_frame` is the facilitator's big read: every current answer of a
session, one row per participant x item (100,000 rows for a large course). It is read as three
plain queries straight from the database driver's cursor into arrays, with no SQLAlchemy row
object per answer:

1. the answers of the current revisions, unpacked in the database (``json_each``): four narrow
   columns per answer (response id, item id, value, JSON type);
2. the session's submissions (one row per revision: participant, exercise, occasion, time);
3. the session's participants (name, role, pair).

pandas joins them by position (numpy ``take``). The first query runs first: a submission or a
participant stored after it has no answers in it, so it is simply not used; a participant removed
after it drops out of the frame. pandas is imported only here, so a participant's kernel that only
submits stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import participants, responses

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FramesMixin", "RESPONSE_COLUMNS"]

RESPONSE_COLUMNS = [
    "session_id", "participant_id", "display_name", "role", "pair_id", "instrument_id",
    "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at",
]


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

    def _exploded_answers(self, conn: Connection) -> tuple[Any, sa.ColumnElement, sa.ColumnElement,
                                                             sa.ColumnElement, sa.ColumnElement]:
        """A table-valued ``json_each`` over ``responses.answers``: (from, key, value, type, order).

        SQLite gives the value as SQL (booleans as 1 / 0) with the JSON type ('true', 'false',
        'integer', 'text' ...); PostgreSQL the value as text with ``json_typeof`` ('boolean',
        'number', 'string' ...). :func:`_typed_values` makes Python values of both.
        """
        if self.backend == "sqlite":
            je = sa.func.json_each(responses.c.answers).table_valued("key", "value", "type", "id").alias("je")
            return je, je.c.key, je.c.value, je.c.type, je.c.id
        je = sa.func.json_each(responses.c.answers).table_valued(
            "key", sa.column("value", sa.JSON), with_ordinality="ord").render_derived(name="je")
        text = je.c.value.op("#>>")(sa.literal_column("'{}'"))
        return je, je.c.key, text, sa.func.json_typeof(je.c.value), je.c.ord

    def responses_frame(self, session_id: int, instrument_id: str | None = None) -> "pd.DataFrame":
        """All current answers of a session as a tidy DataFrame: one row per participant x item.

        Columns: session_id, participant_id, display_name, role, pair_id, instrument_id,
        instrument_version, occasion, item_id, value, revision, submitted_at. ``value`` holds
        Python values (bool / int / str); ``pair_id`` is a nullable integer. Rows come by
        participant, exercise, occasion and the order of the stored answers. The answers are
        unpacked in the database (``json_each``); see the module notes for how they are read.
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
        with self._read() as conn:  # type: ignore[attr-defined]
            session = self._get_session(conn, session_id)  # type: ignore[attr-defined]
            je, key, value, kind, order = self._exploded_answers(conn)
            answers = _raw(conn, sa.select(responses.c.id, key, value, kind)
                           .select_from(responses)
                           .join(latest, sa.and_(responses.c.participant_id == latest.c.participant_id,
                                                 responses.c.instrument_id == latest.c.instrument_id,
                                                 responses.c.occasion == latest.c.occasion,
                                                 responses.c.revision == latest.c.revision))
                           .join(je, sa.true())
                           .order_by(responses.c.participant_id, responses.c.instrument_id,
                                     responses.c.occasion, order))
            subs = _raw(conn, sa.select(responses.c.id, responses.c.participant_id, responses.c.instrument_id,
                                        responses.c.instrument_version, responses.c.occasion, responses.c.revision,
                                        # naive UTC on SQLite, aware on PostgreSQL; pandas makes both UTC
                                        sa.type_coerce(responses.c.submitted_at, sa.DateTime()))
                        .join(participants, participants.c.id == responses.c.participant_id)
                        .where(*where))
            people = _raw(conn, sa.select(participants.c.id, participants.c.display_name, participants.c.role,
                                          participants.c.pair_id)
                          .where(participants.c.session_id == session_id))
        if not answers:
            return _no_answers()
        rid, item, raw, kinds = (list(c) for c in zip(*answers))
        sub_cols = list(zip(*subs)) if subs else [()] * 7
        ppl_cols = list(zip(*people)) if people else [()] * 4
        # answers -> their submission -> its participant, by position
        at_sub = pd.Index(np.asarray(sub_cols[0], dtype=np.int64)).get_indexer(np.asarray(rid, dtype=np.int64))
        sub_pid = np.asarray(sub_cols[1], dtype=np.int64)
        at_person = pd.Index(np.asarray(ppl_cols[0], dtype=np.int64)).get_indexer(
            sub_pid[np.maximum(at_sub, 0)] if len(sub_pid) else np.zeros(len(rid), dtype=np.int64))
        keep = (at_sub >= 0) & (at_person >= 0)
        if not keep.all():  # a participant removed between the reads
            at_sub, at_person = at_sub[keep], at_person[keep]
            item = [x for x, k in zip(item, keep) if k]
            raw = [x for x, k in zip(raw, keep) if k]
            kinds = [x for x, k in zip(kinds, keep) if k]

        def col(values: tuple, at: np.ndarray) -> np.ndarray:
            return np.asarray(values, dtype=object)[at] if len(at) else np.asarray([], dtype=object)

        n = len(at_sub)
        df = pd.DataFrame({
            "session_id": np.full(n, session.id, dtype=np.int64),
            "participant_id": sub_pid[at_sub] if n else np.asarray([], dtype=np.int64),
            "display_name": pd.array(col(ppl_cols[1], at_person).tolist(), dtype="str") if n else
            pd.array([], dtype="str"),
            "role": pd.array(col(ppl_cols[2], at_person).tolist(), dtype="str") if n else pd.array([], dtype="str"),
            "pair_id": pd.array(col(ppl_cols[3], at_person).tolist(), dtype="Int64"),
            "instrument_id": pd.array(col(sub_cols[2], at_sub).tolist(), dtype="str"),
            "instrument_version": np.asarray(sub_cols[3], dtype=np.int64)[at_sub] if n else
            np.asarray([], dtype=np.int64),
            "occasion": pd.array(col(sub_cols[4], at_sub).tolist(), dtype="str"),
            "item_id": pd.array(item, dtype="str"),
            "value": pd.Series(_typed_values(raw, kinds, self.backend), dtype=object),
            "revision": np.asarray(sub_cols[5], dtype=np.int64)[at_sub] if n else np.asarray([], dtype=np.int64),
            "submitted_at": pd.to_datetime(pd.Series(col(sub_cols[6], at_sub)), utc=True),
        }, columns=RESPONSE_COLUMNS)
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


def _typed_values(raw: list, kinds: list, backend: str) -> list:
    """The answers as Python values (bool / int / str) from what the database's JSON functions gave."""
    if backend == "sqlite":
        # booleans come as 1 / 0 with type 'true' / 'false'; integers and text as themselves
        return [v if k == "text" or k == "integer" else (k == "true") if k in ("true", "false")
                else (None if v is None else str(v)) for v, k in zip(raw, kinds)]
    return [v if k == "string" else (v == "true") if k == "boolean" else int(v) if k == "number"
            else v for v, k in zip(raw, kinds)]
