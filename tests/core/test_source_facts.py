"""Keys, counts per section, scale labels and band bounds of the quizzes and rating scales,
checked against the source documents themselves.

Every expectation here comes from the source text: parsed from it where the text is regular
(numbered items, "8 to 10 ‘True’s:", "(Busy Work/Agenda):"), otherwise written down with the
source's line numbers as a trainer reads them. Nothing is read from the data files except the
values under test. Needs the source documents ($PEERKIT_SEEDS).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peerkit.instruments import load_all

HANDBOOK = "001_4c3fe2fe65a456e6.txt"
MANUAL = "004_172be5334f91ffd2.txt"


@pytest.fixture(scope="module")
def lines(seeds_dir: Path):
    cache: dict[str, list[str]] = {}

    def get(document: str, start: int, end: int) -> list[str]:
        if document not in cache:
            cache[document] = (seeds_dir / document).read_text(encoding="utf-8").splitlines()
        return cache[document][start - 1:end]

    return get


def _joined(rows: list[str]) -> str:
    return " ".join(" ".join(r.split()) for r in rows if r.strip())


# -- readiness timeline quiz (handbook, Step 3) ------------------------------------------------

def test_readiness_quiz_items_bands_and_options(lines):
    block = lines(HANDBOOK, 899, 970)
    numbers = [int(m.group(1)) for r in block if (m := re.match(r"(\d+)\. \S", r))]
    # ten numbered statements, each answered T or F ("Circle ‘T’ ... and ‘F’"), then three options
    assert numbers[:10] == list(range(1, 11)) and numbers[10:] == [1, 2, 3]
    assert sum(1 for r in block if r.strip() == "F") == 10
    bands = []
    for r in block:
        if m := re.match(r"(\d+) to (\d+) ‘True’s:", r):
            bands.append((int(m.group(1)), int(m.group(2)), m.group(0)[:-1]))
        elif m := re.match(r"Less than (\d+) ‘True’s:", r):
            bands.append((0, int(m.group(1)) - 1, m.group(0)[:-1]))
    assert [b[:2] for b in bands] == [(8, 10), (5, 7), (0, 4)]

    ins = load_all()["readiness-timeline"]
    assert len(ins.items) == 10 and [i.number for i in ins.items] == [str(n) for n in range(1, 11)]
    assert ins.scale.kind == "true_false"
    assert [o.short for o in ins.scale.options] == ["T", "F"]
    assert ins.scoring.method == "count" and ins.scoring.value is True
    assert [(b.min, b.max, b.label) for b in ins.scoring.bands] == bands
    # the band texts: "plan on at least six months", "a plan of at least one year", and for
    # fewer than five no timeline at all
    texts = [" ".join(b.text.split()) for b in ins.scoring.bands]
    assert "at least six months" in texts[0] and "at least one year" in texts[1]
    assert not re.search(r"month|year", texts[2])
    assert len(ins.guidance) == 1 and len(ins.guidance[0].points) == 3
    assert ins.source.lines.endswith("-970")


# -- misconceptions (handbook) ---------------------------------------------------------------

def test_misconceptions_are_ten_and_their_quiz_format_is_labelled_as_the_kits(lines):
    block = lines(HANDBOOK, 30, 98)
    assert [int(m.group(1)) for r in block if (m := re.match(r"(\d+)\. \S", r))] == list(range(1, 11))
    text = _joined(block)
    assert "True" not in text and "False" not in text and "answer key" not in text.lower()
    ins = load_all()["misconceptions"]
    assert len(ins.items) == 10 and all(i.answer is False for i in ins.items)
    assert ins.kit_note and "kit's derivation" in ins.kit_note


# -- supervising 'peer' or 'non-peer' staff (handbook sidebar) --------------------------------

def test_peer_vs_non_peer_options_and_key(lines):
    options = []
    for r in lines(HANDBOOK, 734, 745):
        if m := re.match(r"([A-D])\. (.+)$", r.strip()):
            options.append((m.group(1), m.group(2)))
    assert [o[0] for o in options] == ["A", "B", "C", "D"]
    # "The answers are as follows:" then each question with its answer on the next lines
    key, waiting = [], False
    for r in lines(HANDBOOK, 792, 819):
        if re.match(r"\d+\. ", r):
            waiting = True
        elif waiting and (m := re.match(r"([A-D])\. ", r.strip())):
            key.append(m.group(1))
            waiting = False
    assert key == ["D", "D", "B", "D"]

    ins = load_all()["peer-vs-non-peer-supervision-quiz"]
    assert [(o.value, o.label) for o in ins.scale.options] == options
    assert [i.answer for i in ins.items] == key
    # the guidance keeps the source's order: the sentence before "That said, ..." comes first
    first = " ".join(ins.guidance[0].text.split())
    assert first.startswith("Supervising people in peer roles is, in most ways, exactly like supervising")


# -- "Is that really part of a 'peer' role?" (handbook chart and "The Why of It") ------------

# Entries of the chart per activity/topic, (consistent, not consistent), counted in the source's
# semicolon-separated cells (lines 1290-1588); a trailing "etc." is part of the entry before it.
CHART = {
    "medications": (4, 4), "fund-management": (2, 3), "giving-rides": (3, 3), "cleaning": (2, 3),
    "assessments": (3, 2), "treatment-plans": (3, 3), "meetings": (5, 2), "forced-hospitalization": (11, 3),
    "one-to-one-visits": (3, 2), "reading-files": (3, 2), "job-searching": (3, 2), "housing-search": (3, 2),
    "answering-phones": (3, 2), "filing": (2, 2), "social-events": (4, 2),
}
CATEGORY = {"busy work": "busy-work", "agenda": "agenda", "power imbalance": "power-imbalance"}


def test_peer_role_chart_counts_per_topic():
    ins = load_all()["peer-role-sorting"]
    got = {s.id: (sum(1 for i in s.items if i.answer == "consistent"),
                  sum(1 for i in s.items if i.answer == "not-consistent")) for s in ins.sections if s.id != "why"}
    assert got == CHART


def test_peer_role_why_categories_are_the_handbooks(lines):
    found = []
    for r in lines(HANDBOOK, 1588, 1696):
        m = re.match(r"(.+?) \(((?:Busy Work|Agenda|Power [Ii]mbalance)(?:/(?:Busy Work|Agenda|Power [Ii]mbalance))*)\):", r)
        if m:
            found.append((m.group(1), {CATEGORY[c.lower()] for c in m.group(2).split("/")}))
    assert len(found) == 14
    ins = load_all()["peer-role-sorting"]
    why = next(s for s in ins.sections if s.id == "why")
    scale = ins.scale_for(why.items[0])
    assert scale.kind == "multi" and [o.value for o in scale.options] == ["busy-work", "agenda", "power-imbalance"]
    assert [(i.text, set(scale.chosen(i.answer))) for i in why.items] == found
    assert all(i.explanation for i in why.items)


# -- S/I/A ratings of the 10 guiding principles (manual 2.1) -------------------------------------

def test_sia_principles_and_definitions(lines):
    block = lines(MANUAL, 693, 786)
    principles = [m.group(1) for r in block[:60] if (m := re.match(r"\d+\.\s*(Recovery .+?)\s*$", r))]
    assert len(principles) == 10
    text = _joined(lines(MANUAL, 766, 772))
    definitions = dict(re.findall(r"([SIA]) - (.+?)(?= [SIA] - |$)", text))
    assert set(definitions) == {"S", "I", "A"}
    ins = load_all()["sia-recovery-principles"]
    assert len(ins.items) == 10
    assert all(" ".join(i.text.split()).startswith(p) for i, p in zip(ins.items, principles))
    assert [o.value for o in ins.scale.options] == ["S", "I", "A"]
    for o in ins.scale.options:
        assert " ".join(o.description.split()) == definitions[o.value].strip()
    # the discussion steps keep the manual's numbers 3 and 4
    assert [q.number for q in ins.discussion.questions] == ["3", "4"]


# -- program self-evaluation (manual 2.2) -----------------------------------------------------

def test_program_self_evaluation_scale_and_items_per_area(lines):
    scale = _joined(lines(MANUAL, 949, 949))
    labels = [(int(v), lab.strip()) for v, lab in re.findall(r"(\d) = ([^,]+)", scale)]
    assert labels == [(5, "Always"), (4, "Frequently"), (3, "Occasionally"), (2, "Sometimes"),
                      (1, "rarely or Never")]
    per_area, area = {}, None
    for n, r in enumerate(lines(MANUAL, 804, 1059), 804):
        if n in (882, 947, 989):  # the three area headings
            area = n
            per_area[area] = 0
        elif area and re.match(r"^\t(?: \t)+ \S", r):  # an item: the rating boxes, then its text
            per_area[area] += 1
    ins = load_all()["program-self-evaluation"]
    assert [(o.value, o.label) for o in ins.scale.options] == labels
    assert [len(s.items) for s in ins.sections] == list(per_area.values()) == [15, 8, 16]
    questions = [m.group(1) for r in lines(MANUAL, 810, 870) if (m := re.match(r"\s*(\d)\.\s", r))]
    assert [q.number for q in ins.discussion.questions] == questions == [str(n) for n in range(1, 9)]
    assert not ins.scoring.bands  # the manual sets no score bands


# -- role confusion (manual 6.1) ----------------------------------------------------------------

def test_role_confusion_has_a_key_only_where_the_manual_gives_one(lines):
    # suggested answers: only scenario 4 names one best choice ("The last choice is the best")
    assert "The last choice is the best" in _joined(lines(MANUAL, 3669, 3673))
    letters = [m.group(1) for r in lines(MANUAL, 3658, 3666) if (m := re.match(r"([a-e])\. ", r.strip()))]
    assert letters == ["a", "b", "c", "d", "e"]
    ins = load_all()["role-confusion"]
    assert {i.id: i.answer for i in ins.items if i.answer is not None} == {"s4": letters[-1]}


# -- concerns, survey, competencies: counts read in the source ---------------------------------

def test_counts_of_the_handbooks_lists(lines):
    concerns = lines(HANDBOOK, 2684, 2832)
    # each concern is followed by its resolutions; the resolutions of the first eight start with the
    # extracted bullet "e", the last three are single paragraphs (lines 2801, 2816, 2829)
    starts = [n for n, r in enumerate(concerns, 2684) if r.strip().startswith(("If peer roles", "Peer workers cannot",
              "Peer workers aren’t", "They won’t", "People who have", "Peer workers are incapable",
              "Peer workers will", "Peers cannot", "Given that peers", "This big push"))]
    assert len(starts) == 11
    assert len(load_all()["implementation-concerns"].items) == 11
    # the survey's questions are the lines ending in "?" outside the quoted answers
    questions = [r for r in lines(HANDBOOK, 2503, 2664)
                 if r.rstrip().endswith("?") and not r.lstrip().startswith(("“", "\""))]
    ins = load_all()["provider-survey"]
    assert len(questions) == len(ins.items) == 7
    assert all(" ".join(i.text.split()).endswith(" ".join(q.split())) for i, q in zip(ins.items, questions))
    competencies = load_all()["peer-support-competencies"]
    # 18 "Related Knowledge*" entries head the rows; the skills are the items; the footnote is kept
    assert sum(1 for i in competencies.items if i.heading) == 18
    assert competencies.sections[-1].footnote == "* A partial list"
    assert "Related Knowledge*" in competencies.sections[0].columns
