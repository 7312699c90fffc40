"""Deleting a session with the export and report files the dashboard wrote for it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..store import Store
from .formats import TransferError


# -- purging a session with its files ---------------------------------------------------------------


def exports_folder() -> Path:
    """Where the dashboard writes exports and reports: ``$PEERKIT_HOME/exports`` or
    ``<repo>/var/exports`` (the same folder as ``peerkit.dashboard.common.export_dir``)."""
    home = os.environ.get("PEERKIT_HOME", "").strip()
    base = Path(home).expanduser() if home else Path(__file__).resolve().parent.parent.parent / "var"
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
