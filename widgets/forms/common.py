"""Small helpers shared by the participant widgets: numbering, answer labels, HTML text, CSS.

Nothing here holds state. Item text, option labels and instructions always come from the
instrument data; the strings in this module are interface wording only.
"""

from __future__ import annotations

import datetime as _dt
import html
import sys
from typing import TYPE_CHECKING, Any, Iterable

from ..style import KIT_CSS, style_tag

if TYPE_CHECKING:  # pragma: no cover - annotations only: the join page loads no instruments
    from ..instruments import Instrument, Scale

__all__ = [
    "A11Y_JS",
    "CSS",
    "CSS_CLASSES",
    "SharedLooks",
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

# The kit's one stylesheet (peerkit/kit.css): 16 px text, 24 px targets, focus rings, tables that
# never break inside a word, text boxes that stay inside the screen (see the file's notes).
CSS = KIT_CSS


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
  // "Next section" / "Previous section" of a long form on a phone: once the kernel has switched
  // the section, bring its start into view and give its heading the focus (the button moved away).
  let turn = null;
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('.peerkit-section-next, .peerkit-section-prev');
    const form = b && b.closest('.peerkit-form');
    if (form) turn = {form, from: form.querySelector('.peerkit-section-current')};
  }, true);
  const turnPage = () => {
    if (!turn) return;
    const current = turn.form.querySelector('.peerkit-section-current');
    if (!current || current === turn.from) return;
    turn = null;
    const nav = current.parentElement && current.parentElement.querySelector(':scope > .peerkit-section-nav');
    (nav && nav.offsetParent !== null ? nav : current).scrollIntoView({block: 'start'});
    const heading = current.querySelector('h3, h4');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({preventScroll: true}); }
  };
  const scan = () => {
    keepFocus();
    turnPage();
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


def a11y_enhancer(hidden: Any = None) -> Any:
    """A hidden Output widget that runs :data:`A11Y_JS` in the page (a no-op without a front end);
    ``hidden``: a shared ``display: none`` layout to use."""
    import ipywidgets as widgets

    out = widgets.Output(layout=hidden if hidden is not None else widgets.Layout(display="none"))
    # set directly (not ``with out: display(...)``): the same with or without a kernel, and silent
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"application/javascript": A11Y_JS, "text/plain": "<peerkit accessibility script>"}},)
    out.add_class("peerkit-a11y-script")
    return out


class SharedLooks:
    """Layouts and styles shared by the widgets of one page that never change their own.

    Every ipywidgets control otherwise gets a Layout (and most a style) of its own, each a widget
    model that the kernel creates and sends and the browser builds; ipywidgets lets widgets share
    them (a shared layout is one model drawn by several views). A widget whose look changes later
    (``layout.display`` to show or hide it) keeps a layout of its own.
    """

    def __init__(self) -> None:
        import ipywidgets as widgets

        self.hidden = widgets.Layout(display="none")
        self.wide = widgets.Layout(width="100%")
        self.field = widgets.Layout(width="100%", max_width="340px")
        # the string widgets' style classes (not exported at ipywidgets' top level)
        from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

        self.html = HTMLStyle()
        self.text = TextStyle(description_width="initial")
        self.button = widgets.ButtonStyle()


def style_widgets(looks: SharedLooks | None = None) -> list[Any]:
    """The forms' stylesheet (a hidden HTML widget) and the ARIA enhancer, for the top of an app
    (``looks``: share the page's hidden layout and HTML style)."""
    import ipywidgets as widgets

    if looks is None:
        return [widgets.HTML(style_tag(), layout=widgets.Layout(display="none")), a11y_enhancer()]
    return [widgets.HTML(style_tag(), layout=looks.hidden, style=looks.html), a11y_enhancer(looks.hidden)]


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
