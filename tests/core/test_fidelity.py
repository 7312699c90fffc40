"""The source check is strict: planted slips are caught, layout of the source is not a slip.

The first tests use a small made-up source document (they run everywhere); the last ones plant
slips into real exercise files and need the source documents ($PEERKIT_SEEDS).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peerkit.fidelity import check
from peerkit.instruments import GAP, load_all, parse_instrument

SOURCE = """\
Introduction to the quiz
Take this short quiz. Circle the answers that fit your organiza-
tion and its recovery-
oriented values.
1. There are multiple people who understand and support moving forward with
body text of another column that runs beside the sidebar
implementing peer roles. T
F
12
2. Several people are in key supervisory roles. OTHER COLUMN WORDS T
Running Header Of The Handbook
F
3. You have identified how you will support adding peer roles in your
budget.
4. The words of this item are missing in the source: see
the rest of the item.
"""


def _instrument(items: list[dict], instructions: str = "Take this short quiz.", lines: str = "1-14") -> str:
    import yaml

    return yaml.safe_dump({
        "id": "planted", "version": 1, "title": "A planted quiz",
        "source": {"document": "doc.txt", "title": "Test document", "lines": lines, "skip": "6",
                   "furniture": ["Running Header Of The Handbook"],
                   "interleaved": [{"line": 10, "text": "OTHER COLUMN WORDS"}]},
        "completed_by": "anyone", "instructions": instructions,
        "scale": {"kind": "true_false", "options": [{"value": True, "label": "True"},
                                                    {"value": False, "label": "False"}]},
        "sections": [{"id": "quiz", "items": items}],
    }, allow_unicode=True, sort_keys=False)


GOOD = [
    {"id": "q1", "number": "1", "text": "There are multiple people who understand and support moving "
                                        "forward with implementing peer roles."},
    {"id": "q2", "number": "2", "text": "Several people are in key supervisory roles."},
    {"id": "q3", "number": "3", "text": "You have identified how you will support adding peer roles in "
                                        "your budget."},
]


@pytest.fixture()
def seeds(tmp_path: Path) -> Path:
    (tmp_path / "doc.txt").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def _check(seeds: Path, items: list[dict], **kw) -> list[str]:
    return [str(m) for m in check(parse_instrument(_instrument(items, **kw)), seeds)]


def test_a_faithful_transcription_passes(seeds: Path) -> None:
    # a skipped sidebar line, a page number, a running header and the other column's words on a
    # shared line may all stand between the words
    assert _check(seeds, GOOD) == []


def test_a_dropped_word_is_caught(seeds: Path) -> None:
    items = [dict(GOOD[0], text=GOOD[0]["text"].replace("understand and ", "")), *GOOD[1:]]
    found = _check(seeds, items)
    assert len(found) == 1 and "items.q1.text: not found in the source" in found[0]


def test_words_dropped_at_the_end_or_start_of_an_item_are_caught(seeds: Path) -> None:
    # what is left is still a run of the source, but the dropped words stay between two items
    end = [dict(GOOD[0], text="There are multiple people who understand and support moving forward with"),
           *GOOD[1:]]
    found = _check(seeds, end)
    assert len(found) == 1 and "source text between two items" in found[0] and "implementingpeerroles" in found[0]
    start = [GOOD[0], dict(GOOD[1], text="are in key supervisory roles.", number=None), GOOD[2]]
    assert any("Severalpeople" in f for f in _check(seeds, start))


def test_words_dropped_from_the_last_item_are_caught_by_the_range(seeds: Path) -> None:
    last = [*GOOD[:2], dict(GOOD[2], text="You have identified how you will support adding peer roles in your")]
    assert _check(seeds, last) == ["source.lines: the exercise's text ends at line 13, not at 14: '1-14'"]


def test_text_left_out_on_purpose_must_be_named(seeds: Path) -> None:
    import yaml

    items = [dict(GOOD[0], text="There are multiple people who understand and support moving forward with"),
             *GOOD[1:]]
    data = yaml.safe_load(_instrument(items))
    assert any("between two items" in str(m) for m in check(parse_instrument(yaml.safe_dump(data)), seeds))
    data["source"]["omitted"] = ["implementing peer roles."]
    assert check(parse_instrument(yaml.safe_dump(data, allow_unicode=True)), seeds) == []


def test_a_changed_word_is_caught(seeds: Path) -> None:
    items = [GOOD[0], dict(GOOD[1], text="Several people are in key supervising roles."), GOOD[2]]
    found = _check(seeds, items)
    assert len(found) == 1 and "items.q2.text: not found" in found[0]


def test_a_changed_punctuation_mark_is_caught(seeds: Path) -> None:
    items = [*GOOD[:2], dict(GOOD[2], text=GOOD[2]["text"].rstrip(".") + "!")]
    assert len(_check(seeds, items)) == 1


def test_a_reordered_item_is_caught(seeds: Path) -> None:
    found = _check(seeds, [GOOD[1], GOOD[0], GOOD[2]])
    assert len(found) == 1 and "items.q1.text: out of the source's order" in found[0]


def test_a_renumbered_item_is_caught(seeds: Path) -> None:
    found = _check(seeds, [GOOD[0], dict(GOOD[1], number="B"), GOOD[2]])
    assert len(found) == 1 and "does not number it 'B'" in found[0]


def test_an_unnamed_sidebar_line_is_not_silently_skipped(seeds: Path) -> None:
    text = _instrument(GOOD).replace("skip: '6'", "skip: '7'")
    found = [str(m) for m in check(parse_instrument(text), seeds)]
    assert any("items.q1.text: not found" in f for f in found)


def test_interleaved_words_must_be_on_their_line(seeds: Path) -> None:
    text = _instrument(GOOD).replace("line: 10", "line: 11")
    found = [str(m) for m in check(parse_instrument(text), seeds)]
    assert any("source.interleaved" in f and "line 11" in f for f in found)


def test_line_end_hyphens_are_judged_by_the_sources_words(seeds: Path) -> None:
    # 'organiza-' + 'tion' is one word the source uses elsewhere; 'recovery-oriented' is hyphenated
    (seeds / "other.txt").write_text("The organization has values. Recovery-oriented work.\n",
                                     encoding="utf-8")
    good = "Circle the answers that fit your organization and its recovery-oriented values."
    assert _check(seeds, GOOD, instructions=good) == []
    kept = _check(seeds, GOOD, instructions=good.replace("organization", "organiza-tion"))
    assert len(kept) == 1 and "write 'organization'" in kept[0]
    joined = _check(seeds, GOOD, instructions=good.replace("recovery-oriented", "recoveryoriented"))
    assert len(joined) == 1 and "write 'recovery-oriented'" in joined[0]
    spaced = _check(seeds, GOOD, instructions=good.replace("recovery-oriented", "recovery- oriented"))
    assert len(spaced) == 1 and "no space after this hyphen" in spaced[0]


def test_text_outside_the_exercise_lines_is_not_found(seeds: Path) -> None:
    text = _instrument(GOOD).replace("lines: 1-14", "lines: 5-14")
    found = [str(m) for m in check(parse_instrument(text), seeds)]
    assert found and found[0].startswith("instructions: not found in the source (lines 5-14)")


def test_a_range_must_end_where_the_exercise_ends(seeds: Path) -> None:
    found = _check_lines(seeds, GOOD, "1-16")
    assert found == ["source.lines: the exercise's text ends at line 14, not at 16: '1-16'"]


def _check_lines(seeds: Path, items: list[dict], lines: str) -> list[str]:
    return [str(m) for m in check(parse_instrument(_instrument(items, lines=lines)), seeds)]


def test_a_gap_in_the_source_is_marked_not_joined(seeds: Path) -> None:
    item = {"id": "q4", "number": "4", "text": f"The words of this item are missing in the source: see {GAP} "
                                               "the rest of the item."}
    assert _check_lines(seeds, [*GOOD, item], "1-16") == []
    assert len(_check_lines(seeds, [*GOOD, dict(item, text=item["text"].replace("see", "look at"))], "1-16")) == 1


# -- slips planted into the kit's own files, checked against the real sources ----------------

def _with_item_text(instrument_id: str, item_id: str, new: str):
    ins = load_all()[instrument_id]
    sections = []
    for s in ins.sections:
        items = tuple(i.model_copy(update={"text": new}) if i.id == item_id else i for i in s.items)
        sections.append(s.model_copy(update={"items": items}))
    return ins.model_copy(update={"sections": tuple(sections)})


def test_real_readiness_item_without_understand_and_fails(seeds_dir: Path) -> None:
    ins = load_all()["readiness-timeline"]
    assert check(ins, seeds_dir) == []
    q1 = ins.item("q1").text
    assert "understand and " in q1
    found = check(_with_item_text("readiness-timeline", "q1", q1.replace("understand and ", "")), seeds_dir)
    assert [m.field for m in found] == ["items.q1.text"]


def test_real_sia_principles_reordered_fail(seeds_dir: Path) -> None:
    ins = load_all()["sia-recovery-principles"]
    items = ins.sections[0].items
    swapped = ins.model_copy(update={"sections": (ins.sections[0].model_copy(
        update={"items": (items[1], items[0], *items[2:])}),)})
    found = check(swapped, seeds_dir)
    assert found and "out of the source's order" in str(found[0])


def test_real_competency_with_a_changed_word_fails(seeds_dir: Path) -> None:
    ins = load_all()["program-self-evaluation"]
    first = ins.items[0]
    words = first.text.split()
    changed = " ".join(words[:-2] + ["quickly"] + words[-1:])
    found = check(_with_item_text("program-self-evaluation", first.id, changed), seeds_dir)
    assert [m.field for m in found] == [f"items.{first.id}.text"]


def test_real_readiness_item_cut_short_fails(seeds_dir: Path) -> None:
    q1 = load_all()["readiness-timeline"].item("q1").text
    cut = " ".join(q1.split()).removesuffix(" with implementing peer roles.")
    assert cut != " ".join(q1.split())
    found = check(_with_item_text("readiness-timeline", "q1", cut), seeds_dir)
    assert found and "source text between two items" in str(found[0]) and "implementingpeerroles" in str(found[0])
