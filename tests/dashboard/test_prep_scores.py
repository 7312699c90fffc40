"""The group's scores (``prep.scores``, computed for everyone at once) against the reference,
``peerkit.scoring.score`` on each person's answers, for every instrument in data/instruments/ with
random answers: skipped items, blank written answers, partly right multi-selects, answers off the
scale and older revisions. Also: results kept with a frame are never changed by a caller."""

from __future__ import annotations

import datetime as dt
import math
import random

import pandas as pd
import pytest

from peerkit import prep
from peerkit.instruments import load_all
from peerkit.prep import RESPONSE_COLUMNS
from peerkit.scoring import score

INSTRUMENTS = load_all()
ROLES = ("supervisor", "peer_specialist", "other")


def random_value(rng: random.Random, ins, item):
    scale = ins.scale_for(item)
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(["Z", 99, "not+an+option"])  # off the scale: left out by select
    if scale.kind == "text":
        return rng.choice(["", "   ", "A written answer", "Another one"])
    if scale.kind == "multi":
        if item.answer is not None and roll < 0.3:
            return item.answer
        picked = [o.value for o in scale.options if rng.random() < 0.4] or [scale.options[0].value]
        return scale.join(picked)
    if item.answer is not None and roll < 0.45:
        return item.answer
    return rng.choice(scale.values)


def random_frame(ins, people: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    when = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.timezone.utc)
    for p in range(1, people + 1):
        role = ROLES[p % 3]
        for occ in ins.occasion_ids:
            skip = 0.0 if p % 4 == 0 else rng.choice([0.0, 0.1, 0.5])  # every 4th person answers all
            for rev in (1, 2) if p % 5 == 0 else (1,):  # an older revision is never counted
                for item in ins.items:
                    if rng.random() < skip:
                        continue
                    rows.append({"session_id": 1, "participant_id": p, "display_name": f"Person {p:03d}",
                                 "role": role, "pair_id": None, "instrument_id": ins.id,
                                 "instrument_version": ins.version, "occasion": occ, "item_id": item.id,
                                 "value": random_value(rng, ins, item), "revision": rev,
                                 "submitted_at": when + dt.timedelta(minutes=p + rev)})
    frame = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    frame["value"] = frame["value"].astype(object)
    frame["pair_id"] = frame["pair_id"].astype("Int64")
    return frame


def reference_scores(frame: pd.DataFrame, ins, occasion: str) -> pd.DataFrame:
    """What ``prep.scores`` gave before it was vectorised: ``scoring.score`` for each respondent."""
    answers = prep.answers_by_participant(frame, ins, occasion)
    people = prep.respondents(frame, ins, occasion)
    rows = []
    for pid, name, role in zip(people["participant_id"], people["display_name"], people["role"]):
        s = score(ins, answers.get(int(pid), {}))
        rows.append({"participant_id": int(pid), "display_name": name, "role": role, "answered": s.answered,
                     "n_items": s.n_items, "complete": s.complete,
                     "value": s.value if s.value is not None else math.nan,
                     "mean": s.mean if s.mean is not None else math.nan,
                     "band": s.band.label if s.band is not None else None})
    return pd.DataFrame(rows, columns=prep.SCORE_COLUMNS)


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_group_scores_equal_scoring_score(instrument_id):
    ins = INSTRUMENTS[instrument_id]
    frame = random_frame(ins, people=60, seed=sum(map(ord, instrument_id)))
    for occ in ins.occasion_ids:
        got = prep.scores(frame, ins, occ)
        want = reference_scores(frame, ins, occ)
        assert len(want) > 0
        assert list(got.columns) == list(want.columns)
        assert len(got) == len(want)
        for g, w in zip(got.to_dict("records"), want.to_dict("records")):
            g = {k: prep._py(v) if k not in ("value", "mean") else float(v) for k, v in g.items()}
            w = {k: prep._py(v) if k not in ("value", "mean") else float(v) for k, v in w.items()}
            assert all(same(g[k], w[k]) for k in g), (instrument_id, occ, g, w)
        # the bands and the summary read the same scores
        if ins.scoring.bands:
            bands = prep.band_distribution(frame, ins, occ)
            assert bands["n"].sum() == len(want)
            for label, n in zip(bands["band"], bands["n"]):
                expected = want["band"].isna() if label == prep.NOT_BANDED else want["band"] == label
                assert n == int(expected.sum())


def test_the_scores_vary_in_the_random_answers():
    """The comparison above means something: the random answers give varied scores and bands."""
    quiz = INSTRUMENTS["readiness-timeline"]
    sc = prep.scores(random_frame(quiz, 60, 1), quiz)
    assert sc["value"].nunique() > 3 and sc["complete"].any() and not sc["complete"].all()
    assert sc["band"].notna().any() and sc["band"].isna().any()
    keyed = INSTRUMENTS["peer-role-sorting"]
    sc = prep.scores(random_frame(keyed, 60, 2), keyed)
    assert sc["value"].nunique() > 10
    rated = INSTRUMENTS["program-self-evaluation"]
    sc = prep.scores(random_frame(rated, 60, 3), rated)
    assert sc["mean"].nunique() > 10 and sc["value"].notna().all()


def test_results_kept_with_a_frame_are_not_changed_by_callers():
    ins = INSTRUMENTS["readiness-timeline"]
    frame = random_frame(ins, 30, 4)
    first = prep.scores(frame, ins)
    mine = prep.scores(frame, ins)
    mine["value"] = -1.0  # a caller changing its copy
    picked = prep.select(frame, ins)
    picked.loc[:, "value"] = "changed"
    people = prep.respondents(frame, ins)
    people["display_name"] = "x"
    pd.testing.assert_frame_equal(prep.scores(frame, ins), first)
    assert set(prep.select(frame, ins)["value"].map(type)) <= {bool}
    assert (prep.respondents(frame, ins)["display_name"] != "x").all()


def test_a_new_frame_is_computed_afresh():
    """A refresh reads a new frame: nothing kept with the old one is reused for it."""
    ins = INSTRUMENTS["readiness-timeline"]
    old = random_frame(ins, 30, 5)
    before = prep.scores(old, ins)
    new = random_frame(ins, 31, 6)
    after = prep.scores(new, ins)
    pd.testing.assert_frame_equal(after, reference_scores(new, ins, ""))
    assert len(after) != len(before)


@pytest.mark.parametrize("instrument_id", sorted(k for k, v in INSTRUMENTS.items() if prep.pre_post_occasions(v)))
def test_group_change_equals_each_persons_pre_post_summed(instrument_id):
    """``group_pre_post_sections`` counts straight from the answers; the reference adds up
    ``pre_post_summary(pre_post(...))`` person by person, as it did before."""
    from peerkit.compare import pre_post

    ins = INSTRUMENTS[instrument_id]
    frame = random_frame(ins, people=40, seed=len(instrument_id))
    occ = prep.pre_post_occasions(ins)
    before = prep.answers_by_participant(frame, ins, occ[0])
    after = prep.answers_by_participant(frame, ins, occ[1])
    both = [pid for pid in before if pid in after]
    assert len(both) > 10
    total = None
    for pid in both:
        part = prep.pre_post_summary(ins, pre_post(ins, before[pid], after[pid]))
        num = part.drop(columns=["section_id", "section"])
        total = num if total is None else total + num
    want = pd.concat([part[["section_id", "section"]], total], axis=1).assign(people=len(both))
    got = prep.group_pre_post_sections(frame, ins)
    pd.testing.assert_frame_equal(got, want[got.columns])
    assert got[["gained", "lost", "changed"]].to_numpy().sum() > 0
