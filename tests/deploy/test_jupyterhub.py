"""JupyterHub for real: the kit's deploy/jupyterhub/jupyterhub_config.py in a hub on 127.0.0.1
(configurable-http-proxy in front, users' servers as local processes, a password login), the
kit's store on PostgreSQL, driven in Chromium as the people in the room would.

- alice and bob log in through the hub's login page; their servers spawn and open the kit's
  start page in Voila (``default_url``);
- alice, the facilitator, creates a session in the dashboard of her own server and opens an
  exercise (a new session is facilitator-led: the participants' apps follow her);
- bob joins it from the participant app of his own server and submits an exercise;
- carol has no hub account: she opens the public participant app the hub's service serves
  (``/services/peerkit/voila/render/participant.ipynb?code=...``, no login), joins and submits;
  she cannot reach the hub users' servers, and the public service serves no other page;
- both answers are in alice's dashboard.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (ARTIFACTS, _acquire_browser, _release_browser,  # noqa: F401  (fixture)
                                   browser_available)
from tests.browser.facilitator import FacilitatorPage
from tests.browser.pages import ACTION_TIMEOUT, ParticipantPage, labels_for

from .hub import PASSWORD, start_hub, wait_http
from .servers import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.browser]

SPAWN_TIMEOUT = 180_000  # ms: a user's server starts (and runs the start page) on a loaded machine
TITLE = "Unit 2 on the hub"
PASSCODE = "hub-unit-2"
EXERCISE = "misconceptions"  # the first of the handbook's exercise set
EXERCISE_SET = "Handbook for provider organisations: exercises"
FACILITATOR_KEY = "HUBT-ESTK-EY12-3456"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page, hub_url: str, user: str) -> None:
    """The hub's login page; then the hub spawns the user's server, which opens the start page."""
    page.goto(hub_url + "/hub/login", timeout=SPAWN_TIMEOUT)
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(PASSWORD)
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(rf"/user/{user}/voila/render/start\.ipynb"), timeout=SPAWN_TIMEOUT)
    expect(page.get_by_role("link", name="Join a session")).to_be_visible(timeout=SPAWN_TIMEOUT)


def open_page(page, url: str, first_widget) -> None:
    """Open a Voila page in a user's server; reload it once, as a person would, if it has not
    shown its first widget after 90 s (once, under heavy load, a page of a user's server never
    finished rendering; the hub's log is kept in test-artifacts/jupyterhub.log)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.goto(url, timeout=90_000)
        expect(first_widget).to_be_visible(timeout=90_000)
    except (PlaywrightTimeout, AssertionError):
        page.goto(url, timeout=SPAWN_TIMEOUT)
        expect(first_widget).to_be_visible(timeout=SPAWN_TIMEOUT)


def create_session(page) -> str:
    """The dashboard's "Create a new session" form; returns the join code it shows."""
    page.get_by_role("button", name=re.compile("Create a new session")).click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Passcode for this session").fill(PASSCODE)
    page.get_by_label("Passcode again").fill(PASSCODE)
    if page.locator(".peerkit-dash-facilitator-key").count():
        page.get_by_label("Facilitator key").fill(FACILITATOR_KEY)
    page.get_by_role("button", name="Create the session").click()
    header = page.locator(".peerkit-dash-header")
    expect(header).to_contain_text(TITLE, timeout=ACTION_TIMEOUT)
    m = re.search(r"Join code\s+([A-Z0-9]{3}-[A-Z0-9]{3})", header.inner_text())
    assert m, header.inner_text()
    return m.group(1)


def open_exercise(page) -> None:
    """Facilitator-led (the default for a new session): choose the exercise set and press Next;
    every participant's app shows its first exercise."""
    page.locator(".peerkit-live-plan select").select_option(value=EXERCISE_SET)
    nxt = page.locator(".peerkit-live-next")
    expect(nxt).to_be_enabled(timeout=ACTION_TIMEOUT)
    nxt.click()
    expect(page.locator(".peerkit-live-count")).to_contain_text("open for answers", timeout=ACTION_TIMEOUT)


def join(part: ParticipantPage, code: str, name: str, role: str) -> None:
    p = part.page
    expect(p.get_by_label("Join code")).to_have_value(code, timeout=ACTION_TIMEOUT)  # from ?code=
    p.get_by_label("Your name").fill(name)
    p.locator(".peerkit-join-role").get_by_text(role, exact=True).click()
    p.get_by_role("button", name="Join session").click()
    expect(p.locator(".peerkit-signed-in")).to_contain_text(name, timeout=ACTION_TIMEOUT)


def answer_and_submit(part: ParticipantPage, values: list[bool]) -> None:
    expect(part.form(EXERCISE)).to_be_visible(timeout=ACTION_TIMEOUT)  # the exercise the facilitator opened
    part.rate_buttons(labels_for(EXERCISE, values))
    part.submit()


@pytest.fixture(scope="module")
def browser(browser_available):  # noqa: F811
    """Chromium for this module only. (The browser tests' package-scoped fixture, imported into a
    test module, would stay open until the end of the run, and its running event loop would break
    every later test that calls ``asyncio.run``.)"""
    b = _acquire_browser()
    try:
        yield b
    finally:
        _release_browser()


def test_hub_users_and_a_guest_meet_in_one_session(tmp_path: Path, pg_url: str, browser) -> None:
    from peerkit.store import Store

    with Store(pg_url) as store:  # as the administrator would: peerkit facilitator-key --set KEY
        store.set_facilitator_key(FACILITATOR_KEY)
    hub = start_hub(tmp_path / "hub", free_ports(4), pg_url)
    contexts = []
    try:
        # the public participant app answers once the hub has started its service
        wait_http(hub.url + "/services/peerkit/", ok=(200,))

        alice_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        bob_ctx = browser.new_context(viewport={"width": 375, "height": 667})
        carol_ctx = browser.new_context(viewport={"width": 375, "height": 667})
        contexts = [alice_ctx, bob_ctx, carol_ctx]
        alice, bob, carol = (c.new_page() for c in contexts)

        log_in(alice, hub.url, "alice")
        log_in(bob, hub.url, "bob")

        # alice is the facilitator: her own server's dashboard
        open_page(alice, hub.url + "/user/alice/voila/render/facilitator.ipynb",
                  alice.get_by_label("Facilitator passcode"))
        code = create_session(alice)
        open_exercise(alice)

        # bob joins from the participant app of his own server
        bob_app = ParticipantPage(bob, hub.url + f"/user/bob/voila/render/participant.ipynb?code={code}").open()
        join(bob_app, code, "Bob on the hub", "Peer specialist")
        answer_and_submit(bob_app, [True, False] * 5)

        # carol has no account: the public participant app, no login
        public = hub.url + "/services/peerkit/voila/render/participant.ipynb"
        carol_app = ParticipantPage(carol, f"{public}?code={code}").open()
        join(carol_app, code, "Carol without account", "Supervisor")
        answer_and_submit(carol_app, [False, True] * 5)
        ARTIFACTS.mkdir(exist_ok=True)
        carol.screenshot(path=str(ARTIFACTS / "hub-public-participant-375.png"), full_page=True)

        # ... and nothing else: the hub's users' servers ask her to log in, the service has no dashboard
        carol.goto(hub.url + "/user/alice/voila/render/facilitator.ipynb")
        expect(carol.locator("#username_input")).to_be_visible(timeout=ACTION_TIMEOUT)
        assert "/hub/login" in carol.url
        for path in ("voila/render/facilitator.ipynb", "voila/render/group-display.ipynb",
                     "voila/render/start.ipynb", "api/kernels", "api/contents"):
            response = carol.request.get(hub.url + f"/services/peerkit/{path}", max_redirects=5)
            assert response.status in (403, 404), f"/services/peerkit/{path}: HTTP {response.status}"
        listing = carol.request.get(hub.url + "/services/peerkit/")  # what the hub's health checks get
        assert listing.status == 200 and "kernelId" not in listing.text(), "a listing, not a kernel"

        # both answers are in alice's dashboard
        dash = FacilitatorPage(alice, alice.url)
        dash.expect_participants(["Bob on the hub", "Carol without account"])
        expect(alice.locator(".peerkit-dash-header")).to_contain_text("2 submissions", timeout=ACTION_TIMEOUT)
        alice.screenshot(path=str(ARTIFACTS / "hub-facilitator-1280.png"), full_page=False)
        shot = SCREENSHOTS / "hub-facilitator-1280.png"
        if not shot.exists() or __import__("os").environ.get("PEERKIT_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            alice.screenshot(path=str(shot), full_page=False)
    finally:
        for c in contexts:
            c.close()
        hub.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "jupyterhub.log").write_text(hub.output()[-200_000:])

    # the hub started the public service with the kit's command; it printed its link
    log = hub.output()
    assert "peerkit is running (participant app only)" in log
    assert re.search(r"Hand out to participants.*\n\s+http://127\.0\.0\.1:\d+/services/peerkit/voila/render/"
                     r"participant\.ipynb\n", log)

    # the store has both, in the session alice created
    with Store(pg_url) as store:
        session = store.find_session(code)
        assert session is not None and session.title == TITLE
        people = {p.display_name: p for p in store.participants(session.id)}
        assert set(people) == {"Bob on the hub", "Carol without account"}
        assert store.current_answers(people["Bob on the hub"].id, EXERCISE) == {
            f"m{i}": v for i, v in enumerate([True, False] * 5, start=1)}
