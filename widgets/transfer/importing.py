"""Importing a file: :func:`check_file` validates it completely (CSV, XLSX or JSON) without
writing, :func:`import_file` then writes it as a new session in one transaction."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Mapping

from ..instruments import Instrument, load_all
from ..store import Store
from .formats import ImportResult, Problem, TransferError, _format_of
from .json_import import _read_json
from .tidy_import import _read_csv, _read_xlsx, _Reader


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
