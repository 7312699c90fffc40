"""The pair comparison list (peerkit.pairlist): differences first with the exercise's prompt, a
same/different mark in a symbol and a word, agreement in plain words, names isolated and escaped."""

from __future__ import annotations

import math
import re

import pytest

from peerkit import pairlist, prep
from peerkit.compare import compare_pair


def table(ins, a, b):
    """prep.pair_table's columns from two answer dicts (it reads them from a frame)."""
    t = compare_pair(ins, a, b)
    status = []
    for va, vb, agree in zip(t["a"], t["b"], t["agree"]):
        has_a, has_b = va is not None and va == va, vb is not None and vb == vb
        status.append("same" if has_a and has_b and bool(agree) else "differs" if has_a and has_b
                      else "one answer" if has_a or has_b else "no answers")
    t["status"] = status
    t["marker"] = t["status"].map(prep.PAIR_STATUS)
    return t


@pytest.mark.parametrize("kappa,words", [(1.0, "almost perfect agreement"), (0.78, "substantial agreement"),
                                         (0.5, "moderate agreement"), (0.3, "fair agreement"),
                                         (0.1, "slight agreement"), (0.0, "less than chance agreement"),
                                         (-0.4, "less than chance agreement"), (math.nan, "")])
def test_kappa_words_follow_landis_and_koch(kappa, words):
    assert pairlist.kappa_words(kappa) == words


def test_differences_come_first_largest_gap_first_with_the_prompt(freq):
    # a: 5 5 3 3 1 ; b: 5 4 1 3 - -> a2 differs by 1, b1 by 2, b3 only one answer, a1 and b2 the same
    t = table(freq, {"a1": 5, "a2": 5, "b1": 3, "b2": 3, "b3": 1}, {"a1": 5, "a2": 4, "b1": 1, "b2": 3})
    html = pairlist.pair_list_html(freq, t, "You", "Sam")
    order = [html.index(x) for x in ("Item b one", "Item a two", "Item b three", "Item a one", "Item b two")]
    assert order == sorted(order)
    assert "Where you differ (2)" in html and "Only one answer so far (1)" in html and "Where you agree (2)" in html
    # the exercise's question about differences, once, with the differences
    assert html.count("Talk about it:") == 1 and "Where did you differ?" in html
    assert html.index("Talk about it:") < html.index("Item b one")
    # symbol and word, never colour alone; the gap in steps
    assert '<span aria-hidden="true">≠</span>&nbsp;different (2 steps)' in html
    assert '<span aria-hidden="true">=</span>&nbsp;same' in html
    assert "waiting" in html
    # answers as labels, numbers as the form shows them (position when the data has none)
    assert "5 (Always)" in html and "<strong>3.</strong> Item b one" in html


def test_a_participant_sees_their_own_answers_first(sia):
    t = table(sia, {"p1": "S", "p2": "S", "p3": "A"}, {"p1": "S", "p2": "I", "p3": "A"})
    mine_second = pairlist.pair_list_html(sia, t, "You", "Ann", swap=True)
    row = re.search(r"Principle two</div>(.*?)</li>", mine_second).group(1)
    assert row.index("You") < row.index("Ann")
    assert re.search(r"You</bdi>:</span> <strong>I</strong>.*Ann</bdi>:</span> <strong>S</strong>", row)
    # no discussion question about differences: no prompt is made up
    assert "Talk about it" not in mine_second


def test_agreement_in_plain_words_with_a_note(sia):
    t = table(sia, {"p1": "S", "p2": "S", "p3": "A"}, {"p1": "S", "p2": "I", "p3": "A"})
    a = pairlist.agreement(sia, t)
    assert a["both"] == 3 and a["same"] == 2
    # linear weights on S/I/A: observed 1/6 (one pair one step apart of two), so kappa < 1 and > 0
    assert 0 < a["kappa"] < 1
    text = pairlist.agreement_sentence(sia, t)
    assert re.fullmatch(r"You agree on 2 of 3 items \(kappa 0\.\d\d: [a-z ]+agreement\)\.", text), text
    html = pairlist.agreement_html(sia, t, "Ann", "Ben")
    assert "<bdi>Ann</bdi> and <bdi>Ben</bdi> agree on <strong>2 of 3</strong>" in html
    assert "What is this? Kappa" in html


def test_names_are_isolated_and_escaped(sia):
    t = table(sia, {"p1": "S"}, {"p1": "I"})
    html = pairlist.pair_list_html(sia, t, "כרמן <b>", "Bob & Co")
    assert "<bdi>כרמן &lt;b&gt;</bdi>" in html and "<bdi>Bob &amp; Co</bdi>" in html and "<b>" not in html


def test_the_facilitator_reads_they(sia):
    t = table(sia, {"p1": "S"}, {"p1": "I"})
    assert "Where they differ (1)" in pairlist.pair_list_html(sia, t, "Ann", "Ben", you=False)
