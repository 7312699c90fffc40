"""Reading and checking a tidy CSV file or XLSX workbook for import: every field of every row
is checked, every problem collected with its row and column, and the rows are gathered into the
payload of :meth:`peerkit.store.Store.restore_session`. :class:`_Reader`'s field checks also
serve the JSON backup (:mod:`peerkit.transfer.json_import`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..instruments import ROLES, Instrument
from ..samples import SAMPLE_JOIN_CODE
from ..store import MAX_NAME_LENGTH, MAX_TITLE_LENGTH, _name_key, format_join_code, normalize_join_code
from .formats import (
    PAIR_ROLES,
    REQUIRED_PARTICIPANT,
    REQUIRED_TIDY,
    Problem,
    TransferError,
    coerce_value,
    restore_cell,
)


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
