"""Scoring rules: bands (with their edges), sums and means, tallies, keys, unanswered items."""

from __future__ import annotations

import pytest

from peerkit.instruments import get_instrument, parse_instrument
from peerkit.scoring import clean_answers, score, unanswered


@pytest.fixture(scope="module")
def readiness():
    return get_instrument("readiness-timeline")


def answers_with_trues(n: int, total: int = 10) -> dict[str, bool]:
    return {f"q{k}": k <= n for k in range(1, total + 1)}


@pytest.mark.parametrize(
    "trues, expected",
    [(0, "Less than 5"), (4, "Less than 5"), (5, "5 to 7"), (7, "5 to 7"), (8, "8 to 10"), (10, "8 to 10")],
)
def test_readiness_band_edges(readiness, trues, expected):
    result = score(readiness, answers_with_trues(trues))
    assert result.count == trues
    assert result.band is not None and result.band.label.startswith(expected)
    assert result.complete


def test_readiness_band_texts_are_the_recommendations(readiness):
    assert "at least six months" in score(readiness, answers_with_trues(9)).band.text
    assert "at least one year" in score(readiness, answers_with_trues(6)).band.text
    assert "Reach out to other organizations" in score(readiness, answers_with_trues(2)).band.text


def test_incomplete_readiness_reports_unanswered_and_no_band(readiness):
    answers = answers_with_trues(9)
    del answers["q3"], answers["q10"]
    result = score(readiness, answers)
    assert result.unanswered == ("q3", "q10")
    assert result.answered == 8
    assert result.band is None  # never read a band from a partly answered quiz


def test_bad_value_and_unknown_item_are_named(readiness):
    with pytest.raises(ValueError, match="item 'q1': 'yes' is not an allowed answer"):
        score(readiness, {"q1": "yes"})
    with pytest.raises(ValueError, match="unknown item"):
        clean_answers(readiness, {"q99": True})


SUM_DOC = """
id: freq
version: 1
title: Frequency
source: {document: d.txt, title: D, lines: 1-2}
completed_by: both
scale:
  kind: frequency
  ordinal: true
  options:
    - {value: 5, label: Always}
    - {value: 4, label: Frequently}
    - {value: 3, label: Occasionally}
    - {value: 2, label: Sometimes}
    - {value: 1, label: Rarely or Never}
sections:
  - id: area1
    title: Area one
    items: [{id: a1, text: A1}, {id: a2, text: A2}, {id: a3, text: A3}]
  - id: area2
    title: Area two
    items: [{id: b1, text: B1}, {id: b2, text: B2}]
scoring: {method: sum, by_section: true, highlight: 2}
"""


def test_sum_by_area_over_answered_items_only():
    ins = parse_instrument(SUM_DOC)
    result = score(ins, {"a1": 5, "a2": 3, "b1": 1, "b2": 2})  # a3 unanswered
    area1, area2 = result.sections
    assert (area1.total, area1.mean, area1.answered, area1.n_items) == (8, 4.0, 2, 3)
    assert (area2.total, area2.mean) == (3, 1.5)
    assert result.total == 11 and result.mean == pytest.approx(11 / 4)
    assert result.unanswered == ("a3",)
    assert unanswered(ins, {"a1": 5}) == ["a2", "a3", "b1", "b2"]


def test_strengths_and_needs_are_highest_and_lowest():
    ins = parse_instrument(SUM_DOC)
    result = score(ins, {"a1": 5, "a2": 3, "a3": 4, "b1": 1, "b2": 2})
    assert result.strengths == (("a1", 5), ("a3", 4))
    assert result.needs == (("b1", 1), ("b2", 2))


def test_no_strengths_or_needs_when_all_ratings_equal():
    ins = parse_instrument(SUM_DOC)
    result = score(ins, {k: 3 for k in ("a1", "a2", "a3", "b1", "b2")})
    assert result.strengths == () and result.needs == ()


