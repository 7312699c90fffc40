"""Writing a session: tidy CSV, the XLSX workbook (README, participants, one sheet per
exercise, codebook) and the JSON full backup, each written atomically (no half-written file)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from ..instruments import Instrument, load_all
from ..store import Store
from .formats import (
    CODEBOOK_COLUMNS,
    COLUMN_HELP,
    JSON_FORMAT,
    JSON_FORMAT_VERSION,
    PARTICIPANT_COLUMNS,
    TIDY_COLUMNS,
    TransferError,
    _format_of,
    _iso,
    neutralize_cell,
    value_text,
)


# -- export ---------------------------------------------------------------------------------------


def _pair_roles(dump: Mapping[str, Any]) -> dict[int, str]:
    pairs = {p["id"]: p for p in dump["pairs"]}
    out: dict[int, str] = {}
    for person in dump["participants"]:
        pair = pairs.get(person["pair_id"])
        if pair is not None:
            out[person["id"]] = "supervisor" if pair["supervisor_id"] == person["id"] else "supervisee"
    return out


def _participant_row(session: Mapping[str, Any], person: Mapping[str, Any], pair_role: str | None) -> dict[str, Any]:
    return {
        "session_id": session["id"], "session_title": session["title"], "session_date": _iso(session["date"]),
        "join_code": session["join_code"], "participant_id": person["id"],
        "display_name": person["display_name"], "role": person["role"],
        "pair_id": person["pair_id"] if person["pair_id"] is not None else "", "pair_role": pair_role or "",
    }


def _labels(instruments: Mapping[str, Instrument], ins_id: str, item_id: str, value: Any) -> tuple[str, str]:
    ins = instruments.get(ins_id)
    if ins is None:
        return "", ""
    try:
        item = ins.item(item_id) if hasattr(ins, "item") else next(i for i in ins.items if i.id == item_id)
        scale = ins.scale_for(item_id)
    except (KeyError, StopIteration):
        return "", ""
    try:
        label = "" if scale.kind == "text" else scale.answer_label(value)
    except (KeyError, ValueError):
        label = ""
    return str(item.text), label


def _instruments_for_export() -> dict[str, Instrument]:
    try:
        return load_all()
    except Exception:  # a broken data file must not stop an export: the labels are informational
        return {}


def tidy_rows(dump: Mapping[str, Any], instruments: Mapping[str, Instrument] | None = None) -> list[dict[str, Any]]:
    """The current revisions of a :meth:`Store.dump_session` as tidy rows (typed values).

    Ordered by participant, instrument, occasion, then the items' order in the answers.
    ``item_text`` and ``value_label`` come from ``instruments`` (default: the kit's data files).
    """
    if instruments is None:
        instruments = _instruments_for_export()
    session = dump["session"]
    people = {p["id"]: p for p in dump["participants"]}
    roles = _pair_roles(dump)
    current: dict[tuple[int, str, str], Mapping[str, Any]] = {}
    for r in dump["responses"]:  # ordered by revision within each key
        current[(r["participant_id"], r["instrument_id"], r["occasion"])] = r
    rows = []
    for key in sorted(current):
        r = current[key]
        person = people[r["participant_id"]]
        base = _participant_row(session, person, roles.get(person["id"]))
        for item_id, value in r["answers"].items():
            rows.append({**base, "instrument_id": r["instrument_id"],
                         "instrument_version": r["instrument_version"], "occasion": r["occasion"],
                         "item_id": item_id, "value": value, "revision": r["revision"],
                         "submitted_at": _iso(r["submitted_at"]),
                         **dict(zip(("item_text", "value_label"),
                                    _labels(instruments, r["instrument_id"], item_id, value)))})
    return rows


def _write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Write via a temporary file in the same folder, then rename (no half-written exports)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TransferError(f"Cannot write {path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise TransferError(f"Cannot write {path}: {exc.strerror or exc} (folder {folder})") from exc
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        raise TransferError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def export_csv(store: Store, session_id: int, path: str | Path) -> Path:
    """Write the session's current answers as tidy CSV (UTF-8), formula-like cells neutralised."""
    rows = tidy_rows(store.dump_session(session_id))

    def cell(value: Any) -> Any:
        return neutralize_cell(value) if isinstance(value, str) else value

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(TIDY_COLUMNS)
            for row in rows:
                writer.writerow([cell(value_text(row["value"]) if c == "value" else row[c]) for c in TIDY_COLUMNS])

    return _write_atomically(Path(path), write)


def _sheet_title(name: str, taken: set[str]) -> str:
    title = name[:31]
    k = 2
    while title in taken:
        suffix = f"~{k}"
        title = name[:31 - len(suffix)] + suffix
        k += 1
    taken.add(title)
    return title


def export_xlsx(store: Store, session_id: int, path: str | Path) -> Path:
    """Write an XLSX workbook: README, participants, and one tidy sheet per instrument."""
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    dump = store.dump_session(session_id)
    session = dump["session"]
    instruments = _instruments_for_export()
    rows = tidy_rows(dump, instruments)
    roles = _pair_roles(dump)
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    taken = {"README", "participants", "codebook"}

    def put(ws: Any, values: list[Any]) -> None:
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with

    for line in [
        ["peerkit session export"],
        ["session", session["title"]],
        ["join code", session["join_code"]],
        ["date", _iso(session["date"])],
        ["exported at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")],
        [],
        ["Sheets"],
        ["participants", "everyone in the session, with or without answers"],
        ["codebook", "every item of the exported exercises: its text, its scale and the options' labels"],
        ["one sheet per exercise", "the current answers: one row per participant and item (sheet names are "
                                   "the exercise ids, cut to 31 characters)"],
        [],
        ["column", "meaning"],
        *[[c, COLUMN_HELP[c]] for c in TIDY_COLUMNS],
        [],
        ["Import", "peerkit import FILE.xlsx reads this workbook back (the README sheet is ignored)."],
    ]:
        put(readme, line)
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 100

    people = wb.create_sheet("participants")
    put(people, PARTICIPANT_COLUMNS)
    for person in dump["participants"]:
        row = _participant_row(session, person, roles.get(person["id"]))
        put(people, [row[c] if row[c] != "" else None for c in PARTICIPANT_COLUMNS])

    by_instrument: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_instrument.setdefault(row["instrument_id"], []).append(row)
    try:
        for ins_id in sorted(by_instrument):
            ws = wb.create_sheet(_sheet_title(ins_id, taken))
            put(ws, TIDY_COLUMNS)
            for row in by_instrument[ins_id]:
                values = []
                for c in TIDY_COLUMNS:
                    v = row[c]
                    if c == "value":
                        v = v if isinstance(v, int) and not isinstance(v, bool) else value_text(v)
                    values.append(None if v == "" else v)
                put(ws, values)
        codebook = wb.create_sheet("codebook")
        put(codebook, CODEBOOK_COLUMNS)
        for ins_id in sorted(by_instrument):
            ins = instruments.get(ins_id)
            if ins is None:
                continue
            for item in ins.items:
                scale = ins.scale_for(item)
                options = "; ".join(f"{value_text(o.value)} = {o.label}" for o in scale.options)
                put(codebook, [ins.id, ins.title, ins.version, item.id, str(item.text), scale.kind, options or None])
        codebook.column_dimensions["E"].width = 80
    except IllegalCharacterError as exc:
        raise TransferError("An answer contains control characters that XLSX cannot hold; "
                            "export as CSV or JSON instead") from exc
    return _write_atomically(Path(path), lambda tmp: wb.save(tmp))


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def export_json(store: Store, session_id: int, path: str | Path) -> Path:
    """Write the full JSON backup (session with passcode hash, participants, pairs, all revisions, notes)."""
    dump = store.dump_session(session_id)
    doc = {
        "format": JSON_FORMAT,
        "format_version": JSON_FORMAT_VERSION,
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        **dump,
    }
    text = json.dumps(doc, default=_json_default, ensure_ascii=False, indent=1)

    def write(tmp: Path) -> None:
        tmp.write_text(text + "\n", encoding="utf-8")

    return _write_atomically(Path(path), write)


def export_session(store: Store, session_id: int, path: str | Path, fmt: str | None = None) -> Path:
    """Export in ``fmt`` (csv, xlsx, json; default: from the file extension)."""
    path = Path(path)
    writer = {"csv": export_csv, "xlsx": export_xlsx, "json": export_json}[_format_of(path, fmt)]
    return writer(store, session_id, path)
