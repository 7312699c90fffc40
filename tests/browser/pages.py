"""Page helpers for the browser tests: what a participant and a facilitator do, in Playwright terms.

Locators use roles, labels and visible text (``get_by_role`` / ``get_by_label`` / ``get_by_text``)
and the kit's ``peerkit-*`` CSS classes; waits are on visible state, never fixed sleeps.
"""

from __future__ import annotations

import re
import time
from typing import Iterable

from playwright.sync_api import Locator, Page, expect

from peerkit.instruments import get_instrument

PAGE_TIMEOUT = 60_000  # ms; every page load starts a kernel
ACTION_TIMEOUT = 20_000  # ms; one round trip through the kernel (and the store)


class ParticipantPage:
    """The participant app (participant.ipynb) in one browser tab."""

    def __init__(self, page: Page, url: str):
        self.page = page
        self.url = url
        self.first_widget_s: float | None = None

    # -- loading and joining ------------------------------------------------------------
    def open(self) -> "ParticipantPage":
        t0 = time.monotonic()
        self.page.goto(self.url, timeout=PAGE_TIMEOUT)
        expect(self.page.get_by_label("Join code")).to_be_visible(timeout=PAGE_TIMEOUT)
        self.first_widget_s = time.monotonic() - t0
        return self

    def reload(self) -> "ParticipantPage":
        t0 = time.monotonic()
        self.page.reload(timeout=PAGE_TIMEOUT)
        expect(self.page.get_by_label("Join code")).to_be_visible(timeout=PAGE_TIMEOUT)
        self.first_widget_s = time.monotonic() - t0
        return self

    def reload_resumed(self, name: str) -> "ParticipantPage":
        """Reload: the browser keeps its device token, so the app resumes by itself (no typing)."""
        t0 = time.monotonic()
        self.page.reload(timeout=PAGE_TIMEOUT)
        expect(self.page.locator(".peerkit-signed-in")).to_contain_text(name, timeout=PAGE_TIMEOUT)
        expect(self.page.get_by_label("Exercise")).to_be_visible(timeout=ACTION_TIMEOUT)
        self.first_widget_s = time.monotonic() - t0
        return self

    def join(self, code: str | None, name: str, role_label: str) -> None:
        p = self.page
        if code is not None:
            p.get_by_label("Join code").fill(code)
        p.get_by_label("Your name").fill(name)
        p.locator(".peerkit-join-role").get_by_text(role_label, exact=True).click()
        p.get_by_role("button", name="Join session").click()
        expect(p.locator(".peerkit-signed-in")).to_contain_text(name, timeout=ACTION_TIMEOUT)
        # the exercise list arrives with the same update; wait for its last message
        expect(p.locator(".peerkit-app").get_by_text("Choose an exercise")).to_be_visible(timeout=ACTION_TIMEOUT)

    def choose(self, instrument_id: str) -> Locator:
        """Choose an exercise in the dropdown (by its title, as a participant sees it)."""
        title = get_instrument(instrument_id).title
        select = self.page.get_by_label("Exercise")
        select.select_option(value=title)
        expect(select).to_have_value(title, timeout=ACTION_TIMEOUT)
        form = self.form(instrument_id)
        # a long form is hundreds of widgets for the browser to draw (the peer-role sorting: 105
        # items, about 500 widgets): on a loaded machine that takes longer than a short one
        items = len(get_instrument(instrument_id).items)
        expect(form).to_be_visible(timeout=ACTION_TIMEOUT + 250 * items)
        return form

    def form(self, instrument_id: str) -> Locator:
        ins = get_instrument(instrument_id)
        first = ins.items[0].id
        return self.page.locator(".peerkit-form").filter(has=self.page.locator(f".peerkit-item-{first}"))

    def item(self, item_id: str) -> Locator:
        return self.page.locator(f".peerkit-form .peerkit-item-{item_id}")

    def reveal(self, item_id: str) -> Locator:
        """The item, shown: on a phone a long form shows one section at a time, so turn to the
        item's section with "Next section" / "Previous section" as a person would."""
        item = self.item(item_id)
        expect(item).to_be_attached(timeout=ACTION_TIMEOUT)
        if item.is_visible():  # a wide screen shows every section
            return item
        steps = item.evaluate("""el => {
          const form = el.closest('.peerkit-form');
          const all = [...form.querySelectorAll('.peerkit-section')];
          const current = all.findIndex(s => s.classList.contains('peerkit-section-current'));
          return current < 0 ? 0 : all.indexOf(el.closest('.peerkit-section')) - current; }""")
        form = self.page.locator(".peerkit-form").filter(has=self.page.locator(f".peerkit-item-{item_id}"))
        name = "Next section" if steps > 0 else "Previous section"
        for _ in range(abs(steps)):
            before = form.locator(".peerkit-section-progress").first.inner_text()
            form.locator(".peerkit-section-nav").get_by_role("button", name=name).click()
            expect(form.locator(".peerkit-section-progress").first).not_to_have_text(before, timeout=ACTION_TIMEOUT)
        expect(item).to_be_visible(timeout=ACTION_TIMEOUT)
        return item

    # -- answering --------------------------------------------------------------------------
    def rate_buttons(self, answers: dict[str, str]) -> None:
        """Toggle-button scales (S / I / A, True / False): click the button with that label."""
        for item_id, label in answers.items():
            button = self.reveal(item_id).get_by_role("button", name=_button_name(label))
            button.click()
            expect(button).to_have_class(_has("mod-active"), timeout=ACTION_TIMEOUT)

    def rate_radios(self, answers: dict[str, str]) -> None:
        """Radio scales (1-5 frequency, choice): check the option with that label."""
        for item_id, label in answers.items():
            radio = self.reveal(item_id).get_by_label(label, exact=True)
            radio.check()
            expect(radio).to_be_checked(timeout=ACTION_TIMEOUT)

    def expect_progress(self, answered: int, total: int) -> None:
        expect(self.page.locator(".peerkit-form .peerkit-progress").first).to_contain_text(
            f"{answered} of {total}", timeout=ACTION_TIMEOUT)

    def expect_draft_saved(self) -> None:
        expect(self.page.locator(".peerkit-form .peerkit-draft-status")).to_contain_text(
            "saved", ignore_case=True, timeout=ACTION_TIMEOUT)

    def submit(self) -> None:
        self.page.locator(".peerkit-form .peerkit-submit").click()
        expect(self.page.locator(".peerkit-form .peerkit-status")).to_contain_text(
            "Submitted", timeout=ACTION_TIMEOUT)
        expect(self.page.locator(".peerkit-form .peerkit-results")).to_be_visible(timeout=ACTION_TIMEOUT)

    # -- reading back -------------------------------------------------------------------
    def expect_buttons(self, answers: dict[str, str]) -> None:
        for item_id, label in answers.items():
            expect(self.item(item_id).get_by_role("button", name=_button_name(label))).to_have_class(
                _has("mod-active"), timeout=ACTION_TIMEOUT)

    def expect_radios(self, answers: dict[str, str]) -> None:
        for item_id, label in answers.items():
            expect(self.reveal(item_id).get_by_label(label, exact=True)).to_be_checked(timeout=ACTION_TIMEOUT)


def _has(css_class: str) -> re.Pattern:
    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


def _button_name(label: str) -> re.Pattern:
    """A toggle button's accessible name: its label, with the "✓ " the forms' CSS puts before
    the chosen one (selection shown by more than colour)."""
    return re.compile(rf"^(✓\s*)?{re.escape(label)}$")


def labels_for(instrument_id: str, values: Iterable) -> dict[str, str]:
    """item id -> the label a participant clicks, for ``values`` in item order."""
    from peerkit.forms import value_label

    ins = get_instrument(instrument_id)
    out = {}
    for item, value in zip(ins.items, values):
        scale = ins.scale_for(item)
        out[item.id] = next(o.label for o in scale.options if o.value == value) \
            if scale.kind in ("sia", "true_false") else value_label(scale, value)
    return out
