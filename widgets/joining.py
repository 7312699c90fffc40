"""The join link of a session (the participant app with ``?code=`` filled in) and its QR code.

The QR code is drawn by segno as SVG, with the link in text beside it; the join code is set in
large letters so that the back of a room can read it. Where the kit is served from is found,
in this order: ``PEERKIT_PUBLIC_URL`` (``peerkit serve`` sets it to the address devices use),
else the address the page was opened at (:class:`peerkit.frontend.location.PageLocation`).
"""

from __future__ import annotations

import html
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["JoinCard", "join_card_html", "join_url", "public_base", "qr_svg"]

PARTICIPANT_PAGE = "voila/render/participant.ipynb"


def public_base(page_href: str | None = None) -> str | None:
    """The kit's base address (ending in "/"), or None when it is not known yet."""
    env = os.environ.get("PEERKIT_PUBLIC_URL", "").strip()
    if env:
        return env.rstrip("/") + "/"
    if not page_href:
        return None
    parts = urlsplit(page_href)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path
    cut = path.find("/voila/")
    prefix = path[:cut + 1] if cut >= 0 else "/"
    return urlunsplit((parts.scheme, parts.netloc, prefix, "", ""))


def join_url(base: str, code: str | None = None) -> str:
    """The participant app's address, with ``?code=`` when a join code is given."""
    url = base.rstrip("/") + "/" + PARTICIPANT_PAGE
    compact = "".join(ch for ch in (code or "") if ch.isalnum()).upper()
    return f"{url}?code={compact}" if compact else url


def qr_svg(link: str, *, scale: int = 6, title: str = "QR code of the join link") -> str:
    """The link as a QR code, inline SVG (black on white, with its quiet zone)."""
    import segno

    qr = segno.make(link, error="m")
    return qr.svg_inline(scale=scale, dark="#000000", light="#ffffff", title=title, svgclass="peerkit-qr-svg",
                         omitsize=True)


def join_card_html(link: str, code: str | None = None, *, large: bool = True) -> str:
    """The join code (large), the QR code and the link in text, as one block of HTML."""
    esc = html.escape
    qr = qr_svg(link, scale=8 if large else 4)
    code_html = (f'<p class="peerkit-join-code-big">Join code <strong>{esc(code)}</strong></p>'
                 if code else "")
    return (f'<div class="peerkit-join-card{" peerkit-join-card-large" if large else ""}">'
            f'<div class="peerkit-qr" role="img" aria-label="QR code that opens the join link">{qr}</div>'
            f'<div class="peerkit-join-text">{code_html}'
            f"<p>Scan the code with your phone's camera, or open</p>"
            f'<p class="peerkit-join-link"><a href="{esc(link)}">{esc(link)}</a></p></div></div>')


JOIN_CSS = """
.peerkit-join-card { display: flex; flex-wrap: wrap; gap: 16px 28px; align-items: center; }
.peerkit-join-card .peerkit-qr svg { display: block; width: 160px; height: auto; }
.peerkit-join-card-large .peerkit-qr svg { width: min(42vh, 360px); }
.peerkit-join-code-big { font-size: 1.4em; margin: 0 0 .4em; }
.peerkit-join-code-big strong { font-size: 2em; letter-spacing: .12em; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.peerkit-join-card-large .peerkit-join-code-big strong { font-size: 3.2em; }
.peerkit-join-link { overflow-wrap: anywhere; font-size: 1.05em; }
.peerkit-join-link a { color: #0b3d91; text-decoration: underline; }
"""


class JoinCard:
    """The join card as an HTML widget that waits for the page's address when it has to.

    ``widget`` is what to display (it holds the invisible :class:`PageLocation` when needed).
    """

    def __init__(self, code: str | None = None, *, large: bool = True):
        import ipywidgets as widgets

        self.code = code
        self.large = large
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.html.add_class("peerkit-join-card-box")
        self.location: Any = None
        children: list[Any] = [widgets.HTML(f"<style>{JOIN_CSS}</style>",
                                            layout=widgets.Layout(height="0px", margin="0")), self.html]
        if public_base() is None:
            from .frontend.location import PageLocation

            self.location = PageLocation()
            self.location.observe(lambda _c: self.render(), names="href")
            children.append(self.location)
        self.widget = widgets.VBox(children, layout=widgets.Layout(width="100%"))
        self.render()

    @property
    def link(self) -> str | None:
        base = public_base(self.location.href if self.location is not None else None)
        return join_url(base, self.code) if base else None

    def set(self, code: str | None = None, large: bool | None = None) -> None:
        self.code = code
        if large is not None:
            self.large = large
        self.render()

    def render(self) -> None:
        link = self.link
        if link is None:
            code = f" with the code <strong>{html.escape(self.code)}</strong>" if self.code else ""
            self.html.value = f"<p>Open the participant page (Join a session){code}.</p>"
            return
        self.html.value = join_card_html(link, self.code, large=self.large)
