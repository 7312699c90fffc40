"""peerkit.compare.weighted_kappa against values computed by hand (working in the comments).

Notation: k categories in order, weight of a disagreement between positions i and j:
none: 0 if i == j else 1; linear: |i-j|/(k-1); quadratic: (|i-j|/(k-1))**2.
kappa = 1 - observed / expected, where observed is the mean weight over the rated pairs and
expected = sum_ij w(i,j) * rowA_i * colB_j / n**2 (marginals of the two raters).
"""

from __future__ import annotations

import math

import pytest

from peerkit.compare import compare_pair, section_summary, weighted_kappa

SIA = ["S", "I", "A"]


def test_perfect_agreement_is_one():
    # observed = 0, expected > 0 (both used several categories) -> 1
    assert weighted_kappa(["S", "I", "A", "S"], ["S", "I", "A", "S"], SIA) == pytest.approx(1.0)
    assert weighted_kappa([5, 4, 1], [5, 4, 1], [5, 4, 3, 2, 1], "quadratic") == pytest.approx(1.0)


def test_two_by_two_textbook_cases():
    # Table 1 (n=50): yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    # po = 35/50 = 0.70; A said yes 25, B said yes 30;
    # pe = (25*30 + 25*20) / 2500 = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert weighted_kappa(a, b, ["y", "n"], "none") == pytest.approx(0.40)
    # with two categories the linear weights are the unweighted ones
    assert weighted_kappa(a, b, ["y", "n"], "linear") == pytest.approx(0.40)
    # Table 2 (n=100): yes/yes 45, yes/no 15, no/yes 25, no/no 15.
    # po = 0.60; A yes 60, B yes 70; pe = 0.6*0.7 + 0.4*0.3 = 0.54;
    # kappa = (0.60 - 0.54) / 0.46 = 0.130434...
    a = ["y"] * 60 + ["n"] * 40
    b = ["y"] * 45 + ["n"] * 15 + ["y"] * 25 + ["n"] * 15
    assert weighted_kappa(a, b, ["y", "n"], "none") == pytest.approx(0.06 / 0.46)


def test_linear_weighted_three_categories_by_hand():
    # S/I/A, positions S=0, I=1, A=2; linear weights: adjacent 0.5, S-A 1.
    a = ["S", "S", "S", "I", "I", "A"]
    b = ["S", "I", "A", "I", "A", "A"]
    # pairs: S-S 0, S-I .5, S-A 1, I-I 0, I-A .5, A-A 0 -> observed = 2.0 / 6 = 1/3
    # marginals A: S3 I2 A1; B: S1 I2 A3 (n = 6, n^2 = 36)
    # expected: row S: S-I .5*3*2 = 3, S-A 1*3*3 = 9        -> 12
    #           row I: I-S .5*2*1 = 1, I-A .5*2*3 = 3       ->  4
    #           row A: A-S 1*1*1 = 1, A-I .5*1*2 = 1        ->  2
    #           total 18 / 36 = 0.5
    # kappa = 1 - (1/3) / 0.5 = 1/3
    assert weighted_kappa(a, b, SIA, "linear") == pytest.approx(1 / 3)
    # quadratic weights: adjacent .25, S-A 1 -> observed (.25 + 1 + .25) / 6 = 0.25
    # expected: S: .25*3*2 + 1*3*3 = 10.5; I: .25*2*1 + .25*2*3 = 2; A: 1*1*1 + .25*1*2 = 1.5
    #           total 14 / 36; kappa = 1 - 0.25 / (14/36) = 1 - 9/14 = 5/14
    assert weighted_kappa(a, b, SIA, "quadratic") == pytest.approx(5 / 14)
    # unweighted: observed 3/6; expected 1 - (3*1 + 2*2 + 1*3)/36 = 26/36; kappa = 1 - 18/26 = 4/13
    assert weighted_kappa(a, b, SIA, "none") == pytest.approx(4 / 13)


def test_order_of_categories_does_not_change_linear_kappa():
    # a frequency scale listed 5..1 or 1..5: the same distances, the same kappa
    a, b = [5, 3, 4, 1, 2], [4, 3, 5, 2, 2]
    assert weighted_kappa(a, b, [5, 4, 3, 2, 1]) == pytest.approx(weighted_kappa(a, b, [1, 2, 3, 4, 5]))


def test_ties_and_single_category_are_nan():
    # both raters gave every item the same single rating: no disagreement possible by chance
    assert math.isnan(weighted_kappa(["I", "I", "I"], ["I", "I", "I"], SIA))
    # a scale with one category
    assert math.isnan(weighted_kappa(["x", "x"], ["x", "x"], ["x"]))
    # nothing rated by both
    assert math.isnan(weighted_kappa([], [], SIA))
    assert math.isnan(weighted_kappa(["S", None], [None, "I"], SIA))


def test_constant_but_different_raters_is_zero():
    # A always S, B always I: observed .5 = expected (.5 * 3 * 3 / 9) -> kappa 0, defined
    assert weighted_kappa(["S"] * 3, ["I"] * 3, SIA) == pytest.approx(0.0)


def test_missing_answers_are_dropped():
    # only (S, S) and (A, A) are rated by both -> perfect agreement over two categories
    a = ["S", None, "I", "A", math.nan]
    b = ["S", "A", None, "A", "I"]
    assert weighted_kappa(a, b, SIA) == pytest.approx(1.0)
    # unknown values (not on the scale) are dropped the same way
    assert weighted_kappa(["S", "zz", "A"], ["S", "I", "A"], SIA) == pytest.approx(1.0)


def test_section_summary_kappa_matches_hand_computation(sia, freq):
    # S/I/A pair: a = S, I, A; b = S, A, A
    # observed: 0 + .5 + 0 = .5 / 3 = 1/6; marginals A: S1 I1 A1, B: S1 A2 (n^2 = 9)
    # expected: S-A 1*1*2 = 2; I-S .5*1*1 = .5; I-A .5*1*2 = 1; A-S 1*1*1 = 1 -> 4.5/9 = .5
    # kappa = 1 - (1/6)/.5 = 2/3
    pair = compare_pair(sia, {"p1": "S", "p2": "I", "p3": "A"}, {"p1": "S", "p2": "A", "p3": "A"})
    assert section_summary(sia, pair)["kappa"].iloc[0] == pytest.approx(2 / 3)
    # frequency pair with a missing answer (b's column holds floats): area A: a = 5, 3; b = 5, 4
    # k = 5, linear weights |i-j|/4; positions on 5..1: 5->0, 4->1, 3->2
    # observed: (0 + .25) / 2 = .125; marginals A: {0:1, 2:1}, B: {0:1, 1:1}
    # expected: (0-1) .25 + (2-0) .5 + (2-1) .25 = 1.0 / 4 = .25 -> kappa = 1 - .125/.25 = .5
    # area B: b3 dropped (b did not answer); a = 4, 4; b = 2, 2 -> constant but different -> 0
    pair = compare_pair(freq, {"a1": 5, "a2": 3, "b1": 4, "b2": 4, "b3": 1},
                        {"a1": 5, "a2": 4, "b1": 2, "b2": 2})
    kap = section_summary(freq, pair).set_index("section_id")["kappa"]
    assert kap["a"] == pytest.approx(0.5)
    assert kap["b"] == pytest.approx(0.0)


def test_pair_with_one_member_missing_has_no_kappa(sia):
    pair = compare_pair(sia, {"p1": "S", "p2": "I"}, None)
    summary = section_summary(sia, pair)
    assert summary["both_answered"].iloc[0] == 0
    assert math.isnan(summary["kappa"].iloc[0])
