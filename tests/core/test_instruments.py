"""Loading and validating instrument files: good files load, broken ones say what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from peerkit.instruments import (
    InstrumentError,
    get_instrument,
    load_all,
    load_instrument,
    parse_instrument,
    validate_all,
)

GOOD = textwrap.dedent(
    """\
    id: tiny
    version: 1
    title: Tiny quiz
    source: {document: doc.txt, title: A document, lines: 1-2}
    completed_by: both
    scale:
      kind: true_false
      options:
        - {value: true, label: "True"}
        - {value: false, label: "False"}
    sections:
      - id: s1
        items:
          - {id: a, text: First statement}
          - {id: b, text: Second statement}
    scoring:
      method: count
      value: true
      bands:
        - {min: 0, max: 1, label: Low}
        - {min: 2, max: 2, label: High}
    """
)


def write(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    folder = tmp_path / "instruments"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path):
    ins = load_instrument(write(tmp_path, GOOD))
    assert ins.id == "tiny"
    assert [i.id for i in ins.items] == ["a", "b"]
    assert ins.scale_for("a").kind == "true_false"
    assert ins.scoring.band_for(2).label == "High"


def test_missing_field_names_file_and_field(tmp_path):
    path = write(tmp_path, GOOD.replace("title: Tiny quiz\n", ""))
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert "field 'title'" in msg
    assert "Field required" in msg


def test_wrong_scale_value_names_line_and_field(tmp_path):
    path = write(tmp_path, GOOD.replace("kind: true_false", "kind: yes_maybe"))
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    msg = str(exc.value)
    assert "line 7" in msg
    assert "field 'scale.kind'" in msg
    assert "true_false" in msg  # the allowed kinds are listed


def test_answer_key_value_must_be_on_the_scale(tmp_path):
    text = GOOD.replace("{id: a, text: First statement}", "{id: a, text: First statement, answer: maybe}")
    with pytest.raises(InstrumentError, match="answer 'maybe' is not one of the scale's values"):
        load_instrument(write(tmp_path, text))


def test_duplicate_item_id(tmp_path):
    path = write(tmp_path, GOOD.replace("{id: b, text: Second", "{id: a, text: Second"))
    with pytest.raises(InstrumentError, match="item id 'a' is used twice"):
        load_instrument(path)


def test_overlapping_bands(tmp_path):
    path = write(tmp_path, GOOD.replace("{min: 2, max: 2, label: High}", "{min: 1, max: 2, label: High}"))
    with pytest.raises(InstrumentError, match="bands 'Low' and 'High' overlap"):
        load_instrument(path)


def test_unknown_field_is_rejected(tmp_path):
    path = write(tmp_path, GOOD.replace("version: 1\n", "version: 1\nauthor: me\n"))
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    assert "line 3" in str(exc.value) and "field 'author'" in str(exc.value)


def test_item_without_scale(tmp_path):
    text = GOOD.replace("scale:\n  kind: true_false", "other:\n  kind: true_false")
    with pytest.raises(InstrumentError):
        load_instrument(write(tmp_path, text))


def test_invalid_yaml_reports_line(tmp_path):
    path = write(tmp_path, GOOD.replace("title: Tiny quiz", "title: [unclosed"))
    with pytest.raises(InstrumentError, match=r"line \d+, column \d+: not valid YAML"):
        load_instrument(path)


def test_id_must_match_file_name(tmp_path):
    path = write(tmp_path, GOOD, name="other")
    with pytest.raises(InstrumentError, match="must match the file name 'other'"):
        load_instrument(path)


def test_not_a_mapping(tmp_path):
    with pytest.raises(InstrumentError, match="must be a mapping"):
        parse_instrument("- just\n- a list\n", "x.yaml")


def test_missing_file():
    with pytest.raises(InstrumentError, match="file not found"):
        load_instrument("/nonexistent/nothing.yaml")


def test_unknown_instrument_lists_known(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(KeyError, match=r"unknown instrument 'nope' \(known: tiny\)"):
        get_instrument("nope", tmp_path)


def test_validate_all_collects_every_broken_file(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("id: tiny", "id: broken").replace("version: 1", "version: 0"), "broken")
    errors = validate_all(tmp_path)
    assert len(errors) == 1
    assert errors[0].path.name == "broken.yaml"
    with pytest.raises(InstrumentError, match="broken.yaml"):
        load_all(tmp_path)


def test_load_all_sees_changed_files(tmp_path):
    path = write(tmp_path, GOOD)
    assert load_all(tmp_path)["tiny"].title == "Tiny quiz"
    import os
    path.write_text(GOOD.replace("Tiny quiz", "Renamed quiz"), encoding="utf-8")
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))
    assert load_all(tmp_path)["tiny"].title == "Renamed quiz"


def test_a_scale_of_the_kits_own_must_be_labelled():
    import pytest as _pytest

    from peerkit.instruments import InstrumentError, parse_instrument

    text = """
id: x
version: 1
title: X
source: {document: d.txt, title: D, lines: 1-2}
completed_by: anyone
scale: {kind: choice, by_kit: true, options: [{value: a, label: A}, {value: b, label: B}]}
sections: [{id: s, items: [{id: i1, text: T}]}]
"""
    with _pytest.raises(InstrumentError, match="kit_note"):
        parse_instrument(text)
    assert parse_instrument(text + "kit_note: The options are the kit's.\n").kit_note
