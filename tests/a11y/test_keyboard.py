"""Keyboard only: a participant joins, rates the ten recovery principles S / I / A, takes the
readiness quiz (true / false) and rates one area of the program self-evaluation (1-5), submitting
each, with nothing but Tab, Shift+Tab, the arrow keys, Space and Enter (the join code and the name
are typed). No clicks, no ``fill``.

At every stop the focused control must show a focus indicator (an outline or a box-shadow); after
each Submit the confirmation must be in an ARIA live region (role="status", aria-live="polite"), so
a screen reader announces it, and keyboard focus must not be lost (it stays in the form).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from peerkit.instruments import get_instrument
from tests.browser.pages import ACTION_TIMEOUT, PAGE_TIMEOUT

from . import helpers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIA = "sia-recovery-principles"
QUIZ = "readiness-timeline"
PSE = "program-self-evaluation"
NAME = "Kai Keyboard"

ALLOWED_KEYS = {"Tab", "Shift+Tab", "ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "Space", "Enter"}
MAX_PRESSES = 120  # per move: a safety net, far above what any move needs

_ACTIVE = """(sel) => { const el = document.activeElement; return !!el && el !== document.body && el.matches(sel); }"""


class Keyboard:
    """The participant's hands: only the allowed keys; focus visibility checked at every stop."""

    def __init__(self, page: Page):
        self.page = page
        self.presses = 0
        self.focus_checks = 0

    def press(self, key: str) -> None:
        assert key in ALLOWED_KEYS, key
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text: str) -> None:
        """Typing into a text field (the join code and the name), at a brisk human pace; the field
        must then show everything typed."""
        self.page.keyboard.type(text, delay=40)
        expect(self.page.locator("input:focus")).to_have_value(text)

    def focused(self, selector: str) -> bool:
        return self.page.evaluate(_ACTIVE, selector)

    def tab_to(self, selector: str, step: str, *, back: bool = False) -> None:
        """Tab (or Shift+Tab) until the focused element matches ``selector``; check the focus ring."""
        for _ in range(MAX_PRESSES):
            if self.focused(selector):
                self.check_focus(step)
                return
            self.press("Shift+Tab" if back else "Tab")
        raise AssertionError(f"{step}: {'Shift+Tab' if back else 'Tab'} never reached {selector}")

    def check_focus(self, step: str) -> None:
        helpers.assert_focus_visible(self.page, f"keyboard: {step}")
        self.focus_checks += 1


def item_button(item_id: str, label: str) -> str:
    return f".peerkit-form .peerkit-item-{item_id} button[data-value='{label}']"


def choose_exercise(kb: Keyboard, instrument_id: str) -> None:
    """Focus the exercise list, open it with Space, move with the arrow keys, choose with Enter."""
    page = kb.page
    select = ".peerkit-exercise select"
    kb.tab_to(select, "exercise list", back=kb.focused(".peerkit-form *"))
    title = get_instrument(instrument_id).title
    # the list is filled when the join is stored (just after "signed in" shows): wait for it
    page.wait_for_function("([sel, title]) => [...(document.querySelector(sel)?.options || [])]"
                           ".some(o => o.value === title)", arg=[select, title], timeout=ACTION_TIMEOUT)
    options = page.eval_on_selector(select, "s => [s.selectedIndex, [...s.options].map(o => o.value)]")
    current, values = options
    target = values.index(title)
    kb.press("Space")  # opens the list; the arrows move in it without choosing yet
    for _ in range(abs(target - current) if current >= 0 else target + 1):
        kb.press("ArrowDown" if target > current else "ArrowUp")
    kb.press("Enter")
    expect(page.locator(select)).to_have_value(title, timeout=ACTION_TIMEOUT)
    first = get_instrument(instrument_id).items[0].id
    expect(page.locator(f".peerkit-form .peerkit-item-{first}")).to_be_visible(timeout=ACTION_TIMEOUT)


def answer_toggles(kb: Keyboard, instrument_id: str, labels: list[str]) -> None:
    ins = get_instrument(instrument_id)
    for item, label in zip(ins.items, labels):
        target = item_button(item.id, label)
        kb.tab_to(target, f"{instrument_id} {item.id} = {label}")
        kb.press("Space")
        expect(kb.page.locator(target)).to_have_class(helpers_class("mod-active"), timeout=ACTION_TIMEOUT)
        expect(kb.page.locator(target)).to_have_attribute("aria-pressed", "true", timeout=ACTION_TIMEOUT)


def helpers_class(name: str):
    import re

    return re.compile(rf"(^|\s){name}(\s|$)")


def answer_radios(kb: Keyboard, instrument_id: str, positions: list[int]) -> list[str]:
    """Rate one area: Tab reaches each question's radio group once; the arrow keys choose."""
    ins = get_instrument(instrument_id)
    items = ins.sections[0].items
    chosen = []
    for item, pos in zip(items, positions):
        group = f".peerkit-form .peerkit-item-{item.id} input[type=radio]"
        kb.tab_to(group, f"{instrument_id} {item.id}")
        # focus is on the first option of an unanswered question; ArrowDown moves and selects
        if pos == 0:
            kb.press("Space")
        for _ in range(pos):
            kb.press("ArrowDown")
        radio = kb.page.locator(group).nth(pos)
        expect(radio).to_be_checked(timeout=ACTION_TIMEOUT)
        expect(radio).to_be_focused()
        kb.check_focus(f"{instrument_id} {item.id} option {pos + 1}")
        chosen.append(item.id)
    return chosen


