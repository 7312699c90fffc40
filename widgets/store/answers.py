"""Reading answers (current revision, every revision, a pair's, before and after a course),
drafts of unfinished answers, and a pair's notes. Submitting is in :mod:`.submit`."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..instruments import Instrument
from .engine import _upsert
from .schema import MAX_KEY_LENGTH, drafts, notes, responses
from .values import StoreError, Submission, _now

__all__ = ["AnswersMixin"]


class AnswersMixin:
    """Answers, drafts and notes of :class:`~peerkit.store.Store`."""

    # -- answers --------------------------------------------------------------------------------

    @staticmethod
    def _check_occasion(instrument: Instrument, occasion: str) -> None:
        if occasion not in instrument.occasion_ids:
            allowed = ", ".join(repr(o) for o in instrument.occasion_ids)
            raise ValueError(f"{instrument.id}: unknown occasion {occasion!r} (allowed: {allowed})")

    def save_draft(self, participant_id: int, instrument_id: str, answers: Mapping[str, Any],
                   occasion: str = "") -> None:
        """Keep unfinished answers (one draft per participant, instrument and occasion; replaced)."""
        try:
            payload = json.loads(json.dumps(dict(answers)))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{instrument_id}: a draft must hold text, numbers and true/false only ({exc})") from exc

        def work(conn: Connection) -> None:
            self._get_participant(conn, participant_id)
            _upsert(conn, drafts, dict(participant_id=participant_id, instrument_id=instrument_id,
                                       occasion=occasion, answers=payload, updated_at=_now()),
                    ["participant_id", "instrument_id", "occasion"], ["answers", "updated_at"])

        self._write_retrying(work)

    def load_draft(self, participant_id: int, instrument_id: str, occasion: str = "") -> dict | None:
        """The saved draft, or None."""
        with self._read() as conn:
            return conn.execute(sa.select(drafts.c.answers).where(
                drafts.c.participant_id == participant_id, drafts.c.instrument_id == instrument_id,
                drafts.c.occasion == occasion)).scalar()

    def _current_query(self, where: Sequence[Any]) -> sa.Select:
        """Current (latest) revisions matching ``where`` (conditions on ``responses``)."""
        latest = (sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion,
                            sa.func.max(responses.c.revision).label("revision"))
                  .where(*where)
                  .group_by(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion)
                  .subquery("latest"))
        return sa.select(responses).join(latest, sa.and_(
            responses.c.participant_id == latest.c.participant_id,
            responses.c.instrument_id == latest.c.instrument_id,
            responses.c.occasion == latest.c.occasion,
            responses.c.revision == latest.c.revision))

    def current_answers(self, participant_id: int, instrument_id: str, occasion: str = "") -> dict | None:
        """The current revision's answers, or None when nothing was submitted."""
        with self._read() as conn:
            return conn.execute(
                sa.select(responses.c.answers).where(
                    responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                    responses.c.occasion == occasion)
                .order_by(responses.c.revision.desc()).limit(1)).scalar()

    def revisions(self, participant_id: int, instrument_id: str, occasion: str = "") -> list[Submission]:
        """Every stored revision, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(responses.c.id, responses.c.revision, responses.c.submitted_at).where(
                    responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                    responses.c.occasion == occasion).order_by(responses.c.revision)).all()
        return [Submission(r.id, r.revision, True, r.submitted_at) for r in rows]

    def revision_answers(self, participant_id: int, instrument_id: str, revision: int,
                         occasion: str = "") -> dict | None:
        """The answers of one stored revision (None when there is no such revision)."""
        with self._read() as conn:
            return conn.execute(sa.select(responses.c.answers).where(
                responses.c.participant_id == participant_id, responses.c.instrument_id == instrument_id,
                responses.c.occasion == occasion, responses.c.revision == revision)).scalar()

    def pair_answers(self, pair_id: int, instrument_id: str, occasion: str = "") -> tuple[dict | None, dict | None]:
        """(supervisor's, supervisee's) current answers; None for a member who has not submitted."""
        with self._read() as conn:
            pair = self._get_pair(conn, pair_id)
            q = self._current_query([responses.c.participant_id.in_([pair.supervisor_id, pair.supervisee_id]),
                                     responses.c.instrument_id == instrument_id,
                                     responses.c.occasion == occasion])
            found = {r.participant_id: r.answers for r in conn.execute(q).all()}
        return found.get(pair.supervisor_id), found.get(pair.supervisee_id)

    def pre_post(self, participant_id: int, instrument_id: str) -> tuple[dict | None, dict | None]:
        """The participant's current answers on the occasions "pre" and "post" (None if missing)."""
        with self._read() as conn:
            q = self._current_query([responses.c.participant_id == participant_id,
                                     responses.c.instrument_id == instrument_id,
                                     responses.c.occasion.in_(["pre", "post"])])
            found = {r.occasion: r.answers for r in conn.execute(q).all()}
        return found.get("pre"), found.get("post")

    # -- notes ------------------------------------------------------------------------------------

    def save_note(self, pair_id: int, instrument_id: str, key: str, text: str,
                  author_id: int | None = None) -> None:
        """Save (replace) a pair's note, e.g. an answer to a discussion question or an action step."""
        key = (key or "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise StoreError(f"A note needs a key of 1 to {MAX_KEY_LENGTH} characters")
        if not isinstance(text, str):
            raise StoreError("A note's text must be text")

        def work(conn: Connection) -> None:
            pair = self._get_pair(conn, pair_id)
            if author_id is not None and self._get_participant(conn, author_id).session_id != pair.session_id:
                raise StoreError(f"Participant {author_id} is not in the pair's session")
            _upsert(conn, notes, dict(pair_id=pair_id, instrument_id=instrument_id, key=key, text=text,
                                      author_id=author_id, updated_at=_now()),
                    ["pair_id", "instrument_id", "key"], ["text", "author_id", "updated_at"])

        self._write_retrying(work)

    def notes(self, pair_id: int, instrument_id: str) -> dict[str, str]:
        """The pair's notes for an instrument, {key: text}, in the order first written."""
        with self._read() as conn:
            rows = conn.execute(sa.select(notes.c.key, notes.c.text).where(
                notes.c.pair_id == pair_id, notes.c.instrument_id == instrument_id).order_by(notes.c.id)).all()
        return {r.key: r.text for r in rows}
