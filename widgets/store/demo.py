"""The demo session: sample people in pairs with plausible, reproducible answers."""

from __future__ import annotations

import random
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..instruments import Instrument, data_dir, load_instrument
from .schema import responses
from .values import Participant, WorkshopSession

__all__ = ["DEMO_INSTRUMENTS", "DEMO_PASSCODE", "DEMO_TITLE", "DemoMixin", "demo_answers"]

DEMO_TITLE = "Demo session"
DEMO_PASSCODE = "demo"
#: Instruments the demo session has answers for (those whose data file exists).
DEMO_INSTRUMENTS = (
    "readiness-timeline",
    "sia-recovery-principles",
    "program-self-evaluation",
    "role-clarity-checklist",
)
# Sample people for the demo session: (supervisor, peer specialist) per pair.
_DEMO_PAIRS = (
    ("Maria", "Sam"),
    ("James", "Priya"),
    ("Aisha", "Luis"),
    ("Tom", "Hannah"),
    ("Grace", "Kofi"),
    ("Daniel", "Ruth"),
)


class DemoMixin:
    """:meth:`load_demo` of :class:`~peerkit.store.Store`."""

    def load_demo(self, instruments: Mapping[str, Instrument] | None = None) -> WorkshopSession:
        """The demo session ("Demo session", passcode "demo"): 6 supervisors and 6 peer
        specialists in pairs, with sample answers for the demo instruments that exist.

        Idempotent: running it again adds only what is missing (e.g. answers for an
        instrument whose file appeared since) and never changes existing answers.
        ``instruments`` are the instruments to fill in; by default those of
        :data:`DEMO_INSTRUMENTS` whose files exist in ``data/instruments``.
        """
        found = dict(instruments) if instruments is not None else _load_demo_instruments()
        chosen = list(found.values())
        session = self._builtin_session("demo", DEMO_TITLE, DEMO_PASSCODE)

        def work(conn: Connection) -> None:
            self._get_session(conn, session.id, lock=True)
            people: list[tuple[Participant, Participant]] = []
            for sup_name, ps_name in _DEMO_PAIRS:
                sup = self._join(conn, session.id, sup_name, "supervisor")
                ps = self._join(conn, session.id, ps_name, "peer_specialist")
                if sup.pair_id is None and ps.pair_id is None:
                    self._set_pair(conn, sup.id, ps.id)
                people.append((sup, ps))
            have = {(r.participant_id, r.instrument_id, r.occasion) for r in conn.execute(
                sa.select(responses.c.participant_id, responses.c.instrument_id, responses.c.occasion).distinct()
                .where(responses.c.participant_id.in_([p.id for pair in people for p in pair]))).all()}
            for ins in chosen:
                for k, occasion in enumerate(ins.occasion_ids):
                    for pair_no, members in enumerate(people):
                        for member in members:
                            if not _completes(ins, member.role) or (member.id, ins.id, occasion) in have:
                                continue
                            answers = demo_answers(ins, pair_no, member.role, occasion, k)
                            if answers:
                                self._submit(conn, member.id, ins, answers, occasion, check_open=False)

        self._write_retrying(work)
        return self.get_session(session.id)


def _load_demo_instruments() -> dict[str, Instrument]:
    """The demo instruments whose files exist (a broken file raises InstrumentError)."""
    out: dict[str, Instrument] = {}
    for ins_id in DEMO_INSTRUMENTS:
        path = data_dir() / "instruments" / f"{ins_id}.yaml"
        if path.exists():
            out[ins_id] = load_instrument(path)
    return out


def _completes(instrument: Instrument, role: str) -> bool:
    """Whether someone in ``role`` fills in the instrument (by its ``completed_by``)."""
    who = instrument.completed_by
    return who in ("both", "anyone", "group") or who == role


def demo_answers(instrument: Instrument, pair_no: int, role: str, occasion: str = "",
                 occasion_index: int = 0) -> dict[str, Any]:
    """Plausible, reproducible sample answers for the demo session.

    Drawn with seeded ``random.Random`` over each item's scale values, so they fit whatever
    items the data file has. Members of a pair share a view of each item and differ now and
    then; later occasions (e.g. "post") lean towards the better end of the scale and keep
    ticked checklist items. Free-text items are left empty.
    """
    out: dict[str, Any] = {}
    later = occasion_index > 0
    for item in instrument.items:
        scale = instrument.scale_for(item)
        if scale.kind == "text":
            continue
        # the pair's shared view, this person's own view (the same on every occasion),
        # and what changed on this occasion
        shared = random.Random(f"{instrument.id}|{pair_no}|{item.id}")
        person = random.Random(f"{instrument.id}|{pair_no}|{role}|{item.id}")
        now = random.Random(f"{instrument.id}|{pair_no}|{role}|{occasion}|{item.id}")
        values = list(scale.values)
        if scale.kind == "checklist":
            first = shared.random() < 0.45
            first = first if person.random() > 0.15 else not first
            out[item.id] = (first or now.random() < 0.6) if later else first
            continue
        if now.random() < 0.03:  # now and then an item is left unanswered
            continue
        if scale.kind == "true_false":
            base = shared.random() < 0.6
            out[item.id] = base if person.random() > 0.2 else not base
            continue
        if scale.ordinal or scale.kind in ("sia", "frequency"):
            n = len(values)  # the first option is the best (S, or 5 on a 5..1 list)
            if scale.kind == "frequency" and values != sorted(values, reverse=True):
                values = sorted(values, reverse=True)
            pos = round(shared.triangular(0, n - 1, (n - 1) * 0.35))
            if person.random() < 0.35:
                pos += person.choice((-1, 1))
            if later and now.random() < 0.5:
                pos -= 1
            out[item.id] = values[min(max(pos, 0), n - 1)]
            continue
        base = shared.choice(values)
        out[item.id] = base if person.random() > 0.3 else person.choice(values)
    return out
