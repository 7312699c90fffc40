"""The states of a facilitator-led session in Chromium: axe-core finds no serious or critical
violation, and the waiting screen and each switch are in a polite live region.

A phone (375 x 667, with the small-screen checks): waiting, the exercise the facilitator opened,
its results before the reveal (no key), answering closed, the results revealed with the key. The
dashboard with its live controls, the projector (waiting with the join card, counting,
revealed) and the start page's join card at 1280 x 800.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import ACTION_TIMEOUT, PAGE_TIMEOUT, ParticipantPage

from . import helpers
from .test_facilitator_pages import DESKTOP, charts_have_text_and_table, check, finish
from .test_participant_pages import PHONE, check_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSCODE = "live-a11y-9"
QUIZ = "misconceptions"
FOLLOW = 15_000  # ms: the phone polls every 2 s


@pytest.fixture(scope="module")
def led(a11y_store):
    session = a11y_store.create_live_session("Live accessibility check", PASSCODE)
    people = [a11y_store.join(session.id, n, "other") for n in ("Ada", "Bo")]
    return session, people


def live_region_text(page: Page) -> str:
    region = page.locator(".peerkit-live [role=status][aria-live=polite]")
    expect(region).to_have_count(1, timeout=FOLLOW)
    return region.inner_text()


def test_participant_states_on_a_phone(browser: Browser, axe_js, a11y_server, a11y_store, led):
    session, _ = led
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(ACTION_TIMEOUT)
    page = ctx.new_page()
    try:
        page.goto(a11y_server.url("participant.ipynb", f"code={session.join_code}"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Join code")).to_be_visible(timeout=PAGE_TIMEOUT)
        page.get_by_label("Your name").fill("Cy")
        page.locator(".peerkit-join-role").get_by_text("Other", exact=True).click()
        page.get_by_role("button", name="Join session").click()
        expect(page.locator(".peerkit-live")).to_contain_text("Your facilitator will open the next exercise",
                                                             timeout=ACTION_TIMEOUT)
        assert "Waiting for your facilitator" in live_region_text(page)
        check_page(page, "live: waiting screen")

        a11y_store.open_exercise(session.id, QUIZ)
        form = page.locator(f".peerkit-form-{QUIZ}")
        expect(form).to_be_visible(timeout=FOLLOW)
        assert "Now:" in live_region_text(page)  # the switch is announced
        check_page(page, "live: exercise opened")

        from peerkit.instruments import get_instrument

        quiz = get_instrument(QUIZ)
        ParticipantPage(page, "").rate_buttons({item.id: quiz.scale_for(item).options[0].label
                                                for item in quiz.items})
        ParticipantPage(page, "").submit()
        expect(form.locator(".peerkit-results")).to_contain_text("when your facilitator reveals")
        check_page(page, "live: results before the reveal")

        a11y_store.close_answering(session.id)
        expect(page.locator(".peerkit-live")).to_contain_text("Answering is closed", timeout=FOLLOW)
        expect(form.locator(".peerkit-submit")).to_be_disabled()
        check_page(page, "live: answering closed")

        a11y_store.reveal_results(session.id, show_key=True)
        expect(form.locator(".peerkit-results")).to_contain_text("Answer key", timeout=FOLLOW)
        assert "answer key is now" in live_region_text(page)
        check_page(page, "live: revealed with the key")
    finally:
        ctx.close()


def test_dashboard_projector_and_start_page(browser: Browser, axe_js, a11y_server, a11y_store, led):
    session, people = led
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(ACTION_TIMEOUT)
    found: list[helpers.PageAudit] = []
    try:
        a11y_store.set_live(session.id, plan="unit-2", exercise=None)  # Next opens 2.1
        dash = ctx.new_page()
        dash.goto(a11y_server.url("facilitator.ipynb"), timeout=PAGE_TIMEOUT)
        dash.get_by_label("Join code").fill(session.join_code)
        dash.get_by_label("Facilitator passcode").fill(PASSCODE)
        dash.get_by_role("button", name="Open the dashboard").click()
        expect(dash.locator(".peerkit-live-next")).to_be_visible(timeout=ACTION_TIMEOUT)
        check(dash, "dashboard: live controls", found)

        wall = ctx.new_page()
        wall.goto(a11y_server.url("group-display.ipynb", f"code={session.join_code}&min_group=2"),
                  timeout=PAGE_TIMEOUT)
        wall.get_by_label("Passcode").fill(PASSCODE)
        wall.get_by_role("button", name="Show the group's results").click()
        expect(wall.locator(".peerkit-join-card svg")).to_be_visible(timeout=ACTION_TIMEOUT)
        check(wall, "projector: join card", found)

        dash.locator(".peerkit-live-next").click()  # opens the first exercise of the set
        expect(wall.locator(".peerkit-projector-count")).to_contain_text("submitted", timeout=FOLLOW)
        check(wall, "projector: count", found)

        state = a11y_store.live_state(session.id)
        from peerkit.instruments import get_instrument

        ins = get_instrument(state.instrument_id)
        for person, value in zip(people, ("first", "last")):
            answers = {}
            for item in ins.items:
                scale = ins.scale_for(item)
                if scale.kind == "text":
                    continue
                options = list(scale.values)
                answers[item.id] = options[0] if value == "first" else options[-1]
            a11y_store.submit(person.id, ins, answers, state.occasion)
        dash.locator(".peerkit-live-reveal").click()
        expect(wall.locator(".peerkit-projector-main")).to_contain_text("The group's results", timeout=FOLLOW)
        if wall.locator("figure.peerkit-chart").count():
            charts_have_text_and_table(wall, "projector: results")
        check(wall, "projector: results", found)

        start = ctx.new_page()
        start.goto(a11y_server.url("start.ipynb", f"code={session.join_code}"), timeout=PAGE_TIMEOUT)
        expect(start.locator(".peerkit-start-join .peerkit-join-card svg")).to_be_visible(timeout=PAGE_TIMEOUT)
        check(start, "start page: join card", found)
    finally:
        ctx.close()
    finish(found)
