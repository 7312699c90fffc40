"""End to end in Chromium: a facilitator-led session of Unit 2, run from the dashboard alone.

A facilitator (dashboard), a projector (group display) and three phones (375 px). The phones
join with the link's ``?code=`` and wait; the facilitator opens 2.1 (Recovery Principles) and
the phones show it without a reload; two submit; the display counts "2 of 3"; the facilitator
closes answering (the third phone says so) and reveals the results (the display shows the
group's chart); the facilitator moves on to 2.2 and the phones follow.

Screenshots (new files in docs/screenshots/, refreshed with PEERKIT_UPDATE_SCREENSHOTS=1):
live-waiting-375 (the waiting screen), live-exercise-375 (the followed exercise on a phone),
projector-count-1280 and projector-results-1280 (the projector before and after the reveal).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from peerkit.instruments import get_instrument

from .pages import ACTION_TIMEOUT, PAGE_TIMEOUT, ParticipantPage
from .test_workshop_flow import DESKTOP, MOBILE, failure_screenshots, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIA = "sia-recovery-principles"
PSE = "program-self-evaluation"
PASSCODE = "kingfisher-17"
FOLLOW_TIMEOUT = 15_000  # ms: the phones poll every 2 s; a loaded CI machine gets some slack
PHONES = (("Maria", "Supervisor"), ("Sam", "Peer specialist"), ("Lee", "Other"))


def _join_and_wait(phone: Page, name: str, role: str) -> None:
    expect(phone.get_by_label("Join code")).not_to_have_value("", timeout=PAGE_TIMEOUT)  # from ?code=
    phone.get_by_label("Your name").fill(name)
    phone.locator(".peerkit-join-role").get_by_text(role, exact=True).click()
    phone.get_by_role("button", name="Join session").click()
    expect(phone.locator(".peerkit-signed-in")).to_contain_text(name, timeout=ACTION_TIMEOUT)
    waiting = phone.locator(".peerkit-live [role=status]")
    expect(waiting).to_contain_text("Your facilitator will open the next exercise", timeout=ACTION_TIMEOUT)
    expect(phone.get_by_label("Exercise", exact=True)).to_be_hidden()  # no list to hunt in


def _live_button(fac: Page, css: str) -> None:
    button = fac.locator(f".{css}")
    expect(button).to_be_enabled(timeout=ACTION_TIMEOUT)
    button.click()


def test_facilitator_runs_unit_2_and_the_room_follows(browser: Browser, voila_server, store, screenshot_dirs):
    session = store.create_live_session("Unit 2 live", PASSCODE)
    code = session.join_code.replace("-", "")
    pages: dict[str, Page] = {}
    fac_ctx = browser.new_context(viewport=DESKTOP)
    wall_ctx = browser.new_context(viewport=DESKTOP)
    phone_ctxs = [browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True) for _ in PHONES]
    for ctx in (fac_ctx, wall_ctx, *phone_ctxs):
        ctx.set_default_timeout(ACTION_TIMEOUT)
    try:
        with failure_screenshots(pages):
            # -- the facilitator unlocks the dashboard; the projector shows how to join ----------
            fac = pages["facilitator"] = fac_ctx.new_page()
            fac.goto(voila_server.url("facilitator.ipynb"), timeout=PAGE_TIMEOUT)
            fac.get_by_label("Join code").fill(session.join_code)
            fac.get_by_label("Facilitator passcode").fill(PASSCODE)
            fac.get_by_role("button", name="Open the dashboard").click()
            expect(fac.locator(".peerkit-dash-live")).to_be_visible(timeout=ACTION_TIMEOUT)
            expect(fac.locator(".peerkit-live-mode").get_by_label("Facilitator-led: the room follows you")
                   ).to_be_checked()

            wall = pages["projector"] = wall_ctx.new_page()
            wall.goto(voila_server.url("group-display.ipynb", f"code={code}&min_group=2"), timeout=PAGE_TIMEOUT)
            wall.get_by_label("Passcode").fill(PASSCODE)
            wall.get_by_role("button", name="Show the group's results").click()
            expect(wall.get_by_role("heading", name="Join the session")).to_be_visible(timeout=ACTION_TIMEOUT)
            card = wall.locator(".peerkit-join-card")
            expect(card.locator("svg")).to_be_visible()
            expect(card.get_by_role("link")).to_have_attribute(
                "href", f"{voila_server.base_url}/voila/render/participant.ipynb?code={code}")
            expect(card).to_contain_text(session.join_code)

            # -- three phones join with the link and wait --------------------------------------
            phones = []
            for k, ((name, role), ctx) in enumerate(zip(PHONES, phone_ctxs)):
                phone = pages[f"phone-{k}"] = ctx.new_page()
                phone.goto(voila_server.url("participant.ipynb", f"code={code}"), timeout=PAGE_TIMEOUT)
                _join_and_wait(phone, name, role)
                phone.evaluate("window.__peerkit_not_reloaded = true")
                phones.append(phone)
            screenshot(phones[0], "live-waiting-375", screenshot_dirs)

            # -- the facilitator opens 2.1: every phone shows it without a reload ---------------
            _live_button(fac, "peerkit-live-next")
            sia = get_instrument(SIA)
            for phone in phones:
                expect(phone.locator(f".peerkit-form-{SIA}")).to_be_visible(timeout=FOLLOW_TIMEOUT)
                expect(phone.locator(".peerkit-live [role=status]")).to_contain_text("Now:")
                assert phone.evaluate("window.__peerkit_not_reloaded === true")
            expect(fac.locator(".peerkit-live-count")).to_contain_text("0 of 3", timeout=ACTION_TIMEOUT)
            screenshot(phones[0], "live-exercise-375", screenshot_dirs)

            # -- two submit; the projector counts them --------------------------------------------
            for phone, value in zip(phones[:2], ("S", "I")):
                p = ParticipantPage(phone, "")
                p.rate_buttons({item.id: value for item in sia.items})
                p.submit()
            count = wall.locator(".peerkit-projector-count")
            expect(count).to_have_text("2 of 3 submitted", timeout=FOLLOW_TIMEOUT)
            expect(wall.locator(".peerkit-dash-group-content figure.peerkit-chart")).to_have_count(0)  # nothing before the reveal
            screenshot(wall, "projector-count-1280", screenshot_dirs)

            # -- close, then reveal --------------------------------------------------------------
            _live_button(fac, "peerkit-live-close")
            expect(phones[2].locator(".peerkit-live [role=status]")).to_contain_text(
                "Answering is closed", timeout=FOLLOW_TIMEOUT)
            expect(phones[2].locator(f".peerkit-form-{SIA} .peerkit-submit")).to_be_disabled()
            expect(wall.locator(".peerkit-projector-main")).to_contain_text("Answering is closed",
                                                                            timeout=FOLLOW_TIMEOUT)
            _live_button(fac, "peerkit-live-reveal")
            results = wall.locator(".peerkit-dash-group-content")
            expect(results.locator("figure.peerkit-chart").first).to_be_visible(timeout=FOLLOW_TIMEOUT)
            expect(results).not_to_contain_text("Maria")  # aggregates only
            expect(wall.locator(".peerkit-projector-main")).to_contain_text("The group's results")
            screenshot(wall, "projector-results-1280", screenshot_dirs)

            # -- on to 2.2: the phones follow ---------------------------------------------------
            _live_button(fac, "peerkit-live-next")
            for phone in phones:
                expect(phone.locator(f".peerkit-form-{PSE}")).to_be_visible(timeout=FOLLOW_TIMEOUT)
                expect(phone.locator(f".peerkit-form-{SIA}")).to_be_hidden()
                assert phone.evaluate("window.__peerkit_not_reloaded === true")
            expect(wall.locator(".peerkit-projector-count")).to_have_text("0 of 3 submitted",
                                                                          timeout=FOLLOW_TIMEOUT)
    finally:
        for ctx in (fac_ctx, wall_ctx, *phone_ctxs):
            ctx.close()


def test_text_being_typed_survives_a_switch(browser: Browser, voila_server, store):
    """A participant is typing (the text is not yet sent: a text box sends it when it loses focus)
    when the facilitator moves on: the text stays, and is saved as a draft."""
    session = store.create_live_session("Unit 1 live", PASSCODE)
    store.open_exercise(session.id, "co-learning")
    ins = get_instrument("co-learning")
    first = ins.items[0].id
    ctx = browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(ACTION_TIMEOUT)
    pages: dict[str, Page] = {}
    try:
        with failure_screenshots(pages):
            phone = pages["typing"] = ctx.new_page()
            phone.goto(voila_server.url("participant.ipynb", f"code={session.join_code}"), timeout=PAGE_TIMEOUT)
            expect(phone.get_by_label("Join code")).not_to_have_value("", timeout=PAGE_TIMEOUT)
            phone.get_by_label("Your name").fill("Robin")
            phone.locator(".peerkit-join-role").get_by_text("Supervisor", exact=True).click()
            phone.get_by_role("button", name="Join session").click()
            box = phone.locator(f".peerkit-form-co-learning .peerkit-item-{first} textarea")
            expect(box).to_be_visible(timeout=FOLLOW_TIMEOUT)
            box.click()
            box.press_sequentially("Half a thought about co-learning")  # still focused: not sent yet
            store.open_exercise(session.id, "recovery-orientation")
            expect(phone.locator(".peerkit-form-recovery-orientation")).to_be_visible(timeout=FOLLOW_TIMEOUT)
            store.open_exercise(session.id, "co-learning")
            expect(box).to_be_visible(timeout=FOLLOW_TIMEOUT)
            expect(box).to_have_value("Half a thought about co-learning")
            person = next(p for p in store.participants(session.id) if p.display_name == "Robin")
            box.blur()
            deadline = time.monotonic() + ACTION_TIMEOUT / 1000
            while store.load_draft(person.id, "co-learning") is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert store.load_draft(person.id, "co-learning") == {first: "Half a thought about co-learning"}
    finally:
        ctx.close()
