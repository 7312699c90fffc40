"""What the participant page needs before Join, and nothing more.

A room opens the participant link in the same minute, and Voila runs one kernel per page on a
machine with few cores. Everything a kernel does before its first widget reaches the browser
delays every page in the room, and a page whose output arrives too late is lost. So the page's
first render is the join panel only:

- :class:`LazyStore` opens ``peerkit.store.Store`` (SQLAlchemy, the schema check) on its first
  use, that is when the participant presses Join;
- :func:`code_from_page` fills in the join code from ``?code=`` in the page's address: from the
  request (``QUERY_STRING``) in a kernel started for the page, and, in a kernel prepared before
  the request (``peerkit serve --room N``), from the browser itself through a tiny front-end
  widget, so a prepared kernel neither waits for the request nor imports Voila's utilities.

The instruments (pydantic, YAML) and the exercise widgets are loaded by the app at Join too.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs

__all__ = ["LazyStore", "code_from_page", "code_from_query", "MAX_CODE_CHARS"]

MAX_CODE_CHARS = 32


class LazyStore:
    """A ``peerkit.store.Store`` opened on first use (same methods, same errors).

    ``url`` as for :class:`peerkit.store.Store` (default: ``$PEERKIT_DB_URL`` or the kit's file).
    An error opening the store (a :class:`~peerkit.store.StoreError`) is raised by the first call,
    where the join panel shows it, and the next call tries again.
    """

    def __init__(self, url: str | None = None, **kw: Any) -> None:
        self._url = url
        self._kw = kw
        self._store: Any = None

    @property
    def opened(self) -> bool:
        return self._store is not None

    def open(self) -> Any:
        if self._store is None:
            from ..store import Store

            self._store = Store(self._url, **self._kw) if self._url else Store(**self._kw)
        return self._store

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_url", "_kw", "_store"):
            raise AttributeError(name)
        return getattr(self.open(), name)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def __repr__(self) -> str:
        return f"LazyStore({self._store!r})" if self._store is not None else "LazyStore(not opened yet)"


def code_from_query(query: str) -> str:
    """The join code in a URL query (``code=ABC-DEF``), trimmed; empty when there is none."""
    values = parse_qs((query or "").lstrip("?")).get("code") or [""]
    return values[-1].strip()[:MAX_CODE_CHARS]


def code_from_page(field: Any) -> Any:
    """Fill ``field`` (the join code's Text widget) from ``?code=`` in the page's address.

    Returns a widget to put on the page when the code has to come from the browser (a kernel
    prepared before the request), else None.
    """
    query = os.environ.get("QUERY_STRING")
    if query is not None and os.environ.get("VOILA_PREHEAT") != "True":
        code = code_from_query(query)
        if code and not field.value:
            field.value = code
        return None
    if os.environ.get("VOILA_PREHEAT") != "True":
        return None  # not in Voila (JupyterLab, nbval): no address to read
    from ..frontend.page_query import PageQuery

    reader = PageQuery()

    def fill(change: dict) -> None:
        code = code_from_query(change["new"])
        if code and not field.value:
            field.value = code

    reader.observe(fill, names="query")
    return reader
