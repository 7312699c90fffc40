"""Fixtures for the participant-form tests: instruments, a temporary store, apps and helpers."""

from __future__ import annotations

from typing import Any

import pytest

from peerkit.forms import InstrumentForm, ParticipantApp, StoreBackend, available_instruments
from peerkit.instruments import Instrument
from peerkit.store import Store, StoreError

__all__ = ["SpyBackend", "StoreError", "fill", "first_value", "join", "same_device"]


class SpyBackend(StoreBackend):
    """The real store backend, plus a count of draft saves and a way to make the next save fail."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.fail_with: BaseException | None = None
        self.draft_saves = 0

    def _raise_if_failing(self) -> None:
        if self.fail_with is not None:
            exc, self.fail_with = self.fail_with, None
            raise exc

    def save_draft(self, answers):
        self._raise_if_failing()
        self.draft_saves += 1
        super().save_draft(answers)

    def submit(self, answers, base_revision=None):
        self._raise_if_failing()
        return super().submit(answers, base_revision=base_revision)

    @property
    def revisions(self):
        return self.store.revisions(self.participant_id, self.instrument.id, self.occasion)

    def for_occasion(self, occasion: str) -> "SpyBackend":
        return SpyBackend(self.store, self.participant_id, self.instrument, occasion)


# -- fixtures ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def instruments() -> dict[str, Instrument]:
    return available_instruments()


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'peerkit-test.sqlite'}"


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def session(store):
    return store.create_session("Forms test workshop", "secret-pass")


@pytest.fixture
def make_app(store, instruments):
    def make(**kw) -> ParticipantApp:
        return ParticipantApp(store, instruments, **kw)
    return make


@pytest.fixture
def participant(store, session):
    return store.join(session.id, "Avery", "supervisor")


@pytest.fixture
def make_form(store, participant, instruments):
    """A form on the temporary SQLite store for one participant: (form, backend)."""
    def make(instrument_id: str, occasion: str = "", **kw) -> tuple[InstrumentForm, SpyBackend]:
        ins = instruments[instrument_id]
        backend = SpyBackend(store, participant.id, ins, occasion)
        return InstrumentForm(ins, backend, occasion=occasion, **kw), backend
    return make


def join(app: ParticipantApp, code: str, name: str, role: str = "supervisor") -> Any:
    """Fill in the join panel and click Join, as a participant would."""
    panel = app.join_panel
    panel.code.value = code
    panel.name.value = name
    panel.role.value = role
    panel.join_button.click()
    return app.participant


def same_device(old: ParticipantApp, new: ParticipantApp) -> Any:
    """Open ``new`` in the browser of ``old`` (a reload, or the server restarted): the browser
    sends what it keeps in localStorage, as DeviceKeeper's JavaScript does on a page load."""
    device = new.join_panel.device
    device.stored = dict(old.join_panel.device.stored)
    device.loaded = True
    return new.participant


def first_value(instrument: Instrument, item) -> Any:
    """A valid answer for any item (the first option; text; a tick)."""
    scale = instrument.scale_for(item)
    if scale.kind == "text":
        return f"My answer to {item.id}"
    if scale.kind == "checklist":
        return True
    return scale.options[0].value


def fill(form: InstrumentForm, values: dict | None = None, skip=()) -> dict:
    """Answer items through their controls, as a person would: ``values`` if given, else every
    item (but ``skip``) with :func:`first_value`. Returns what was set."""
    ins = form.instrument
    if values is None:
        values = {i.id: first_value(ins, i) for i in ins.items if i.id not in set(skip)}
    for item_id, value in values.items():
        ctl = form.controls[item_id]
        ctl.input.value = ctl._to_widget(value)
    return dict(values)


def status_text(widget) -> str:
    return widget.value
