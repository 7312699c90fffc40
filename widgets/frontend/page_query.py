"""PageQuery: the query string of the page's address (``?code=...``), read in the browser.

A kernel prepared before anyone asked for the page (Voila's preheated pool, ``peerkit serve
--room N``) has no request to read the query from; the browser has it. The widget draws nothing.
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["PageQuery"]

_ESM = """
function render({ model, el }) {
  el.style.display = "none";
  const query = (window.location && window.location.search) || "";
  if (query && model.get("query") !== query) {
    model.set("query", query.slice(0, 512));
    model.save_changes();
  }
}
export default { render };
"""


class PageQuery(anywidget.AnyWidget):
    """Sets ``query`` to the page's ``location.search`` (at most 512 characters) when shown."""

    _esm = _ESM
    query = traitlets.Unicode("").tag(sync=True)