def submit(kb: Keyboard, instrument_id: str, expect_text: str) -> None:
    page = kb.page
    kb.tab_to(".peerkit-form .peerkit-submit", f"{instrument_id} submit")
    kb.press("Enter")
    status = page.locator(".peerkit-form .peerkit-form-status")
    expect(status).to_contain_text(expect_text, timeout=ACTION_TIMEOUT)
    # the confirmation is announced: it sits in a polite live region (role=status)
    live = page.evaluate("""() => {
      const s = document.querySelector('.peerkit-form .peerkit-form-status .widget-html-content > *')
             || document.querySelector('.peerkit-form .peerkit-form-status');
      const region = s && s.closest('[aria-live]');
      return region ? {role: region.getAttribute('role'), live: region.getAttribute('aria-live'),
                       text: region.textContent.trim()} : null;
    }""")
    assert live is not None, "the submit confirmation is not in an ARIA live region"
    assert live["live"] == "polite" and live["role"] == "status", live
    assert expect_text.lower() in live["text"].lower()
    expect(page.locator(".peerkit-form .peerkit-results")).to_be_visible(timeout=ACTION_TIMEOUT)
    # focus stays in the form (on Submit, or wherever the participant is): never dropped to <body>
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and page.evaluate("document.activeElement === document.body"):
        time.sleep(0.05)
    assert kb.focused(".peerkit-form *"), (
        "focus was lost after Submit: " + page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))
    kb.check_focus(f"{instrument_id} after submit")


def test_join_answer_and_submit_by_keyboard_only(browser: Browser, axe_js, a11y_server, workshop):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(ACTION_TIMEOUT)
    page = ctx.new_page()
    kb = Keyboard(page)
    t0 = time.monotonic()
    try:
        page.goto(a11y_server.url("participant.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.locator(".peerkit-join-code input")).to_be_visible(timeout=PAGE_TIMEOUT)

        # -- join ----------------------------------------------------------------------------
        kb.tab_to(".peerkit-join-code input", "join code")
        kb.type(workshop.join_code)
        kb.tab_to(".peerkit-join-name input", "name")
        kb.type(NAME)
        kb.tab_to(".peerkit-join-role input[type=radio]", "role")
        kb.press("Space")  # the first role: Supervisor
        expect(page.locator(".peerkit-join-role input[type=radio]").first).to_be_checked()
        kb.press("ArrowDown")  # arrows move within the group: Peer specialist
        kb.press("ArrowUp")    # ... and back to Supervisor
        expect(page.locator(".peerkit-join-role input[type=radio]").first).to_be_checked()
        kb.check_focus("role chosen")
        kb.tab_to(".peerkit-join-button", "join button")
        kb.press("Enter")
        expect(page.locator(".peerkit-signed-in")).to_contain_text(NAME, timeout=ACTION_TIMEOUT)

        # -- S / I / A ------------------------------------------------------------------------
        sia = ["S", "I", "A", "S", "I", "A", "S", "S", "I", "A"]
        choose_exercise(kb, SIA)
        answer_toggles(kb, SIA, sia)
        expect(page.locator(".peerkit-form .peerkit-progress").first).to_contain_text("10 of 10")
        submit(kb, SIA, "Submitted")

        # -- the readiness quiz (true / false) -----------------------------------------------
        quiz = get_instrument(QUIZ)
        labels = [quiz.scale_for(i).options[k % 2].label for k, i in enumerate(quiz.items)]
        choose_exercise(kb, QUIZ)  # Shift+Tab back up to the exercise list
        answer_toggles(kb, QUIZ, labels)
        submit(kb, QUIZ, "Submitted")

        # -- one area of the program self-evaluation -------------------------------------------
        choose_exercise(kb, PSE)
        pse = get_instrument(PSE)
        area = pse.sections[0].items
        positions = [(k * 2) % 5 for k in range(len(area))]
        answer_radios(kb, PSE, positions)
        expect(page.locator(".peerkit-form .peerkit-progress").first).to_contain_text(f"{len(area)} of {len(pse.items)}")
        submit(kb, PSE, "submitted")  # a partial response: "... were submitted as a partial response"
    finally:
        helpers.EXTRA_CHECKS.append(("keyboard-only completion", "participant app", kb.focus_checks > 0))
        print(f"keyboard: {kb.presses} key presses, {kb.focus_checks} focus checks, "
              f"{time.monotonic() - t0:.1f} s")
        ctx.close()

    # what was submitted is in the store, as chosen by keyboard
    from peerkit.store import Store

    store = Store(a11y_server.db_url)
    try:
        person = next(p for p in store.participants(workshop.id) if p.display_name == NAME)
        assert store.current_answers(person.id, SIA) == {i.id: v for i, v in zip(get_instrument(SIA).items, sia)}
        answers = store.current_answers(person.id, PSE)
        values = [o.value for o in pse.scale_for(area[0]).options]
        assert answers == {i.id: values[p] for i, p in zip(area, positions)}
        assert len(store.current_answers(person.id, QUIZ)) == len(quiz.items)
    finally:
        store.close()
