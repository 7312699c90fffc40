"""Export and import a session: tidy CSV and XLSX, and a JSON full backup.

The tidy format (one row per participant x item of the *current* revision) is
documented in ``facilitator-guide/export-format.md``:

- **CSV**: one file, UTF-8, the columns of :data:`TIDY_COLUMNS`; values as text
  (``true``/``false``, whole numbers, text). Every cell that a spreadsheet could take for a
  formula (it begins with ``= + - @``, a tab or a carriage return) gets a leading apostrophe,
  as OWASP recommends against CSV injection; so does a cell that already begins with an
  apostrophe, so that import takes exactly one apostrophe off again and a round trip is
  lossless (:func:`neutralize_cell`, :func:`restore_cell`). ``item_text`` and ``value_label``
  carry the item's wording and the answer's label, so the file reads without the data files.
- **XLSX**: a ``README`` sheet describing the columns, a ``participants`` sheet
  (everyone, with or without answers) and one sheet per instrument in the tidy
  format (whole numbers are written as numbers, everything else as text cells, never formulas),
  and a ``codebook`` sheet: every item of the exported exercises with its text and options.
- **JSON**: a full backup: the session (with its passcode hash), participants,
  pairs, every revision of every response, and the pair notes.

Import reads the same files. Everything is validated first (known instrument and
item, a value allowed by the item's scale, valid role, required columns, UTF-8,
consistent rows) and every problem is collected with its file, row and column;
when there is any problem nothing is written, otherwise the session is written in
one transaction (:meth:`peerkit.store.Store.restore_session`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .instruments import MULTI_SEP, ROLES, Instrument, Scale, load_all
from .samples import SAMPLE_JOIN_CODE
from .store import (
    MAX_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    STATUSES,
    Store,
    StoreError,
    WorkshopSession,
    _name_key,
    format_join_code,
    normalize_join_code,
)

__all__ = [
    "FORMATS",
    "ImportResult",
    "JSON_FORMAT",
    "PARTICIPANT_COLUMNS",
    "Problem",
    "TIDY_COLUMNS",
    "TransferError",
    "check_file",
    "coerce_value",
    "export_csv",
    "export_json",
    "export_session",
    "export_xlsx",
    "exports_folder",
    "import_file",
    "neutralize_cell",
    "purge_session",
    "restore_cell",
    "session_files",
    "tidy_rows",
    "value_text",
]

FORMATS = ("csv", "xlsx", "json")
JSON_FORMAT = "peerkit-session-backup"
JSON_FORMAT_VERSION = 1

PARTICIPANT_COLUMNS = [
    "session_id", "session_title", "session_date", "join_code",
    "participant_id", "display_name", "role", "pair_id", "pair_role",
]
TIDY_COLUMNS = PARTICIPANT_COLUMNS + [
    "instrument_id", "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at",
    "item_text", "value_label",
]
CODEBOOK_COLUMNS = ["instrument_id", "instrument_title", "instrument_version", "item_id", "item_text",
                    "scale", "options"]
#: What a spreadsheet may read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Columns an imported tidy file must have (the others may be missing or empty).
REQUIRED_TIDY = ["session_title", "join_code", "participant_id", "display_name", "role", "instrument_id",
                 "instrument_version", "occasion", "item_id", "value", "revision", "submitted_at"]
REQUIRED_PARTICIPANT = ["session_title", "join_code", "participant_id", "display_name", "role"]
PAIR_ROLES = ("supervisor", "supervisee")

COLUMN_HELP: dict[str, str] = {
    "session_id": "the session's id in the exporting database (informational; a new id is assigned on import)",
    "session_title": "the session's title",
    "session_date": "the workshop date, YYYY-MM-DD (may be empty)",
    "join_code": f"the code participants type to join, e.g. {SAMPLE_JOIN_CODE}",
    "participant_id": "the participant's id in the exporting database (identifies the person within the file)",
    "display_name": "the name the participant joined with",
    "role": "supervisor, peer_specialist or other",
    "pair_id": "the participant's current pair (same number = same pair; empty when not paired)",
    "pair_role": "the participant's place in the pair: supervisor or supervisee (empty when not paired)",
    "instrument_id": "the exercise (the file name in data/instruments without .yaml)",
    "instrument_version": "the version of the exercise the answers were given to",
    "occasion": "which administration, e.g. pre or post (empty for exercises done once)",
    "item_id": "the item within the exercise (its text is in the exercise's file)",
    "value": "the answer: true/false, a whole number (e.g. 1-5), an option such as S/I/A, or text",
    "revision": "the number of the participant's submission of this exercise; only the latest (current) one is exported",
    "submitted_at": "when that revision was submitted, ISO 8601 in UTC",
    "item_text": "the item's wording (informational; ignored on import)",
    "value_label": "how the answer reads, e.g. 'S — Strength' or '4 = Often' (informational; ignored on import)",
}


# -- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an import file; ``row`` counts the header as row 1 (as a spreadsheet does).

    For JSON, ``where`` names the list (e.g. ``responses``) and ``row`` the 1-based position in it.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        out = self.file
        if self.where:
            out += f", {self.where}"
        if self.row is not None:
            out += f", row {self.row}"
        if self.column:
            out += f", column '{self.column}'"
        return f"{out}: {self.message}"


class TransferError(StoreError):
    """An import or export failed; for imports ``problems`` lists everything found (nothing was written)."""

    def __init__(self, problems: list[Problem] | str, limit: int = 50) -> None:
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            super().__init__(problems)
            return
        self.problems = problems
        head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found; nothing was imported:"
        lines = [f"  - {p}" for p in problems[:limit]]
        if len(problems) > limit:
            lines.append(f"  ... and {len(problems) - limit} more")
        super().__init__("\n".join([head, *lines]))


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_file` wrote."""

    session: WorkshopSession
    participants: int
    pairs: int
    responses: int  # revisions
    notes: int
    passcode: str | None = None  # set when a passcode was generated for the imported session
    warnings: tuple[str, ...] = ()


