"""Small helpers shared by the participant widgets: numbering, answer labels, HTML text, CSS.

Nothing here holds state. Item text, option labels and instructions always come from the
instrument data; the strings in this module are interface wording only.
"""

from __future__ import annotations

import datetime as _dt
import html
import sys
from typing import Any, Iterable

from ..instruments import Instrument, Scale

__all__ = [
    "CSS",
    "CSS_CLASSES",
    "esc",
    "format_time",
    "item_numbers",
    "list_numbers",
    "message_html",
    "paragraphs",
    "save_errors",
    "value_label",
]

# CSS classes the browser tests (and anybody styling the kit) can rely on.
CSS_CLASSES = {
    "app": "peerkit-app",
    "join": "peerkit-join",
    "join_code": "peerkit-join-code",
    "join_name": "peerkit-join-name",
    "join_role": "peerkit-join-role",
    "join_button": "peerkit-join-button",
    "self_study": "peerkit-self-study",
    "signed_in": "peerkit-signed-in",
    "leave": "peerkit-leave",
    "exercise": "peerkit-exercise",
    "occasion": "peerkit-occasion",
    "form": "peerkit-form",
    "instructions": "peerkit-instructions",
    "section": "peerkit-section",
    "legend": "peerkit-legend",
    "item": "peerkit-item",
    "control": "peerkit-control",
    "progress": "peerkit-progress",
    "submit": "peerkit-submit",
    "status": "peerkit-status",
    "form_status": "peerkit-form-status",
    "join_status": "peerkit-join-status",
    "draft_status": "peerkit-draft-status",
    "results": "peerkit-results",
}

CSS = """
.peerkit-app, .peerkit-form { box-sizing: border-box; width: 100%; max-width: 100%; }
.peerkit-app .widget-html-content, .peerkit-form .widget-html-content,
.peerkit-app .jupyter-widget-html-content, .peerkit-form .jupyter-widget-html-content {
  line-height: 1.45; white-space: normal; overflow-wrap: anywhere; }
.peerkit-app .widget-radio, .peerkit-form .widget-radio { width: 100%; max-width: 100%; }
.peerkit-app .widget-radio-box label, .peerkit-form .widget-radio-box label {
  display: flex; flex-direction: row-reverse; justify-content: flex-end; align-items: flex-start; height: auto; min-height: var(--jp-widgets-radio-item-height, 24px);
  line-height: 1.35; white-space: normal; overflow-wrap: anywhere; padding: 3px 0; }
.peerkit-app .widget-radio-box input, .peerkit-form .widget-radio-box input {
  float: none; flex: 0 0 auto; height: auto; margin: 2px 8px 0 1px; }
.peerkit-form .widget-checkbox, .peerkit-form .jupyter-widget-checkbox { width: 100%; height: auto; }
.peerkit-form .widget-checkbox .widget-label-basic, .peerkit-form .jupyter-widget-checkbox .jupyter-widget-label-basic {
  white-space: normal; overflow: visible; height: auto; line-height: 1.4; display: flex; align-items: flex-start; }
.peerkit-form .widget-checkbox input[type='checkbox'] { flex-grow: 0; margin-top: 4px; }
.peerkit-app .widget-toggle-buttons, .peerkit-form .widget-toggle-buttons { display: flex; flex-wrap: wrap; }
.peerkit-app .widget-text, .peerkit-app .widget-textarea, .peerkit-app .widget-dropdown,
.peerkit-form .widget-textarea { max-width: 100%; }
.peerkit-sr-label > .widget-label, .peerkit-sr-label > .jupyter-widget-label {
  position: absolute !important; width: 1px !important; height: 1px !important; overflow: hidden !important;
  clip: rect(0 0 0 0) !important; white-space: nowrap !important; margin: 0 !important; padding: 0 !important; }
.peerkit-item { border-top: 1px solid #d0d0d0; padding-top: 4px; }
.peerkit-item-label { font-weight: 500; }
.peerkit-item-details { font-style: italic; }
.peerkit-hint { font-size: 90%; }
.peerkit-legend ul { margin: 2px 0 6px 0; padding-left: 1.2em; }
.peerkit-app .widget-toggle-button.mod-active, .peerkit-form .widget-toggle-button.mod-active {
  font-weight: 700; outline: 2px solid currentColor; outline-offset: -2px; }
.peerkit-app .widget-toggle-button.mod-active::before, .peerkit-form .widget-toggle-button.mod-active::before {
  content: "✓ "; }
.peerkit-msg-ok { color: #1b5e20; } .peerkit-msg-warn { color: #6d4c00; } .peerkit-msg-error { color: #a00010; font-weight: 600; }
.peerkit-results table { border-collapse: collapse; width: 100%; }
.peerkit-results th, .peerkit-results td { border-bottom: 1px solid #d0d0d0; padding: 3px 4px; text-align: left; vertical-align: top; }
.peerkit-results th { overflow-wrap: normal; word-break: normal; }
.peerkit-results .peerkit-band { border-left: 4px solid #555; padding-left: 8px; }
.peerkit-answer-text { white-space: pre-wrap; }
"""


