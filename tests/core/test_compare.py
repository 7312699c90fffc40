"""Pair and pre/post comparisons, and weighted kappa on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from peerkit.compare import compare_pair, largest_gaps, pre_post, section_summary, weighted_kappa
from peerkit.instruments import parse_instrument

from .test_scoring import CHECK_DOC, SUM_DOC, TALLY_DOC


def test_kappa_perfect_agreement_is_one():
    assert weighted_kappa([1, 2, 3, 3], [1, 2, 3, 3], [1, 2, 3]) == pytest.approx(1.0)


def test_kappa_unweighted_textbook_case():
    # 2x2 table: both yes 20, a yes/b no 5, a no/b yes 10, both no 15 (n=50)
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    # po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.2/0.5 = 0.4
    assert weighted_kappa(a, b, ["y", "n"], "none") == pytest.approx(0.4)


def test_kappa_linear_weights_three_categories():
    # ratings on S/I/A; weights 0, 0.5, 1 by distance
    a = ["S", "S", "I", "A"]
    b = ["S", "I", "I", "S"]
    # observed disagreement: 0 + .5 + 0 + 1 = 1.5 / 4 = 0.375
    # marginals a: S2 I1 A1; b: S2 I2 A0
    # expected: sum w(i,j) * ra_i * rb_j / 16
    #   S-I: .5*2*2 = 2; I-S: .5*1*2 = 1; A-S: 1*1*2 = 2; A-I: .5*1*2 = 1  -> 6/16 = 0.375
    # kappa = 1 - 0.375/0.375 = 0
    assert weighted_kappa(a, b, ["S", "I", "A"]) == pytest.approx(0.0)


def test_kappa_undefined_cases_are_nan():
    assert math.isnan(weighted_kappa([], [], [1, 2]))
    assert math.isnan(weighted_kappa([3, 3], [3, 3], [1, 2, 3]))  # one category only
    # missing answers are dropped, not counted
    assert weighted_kappa([1, None, 2], [1, 2, 2], [1, 2]) == pytest.approx(1.0)


def test_pair_comparison_per_item_and_area():
    ins = parse_instrument(SUM_DOC)
    sup = {"a1": 5, "a2": 3, "a3": 4, "b1": 1, "b2": 2}
    cps = {"a1": 5, "a2": 1, "a3": 5, "b1": 1}
    df = compare_pair(ins, sup, cps)
    row = df.set_index("item_id")
    assert row.loc["a2", "difference"] == -2 and row.loc["a2", "direction"] == "a"
    assert row.loc["a3", "direction"] == "b"
    assert bool(row.loc["a1", "agree"]) is True
    assert not row.loc["b2", "both_answered"] and math.isnan(row.loc["b2", "difference"])
    gaps = largest_gaps(df)
    assert list(gaps["item_id"]) == ["a2", "a3"]
    summary = section_summary(ins, df).set_index("section_id")
    assert summary.loc["area1", "agreements"] == 1 and summary.loc["area1", "differences"] == 2
    assert summary.loc["area2", "both_answered"] == 1
    assert summary.loc["area1", "mean_a"] == pytest.approx(4.0)


def test_pair_with_one_member_missing():
    ins = parse_instrument(TALLY_DOC)
    df = compare_pair(ins, {"p1": "S"}, None)
    assert df["b"].isna().all()
    assert not df["both_answered"].any()
    assert largest_gaps(df).empty
    assert math.isnan(section_summary(ins, df).loc[0, "kappa"])


def test_sia_difference_uses_scale_order():
    ins = parse_instrument(TALLY_DOC)
    df = compare_pair(ins, {"p1": "S", "p2": "A"}, {"p1": "A", "p2": "I"}).set_index("item_id")
    assert df.loc["p1", "difference"] == -2  # S (3) -> A (1)
    assert df.loc["p2", "difference"] == 1


def test_pre_post_checklist_change():
    ins = parse_instrument(CHECK_DOC)
    df = pre_post(ins, {"c1": False, "c2": True, "c3": True}, {"c1": True, "c2": False, "c3": True, "c4": True})
    assert list(df["change"]) == ["gained", "lost", "same", None]