# -- values ------------------------------------------------------------------------------------


def neutralize_cell(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: a leading apostrophe before
    ``= + - @``, tab or carriage return (OWASP), and before an apostrophe (so that
    :func:`restore_cell` is its exact inverse)."""
    if text and (text[0] in FORMULA_STARTS or text[0] == "'"):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """Undo :func:`neutralize_cell`: one leading apostrophe before ``= + - @``, tab, CR or an
    apostrophe is removed; any other text is left as it is."""
    if len(text) > 1 and text[0] == "'" and (text[1] in FORMULA_STARTS or text[1] == "'"):
        return text[1:]
    return text



def value_text(value: Any) -> str:
    """How a value is written in CSV: ``true``/``false``, whole numbers, text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _option_text(value: Any) -> str:
    return value_text(value)


def coerce_value(scale: Scale, raw: Any) -> Any:
    """The answer ``raw`` (text from a file, or a typed cell) as the scale's Python value.

    Raises ``ValueError`` with a readable message when it is not allowed on the scale.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueError("the value is empty")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if scale.kind == "text":
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise ValueError(f"{raw!r} is not text")
        return raw if isinstance(raw, str) else str(raw)
    if scale.kind == "checklist" or scale.kind == "true_false":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ValueError(f"{raw!r} is not allowed (allowed: true, false)")
    values = list(scale.values)
    if scale.kind == "multi" and isinstance(raw, str) and MULTI_SEP in raw:
        # several options ticked: each one of the scale's values, once, joined in the scale's order
        picked = [coerce_value(scale, part) for part in raw.split(MULTI_SEP)]
        if len(set(picked)) != len(picked):
            raise ValueError(f"{raw!r} names an option twice")
        return scale.join(picked)
    if not isinstance(raw, str):
        for v in values:
            if v == raw and type(v) is type(raw):
                return v
    else:
        text = raw.strip()
        exact = [v for v in values if _option_text(v) == text]
        if exact:
            return exact[0]
        folded = [v for v in values if _option_text(v).casefold() == text.casefold()]
        if len(folded) == 1:
            return folded[0]
    allowed = ", ".join(_option_text(v) for v in values)
    shown = raw if isinstance(raw, str) else value_text(raw)
    raise ValueError(f"{shown!r} is not on the item's scale (allowed: {allowed})")


def _iso(value: dt.datetime | dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


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


def _format_of(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise TransferError(f"{path}: unknown format {fmt or '(no file extension)'!r}; "
                            f"use one of: {', '.join(FORMATS)}")
    return fmt


def export_session(store: Store, session_id: int, path: str | Path, fmt: str | None = None) -> Path:
    """Export in ``fmt`` (csv, xlsx, json; default: from the file extension)."""
    path = Path(path)
    writer = {"csv": export_csv, "xlsx": export_xlsx, "json": export_json}[_format_of(path, fmt)]
    return writer(store, session_id, path)


# -- purging a session with its files ---------------------------------------------------------------


def exports_folder() -> Path:
    """Where the dashboard writes exports and reports: ``$PEERKIT_HOME/exports`` or
    ``<repo>/var/exports`` (the same folder as ``peerkit.dashboard.common.export_dir``)."""
    home = os.environ.get("PEERKIT_HOME", "").strip()
    base = Path(home).expanduser() if home else Path(__file__).resolve().parent.parent / "var"
    return base / "exports"


def session_files(session_id: int, pair_ids: Iterable[int], folder: Path | None = None) -> list[Path]:
    """The export and report files the dashboard wrote for a session: ``session-<id>-*`` and
    ``pair-<pair id>-*`` (for every pair the session ever had), also in sub-folders."""
    folder = exports_folder() if folder is None else Path(folder)
    if not folder.is_dir():
        return []
    patterns = [f"session-{int(session_id)}-*", *(f"pair-{int(p)}-*" for p in pair_ids)]
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in folder.rglob(pattern) if p.is_file())
    return sorted(found)


def purge_session(store: Store, session_id: int, folder: Path | None = None) -> list[Path]:
    """Delete a session from the store and the export and report files written for it;
    returns the files deleted. Copies outside the kit's folder (downloads, e-mail, backups,
    printouts) are out of its reach: the privacy page of the guide lists where they may be."""
    dump = store.dump_session(session_id)
    files = session_files(session_id, [p["id"] for p in dump["pairs"]], folder)
    store.purge_session(session_id)
    removed = []
    for path in files:
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise TransferError(f"The session was deleted, but its file {path} could not be: "
                                f"{exc.strerror or exc}. Delete it by hand.") from exc
    return removed


# -- import: reading and validation ---------------------------------------------------------------


class _Reader:
    """Collects the session, participants and responses from rows, and every problem."""

    def __init__(self, file: str, instruments: Mapping[str, Instrument]) -> None:
        self.file = file
        self.instruments = instruments
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.session: dict[str, Any] | None = None
        self.session_loc: str = ""
        self.people: dict[int, dict[str, Any]] = {}
        self.groups: dict[tuple[int, str, str], dict[str, Any]] = {}

    # -- field parsers: return None and record a problem when invalid
    def bad(self, message: str, row: int | None = None, column: str | None = None, where: str | None = None) -> None:
        self.problems.append(Problem(self.file, message, row, column, where))

    @staticmethod
    def text(raw: Any) -> str:
        if raw is None:
            return ""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return str(raw).strip()

    def integer(self, raw: Any, loc: dict[str, Any], column: str, *, required: bool = True,
                minimum: int | None = None) -> int | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.bad("a value is required", column=column, **loc)
            return None
        value: int | None = None
        if isinstance(raw, bool):
            value = None
        elif isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, str):
            try:
                value = int(raw.strip())
            except ValueError:
                value = None
        if value is None:
            self.bad(f"{raw!r} is not a whole number", column=column, **loc)
            return None
        if minimum is not None and value < minimum:
            self.bad(f"{value} is below {minimum}", column=column, **loc)
            return None
        return value

    def when(self, raw: Any, loc: dict[str, Any], column: str, *, required: bool = True) -> dt.datetime | None:
        if isinstance(raw, dt.datetime):
            value = raw
        else:
            text = self.text(raw)
            if not text:
                if required:
                    self.bad("a date and time is required", column=column, **loc)
                return None
            try:
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                self.bad(f"{text!r} is not an ISO 8601 date and time (e.g. 2026-03-01T10:15:00+00:00)",
                         column=column, **loc)
                return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)

    def day(self, raw: Any, loc: dict[str, Any], column: str) -> dt.date | None:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = self.text(raw)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.bad(f"{text!r} is not a date (YYYY-MM-DD)", column=column, **loc)
            return None

    # -- rows
    def session_fields(self, rec: Mapping[str, Any], loc: dict[str, Any], describe: str) -> None:
        title = self.text(rec.get("session_title"))
        raw_code = self.text(rec.get("join_code"))
        code = normalize_join_code(raw_code)
        date = self.day(rec.get("session_date"), loc, "session_date")
        ok = True
        if not title:
            self.bad("the session title is empty", column="session_title", **loc)
            ok = False
        elif len(title) > MAX_TITLE_LENGTH:
            self.bad(f"the session title is longer than {MAX_TITLE_LENGTH} characters", column="session_title", **loc)
            ok = False
        if code is None:
            self.bad(f"{raw_code!r} is not a join code (6 letters and digits, e.g. {SAMPLE_JOIN_CODE})", column="join_code", **loc)
            ok = False
        if not ok:
            return
        found = {"title": title, "join_code": format_join_code(code), "date": date}
        if self.session is None:
            self.session = found
            self.session_loc = describe
            return
        for key, column in (("title", "session_title"), ("join_code", "join_code"), ("date", "session_date")):
            if found[key] != self.session[key]:
                self.bad(f"{found[key] or '(empty)'!s} differs from {self.session[key] or '(empty)'!s} in "
                         f"{self.session_loc}; a file holds one session", column=column, **loc)

    def participant_fields(self, rec: Mapping[str, Any], loc: dict[str, Any], describe: str) -> int | None:
        pid = self.integer(rec.get("participant_id"), loc, "participant_id")
        name = " ".join(self.text(rec.get("display_name")).split())
        role = self.text(rec.get("role"))
        pair_id = self.integer(rec.get("pair_id"), loc, "pair_id", required=False)
        pair_role = self.text(rec.get("pair_role")) or None
        ok = pid is not None
        if not name:
            self.bad("the display name is empty", column="display_name", **loc)
            ok = False
        elif len(name) > MAX_NAME_LENGTH:
            self.bad(f"the display name is longer than {MAX_NAME_LENGTH} characters", column="display_name", **loc)
            ok = False
        if role not in ROLES:
            self.bad(f"{role!r} is not a role (allowed: {', '.join(ROLES)})", column="role", **loc)
            ok = False
        if pair_role is not None and pair_role not in PAIR_ROLES:
            self.bad(f"{pair_role!r} is not a pair role (allowed: {', '.join(PAIR_ROLES)})", column="pair_role", **loc)
            ok = False
        if pair_id is not None and pair_role is None:
            self.bad("a paired participant needs a pair_role (supervisor or supervisee)", column="pair_role", **loc)
            ok = False
        if pair_id is None and pair_role is not None:
            self.bad("pair_role is set but pair_id is empty", column="pair_id", **loc)
            ok = False
        if not ok or pid is None:
            return None
        found = {"id": pid, "display_name": name, "role": role, "pair_id": pair_id, "pair_role": pair_role,
                 "created_at": None, "loc": describe}
        known = self.people.get(pid)
        if known is None:
            self.people[pid] = found
            return pid
        for key in ("display_name", "role", "pair_id", "pair_role"):
            if found[key] != known[key]:
                self.bad(f"participant {pid}: {key} {found[key]!r} differs from {known[key]!r} in {known['loc']}",
                         column=key, **loc)
        return pid

    def response_fields(self, rec: Mapping[str, Any], loc: dict[str, Any], describe: str, pid: int | None) -> None:
        ins_id = self.text(rec.get("instrument_id"))
        version = self.integer(rec.get("instrument_version"), loc, "instrument_version", minimum=1)
        occasion = self.text(rec.get("occasion"))
        item_id = self.text(rec.get("item_id"))
        revision = self.integer(rec.get("revision"), loc, "revision", minimum=1)
        submitted = self.when(rec.get("submitted_at"), loc, "submitted_at")
        ins = self.instruments.get(ins_id)
        if ins is None:
            self.bad(f"unknown instrument {ins_id!r}" if ins_id else "the instrument id is empty",
                     column="instrument_id", **loc)
            return
        if occasion not in ins.occasion_ids:
            allowed = ", ".join(o or "(empty)" for o in ins.occasion_ids)
            self.bad(f"{occasion or '(empty)'!s} is not an occasion of {ins_id} (allowed: {allowed})",
                     column="occasion", **loc)
            return
        try:
            scale = ins.scale_for(item_id)
        except KeyError:
            self.bad(f"{ins_id} has no item {item_id!r}" if item_id else "the item id is empty",
                     column="item_id", **loc)
            return
        try:
            value = coerce_value(scale, rec.get("value"))
        except ValueError as exc:
            self.bad(f"item {item_id}: {exc}", column="value", **loc)
            return
        if pid is None or version is None or revision is None or submitted is None:
            return
        key = (pid, ins_id, occasion)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = {"participant_id": pid, "instrument_id": ins_id, "instrument_version": version,
                                "occasion": occasion, "revision": revision, "submitted_at": submitted,
                                "values": {item_id: value}, "items_loc": {item_id: describe}, "loc": describe}
            return
        for name, found, column in (("revision", revision, "revision"), ("instrument_version", version,
                                    "instrument_version"), ("submitted_at", submitted, "submitted_at")):
            if found != group[name]:
                self.bad(f"{found} differs from {group[name]} in {group['loc']} (same participant, "
                         f"instrument and occasion)", column=column, **loc)
        if item_id in group["values"]:
            self.bad(f"item {item_id} of participant {pid} appears twice (also in {group['items_loc'][item_id]})",
                     column="item_id", **loc)
            return
        group["values"][item_id] = value
        group["items_loc"][item_id] = describe

    def tidy_table(self, header: list[str], records: Iterable[tuple[int, list[Any]]], sheet: str | None,
                   required: list[str], with_responses: bool) -> None:
        where = {"where": f"sheet '{sheet}'"} if sheet else {}
        names = [self.text(h) for h in header]
        missing = [c for c in required if c not in names]
        for column in missing:
            self.bad("this required column is missing", row=1, column=column, **where)
        dupes = sorted({n for n in names if n and names.count(n) > 1})
        for column in dupes:
            self.bad("this column appears twice", row=1, column=column, **where)
        if missing or dupes:
            return
        for row_no, cells in records:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rec = {n: (cells[k] if k < len(cells) else None) for k, n in enumerate(names) if n}
            loc = {"row": row_no, **where}
            describe = f"row {row_no}" + (f" of sheet '{sheet}'" if sheet else "")
            self.session_fields(rec, loc, describe)
            pid = self.participant_fields(rec, loc, describe)
            if with_responses:
                self.response_fields(rec, loc, describe, pid)

    def finish_tidy(self) -> dict[str, Any] | None:
        """Check cross-row rules and build the restore payload (None when nothing to import)."""
        if self.session is None:
            if not self.problems:
                self.bad("the file holds no rows: nothing to import")
            return None
        keys: dict[str, int] = {}
        for pid, person in self.people.items():
            key = _name_key(person["display_name"])
            if key in keys and keys[key] != pid:
                self.bad(f"participants {keys[key]} and {pid} have the same name {person['display_name']!r} "
                         f"(names are unique within a session, ignoring case); see {person['loc']}")
            keys[key] = pid
        members: dict[int, list[dict[str, Any]]] = {}
        for person in self.people.values():
            if person["pair_id"] is not None:
                members.setdefault(person["pair_id"], []).append(person)
        pairs = []
        for pair_id, group in sorted(members.items()):
            roles = sorted(p["pair_role"] for p in group)
            if len(group) == 1:
                self.warnings.append(
                    f"pair {pair_id}: only {group[0]['display_name']} is in the file (participants without "
                    "answers are not in CSV exports); the pair link was not imported")
                group[0]["pair_id"] = None
                continue
            if roles != ["supervisee", "supervisor"]:
                names = ", ".join(f"{p['display_name']} ({p['pair_role']})" for p in group)
                self.bad(f"pair {pair_id} must have one supervisor and one supervisee; it has {names}",
                         column="pair_role")
                continue
            sup = next(p for p in group if p["pair_role"] == "supervisor")
            sub = next(p for p in group if p["pair_role"] == "supervisee")
            pairs.append({"id": pair_id, "supervisor_id": sup["id"], "supervisee_id": sub["id"], "created_at": None})
        responses = []
        for key in sorted(self.groups):
            g = self.groups[key]
            ins = self.instruments[g["instrument_id"]]
            answers = {i.id: g["values"][i.id] for i in ins.items if i.id in g["values"]}
            responses.append({k: g[k] for k in ("participant_id", "instrument_id", "instrument_version",
                                                "occasion", "revision", "submitted_at")} | {"answers": answers})
        return {
            "session": {**self.session, "status": "closed", "created_at": None},
            "participants": [{k: p[k] for k in ("id", "display_name", "role", "pair_id", "created_at")}
                             for _, p in sorted(self.people.items())],
            "pairs": pairs,
            "responses": responses,
            "notes": [],
        }


def _decode(data: bytes, file: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(file, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                                      f"{exc.start}); save it as UTF-8 (in Excel: 'CSV UTF-8')", row=line))
        return None


def _read_csv(path: Path, reader: _Reader) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TransferError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    text = _decode(data, reader.file, reader.problems)
    if text is None:
        return
    try:
        rows = [[restore_cell(c) for c in r] for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        reader.bad(f"not a readable CSV file ({exc})")
        return
    if not rows:
        reader.bad("the file is empty")
        return
    reader.tidy_table(rows[0], ((k + 2, r) for k, r in enumerate(rows[1:])), None, REQUIRED_TIDY, True)


def _read_xlsx(path: Path, reader: _Reader) -> None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        reader.bad(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})")
        return
    try:
        for ws in wb.worksheets:
            if ws.title in ("README", "codebook"):
                continue
            rows = list(ws.iter_rows(values_only=True))
            if not rows or all(c is None for c in rows[0]):
                continue
            header = [reader.text(c) for c in rows[0]]
            records = ((k + 2, list(r)) for k, r in enumerate(rows[1:]))
            if ws.title == "participants":
                reader.tidy_table(header, records, ws.title, REQUIRED_PARTICIPANT, False)
            else:
                reader.tidy_table(header, records, ws.title, REQUIRED_TIDY, True)
    finally:
        wb.close()


def _read_json(path: Path, file: str, instruments: Mapping[str, Instrument],
               problems: list[Problem]) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TransferError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    text = _decode(data, file, problems)
    if text is None:
        return None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(file, f"not valid JSON ({exc.msg}, column {exc.colno})", row=exc.lineno))
        return None
    r = _Reader(file, instruments)
    r.problems = problems

    def bad(where: str | None, row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(file, message, row, column, where))

    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        bad(None, None, "format", f"not a peerkit session backup (expected \"format\": \"{JSON_FORMAT}\")")
        return None
    if not isinstance(doc.get("format_version"), int) or doc["format_version"] > JSON_FORMAT_VERSION:
        bad(None, None, "format_version", f"backup format version {doc.get('format_version')!r} is not supported "
                                          f"(this peerkit reads version {JSON_FORMAT_VERSION}); upgrade peerkit")
        return None

    def records(name: str) -> list[tuple[int, dict[str, Any]]]:
        value = doc.get(name, [])
        if not isinstance(value, list):
            bad(None, None, name, "must be a list")
            return []
        out = []
        for k, rec in enumerate(value, start=1):
            if isinstance(rec, dict):
                out.append((k, rec))
            else:
                bad(name, k, None, "must be an object")
        return out

    s = doc.get("session")
    if not isinstance(s, dict):
        bad(None, None, "session", "the session is missing")
        return None
    sloc = {"where": "session"}
    title = r.text(s.get("title"))
    if not title or len(title) > MAX_TITLE_LENGTH:
        bad("session", None, "title", f"the title must have 1 to {MAX_TITLE_LENGTH} characters")
    code = normalize_join_code(r.text(s.get("join_code")))
    if code is None:
        bad("session", None, "join_code", f"{s.get('join_code')!r} is not a join code")
    status = s.get("status", "open")
    if status not in STATUSES:
        bad("session", None, "status", f"{status!r} is not a status (allowed: {', '.join(STATUSES)})")
    date = r.day(s.get("date"), sloc, "date")
    created = r.when(s.get("created_at"), sloc, "created_at", required=False)
    hashed, salt = s.get("passcode_hash"), s.get("passcode_salt")
    if (hashed is None) != (salt is None) or (hashed is not None and not (isinstance(hashed, str)
                                                                          and isinstance(salt, str))):
        bad("session", None, "passcode_hash", "passcode_hash and passcode_salt must both be text, or both absent")
        hashed = salt = None

    people: dict[int, dict[str, Any]] = {}
    names: dict[str, int] = {}
    for k, p in records("participants"):
        loc = {"where": "participants", "row": k}
        pid = r.integer(p.get("id"), loc, "id")
        name = " ".join(r.text(p.get("display_name")).split())
        role = p.get("role")
        ok = pid is not None
        if not name or len(name) > MAX_NAME_LENGTH:
            bad("participants", k, "display_name", f"the display name must have 1 to {MAX_NAME_LENGTH} characters")
            ok = False
        if role not in ROLES:
            bad("participants", k, "role", f"{role!r} is not a role (allowed: {', '.join(ROLES)})")
            ok = False
        pair_id = r.integer(p.get("pair_id"), loc, "pair_id", required=False)
        created_p = r.when(p.get("created_at"), loc, "created_at", required=False)
        if pid is not None and pid in people:
            bad("participants", k, "id", f"participant id {pid} is used twice")
            ok = False
        if ok and name and _name_key(name) in names:
            bad("participants", k, "display_name",
                f"{name!r} is also the name of participant {names[_name_key(name)]} (names are unique, ignoring case)")
            ok = False
        if ok and pid is not None:
            names[_name_key(name)] = pid
            people[pid] = {"id": pid, "display_name": name, "role": role, "pair_id": pair_id, "created_at": created_p}

    pair_rows: dict[int, dict[str, Any]] = {}
    for k, p in records("pairs"):
        loc = {"where": "pairs", "row": k}
        pair_id = r.integer(p.get("id"), loc, "id")
        sup = r.integer(p.get("supervisor_id"), loc, "supervisor_id")
        sub = r.integer(p.get("supervisee_id"), loc, "supervisee_id")
        created_p = r.when(p.get("created_at"), loc, "created_at", required=False)
        for column, who in (("supervisor_id", sup), ("supervisee_id", sub)):
            if who is not None and who not in people:
                bad("pairs", k, column, f"there is no participant {who}")
        if sup is not None and sup == sub:
            bad("pairs", k, "supervisee_id", "a pair needs two different participants")
        if pair_id is not None and pair_id in pair_rows:
            bad("pairs", k, "id", f"pair id {pair_id} is used twice")
        elif pair_id is not None and sup in people and sub in people and sup != sub:
            pair_rows[pair_id] = {"id": pair_id, "supervisor_id": sup, "supervisee_id": sub, "created_at": created_p}
    for k, (pid, person) in enumerate(sorted(people.items()), start=1):
        pair = pair_rows.get(person["pair_id"]) if person["pair_id"] is not None else None
        if person["pair_id"] is not None and (pair is None or pid not in (pair["supervisor_id"],
                                                                           pair["supervisee_id"])):
            bad("participants", None, "pair_id",
                f"participant {pid} points to pair {person['pair_id']}, which does not list them")

    responses = []
    seen: dict[tuple[int, str, str, int], int] = {}
    for k, rec in records("responses"):
        loc = {"where": "responses", "row": k}
        pid = r.integer(rec.get("participant_id"), loc, "participant_id")
        ins_id = rec.get("instrument_id")
        version = r.integer(rec.get("instrument_version"), loc, "instrument_version", minimum=1)
        occasion = rec.get("occasion", "")
        revision = r.integer(rec.get("revision"), loc, "revision", minimum=1)
        submitted = r.when(rec.get("submitted_at"), loc, "submitted_at")
        answers = rec.get("answers")
        if pid is not None and pid not in people:
            bad("responses", k, "participant_id", f"there is no participant {pid}")
        ins = instruments.get(ins_id) if isinstance(ins_id, str) else None
        if ins is None:
            bad("responses", k, "instrument_id", f"unknown instrument {ins_id!r}")
            continue
        if not isinstance(occasion, str) or occasion not in ins.occasion_ids:
            allowed = ", ".join(repr(o) for o in ins.occasion_ids)
            bad("responses", k, "occasion", f"{occasion!r} is not an occasion of {ins_id} (allowed: {allowed})")
            continue
        if not isinstance(answers, dict) or not answers:
            bad("responses", k, "answers", "must be a non-empty object {item id: value}")
            continue
        clean: dict[str, Any] = {}
        for item_id, raw in answers.items():
            try:
                scale = ins.scale_for(item_id)
            except KeyError:
                bad("responses", k, f"answers.{item_id}", f"{ins_id} has no item {item_id!r}")
                continue
            try:
                clean[item_id] = coerce_value(scale, raw)
            except ValueError as exc:
                bad("responses", k, f"answers.{item_id}", str(exc))
        if pid is None or version is None or revision is None or submitted is None:
            continue
        key = (pid, ins_id, occasion, revision)
        if key in seen:
            bad("responses", k, "revision", f"revision {revision} of participant {pid}, {ins_id} "
                                            f"{occasion or ''} also appears at row {seen[key]}".replace("  ", " "))
            continue
        seen[key] = k
        ordered = {i.id: clean[i.id] for i in ins.items if i.id in clean}
        responses.append({"participant_id": pid, "instrument_id": ins_id, "instrument_version": version,
                          "occasion": occasion, "revision": revision, "answers": ordered, "submitted_at": submitted})

    note_rows = []
    note_keys: set[tuple[int, str, str]] = set()
    for k, n in records("notes"):
        loc = {"where": "notes", "row": k}
        pair_id = r.integer(n.get("pair_id"), loc, "pair_id")
        author = r.integer(n.get("author_id"), loc, "author_id", required=False)
        updated = r.when(n.get("updated_at"), loc, "updated_at", required=False)
        ins_id, key, text = n.get("instrument_id"), n.get("key"), n.get("text")
        if pair_id is not None and pair_id not in pair_rows:
            bad("notes", k, "pair_id", f"there is no pair {pair_id}")
        if author is not None and author not in people:
            bad("notes", k, "author_id", f"there is no participant {author}")
        if not isinstance(ins_id, str) or not ins_id:
            bad("notes", k, "instrument_id", "must be an instrument id")
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
            bad("notes", k, "key", f"must be text of 1 to {MAX_KEY_LENGTH} characters")
        if not isinstance(text, str):
            bad("notes", k, "text", "must be text")
        if pair_id is not None and isinstance(ins_id, str) and isinstance(key, str):
            if (pair_id, ins_id, key) in note_keys:
                bad("notes", k, "key", f"note {key!r} of pair {pair_id}, {ins_id} appears twice")
            note_keys.add((pair_id, ins_id, key))
            note_rows.append({"pair_id": pair_id, "instrument_id": ins_id, "key": key.strip(), "text": text,
                              "author_id": author, "updated_at": updated})

    if problems:
        return None
    return {
        "session": {"title": title, "join_code": format_join_code(code) if code else None, "date": date,
                    "status": status, "created_at": created, "passcode_hash": hashed, "passcode_salt": salt},
        "participants": [people[k] for k in sorted(people)],
        "pairs": [pair_rows[k] for k in sorted(pair_rows)],
        "responses": responses,
        "notes": note_rows,
    }


def check_file(path: str | Path, instruments: Mapping[str, Instrument] | None = None,
               fmt: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """Read and validate an import file without writing anything.

    Returns the session payload for :meth:`Store.restore_session` and any warnings;
    raises :class:`TransferError` listing every problem (file, row, column).
    """
    path = Path(path)
    kind = _format_of(path, fmt)
    if not path.is_file():
        raise TransferError(f"{path}: no such file")
    known = dict(instruments) if instruments is not None else load_all()
    file = str(path)
    if kind == "json":
        problems: list[Problem] = []
        payload = _read_json(path, file, known, problems)
        if problems or payload is None:
            raise TransferError(problems or [Problem(file, "nothing to import")])
        return payload, []
    reader = _Reader(file, known)
    (_read_csv if kind == "csv" else _read_xlsx)(path, reader)
    payload = reader.finish_tidy() if not reader.problems else None
    if reader.problems or payload is None:
        raise TransferError(reader.problems or [Problem(file, "nothing to import")])
    return payload, reader.warnings


def import_file(store: Store, path: str | Path, *, new_code: bool = False, passcode: str | None = None,
                instruments: Mapping[str, Instrument] | None = None, fmt: str | None = None) -> ImportResult:
    """Validate ``path`` completely, then write it as a new session in one transaction.

    CSV and XLSX sessions are imported closed (reopen with ``peerkit session open ID``); as
    they carry no passcode, ``passcode`` is used, or one is generated and returned in the
    result. A JSON backup keeps its status and passcode. The join code is kept unless
    ``new_code``; a join code already in the database is an error (nothing is written).
    """
    payload, warnings = check_file(path, instruments, fmt)
    generated = None
    if not payload["session"].get("passcode_hash") and not passcode:
        generated = passcode = secrets.token_urlsafe(6)
    session = store.restore_session(payload, new_code=new_code, passcode=passcode)
    return ImportResult(
        session=session,
        participants=len(payload["participants"]),
        pairs=len(payload["pairs"]),
        responses=len(payload["responses"]),
        notes=len(payload["notes"]),
        passcode=generated,
        warnings=tuple(warnings),
    )
