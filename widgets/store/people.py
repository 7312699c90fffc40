"""Facilitators tidying the list of people: removing a participant (a ghost or a typo) with
everything of theirs, or merging one participant into another, keeping or deleting the merged
person's answers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .access import resume_scope
from .schema import access_failures, devices, drafts, notes, pairs, participants, responses
from .values import Participant, StoreError

__all__ = ["PeopleMixin"]


class PeopleMixin:
    """Removing and merging participants (methods of :class:`~peerkit.store.Store`)."""

    # -- removing and merging participants ------------------------------------------------------

    def _drop_pairs_of(self, conn: Connection, participant_id: int) -> None:
        theirs = sa.select(pairs.c.id).where(sa.or_(pairs.c.supervisor_id == participant_id,
                                                   pairs.c.supervisee_id == participant_id))
        ids = conn.execute(theirs).scalars().all()
        if ids:
            conn.execute(participants.update().where(participants.c.pair_id.in_(ids)).values(pair_id=None))
            conn.execute(notes.delete().where(notes.c.pair_id.in_(ids)))
            conn.execute(pairs.delete().where(pairs.c.id.in_(ids)))

    def _delete_participant(self, conn: Connection, p: Participant) -> None:
        conn.execute(notes.update().where(notes.c.author_id == p.id).values(author_id=None))
        self._drop_pairs_of(conn, p.id)
        conn.execute(drafts.delete().where(drafts.c.participant_id == p.id))
        conn.execute(responses.delete().where(responses.c.participant_id == p.id))
        conn.execute(devices.delete().where(devices.c.participant_id == p.id))
        conn.execute(access_failures.delete().where(access_failures.c.scope == resume_scope(p.session_id, p.id)))
        conn.execute(participants.delete().where(participants.c.id == p.id))

    def remove_participant(self, participant_id: int) -> None:
        """Delete a participant with their answers, drafts, devices and pairs (the partner
        becomes unpaired; the pair's notes go too). To keep the answers, merge instead."""

        def work(conn: Connection) -> None:
            self._delete_participant(conn, self._get_participant(conn, participant_id, lock=True))

        self._write_retrying(work)

    def merge_participants(self, source_id: int, target_id: int, *, keep_answers: bool = True) -> None:
        """Fold ``source`` into ``target`` (both in one session) and delete ``source``.

        With ``keep_answers`` the source's revisions join the target's for each exercise,
        renumbered in the order they were submitted (so the newest submission is current);
        the source's drafts are kept where the target has none. Without it the source's answers
        and drafts are deleted. Either way the source's devices now open the target, notes they
        wrote are the target's, and the source's pair passes to the target when the target has
        none (otherwise it is dissolved).
        """
        if source_id == target_id:
            raise StoreError("Choose two different participants to merge.")

        def work(conn: Connection) -> None:
            locked = {pid: self._get_participant(conn, pid, lock=True) for pid in sorted((source_id, target_id))}
            src, dst = locked[source_id], locked[target_id]
            if src.session_id != dst.session_id:
                raise StoreError("Only participants of the same session can be merged.")
            if keep_answers:
                self._merge_answers(conn, src.id, dst.id)
            conn.execute(drafts.delete().where(drafts.c.participant_id == src.id))
            conn.execute(responses.delete().where(responses.c.participant_id == src.id))
            conn.execute(devices.update().where(devices.c.participant_id == src.id).values(participant_id=dst.id))
            conn.execute(notes.update().where(notes.c.author_id == src.id).values(author_id=dst.id))
            self._move_pair(conn, src, dst)
            self._delete_participant(conn, src)

        self._write_retrying(work)

    def _merge_answers(self, conn: Connection, src: int, dst: int) -> None:
        rows = conn.execute(sa.select(responses.c.id, responses.c.participant_id, responses.c.instrument_id,
                                      responses.c.occasion, responses.c.revision, responses.c.submitted_at)
                            .where(responses.c.participant_id.in_([src, dst]))).all()
        groups: dict[tuple[str, str], list[Any]] = {}
        for r in rows:
            groups.setdefault((r.instrument_id, r.occasion), []).append(r)
        shift = 1_000_000  # two steps, so that the unique (participant, exercise, revision) never clashes
        for group in groups.values():
            group.sort(key=lambda r: (r.submitted_at, r.participant_id == src, r.revision))
            for n, r in enumerate(group, start=1):
                conn.execute(responses.update().where(responses.c.id == r.id)
                             .values(participant_id=dst, revision=shift + n))
        if rows:
            conn.execute(responses.update().where(responses.c.participant_id == dst,
                                                  responses.c.revision > shift)
                         .values(revision=responses.c.revision - shift))
        have = {(r.instrument_id, r.occasion) for r in conn.execute(
            sa.select(drafts.c.instrument_id, drafts.c.occasion).where(drafts.c.participant_id == dst)).all()}
        for d in conn.execute(sa.select(drafts.c.id, drafts.c.instrument_id, drafts.c.occasion)
                              .where(drafts.c.participant_id == src)).all():
            if (d.instrument_id, d.occasion) not in have:
                conn.execute(drafts.update().where(drafts.c.id == d.id).values(participant_id=dst))

    def _move_pair(self, conn: Connection, src: Participant, dst: Participant) -> None:
        if src.pair_id is None or dst.pair_id is not None:
            return
        pair = conn.execute(sa.select(pairs.c.id, pairs.c.supervisor_id, pairs.c.supervisee_id)
                            .where(pairs.c.id == src.pair_id)).first()
        if pair is None or dst.id in (pair.supervisor_id, pair.supervisee_id):
            return
        other = pair.supervisee_id if pair.supervisor_id == src.id else pair.supervisor_id
        sup, sub = (dst.id, other) if pair.supervisor_id == src.id else (other, dst.id)
        if conn.execute(sa.select(pairs.c.id).where(pairs.c.supervisor_id == sup,
                                                    pairs.c.supervisee_id == sub)).first() is not None:
            return
        conn.execute(pairs.update().where(pairs.c.id == pair.id).values(supervisor_id=sup, supervisee_id=sub))
        conn.execute(participants.update().where(participants.c.id == dst.id).values(pair_id=pair.id))
