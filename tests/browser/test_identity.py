"""In Chromium: nobody becomes someone else by typing their name, the same browser comes back by
itself, and a server crash is visible and heals by itself with the draft intact.

1. Participant A joins on their phone (375 px) and is shown a personal resume code.
2. A second browser (another person's phone) types A's name: refused ("already uses the name"),
   not signed in as A. With A's resume code it is A (the real A on a second device).
3. A's own browser reloads: A again, without typing anything.
4. A types a written answer (saved as a draft while typing). The Voila server is killed (SIGKILL,
   kernels too): A's open page shows "Not connected" at once and Submit is disabled. The server
   is started again on the same port: the page reloads by itself, resumes as A on the same
   exercise, and the draft is in the box.

Screenshots of the resume code and of the "Not connected" banner go to test-artifacts/ and,
when missing or with PEERKIT_UPDATE_SCREENSHOTS=1, to docs/screenshots/.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from peerkit.instruments import get_instrument
from peerkit.store import Store

from .conftest import ARTIFACTS, free_port, kill_voila, start_voila, stop_voila
from .pages import ACTION_TIMEOUT, PAGE_TIMEOUT, ParticipantPage
from .test_workshop_flow import MOBILE, failure_screenshots, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAME = "Ana Identity"
TEXT_EXERCISE = "co-learning"
DRAFT = "My first week: nervous, but the team helped. (typed before the crash)"


def test_names_codes_reload_and_a_server_restart(browser: Browser, tmp_path: Path, screenshot_dirs) -> None:
    home = tmp_path / "home"
    port = free_port()
    server = start_voila(home, port=port)
    with Store(server.db_url) as store:
        session = store.create_session("Identity workshop", "identity-pass")
    url = server.url("participant.ipynb")
    timings: dict[str, float] = {}
    ctx_a = browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True)
    ctx_b = browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True)
    for ctx in (ctx_a, ctx_b):
        ctx.set_default_timeout(ACTION_TIMEOUT)
    a = ParticipantPage(ctx_a.new_page(), url)
    b = ParticipantPage(ctx_b.new_page(), url)
    try:
        with failure_screenshots({"identity-a": a.page, "identity-b": b.page}):
            # -- 1. A joins and is shown a resume code -------------------------------------
            a.open()
            a.join(session.join_code, NAME, "Supervisor")
            code_el = a.page.locator(".peerkit-resume-value").first
            expect(code_el).to_be_visible()
            code = code_el.inner_text().strip()
            assert len(code.replace("-", "")) == 8, code
            expect(a.page.locator(".peerkit-signed-in-text")).to_be_focused()  # focus moved after Join
            assert a.page.get_by_label("Exercise").is_visible()
            screenshot(a.page, "participant-resume-code-375", screenshot_dirs)

            # -- 2. another browser types A's name -------------------------------------------
            b.open()
            name_input = b.page.get_by_label("Your name")
            assert name_input.get_attribute("maxlength") == "60"
            b.page.get_by_label("Join code").fill(session.join_code)
            name_input.fill(NAME.lower() + " ")
            b.page.locator(".peerkit-join-role").get_by_text("Peer specialist", exact=True).click()
            b.page.get_by_role("button", name="Join session").click()
            expect(b.page.locator(".peerkit-join-status")).to_contain_text("already uses the name")
            expect(b.page.locator(".peerkit-signed-in")).to_be_hidden()
            b.page.get_by_label("Your resume code").fill("ZZZZ-ZZZZ")
            b.page.get_by_role("button", name="Continue with my resume code").click()
            expect(b.page.locator(".peerkit-join-status")).to_contain_text("not right")
            b.page.get_by_label("Your resume code").fill(code.lower())
            b.page.get_by_role("button", name="Continue with my resume code").click()
            expect(b.page.locator(".peerkit-signed-in")).to_contain_text(NAME)
            with Store(server.db_url) as store:
                assert [p.display_name for p in store.participants(session.id)] == [NAME]

            # -- 3. A's browser reloads: A again, nothing typed -------------------------------
            a.reload_resumed(NAME)
            timings["reload_to_signed_in_s"] = round(a.first_widget_s, 2)

            # -- 4. a draft, a crash, a restart --------------------------------------------------
            form = a.choose(TEXT_EXERCISE)
            first = get_instrument(TEXT_EXERCISE).items[0].id
            box = a.item(first).locator("textarea")
            box.click()
            box.type(DRAFT, delay=5)  # keystrokes, no blur: saved while typing
            expect(form.locator(".peerkit-draft-status")).to_contain_text("Draft saved", timeout=ACTION_TIMEOUT)
            with Store(server.db_url) as store:
                pid = store.participants(session.id)[0].id
                assert store.load_draft(pid, TEXT_EXERCISE) == {first: DRAFT}

            kill_voila(server)
            killed = time.monotonic()
            banner = a.page.locator(".peerkit-offline")
            expect(banner).to_be_visible(timeout=30_000)
            timings["kill_to_banner_s"] = round(time.monotonic() - killed, 2)
            expect(banner).to_contain_text("Not connected — what you type now is not saved")
            expect(form.get_by_role("button", name="Submit answers")).to_be_disabled()
            screenshot(a.page, "participant-offline-375", screenshot_dirs)

            a.page.evaluate("window.peerkitBeforeRestart = true")  # gone once the page has reloaded
            server = start_voila(home, port=port)  # the same address: the open page finds it again
            restarted = time.monotonic()
            a.page.wait_for_function("() => !window.peerkitBeforeRestart", timeout=PAGE_TIMEOUT)
            timings["server_back_to_page_reloaded_s"] = round(time.monotonic() - restarted, 2)
            expect(a.page.locator(".peerkit-signed-in")).to_contain_text(NAME, timeout=PAGE_TIMEOUT)
            expect(a.page.get_by_label("Exercise")).to_have_value(get_instrument(TEXT_EXERCISE).title,
                                                                  timeout=ACTION_TIMEOUT)
            expect(a.item(first).locator("textarea")).to_have_value(DRAFT, timeout=ACTION_TIMEOUT)
            timings["server_back_to_draft_in_box_s"] = round(time.monotonic() - restarted, 2)
            expect(a.page.locator(".peerkit-offline")).to_be_hidden()
            expect(a.form(TEXT_EXERCISE).get_by_role("button", name="Submit answers")).to_be_enabled()
    finally:
        for ctx in (ctx_a, ctx_b):
            ctx.close()
        stop_voila(server)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "identity-timings.json").write_text(json.dumps(timings, indent=2) + "\n")
