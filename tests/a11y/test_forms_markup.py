"""The forms' accessibility markup without a browser: what the Chromium tests rely on is in place
even where Chromium is missing (the stylesheet's sizes and focus ring, the ARIA enhancer, live
regions for status messages, escaped names)."""

from __future__ import annotations

import re

import ipywidgets as widgets

from peerkit.forms import CSS, MemoryBackend, InstrumentForm, ParticipantApp
from peerkit.forms.common import A11Y_JS, message_html, style_widgets
from peerkit.instruments import get_instrument


def test_stylesheet_sets_16px_text_24px_targets_and_a_focus_ring():
    assert "--jp-widgets-font-size: 16px" in CSS
    assert re.search(r"input\[type='radio'\].*?\{[^}]*width: 24px; height: 24px", CSS, re.S)
    assert re.search(r":focus-visible[^{]*\{[^}]*outline: 3px solid", CSS, re.S)
    assert "90%" not in CSS  # no text shrunk below the 16 px base


def test_style_widgets_carry_the_css_and_the_aria_script():
    style, script = style_widgets()
    assert CSS in style.value
    assert isinstance(script, widgets.Output)
    code = script.outputs[0]["data"]["application/javascript"]
    assert code == A11Y_JS
    for needle in ("radiogroup", "aria-pressed", "aria-live", "aria-labelledby", "input.name"):
        assert needle in A11Y_JS


def test_app_and_standalone_form_include_them(tmp_path):
    from peerkit.store import Store

    store = Store(f"sqlite:///{tmp_path / 'a.sqlite'}")
    try:
        app = ParticipantApp(store)
        assert any(isinstance(w, widgets.Output) for w in app.children)
    finally:
        store.close()
    ins = get_instrument("readiness-timeline")
    form = InstrumentForm(ins, MemoryBackend(ins))
    assert any(isinstance(w, widgets.Output) for w in form.children)
    embedded = InstrumentForm(ins, MemoryBackend(ins), include_style=False)
    assert not any(isinstance(w, widgets.Output) for w in embedded.children)


def test_status_messages_are_live_regions():
    ok = message_html("ok", "Submitted at 10:00.")
    assert 'role="status"' in ok and 'aria-live="polite"' in ok and "Saved:" in ok
    err = message_html("error", "<b>x</b>")
    assert 'role="alert"' in err and "&lt;b&gt;" in err