TALLY_DOC = """
id: sia
version: 1
title: SIA
source: {document: d.txt, title: D, lines: 1-2}
completed_by: both
scale:
  kind: sia
  ordinal: true
  options: [{value: S, label: Strong}, {value: I, label: Incomplete}, {value: A, label: Absent}]
sections:
  - id: p
    items: [{id: p1, text: P1}, {id: p2, text: P2}, {id: p3, text: P3}, {id: p4, text: P4}]
scoring: {method: tally}
"""


def test_tally_counts_each_option_and_zeroes():
    ins = parse_instrument(TALLY_DOC)
    result = score(ins, {"p1": "S", "p2": "S", "p3": "A"})
    assert result.tally == {"S": 2, "I": 0, "A": 1}
    assert result.unanswered == ("p4",)


KEY_DOC = """
id: key
version: 1
title: Key
source: {document: d.txt, title: D, lines: 1-2}
completed_by: anyone
scale:
  kind: choice
  options: [{value: A, label: One}, {value: B, label: Two}, {value: D, label: Both}]
sections:
  - id: q
    items:
      - {id: q1, text: Q1, answer: D}
      - {id: q2, text: Q2, answer: A}
      - {id: q3, text: Q3, answer: B}
scoring: {method: key}
"""


def test_key_scoring_marks_each_item():
    ins = parse_instrument(KEY_DOC)
    result = score(ins, {"q1": "D", "q2": "B"})
    assert result.correct == 1
    assert [(r.item_id, r.correct, r.expected) for r in result.items] == [
        ("q1", True, "D"), ("q2", False, "A"), ("q3", None, "B")
    ]


def test_key_scoring_requires_a_key():
    with pytest.raises(ValueError, match="key scoring needs an answer for every item"):
        parse_instrument(KEY_DOC.replace(", answer: B", ""))


CHECK_DOC = """
id: check
version: 1
title: Check
source: {document: d.txt, title: D, lines: 1-2}
completed_by: supervisor
scale: {kind: checklist}
sections:
  - id: agency
    items: [{id: c1, text: C1}, {id: c2, text: C2}, {id: c3, text: C3}]
  - id: self
    items: [{id: c4, text: C4}]
scoring: {method: count, value: true, by_section: true}
"""


def test_checklist_counts_per_section():
    ins = parse_instrument(CHECK_DOC)
    result = score(ins, {"c1": True, "c2": False, "c3": True, "c4": False})
    assert [s.count for s in result.sections] == [2, 0]
    assert result.count == 2 and result.complete


def test_multi_select_why_is_scored_per_category():
    from peerkit.instruments import load_all

    ins = load_all()["peer-role-sorting"]
    reading = ins.item("why-reading-files")  # the handbook names all three categories
    assert ins.scale_for(reading).kind == "multi"
    assert reading.answer == "busy-work+agenda+power-imbalance"
    rides = ins.item("why-giving-rides")  # busy work only
    answers = {"why-reading-files": "busy-work+agenda", "why-giving-rides": "busy-work"}
    sc = score(ins, answers)
    why = next(s for s in sc.sections if s.section_id == "why")
    # reading files: 2 of 3 categories as in the key; rides: 3 of 3; the rest unanswered
    assert why.points == 5 and why.max_points == 3 * len(ins.section_of(rides.id).items)
    assert why.correct == 1
    partly = next(r for r in sc.items if r.item_id == "why-reading-files")
    assert (partly.correct, partly.points, partly.max_points) == (False, 2, 3)


def test_multi_answers_are_validated_and_stored_in_the_scales_order():
    from peerkit.instruments import load_all

    ins = load_all()["peer-role-sorting"]
    scale = ins.scale_for("why-filing")
    assert scale.join(["power-imbalance", "busy-work"]) == "busy-work+power-imbalance"
    assert scale.accepts("busy-work+power-imbalance")
    assert not scale.accepts("power-imbalance+busy-work")  # not canonical
    assert not scale.accepts("busy-work+nonsense")
    assert scale.answer_label("busy-work+agenda") == "Busy Work + Agenda"
    with pytest.raises(ValueError):
        score(ins, {"why-filing": "agenda+agenda"})
