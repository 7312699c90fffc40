"""A form reaches the browser as one burst of widget messages: each control is sent with its
classes, tooltip and description, not followed by one update for each, so the burst grows with
the number of controls only (a 105-item form: about 530 messages instead of 1,300)."""

from __future__ import annotations

import collections

import pytest
from ipywidgets.widgets import widget as wmod

from peerkit.forms.backend import MemoryBackend
from peerkit.forms.form import InstrumentForm
from peerkit.instruments import load_all

INSTRUMENTS = load_all()


@pytest.fixture
def sent(monkeypatch) -> collections.Counter:
    """Counts widgets opened and state updates sent while the test runs."""
    counts: collections.Counter = collections.Counter()
    send, open_ = wmod.Widget._send, wmod.Widget.open

    def counting_send(self, msg, buffers=None):
        counts[msg.get("method")] += 1
        return send(self, msg, buffers)

    def counting_open(self):
        if self.comm is None:
            counts["open"] += 1
        return open_(self)

    monkeypatch.setattr(wmod.Widget, "_send", counting_send)
    monkeypatch.setattr(wmod.Widget, "open", counting_open)
    return counts


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_building_a_form_sends_no_update_per_item(sent, instrument_id):
    ins = INSTRUMENTS[instrument_id]
    form = InstrumentForm(ins, MemoryBackend(ins), include_style=False)
    assert sent["open"] >= len(ins.items)  # the count sees the controls being made
    # the form's own parts and one per section, however many items there are
    assert sent["update"] <= 30 + len(ins.sections), (sent["update"], len(ins.items))
    # what used to be set afterwards is there all the same
    for item in ins.items:
        ctl = form.controls[item.id]
        assert {"peerkit-item", f"peerkit-item-{item.id}"} <= set(ctl._dom_classes)
        assert "peerkit-control" in ctl.input._dom_classes
        if ctl.kind != "multi":
            assert ctl.input.tooltip == ctl.accessible_name
        if ctl.kind in ("sia", "true_false", "frequency", "choice", "text"):
            assert ctl.input.description == ctl.accessible_name
            assert "peerkit-sr-label" in ctl.input._dom_classes
