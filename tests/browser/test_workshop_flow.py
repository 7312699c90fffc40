"""End to end in Chromium: a workshop session from the join code to the facilitator's comparison.

1. The facilitator creates a session (Store API, as the dashboard or ``peerkit session create``
   would).
2. A supervisor and a peer specialist, each in their own browser context, open the participant
   app, join with the code, rate the ten recovery principles S / I / A and complete the program
   self-evaluation (39 items, 1-5), and submit. The supervisor reloads half-way through the
   self-evaluation: the browser resumes by itself (its device token), on the same exercise,
   with the draft back.
3. The test pairs them (Store API).
4. The facilitator opens the dashboard, enters the passcode, sees both participants, their pair
   comparison and the group view; the group display shows the group too.
5. The peer specialist reloads and is back without typing: the submitted answers are still there.

Screenshots (375 px and 1280 px) go to test-artifacts/ and, when missing or with
PEERKIT_UPDATE_SCREENSHOTS=1, to docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from itertools import cycle, islice

import pytest
from playwright.sync_api import Browser, Page, expect

from peerkit.instruments import get_instrument

from .conftest import ARTIFACTS
from .facilitator import FacilitatorPage, open_group_display
from .pages import ACTION_TIMEOUT, PAGE_TIMEOUT, ParticipantPage, labels_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIA = "sia-recovery-principles"
PSE = "program-self-evaluation"
PASSCODE = "blue-heron-42"

SUPERVISOR = "Sam Supervisor"
PEER = "Pat Peer"

SIA_SUPERVISOR = ["S", "S", "I", "S", "A", "I", "S", "S", "I", "S"]
SIA_PEER = ["S", "I", "I", "A", "A", "I", "S", "I", "I", "S"]


def _pse_values(pattern: list[int]) -> list[int]:
    return list(islice(cycle(pattern), len(get_instrument(PSE).items)))


PSE_SUPERVISOR = _pse_values([5, 4, 4, 3, 5, 2])
PSE_PEER = _pse_values([4, 4, 2, 3, 5, 1, 3])

def _tallies(*answer_lists: list[str]) -> dict[int, tuple[int, int, int]]:
    """item number -> how many answered S, I and A."""
    return {n: tuple(sum(a[n - 1] == v for a in answer_lists) for v in "SIA")
            for n in range(1, len(answer_lists[0]) + 1)}


MOBILE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@contextmanager
def failure_screenshots(pages: dict[str, Page]):
    """On a failure, keep a screenshot of every open page in test-artifacts/ (for CI)."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        for name, page in pages.items():
            try:
                page.screenshot(path=str(ARTIFACTS / f"failure-{name}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - best effort while reporting the real failure
                pass
        raise


def screenshot(page: Page, name: str, dirs) -> None:
    """Always into test-artifacts/; into docs/screenshots/ (committed, shown in the README) when the
    file is missing or PEERKIT_UPDATE_SCREENSHOTS=1, so a test run does not dirty the working tree."""
    artifacts, docs = dirs
    page.screenshot(path=str(artifacts / f"{name}.png"))
    target = docs / f"{name}.png"
    if os.environ.get("PEERKIT_UPDATE_SCREENSHOTS") == "1" or not target.exists():
        shutil.copyfile(artifacts / f"{name}.png", target)


def test_two_participants_join_submit_and_the_facilitator_compares(
        browser: Browser, voila_server, store, screenshot_dirs):
    timings = voila_server.timings
    session = store.create_session("Browser test workshop", PASSCODE)
    url = voila_server.url("participant.ipynb")

    sup_ctx = browser.new_context(viewport=DESKTOP)
    peer_ctx = browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True)
    fac_ctx = browser.new_context(viewport=DESKTOP)
    for ctx in (sup_ctx, peer_ctx, fac_ctx):
        ctx.set_default_timeout(ACTION_TIMEOUT)
    sup = ParticipantPage(sup_ctx.new_page(), url)
    # the peer specialist follows a link with the code in it (?code=...), as from a QR code
    peer = ParticipantPage(peer_ctx.new_page(), voila_server.url("participant.ipynb", f"code={session.join_code}"))
    fac = fac_ctx.new_page()
    pages = {"supervisor": sup.page, "peer": peer.page, "facilitator": fac}

    with failure_screenshots(pages):
        # -- 2. join -------------------------------------------------------------------------
        sup.open()
        timings["participant_first_widget_s"] = round(sup.first_widget_s, 2)
        peer.open()
        timings["participant_first_widget_second_tab_s"] = round(peer.first_widget_s, 2)
        expect(peer.page.get_by_label("Join code")).to_have_value(session.join_code)
        sup.join(session.join_code, SUPERVISOR, "Supervisor")
        peer.join(None, PEER, "Peer specialist")

        # -- S / I / A ratings ---------------------------------------------------------------
        sup_sia = labels_for(SIA, SIA_SUPERVISOR)
        peer_sia = labels_for(SIA, SIA_PEER)
        sup.choose(SIA)
        sup.rate_buttons(sup_sia)
        sup.expect_progress(10, 10)
        sup.submit()
        peer.choose(SIA)
        peer.rate_buttons(peer_sia)
        peer.page.locator(".peerkit-form").first.scroll_into_view_if_needed()
        screenshot(peer.page, "participant-375", screenshot_dirs)
        peer.submit()

        # -- program self-evaluation; the supervisor reloads half-way -------------------------
        sup_pse = labels_for(PSE, PSE_SUPERVISOR)
        first_half = dict(list(sup_pse.items())[:12])
        sup.choose(PSE)
        sup.rate_radios(first_half)
        expect(sup.page.locator(".peerkit-form .peerkit-draft-status")).to_contain_text(
            f"Draft saved · {len(first_half)} of {len(sup_pse)}")
        sup.reload_resumed(SUPERVISOR)
        timings["participant_reload_resumed_s"] = round(sup.first_widget_s, 2)
        expect(sup.page.get_by_label("Exercise")).to_have_value(get_instrument(PSE).title)  # where it was
        sup.choose(PSE)
        expect(sup.page.locator(".peerkit-form .peerkit-draft-status")).to_contain_text("from last time")
        sup.expect_radios(first_half)
        sup.rate_radios(dict(list(sup_pse.items())[len(first_half):]))
        sup.expect_progress(len(sup_pse), len(sup_pse))
        sup.submit()
        sup.page.locator(".peerkit-form .peerkit-results").scroll_into_view_if_needed()
        screenshot(sup.page, "participant-1280", screenshot_dirs)

        peer_pse = labels_for(PSE, PSE_PEER)
        peer.choose(PSE)
        peer.rate_radios(peer_pse)
        peer.submit()

        # the answers are in the store, as given
        people = {p.display_name: p for p in store.participants(session.id)}
        assert set(people) == {SUPERVISOR, PEER}
        sia = get_instrument(SIA)
        assert store.current_answers(people[SUPERVISOR].id, SIA) == {
            i.id: v for i, v in zip(sia.items, SIA_SUPERVISOR)}
        assert store.current_answers(people[PEER].id, PSE) == {
            i.id: v for i, v in zip(get_instrument(PSE).items, PSE_PEER)}

        # -- 3. the test pairs them ------------------------------------------------------------
        store.set_pair(people[SUPERVISOR].id, people[PEER].id)

        # -- 4. the facilitator ------------------------------------------------------------------
        dash = FacilitatorPage(fac, voila_server.url("facilitator.ipynb"))
        dash.open()
        timings["facilitator_first_widget_s"] = round(dash.first_widget_s, 2)
        dash.sign_in(session, PASSCODE)
        dash.expect_participants([SUPERVISOR, PEER])
        dash.open_pair(SUPERVISOR, PEER, SIA, sup_sia, peer_sia)
        screenshot(fac, "facilitator-1280", screenshot_dirs)
        dash.open_group(SIA, _tallies(SIA_SUPERVISOR, SIA_PEER))
        fac.set_viewport_size(MOBILE)
        fac.locator(".peerkit-dash-header").scroll_into_view_if_needed()
        screenshot(fac, "facilitator-375", screenshot_dirs)
        fac.set_viewport_size(DESKTOP)

        # the projector's group display (names nobody; summarises groups of 3 or more, so it is
        # shown with the demo session's twelve participants)
        demo = store.load_demo()
        group = fac_ctx.new_page()
        pages["group"] = group
        timings["group_display_first_widget_s"] = round(open_group_display(
            group, voila_server.url("group-display.ipynb", f"code={demo.join_code}"), "demo", demo.title), 2)
        expect(group.get_by_text(SUPERVISOR)).to_have_count(0)
        group.locator(".peerkit-dash-group-instrument select").select_option(value=get_instrument(SIA).title)
        expect(group.get_by_role("combobox", name="Exercise")).to_have_value(get_instrument(SIA).title)
        expect(group.get_by_role("table", name=f"{get_instrument(SIA).title}: how many gave each answer")
               ).to_be_visible()
        expect(group.locator(".peerkit-dash-group-content figure.peerkit-chart").first).to_be_visible()
        screenshot(group, "group-1280", screenshot_dirs)

        # -- 5. a reload resumes the peer specialist ----------------------------------------------
        peer.reload_resumed(PEER)
        peer.choose(SIA)
        peer.expect_buttons(peer_sia)
        expect(peer.page.locator(".peerkit-form .peerkit-status")).to_contain_text("submitted this exercise before")
        peer.choose(PSE)
        peer.expect_radios(dict(list(peer_pse.items())[:5]))

    for ctx in (sup_ctx, peer_ctx, fac_ctx):
        ctx.close()


def test_start_page_lists_links_and_every_exercise(browser: Browser, voila_server):
    from peerkit.instruments import load_all

    page = browser.new_page(viewport=DESKTOP)
    try:
        t0 = time.monotonic()
        page.goto(voila_server.url("start.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_role("link", name="Join a session").first).to_be_visible(timeout=PAGE_TIMEOUT)
        voila_server.timings["start_page_first_content_s"] = round(time.monotonic() - t0, 2)
        expect(page).to_have_title("peerkit · start")
        for name in ("Self-study", "Facilitator dashboard", "Group display"):
            expect(page.get_by_role("link", name=name).first).to_be_visible()
        for ins in load_all().values():
            expect(page.get_by_text(ins.title, exact=True).first).to_be_attached()
        # no code cell is shown to the reader
        expect(page.get_by_text("from peerkit.pages import")).to_have_count(0)
        page.get_by_role("link", name="Join a session").first.click()
        expect(page.get_by_label("Join code")).to_be_visible(timeout=PAGE_TIMEOUT)
        assert page.url.endswith("/voila/render/participant.ipynb")
    finally:
        page.close()


def test_self_study_needs_no_code(browser: Browser, voila_server, store):
    page = browser.new_page(viewport=MOBILE)
    try:
        app = ParticipantPage(page, voila_server.url("self-study.ipynb"))
        page.goto(app.url, timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Your name")).to_be_visible(timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Join code")).to_be_hidden()
        page.get_by_label("Your name").fill("Robin")
        page.locator(".peerkit-join-role").get_by_text("Other", exact=True).click()
        page.get_by_role("button", name="Work on my own (self-study)").click()
        expect(page.locator(".peerkit-signed-in")).to_contain_text("Robin", timeout=ACTION_TIMEOUT)
        expect(page.locator(".peerkit-app").get_by_text("Choose an exercise")).to_be_visible()
        app.choose("readiness-timeline")
        ins = get_instrument("readiness-timeline")
        app.rate_buttons(labels_for(ins.id, [True] * 6 + [False] * 4))
        app.submit()
        band = ins.scoring.band_for(6)
        expect(page.locator(".peerkit-results")).to_contain_text(band.label)
        robin = next(p for p in store.participants(store.self_study_session().id) if p.display_name == "Robin")
        assert sum(store.current_answers(robin.id, ins.id).values()) == 6
    finally:
        page.close()


def test_a_unit_page_signs_in_once_for_all_its_exercises(browser: Browser, voila_server, store):
    session = store.create_session("Unit 2 evening", "unit-2-pass")
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(voila_server.url("unit-2.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_role("heading", name="Unit 2: A System in Flux")).to_be_visible(timeout=PAGE_TIMEOUT)
        apps = page.locator(".peerkit-app")
        expect(apps).to_have_count(2, timeout=PAGE_TIMEOUT)
        first = apps.nth(0)
        first.get_by_label("Join code").fill(session.join_code)
        first.get_by_label("Your name").fill("Kim")
        first.locator(".peerkit-join-role").get_by_text("Peer specialist", exact=True).click()
        first.get_by_role("button", name="Join session").click()
        for k, instrument_id in enumerate((SIA, PSE)):
            expect(apps.nth(k).locator(".peerkit-signed-in")).to_contain_text("Kim", timeout=ACTION_TIMEOUT)
            expect(apps.nth(k).locator(f".peerkit-form .peerkit-item-{get_instrument(instrument_id).items[0].id}")
                   ).to_be_visible(timeout=ACTION_TIMEOUT)
        assert [p.display_name for p in store.participants(session.id)] == ["Kim"]
    finally:
        page.close()
