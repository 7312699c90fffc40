"""The data files: all valid, item counts as in the sources, text transcribed verbatim."""

from __future__ import annotations

import json

import pytest

from peerkit.fidelity import check
from peerkit.instruments import Instrument, instrument_files, load_all, validate_all
from peerkit.reading import load_readings, reading_files

# reading material id -> entries per part, counted in the sources
EXPECTED_READING = {
    "competency-pyramid": [0, 0, 0, 0, 0],  # 001 lines 1004-1023: four levels, text only
    "interview-questions": [5, 8, 7, 5, 0],  # 001 lines 2007-2100, then the scenario
    "proficiencies": [10],  # 001 lines 2163-2176
    "common-terms": [9],  # 002 lines 16-37
    "related-models": [6],  # 002 lines 39-57
    "recruiting-peers": [6],  # 002 lines 137-145
    "cps-job-description": [0, 0, 0, 0, 0, 0, 3, 8, 15, 11],  # 004 lines 2963-3149
}

# instrument id -> items per section, counted in the source documents
EXPECTED_COUNTS = {
    # 001 handbook
    "readiness-timeline": [10],
    "misconceptions": [10],
    "agency-self-assessment": [3, 3],
    "peer-vs-non-peer-supervision-quiz": [4],
    "peer-support-values": [4],
    "peer-support-competencies": [26, 7, 11],  # the skills of each area; 9, 3 and 6 knowledge rows
    "peer-role-sorting": [8, 5, 6, 5, 5, 6, 7, 14, 5, 5, 5, 5, 5, 4, 6, 14],
    "job-description-components": [5, 7, 16, 10],
    "policy-review": [4],  # lines 680-693: the review question and HR questions A-C
    "provider-survey": [7],  # lines 2509-2639: the survey's seven questions
    "implementation-concerns": [11],  # lines 2691-2832: eleven concerns
    "interview-practice": [5, 8, 7],  # lines 2007-2090: the three numbered lists of questions

    # 004 training manual
    "co-learning": [6],
    "recovery-orientation": [4],
    "role-clarity-checklist": [7, 11],
    "sia-recovery-principles": [10],
    "program-self-evaluation": [15, 8, 16],
    "themes-part-1": [2],
    "themes-part-2": [11],
    "reflective-exercise": [3],
    "code-of-ethics": [14],
    "values-of-peer-support": [3],
    "role-clarity-job-description": [6],
    "role-confusion": [5],
    # 000 webinar
    "pcrp-webinar-reflection": [3],
    # 002 slide deck
    "agency-supports-self-assessment": [5, 5, 4],
    "dialogue-exercise": [6],
    "vulnerability-dyads": [5],
    "peer-integration-environments": [1],
    "questions-we-may-have-asked": [8],  # lines 188-195
    "resist-the-temptation": [6],  # lines 254-260
    # 003 practice guidelines
    "practice-guidelines-checklist": [12, 14, 5, 1, 2],
}


def test_every_data_file_validates():
    errors = validate_all()
    assert not errors, "\n".join(str(e) for e in errors)


def test_every_expected_instrument_is_present():
    found = load_all()
    missing = sorted(set(EXPECTED_COUNTS) - set(found))
    assert not missing, f"instruments missing from data/: {missing}"
    uncounted = sorted(set(found) - set(EXPECTED_COUNTS))
    assert not uncounted, f"add the source's item counts for {uncounted} to EXPECTED_COUNTS"


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_COUNTS))
def test_item_counts_match_the_source(instrument_id):
    ins = load_all()[instrument_id]
    assert [len(s.items) for s in ins.sections] == EXPECTED_COUNTS[instrument_id]


@pytest.mark.parametrize("path", instrument_files(), ids=lambda p: p.stem)
def test_text_is_verbatim_from_the_source(path, seeds_dir):
    ins = load_all()[path.stem]
    assert (seeds_dir / ins.source.document).exists(), f"{path.name}: unknown source document"
    mismatches = check(ins, seeds_dir)
    assert not mismatches, f"{path.name}:\n" + "\n".join(str(m) for m in mismatches)


def test_source_line_ranges_lie_inside_the_document(seeds_dir):
    for ins in load_all().values():
        n_lines = len((seeds_dir / ins.source.document).read_text(encoding="utf-8").splitlines())
        for part in ins.source.lines.split(","):
            start, end = (int(x) for x in part.strip().split("-"))
            assert 1 <= start <= end <= n_lines, f"{ins.id}: lines {part} outside 1-{n_lines}"


def test_the_three_core_instruments():
    found = load_all()
    assert found["readiness-timeline"].scale.kind == "true_false"
    assert len(found["readiness-timeline"].scoring.bands) == 3
    sia = found["sia-recovery-principles"]
    assert [o.value for o in sia.scale.options] == ["S", "I", "A"]
    assert all(o.description for o in sia.scale.options)
    pse = found["program-self-evaluation"]
    assert [o.value for o in pse.scale.options] == [5, 4, 3, 2, 1]
    assert len(pse.discussion.questions) == 8
    assert [o.id for o in found["role-clarity-checklist"].occasions] == ["pre", "post"]


def test_json_schema_file_is_current(root):
    path = root / "data" / "schema" / "instrument.schema.json"
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == Instrument.model_json_schema(), (
        "data/schema/instrument.schema.json is out of date: run `peerkit schema > data/schema/instrument.schema.json`"
    )


def test_readme_states_the_number_of_exercises(root):
    import re

    readme = (root / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"(\d+) exercises in all", readme)
    assert stated, "README.md should say how many exercises the kit holds"
    assert int(stated.group(1)) == len(load_all())


def test_every_reading_file_validates_and_is_counted():
    found = load_readings()
    assert sorted(found) == sorted(EXPECTED_READING)
    for rid, counts in EXPECTED_READING.items():
        assert [len(p.entries) for p in found[rid].parts] == counts, rid


@pytest.mark.parametrize("path", reading_files(), ids=lambda p: p.stem)
def test_reading_text_is_verbatim_from_the_source(path, seeds_dir):
    r = load_readings()[path.stem]
    mismatches = check(r, seeds_dir)
    assert not mismatches, f"{path.name}:\n" + "\n".join(str(m) for m in mismatches)


def test_reading_goes_with_existing_exercises():
    exercises = load_all()
    for r in load_readings().values():
        assert set(r.goes_with) <= set(exercises), r.id


def test_readme_coverage_paragraph_is_current(root):
    from peerkit.coverage import coverage_markdown

    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "<!-- generated: coverage -->\n\n" + coverage_markdown() + "\n<!-- end generated -->" in readme, (
        "README.md's coverage paragraph is out of date: run .venv/bin/python facilitator-guide/_build_plans.py")
    for title in {i.source.title for i in load_all().values()}:
        assert title in readme
    assert "5.2" in readme  # the exercise with no body in the manual is named


def test_nothing_names_a_path_outside_the_repository(root):
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.split()
    offenders = []
    OUTSIDE = ("/".join(("shared", "seeds")), "/".join(("..", "shared")))  # spelled apart: not a hit here
    for name in files:
        if name.startswith(".ci/") or not name.endswith((".md", ".py", ".yaml", ".yml", ".ipynb", ".toml", ".json")):
            continue
        text = (root / name).read_text(encoding="utf-8", errors="replace")
        if any(needle in text for needle in OUTSIDE):
            offenders.append(name)
    assert not offenders, f"these files name a folder outside the repository: {offenders}"
