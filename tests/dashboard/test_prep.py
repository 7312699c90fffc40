"""peerkit.prep on a frame built by hand (conftest.ANSWERS); every expectation is worked out in
the comments. S/I/A positions: S=3, I=2, A=1. Standard deviations are sample SDs (ddof=1)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from peerkit import prep

from .conftest import PEOPLE, build_frame, people_frame, status_frame

approx = pytest.approx


def rows(df: pd.DataFrame, **where) -> pd.DataFrame:
    for k, v in where.items():
        df = df[df[k] == v]
    return df


def one(df: pd.DataFrame, **where) -> pd.Series:
    found = rows(df, **where)
    assert len(found) == 1, (where, found)
    return found.iloc[0]


# -- selection -------------------------------------------------------------------------------

def test_select_keeps_valid_answers_of_one_instrument_and_occasion(frame, sia, check):
    assert len(prep.select(frame, sia)) == 3 + 3 + 2 + 3
    assert len(prep.select(frame, check, "pre")) == 9
    assert len(prep.select(frame, check)) == 9  # default: the first occasion
    assert len(prep.select(frame, check, "post")) == 6
    # an item of another version and a value off the scale are left out, not guessed
    extra = pd.DataFrame([
        {**frame.iloc[0].to_dict(), "item_id": "p99"},
        {**frame.iloc[0].to_dict(), "participant_id": 4, "value": "Z"},
    ])
    assert len(prep.select(pd.concat([frame, extra]), sia)) == 11


def test_answers_by_participant(frame, freq):
    got = prep.answers_by_participant(frame, freq)
    assert got[2] == {"a1": 5, "a2": 4, "b1": 2, "b2": 2}
    assert set(got) == {1, 2, 3, 5}  # Dan (4) submitted nothing


# -- bands and scores ------------------------------------------------------------------------

def test_band_distribution(frame, quiz):
    # Ann T,T,T,F -> 3 Ready; Ben T,F,F,F -> 1 Not yet; Cat 4 x T -> 4 Ready;
    # Eve answered 2 of 4 -> no band (an unfinished quiz could understate readiness)
    bands = prep.band_distribution(frame, quiz)
    assert list(bands["band"]) == ["Ready", "Not yet", prep.NOT_BANDED]
    assert list(bands["n"]) == [2, 1, 1]
    assert list(bands["share"]) == approx([0.5, 0.25, 0.25])
    assert list(bands["n_supervisor"]) == [2, 0, 0]
    assert list(bands["n_peer_specialist"]) == [0, 1, 0]
    assert list(bands["n_other"]) == [0, 0, 1]


def test_band_distribution_without_bands_or_answers(frame, sia, quiz):
    assert prep.band_distribution(frame, sia).empty
    empty = prep.band_distribution(prep.empty_responses(), quiz)
    assert list(empty["n"]) == [0, 0] and "Not complete (no band)" not in list(empty["band"])


def test_score_summary_by_role(frame, quiz):
    # scores: Ann 3, Cat 4 (supervisors: mean 3.5); Ben 1; Eve 2 (2 of 4 answered, both True)
    s = prep.score_summary(frame, quiz).set_index("role")
    assert s.loc["supervisor", "mean"] == approx(3.5)
    assert s.loc["supervisor", "min"] == 3 and s.loc["supervisor", "max"] == 4
    assert s.loc["peer_specialist", "mean"] == approx(1.0)
    assert s.loc["all", "n"] == 4 and s.loc["all", "mean"] == approx((3 + 1 + 4 + 2) / 4)


# -- S/I/A counts per principle by role ----------------------------------------------------------

def test_option_counts_by_role(frame, sia):
    counts = prep.option_counts(frame, sia)
    assert list(counts.columns[-3:]) == ["S", "I", "A"]
    # p1: supervisors Ann S, Cat I; peer Ben S; other Eve A
    r = one(counts, item_id="p1", role="supervisor")
    assert (r["n"], r["S"], r["I"], r["A"]) == (2, 1, 1, 0)
    r = one(counts, item_id="p1", role="peer_specialist")
    assert (r["n"], r["S"], r["I"], r["A"]) == (1, 1, 0, 0)
    r = one(counts, item_id="p1", role="all")
    assert (r["n"], r["S"], r["I"], r["A"]) == (4, 2, 1, 1)
    # p3: Cat skipped it -> supervisors n = 1 (Ann A); all: Ann A, Ben A, Eve I
    r = one(counts, item_id="p3", role="supervisor")
    assert (r["n"], r["A"]) == (1, 1)
    r = one(counts, item_id="p3", role="all")
    assert (r["n"], r["S"], r["I"], r["A"]) == (3, 0, 1, 2)
    # roles in order, then everyone
    assert list(rows(counts, item_id="p2")["role"]) == ["supervisor", "peer_specialist", "other", "all"]


def test_option_counts_without_roles(frame, quiz):
    counts = prep.option_counts(frame, quiz, by_role=False)
    assert set(counts["role"]) == {"all"}
    # q2: Ann T, Ben F, Cat T, Eve T
    r = one(counts, item_id="q2")
    assert (r["n"], r["True"], r["False"]) == (4, 3, 1)


# -- self-evaluation area means by role --------------------------------------------------------------

def test_area_means_by_role_with_spread(frame, freq):
    # area A means per person: Ann (5+3)/2 = 4.0, Ben (5+4)/2 = 4.5, Cat (1+2)/2 = 1.5, Eve 3.0
    # area B: Ann (4+4+1)/3 = 3.0, Ben (2+2)/2 = 2.0 (b3 not answered), Cat 5.0, Eve none
    a = prep.area_means(frame, freq)
    sup = one(a, section_id="a", role="supervisor")
    # supervisors: 4.0 and 1.5 -> mean 2.75; SD sqrt(2 * 1.25^2 / 1) = sqrt(3.125)
    assert (sup["n"], sup["mean"], sup["min"], sup["max"]) == (2, approx(2.75), 1.5, 4.0)
    assert sup["std"] == approx(math.sqrt(3.125))
    peer = one(a, section_id="a", role="peer_specialist")
    assert (peer["n"], peer["mean"]) == (1, approx(4.5)) and math.isnan(peer["std"])
    everyone = one(a, section_id="a", role="all")
    # 4.0, 4.5, 1.5, 3.0 -> mean 3.25; squared deviations .5625 + 1.5625 + 3.0625 + .0625 = 5.25; / 3
    assert everyone["mean"] == approx(3.25) and everyone["std"] == approx(math.sqrt(5.25 / 3))
    b_all = one(a, section_id="b", role="all")
    # 3, 2, 5 -> mean 10/3; squared deviations 1/9 + 16/9 + 25/9 = 42/9; / 2 = 7/3
    assert b_all["n"] == 3 and b_all["mean"] == approx(10 / 3) and b_all["std"] == approx(math.sqrt(7 / 3))
    assert one(a, section_id="b", role="other")["n"] == 0  # Eve answered nothing in area B
    assert list(a["section"].unique()) == ["Area A", "Area B"]


def test_area_means_only_for_ordinal_sections(frame, quiz, check):
    assert prep.area_means(frame, quiz).empty
    assert prep.area_means(frame, check, "pre").empty


# -- widest disagreement -------------------------------------------------------------------------------

def test_item_spread_sia(frame, sia):
    s = prep.item_spread(frame, sia).set_index("item_id")
    # p1: 3, 2, 3, 1 -> mean 2.25; squared deviations .5625 .0625 .5625 1.5625 = 2.75; / 3
    assert s.loc["p1", "mean"] == approx(2.25) and s.loc["p1", "std"] == approx(math.sqrt(2.75 / 3))
    assert s.loc["p1", "range"] == 2 and s.loc["p1", "modal_share"] == approx(0.5)
    assert s.loc["p1", "distinct"] == 3
    # supervisors Ann S(3), Cat I(2) -> 2.5; peer Ben S(3) -> 3; gap = 3 - 2.5 = +0.5
    assert s.loc["p1", "mean_supervisor"] == approx(2.5) and s.loc["p1", "role_gap"] == approx(0.5)
    # p2: I A I S -> 2 1 2 3: mean 2, SD sqrt(2/3); supervisors (2+2)/2 = 2, peer 1 -> gap -1
    assert s.loc["p2", "std"] == approx(math.sqrt(2 / 3)) and s.loc["p2", "role_gap"] == approx(-1.0)
    # p3: A A I -> 1 1 2: mean 4/3, SD sqrt((1/9 + 1/9 + 4/9) / 2) = sqrt(1/3); no role gap
    assert s.loc["p3", "n"] == 3 and s.loc["p3", "std"] == approx(math.sqrt(1 / 3))
    assert s.loc["p3", "role_gap"] == approx(0.0)


def test_widest_disagreement_orders(frame, sia, freq):
    by_std = prep.widest_disagreement(frame, sia, n=None)
    assert list(by_std["item_id"]) == ["p1", "p2", "p3"]  # .957 > .816 > .577
    # by the roles' difference of means: p2 |-1| > p1 .5; p3 (0) shows no disagreement
    assert list(prep.widest_disagreement(frame, sia, by="role_gap", n=None)["item_id"]) == ["p2", "p1"]
    # by range: p1 2, p2 2 (tie: instrument order), p3 1
    assert list(prep.widest_disagreement(frame, sia, by="range", n=None)["item_id"]) == ["p1", "p2", "p3"]
    assert len(prep.widest_disagreement(frame, sia, n=2)) == 2
    # frequency: b3 = 1, 5 -> mean 3, SD sqrt((4 + 4) / 1) = 2.83;
    # a1 = 5, 5, 1, 3 -> mean 3.5, SD sqrt((2.25 + 2.25 + 6.25 + .25) / 3) = sqrt(11/3) = 1.91
    top = prep.widest_disagreement(frame, freq, n=2)
    assert list(top["item_id"]) == ["b3", "a1"]
    assert list(top["std"]) == approx([math.sqrt(8), math.sqrt(11 / 3)])
    with pytest.raises(ValueError):
        prep.widest_disagreement(frame, sia, by="loudest")


def test_modal_share_for_yes_no_items(frame, quiz):
    # q1 all True -> no disagreement; q2 3 of 4 True; q3 Ann T, Ben F, Cat T -> 2/3; q4 F, F, T -> 2/3
    got = prep.widest_disagreement(frame, quiz, by="modal_share", n=None)
    assert list(got["item_id"]) == ["q3", "q4", "q2"]
    assert list(got["modal_share"]) == approx([2 / 3, 2 / 3, 3 / 4])


# -- submissions ------------------------------------------------------------------------------

def test_submission_matrix_and_counts(frame, sia, freq, quiz, check):
    long = prep.submission_long(status_frame(frame), people_frame(), [sia, freq, quiz, check])
    m = prep.submission_matrix(long).set_index("display_name")
    assert list(m.index) == ["Ann", "Ben", "Cat", "Dan", "Eve"]
    assert m.loc["Dan", "t-sia"] == "not submitted" and m.loc["Dan", "outstanding"] == 3
    assert m.loc["Dan", "t-check:pre"] == "not expected"  # a supervisors' checklist
    assert m.loc["Ben", "t-check:pre"] == "submitted"  # submitted although not expected
    assert m.loc["Ben", "t-check:post"] == "not expected"
    assert (m.loc["Ann", "submitted"], m.loc["Ann", "outstanding"]) == (5, 0)
    assert (m.loc["Eve", "submitted"], m.loc["Eve", "outstanding"]) == (3, 0)
    c = prep.submission_counts(long).set_index("key")
    assert tuple(c.loc["t-sia", ["expected", "submitted", "not_submitted"]]) == (5, 4, 1)
    assert tuple(c.loc["t-check:pre", ["expected", "submitted", "not_submitted"]]) == (2, 3, 0)
    assert tuple(c.loc["t-check:post", ["expected", "submitted", "not_submitted"]]) == (2, 2, 0)
    assert c.loc["t-check:post", "title"] == "Checklist — After"


def test_role_counts():
    c = prep.role_counts(people_frame()).set_index("role")["n"]
    assert dict(c) == {"supervisor": 2, "peer_specialist": 2, "other": 1, "all": 5}


# -- pairs ------------------------------------------------------------------------------------

def test_pairs_frame_puts_the_supervisor_first():
    pairs = prep.pairs_frame(people_frame())
    assert list(pairs["label"]) == ["Ann & Ben", "Cat & Dan"]
    # a partner who left: the pair is still listed, marked incomplete
    alone = prep.pairs_frame(people_frame([p for p in PEOPLE if p[1] != "Ben"]))
    r = alone.set_index("pair_id").loc[1]
    assert r["a_name"] == "Ann" and r["b_name"] is None and not r["complete"]
    assert r["label"] == "Ann (partner missing)"


def test_pairs_frame_follows_the_store_pairs():
    class Pair:  # Store.pairs: who is supervisor is recorded, whatever the roles
        def __init__(self, id, supervisor_id, supervisee_id):
            self.id, self.supervisor_id, self.supervisee_id = id, supervisor_id, supervisee_id

    pairs = prep.pairs_frame(people_frame(), [Pair(1, 2, 1)])
    assert pairs.set_index("pair_id").loc[1, "a_name"] == "Ben"


def test_pair_table_sia(frame, sia):
    t = prep.pair_table(frame, sia, 1, 2).set_index("item_id")
    # p1 S/S, p2 I/A, p3 A/A; difference = b - a on positions: p2 1 - 2 = -1 (Ann rated higher)
    assert list(t["status"]) == ["same", "differs", "same"]
    assert list(t["marker"]) == ["=", "≠", "="]
    assert t.loc["p2", "difference"] == -1 and t.loc["p2", "direction"] == "a"
    acts = prep.action_items(sia, prep.pair_table(frame, sia, 1, 2))
    assert list(acts["item_id"]) == ["p2", "p3"]  # either rated I or A
    areas = prep.pair_areas(sia, prep.pair_table(frame, sia, 1, 2))
    assert areas["kappa"].iloc[0] == approx(2 / 3)  # worked out in test_kappa


def test_pair_with_one_member_missing(frame, sia, freq):
    # Cat & Dan: Dan submitted nothing
    t = prep.pair_table(frame, sia, 3, 4).set_index("item_id")
    assert list(t["status"]) == ["one answer", "one answer", "no answers"]
    assert t["b"].isna().all() and t.loc["p1", "a"] == "I"
    assert list(prep.action_items(sia, t.reset_index())["item_id"]) == ["p1", "p2"]
    areas = prep.pair_areas(freq, prep.pair_table(frame, freq, 3, 4))
    assert (areas["both_answered"] == 0).all() and areas["kappa"].isna().all()
    assert prep.pair_gaps(prep.pair_table(frame, freq, 3, 4)).empty
    # a pair whose partner is gone altogether (b_id None) behaves the same
    assert list(prep.pair_table(frame, sia, 3, None)["status"]) == ["one answer", "one answer", "no answers"]


def test_pair_gaps_largest_first(frame, freq):
    # Ann vs Ben: a1 5/5, a2 3/4 (+1, Ben higher), b1 4/2 (-2), b2 4/2 (-2), b3 1/-
    gaps = prep.pair_gaps(prep.pair_table(frame, freq, 1, 2))
    assert list(gaps["item_id"]) == ["b1", "b2", "a2"]
    assert list(gaps["difference"]) == [-2, -2, 1]
    assert list(gaps["direction"]) == ["a", "a", "b"]
    areas = prep.pair_areas(freq, prep.pair_table(frame, freq, 1, 2)).set_index("section_id")
    # area A: Ann mean (5+3)/2 = 4, Ben (5+4)/2 = 4.5; kappa .5 (see test_kappa)
    assert areas.loc["a", "mean_a"] == approx(4.0) and areas.loc["a", "mean_b"] == approx(4.5)
    assert areas.loc["a", "kappa"] == approx(0.5)
    assert areas.loc["b", "agreements"] == 0 and areas.loc["b", "differences"] == 2


# -- pre / post ------------------------------------------------------------------------------------

def test_person_pre_post(frame, check):
    # Ann: pre c1 T, c2 F, c3 F; post c1 T, c2 T, c3 F -> c2 gained
    t = prep.person_pre_post(frame, check, 1).set_index("item_id")
    assert list(t["change"]) == ["same", "gained", "same"]
    s = prep.pre_post_summary(check, t.reset_index()).set_index("section_id")
    assert (s.loc["s1", "pre_count"], s.loc["s1", "post_count"], s.loc["s1", "gained"]) == (1, 2, 1)
    assert (s.loc["s2", "pre_count"], s.loc["s2", "post_count"]) == (0, 0)
    # Ben answered only before: his change is unknown, nothing counted as lost
    t = prep.person_pre_post(frame, check, 2)
    assert t["change"].isna().all() and prep.pre_post_summary(check, t)["lost"].sum() == 0


def test_group_pre_post(frame, check):
    # scores (ticked): Ann 1 -> 2 (+1); Cat 1 -> 1 (0: c1 gained, c3 lost); Ben only before
    g = prep.group_pre_post(frame, check).set_index("display_name")
    assert g.loc["Ann", ["pre", "post", "change"]].tolist() == [1, 2, 1]
    assert g.loc["Cat", ["pre", "post", "change"]].tolist() == [1, 1, 0]
    assert g.loc["Ben", "pre"] == 3 and math.isnan(g.loc["Ben", "post"])
    # by section for the two who answered both times:
    # s1: items 2 x 2 = 4; before Ann 1 + Cat 0 = 1; after 2 + 1 = 3; gained Ann c2, Cat c1
    # s2: items 2; before Ann 0 + Cat 1 = 1; after 0; Cat lost c3
    s = prep.group_pre_post_sections(frame, check).set_index("section_id")
    assert s.loc["s1", ["items", "pre_count", "post_count", "gained", "lost"]].tolist() == [4, 1, 3, 2, 0]
    assert s.loc["s2", ["items", "pre_count", "post_count", "gained", "lost"]].tolist() == [2, 1, 0, 0, 1]
    assert (s["people"] == 2).all()


# -- discussion and text ---------------------------------------------------------------------------

def test_discussion_steps_join_numbered_instructions_and_questions(sia, freq):
    steps = prep.discussion_steps(sia)
    assert steps == ["Review the principles independently.", "Rate each one.", "Compare and discuss.",
                     "What steps could you take?"]
    assert prep.discussion_steps(freq) == ["Where did you agree?", "Where did you differ?"]


def test_discussion_steps_of_the_sia_exercise_are_four(curriculum):
    ins = curriculum.get("sia-recovery-principles")
    if ins is None:
        pytest.skip("sia-recovery-principles is not transcribed yet")
    assert len(prep.discussion_steps(ins)) == 4


def test_text_answers(text_ins):
    df = build_frame({("t-text", ""): {1: {"r1": "Ann's note"}, 2: {"r1": "<b>Ben</b>"}}})
    t = prep.text_answers(df, text_ins)
    assert list(t["display_name"]) == ["Ann", "Ben"] and t["answer"].iloc[1] == "<b>Ben</b>"


def test_suppress_small_groups(frame, sia):
    counts = prep.option_counts(frame, sia)
    kept = prep.suppress_small_groups(counts, 2)
    # roles: supervisors answered by 2, peer specialists 1, other 1 -> only supervisors and "all" stay
    assert set(kept["role"]) == {"supervisor", "all"}
    assert prep.suppress_small_groups(counts, 1) is counts


# -- empty session ------------------------------------------------------------------------------------

@pytest.mark.parametrize("empty", [None, "frame"])
def test_empty_session_gives_empty_frames_with_columns(empty, sia, freq, quiz, check, text_ins):
    f = None if empty is None else prep.empty_responses()
    for ins in (sia, freq, quiz, check, text_ins):
        for fn, cols in ((prep.option_counts, ["item_id", "role", "n"]),
                         (prep.area_means, prep.AREA_COLUMNS),
                         (prep.item_spread, prep.SPREAD_COLUMNS),
                         (prep.widest_disagreement, prep.SPREAD_COLUMNS),
                         (prep.scores, prep.SCORE_COLUMNS),
                         (prep.respondents, prep.RESPONDENT_COLUMNS),
                         (prep.text_answers, prep.TEXT_COLUMNS),
                         (prep.score_summary, prep.SCORE_SUMMARY_COLUMNS)):
            out = fn(f, ins)
            assert out.empty and set(cols) <= set(out.columns), (fn.__name__, ins.id)
        assert prep.group_pre_post(f, ins).empty
        assert prep.answers_by_participant(f, ins) == {}
        t = prep.pair_table(f, ins, 1, 2)
        assert len(t) == len(ins.items) and set(t["status"]) <= {"no answers", ""}
    bands = prep.band_distribution(f, quiz)
    assert list(bands["n"]) == [0, 0]
    assert prep.submission_long(None, [], [sia]).empty
    assert prep.submission_matrix(prep.submission_long(None, [], [sia])).empty
    assert prep.submission_counts(prep.submission_long(None, [], [sia])).empty
    assert prep.pairs_frame([]).empty
    # nobody submitted yet, but people joined: everyone outstanding
    long = prep.submission_long(None, people_frame(), [sia])
    assert long["status"].tolist() == ["not submitted"] * 5


def test_store_frame_works_like_the_hand_built_one(store, sia):
    """The store's own frame (typed values, nullable pair ids, UTC times) goes through prep as is."""
    s = store.create_session("Prep check", "pass1234")
    ann = store.join(s.id, "Ann", "supervisor")
    ben = store.join(s.id, "Ben", "peer_specialist")
    pair_id = store.set_pair(ann.id, ben.id)
    store.submit(ann.id, sia, {"p1": "S", "p2": "I", "p3": "A"})
    store.submit(ben.id, sia, {"p1": "S", "p2": "A", "p3": "A"})
    f = store.responses_frame(s.id)
    t = prep.pair_table(f, sia, ann.id, ben.id)
    assert list(t["status"]) == ["same", "differs", "same"]
    pairs = prep.pairs_frame(store.participants(s.id), store.pairs(s.id))
    assert pairs.iloc[0]["pair_id"] == pair_id and pairs.iloc[0]["a_name"] == "Ann"
    long = prep.submission_long(store.submission_status(s.id), store.participants(s.id), [sia])
    assert long["status"].tolist() == ["submitted", "submitted"]


def test_option_counts_tally_each_ticked_option_of_a_multi_select(curriculum):
    """"Tick every one that applies" (the peer-role sorting's "why"): every ticked option is
    counted, not the combination as one answer (which matched no option and was dropped), and
    ``n`` is the number of people who answered."""
    ins = curriculum["peer-role-sorting"]
    item = next(i for i in ins.items if ins.scale_for(i).kind == "multi")
    a, b, c = ins.scale_for(item).values[:3]
    answers = {(ins.id, ""): {1: {item.id: f"{a}+{b}"}, 2: {item.id: b}, 3: {item.id: f"{a}+{b}+{c}"}}}
    counts = prep.option_counts(build_frame(answers), ins)
    row = counts[counts["item_id"] == item.id].set_index("role")
    assert row.loc["all", "n"] == 3
    assert (row.loc["all", a], row.loc["all", b], row.loc["all", c]) == (2, 3, 1)
    assert (row.loc["supervisor", "n"], row.loc["supervisor", a], row.loc["supervisor", b]) == (2, 2, 2)
    assert (row.loc["peer_specialist", "n"], row.loc["peer_specialist", b]) == (1, 1)