def esc(text: Any) -> str:
    """HTML-escape anything shown in an HTML widget (quotes too)."""
    return html.escape("" if text is None else str(text), quote=True)


def paragraphs(text: str | None) -> str:
    """Escape ``text`` and keep its paragraphs (blank lines) and line breaks."""
    if not text:
        return ""
    out = []
    for para in text.replace("\r\n", "\n").split("\n\n"):
        para = para.strip("\n")
        if para.strip():
            out.append("<p>" + "<br>".join(esc(line) for line in para.split("\n")) + "</p>")
    return "".join(out)


def item_numbers(instrument: Instrument) -> dict[str, str]:
    """The number shown for each item: its own number when those are unique, else
    section.number (e.g. "2.b"), else the item's position in the instrument (1, 2, ...)."""
    items = instrument.items
    own = [i.number for i in items if i.number]
    if own and len(own) == len(items) and len(set(own)) == len(own):
        return {i.id: i.number for i in items}  # type: ignore[misc]
    if own and len(own) == len(items) and len(instrument.sections) > 1:
        prefixed = {
            item.id: f"{k}.{item.number}"
            for k, section in enumerate(instrument.sections, 1)
            for item in section.items
        }
        if len(set(prefixed.values())) == len(prefixed):
            return prefixed
    return {item.id: str(k) for k, item in enumerate(items, 1)}


def list_numbers(numbers: Iterable[str], limit: int = 25) -> str:
    nums = list(numbers)
    if len(nums) <= limit:
        return ", ".join(nums)
    return ", ".join(nums[:limit]) + f" and {len(nums) - limit} more"


def value_label(scale: Scale, value: Any) -> str:
    """How an answer reads to a person (plain text, not escaped)."""
    if value is None:
        return "not answered"
    if scale.kind == "checklist":
        return "ticked" if value is True else "not ticked"
    if scale.kind == "text":
        return str(value)
    opt = scale.option(value)
    if opt is None:
        return str(value)
    if scale.kind == "frequency":
        return f"{opt.short or opt.value} = {opt.label}"
    if scale.kind == "choice" and opt.short and opt.short != opt.label:
        return f"{opt.short}) {opt.label}"
    return opt.label


def format_time(when: Any) -> str:
    """A submission time as local wall-clock time, e.g. '14:02 on 24 Nov 2026'."""
    if not isinstance(when, _dt.datetime):
        return str(when) if when else "just now"
    if when.tzinfo is not None:
        when = when.astimezone()
    return f"{when:%H:%M} on {when.day} {when:%b %Y}"


def message_html(kind: str, text: str, *, escape: bool = True) -> str:
    """A status message: a symbol and a word carry the meaning, colour only adds to it."""
    symbol, word, role = {
        "ok": ("✔", "Saved:", "status"),
        "info": ("ℹ", "", "status"),
        "warn": ("⚠", "Note:", "status"),
        "error": ("✘", "Problem:", "alert"),
    }[kind]
    body = esc(text) if escape else text
    word_html = f"<strong>{word}</strong> " if word else ""
    return (f'<div class="peerkit-msg-{kind}" role="{role}" aria-live="polite">'
            f'<span aria-hidden="true">{symbol}</span> {word_html}{body}</div>')


def save_errors() -> tuple[type[BaseException], ...]:
    """Exceptions a backend raises for a user-facing problem: ValueError (bad answer),
    the store's StoreError (only if the store module is loaded; importing it here would
    pull SQLAlchemy into every kernel) and the in-memory backend's BackendError."""
    from .backend import BackendError

    errors: list[type[BaseException]] = [ValueError, BackendError]
    store = sys.modules.get("peerkit.store")
    if store is not None and isinstance(getattr(store, "StoreError", None), type):
        errors.append(store.StoreError)
    return tuple(errors)
