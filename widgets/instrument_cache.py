"""A cache of the parsed and validated instruments, next to the data, keyed by content.

Every participant kernel loads the exercises at Join: parsing 26 YAML files and validating them
with pydantic takes a third of a second of CPU, in every kernel of a room that joins at once.
The result is the same for every kernel until a file changes, so it is kept as a pickle in the
data folder's ``cache/`` (``$PEERKIT_HOME/cache``, else the kit's ``var/cache``; never committed),
named by a hash of every instrument file's name and bytes and of the versions that shape the
objects (Python, pydantic, the kit's instrument model). A changed, added or removed file gives a new name; a cache
that cannot be read is ignored and rebuilt. Only the kit writes that folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

__all__ = ["cache_dir", "cache_key", "cached"]

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    home = os.environ.get("PEERKIT_HOME", "").strip()
    base = Path(home).expanduser() if home else Path(__file__).resolve().parent.parent / "var"
    return base / "cache"


def cache_key(files: list[Path]) -> str:
    import pydantic

    h = hashlib.sha256()
    h.update(f"pydantic={pydantic.VERSION};{sys.version}".encode())
    h.update((Path(__file__).parent / "instruments" / "model.py").read_bytes())  # the model's definition
    for path in files:
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:24]


def cached(files: list[Path], build: Callable[[], Any], kind: str = "instruments") -> Any:
    """``build()``'s result for these files, from the cache when it is there."""
    try:
        path = cache_dir() / f"{kind}-{cache_key(files)}.pickle"
    except OSError:
        return build()
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)  # noqa: S301 - written by the kit into its own data folder
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt
        log.warning("ignoring the instrument cache %s: %s", path, exc)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data folder: no cache, same result
        log.info("instrument cache not written (%s)", exc)
    return value
