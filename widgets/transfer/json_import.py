"""Reading and checking a JSON full backup for import: the session, participants, pairs,
every revision and the notes, each problem named by its list, position and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from ..instruments import ROLES, Instrument
from ..store import (
    MAX_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    STATUSES,
    _name_key,
    format_join_code,
    normalize_join_code,
)
from .formats import JSON_FORMAT, JSON_FORMAT_VERSION, Problem, TransferError, coerce_value
from .tidy_import import _decode, _Reader


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
