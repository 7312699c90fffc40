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
    "A11Y_JS",
    "CSS",
    "CSS_CLASSES",
    "a11y_enhancer",
    "esc",
    "format_time",
    "item_numbers",
    "list_numbers",
    "message_html",
    "paragraphs",
    "save_errors",
    "style_widgets",
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

# Accessibility (tests/a11y, checked in Chromium with axe-core): text at least 16 px, tap targets
# (buttons, radios, checkboxes, inputs) at least 24 x 24 px, a focus ring on every control that
# keyboard focus can reach (3 px, dark blue with a white halo: visible on light and dark
# backgrounds), no sideways scrolling at 375 px, colours at least 4.5:1 on white.
CSS = """
.peerkit-app, .peerkit-form { box-sizing: border-box; width: 100%; max-width: 100%;
  --jp-widgets-font-size: 16px; --jp-ui-font-size1: 16px; --jp-content-font-size1: 16px;
  --jp-widgets-inline-height: 36px; --jp-widgets-radio-item-height: 32px;
  --peerkit-focus: #0b3d91; font-size: 16px; }
.peerkit-app .widget-label, .peerkit-form .widget-label, .peerkit-app .jupyter-widget-label,
.peerkit-app .widget-html, .peerkit-form .widget-html, .peerkit-app .widget-html-content,
.peerkit-app .jupyter-button, .peerkit-form .jupyter-button, .peerkit-app .widget-input,
.peerkit-form .widget-input, .peerkit-app select, .peerkit-app textarea, .peerkit-app input,
.peerkit-app .widget-radio-box label, .peerkit-form .widget-radio-box label,
.peerkit-app .widget-label-basic, .peerkit-form .widget-label-basic { font-size: 16px; }
.peerkit-app .jupyter-button, .peerkit-form .jupyter-button { min-height: 36px; min-width: 44px;
  height: auto; padding: 4px 12px; line-height: 1.3; white-space: normal; max-width: 100%; }
.peerkit-app .jupyter-button:not(.mod-primary), .peerkit-form .jupyter-button:not(.mod-primary) {
  border: 1px solid #767676; }
.peerkit-app .widget-text input, .peerkit-app .widget-dropdown select, .peerkit-app textarea,
.peerkit-form textarea { min-height: 36px; }
.peerkit-app .widget-text, .peerkit-app .widget-dropdown { flex-wrap: wrap; height: auto; }
.peerkit-app .widget-text > .widget-label, .peerkit-app .widget-dropdown > .widget-label { max-width: 100%; }
.peerkit-app .widget-dropdown select { min-width: 0; flex: 1 1 12em; max-width: 100%; }
.peerkit-app input[type='radio'], .peerkit-form input[type='radio'],
.peerkit-app input[type='checkbox'], .peerkit-form input[type='checkbox'] {
  width: 24px; height: 24px; min-width: 24px; accent-color: #0b3d91; }
.peerkit-app :is(button, input, select, textarea, a[href], [tabindex]):focus-visible,
.peerkit-form :is(button, input, select, textarea, a[href], [tabindex]):focus-visible {
  outline: 3px solid var(--peerkit-focus) !important; outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #ffffff !important; }
.peerkit-app .widget-toggle-button.mod-active:focus-visible, .peerkit-form .widget-toggle-button.mod-active:focus-visible {
  outline-offset: 2px !important; }
.peerkit-app .widget-html-content, .peerkit-form .widget-html-content,
.peerkit-app .jupyter-widget-html-content, .peerkit-form .jupyter-widget-html-content {
  line-height: 1.45; white-space: normal; overflow-wrap: anywhere; }
.peerkit-app .widget-radio, .peerkit-form .widget-radio { width: 100%; max-width: 100%; }
.peerkit-app .widget-radio-box label, .peerkit-form .widget-radio-box label {
  display: flex; flex-direction: row-reverse; justify-content: flex-end; align-items: center; height: auto; min-height: 32px;
  line-height: 1.35; white-space: normal; overflow-wrap: anywhere; padding: 4px 0; }
.peerkit-app .widget-radio-box input, .peerkit-form .widget-radio-box input {
  float: none; flex: 0 0 auto; margin: 0 10px 0 1px; }
.peerkit-form .widget-checkbox, .peerkit-form .jupyter-widget-checkbox { width: 100%; height: auto; }
.peerkit-form .widget-checkbox .widget-label-basic, .peerkit-form .jupyter-widget-checkbox .jupyter-widget-label-basic {
  white-space: normal; overflow: visible; height: auto; line-height: 1.4; display: flex; align-items: flex-start; }
.peerkit-form .widget-checkbox input[type='checkbox'] { flex-grow: 0; margin: 0 10px 0 1px; }
.peerkit-app .widget-toggle-buttons, .peerkit-form .widget-toggle-buttons { display: flex; flex-wrap: wrap; }
.peerkit-app .widget-text, .peerkit-app .widget-textarea, .peerkit-app .widget-dropdown,
.peerkit-form .widget-textarea { max-width: 100%; }
.peerkit-sr-label > .widget-label, .peerkit-sr-label > .jupyter-widget-label {
  position: absolute !important; width: 1px !important; height: 1px !important; overflow: hidden !important;
  clip: rect(0 0 0 0) !important; white-space: nowrap !important; margin: 0 !important; padding: 0 !important; }
.peerkit-item { border-top: 1px solid #d0d0d0; padding-top: 4px; }
.peerkit-item-label { font-weight: 500; }
.peerkit-item-details { font-style: italic; }
.peerkit-hint { font-size: 16px; }
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


# ARIA that ipywidgets does not write, added in the browser (progressive enhancement: the forms
# work without it, and every meaning is also in the visible text):
# - radio buttons: one ``name`` per question, so Tab reaches a question once and the arrow keys move
#   between its options; the options' box is a ``radiogroup`` named by the question's text;
# - S / I / A and True / False buttons: a ``group`` named by the question, ``aria-pressed`` on each;
# - status lines (submitted, draft saved, join problems): the widget's own element becomes a
#   polite live region, so a screen reader announces each new message (the message HTML carries
#   role="status" / role="alert" too, for pages where this script does not run);
# - the participant app is the page's ``main`` landmark;
# - a button that was disabled while the kernel worked (Submit, Join) gets keyboard focus back.
# It runs once per page (an idempotent scan on every DOM change under the app).
A11Y_JS = r"""
(() => {
  if (window.peerkitA11y) { window.peerkitA11y(); return; }
  let n = 0;
  const uid = (p) => `peerkit-a11y-${p}-${++n}`;
  const setAttr = (el, k, v) => { if (el.getAttribute(k) !== v) el.setAttribute(k, v); };
  const labelId = (w) => {
    const label = w.querySelector(':scope > .widget-label, :scope > .jupyter-widget-label');
    if (!label || !label.textContent.trim()) return null;
    if (!label.id) label.id = uid('label');
    return label.id;
  };
  const radios = (w) => {
    const box = w.querySelector(':scope > .widget-radio-box, :scope > .jupyter-widget-radio-box');
    if (!box) return;
    setAttr(box, 'role', 'radiogroup');
    const id = labelId(w);
    if (id) setAttr(box, 'aria-labelledby', id);
    if (!w.dataset.peerkitName) w.dataset.peerkitName = uid('radio');
    for (const input of box.querySelectorAll('input[type=radio]')) {
      if (input.name !== w.dataset.peerkitName) input.name = w.dataset.peerkitName;
    }
  };
  const toggles = (w) => {
    const button = w.querySelector('button');
    if (!button) return;
    const group = button.parentElement;
    setAttr(group, 'role', 'group');
    const id = labelId(w);
    if (id) setAttr(group, 'aria-labelledby', id);
    for (const b of group.querySelectorAll('button')) {
      setAttr(b, 'aria-pressed', b.classList.contains('mod-active') ? 'true' : 'false');
    }
  };
  const live = (w) => { setAttr(w, 'role', 'status'); setAttr(w, 'aria-live', 'polite'); };
  // A button disabled while the kernel works (Submit, Join) drops keyboard focus to <body>;
  // give it back when the button is enabled again, unless the person has moved on meanwhile.
  let last = null, restore = null;
  document.addEventListener('focusin', (e) => {
    last = e.target.closest && e.target.closest('.peerkit-app, .peerkit-form') ? e.target : null;
    restore = null;
  }, true);
  const keepFocus = () => {
    const lost = !document.activeElement || document.activeElement === document.body;
    if (last && last.disabled && lost) restore = last;
    if (restore && lost && !restore.disabled && restore.isConnected && restore.offsetParent !== null) {
      const el = restore;
      restore = null;
      el.focus();
    }
  };
  const scan = () => {
    keepFocus();
    const apps = document.querySelectorAll('.peerkit-app, .peerkit-form');
    for (const app of apps) {
      app.querySelectorAll('.widget-radio, .jupyter-widget-radio').forEach(radios);
      app.querySelectorAll('.widget-toggle-buttons, .jupyter-widget-toggle-buttons').forEach(toggles);
      app.querySelectorAll('.peerkit-status, .peerkit-draft-status').forEach(live);
    }
    const app = document.querySelector('.peerkit-app');
    if (app && !document.querySelector('main, [role=main]')) app.setAttribute('role', 'main');
  };
  window.peerkitA11y = scan;
  new MutationObserver(scan).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                      attributeFilter: ['class', 'disabled']});
  scan();
})();
"""


def a11y_enhancer() -> Any:
    """A hidden Output widget that runs :data:`A11Y_JS` in the page (a no-op without a front end)."""
    import ipywidgets as widgets

    out = widgets.Output(layout=widgets.Layout(display="none"))
    # set directly (not ``with out: display(...)``): the same with or without a kernel, and silent
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"application/javascript": A11Y_JS, "text/plain": "<peerkit accessibility script>"}},)
    out.add_class("peerkit-a11y-script")
    return out


def style_widgets() -> list[Any]:
    """The forms' stylesheet (a hidden HTML widget) and the ARIA enhancer, for the top of an app."""
    import ipywidgets as widgets

    return [widgets.HTML(f"<style>{CSS}</style>", layout=widgets.Layout(display="none")), a11y_enhancer()]


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
    return scale.answer_label(value)


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
