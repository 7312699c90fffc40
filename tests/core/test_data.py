"""The data files: all valid, item counts as in the sources, text transcribed verbatim."""

from __future__ import annotations

import json

import pytest

from peerkit.fidelity import check
from peerkit.instruments import Instrument, instrument_files, load_all, validate_all

# instrument id -> items per section, counted in the source documents
EXPECTED_COUNTS = {
    # 001 handbook
    "readiness-timeline": [10],
    "misconceptions": [10],
    "agency-self-assessment": [3, 3],
    "peer-vs-non-peer-supervision-quiz": [4],
    "peer-support-values": [4],
    "peer-support-competencies": [26, 7, 11],
    "peer-role-sorting": [8, 5, 6, 5, 5, 6, 7, 14, 5, 5, 5, 5, 5, 4, 6, 14],
    "job-description-components": [5, 7, 16, 10],
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
