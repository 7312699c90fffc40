"""The kit's pages load nothing from other hosts: on a venue's closed or shaky network a page
waits for nobody else and no third party learns who opened it. The buttons keep their icons:
the icon font (Font Awesome 5) comes with the page's own bundle, so the kit's Voila template
drops the CDN stylesheets Voila's lab page links to."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .facilitator import FacilitatorPage
from .pages import ParticipantPage

pytestmark = pytest.mark.browser

ICON_FONT = "Font Awesome 5 Free"


@pytest.mark.parametrize("notebook", ["participant.ipynb", "facilitator.ipynb"])
def test_every_request_stays_on_the_kits_server_and_icons_draw(browser: Browser, voila_server, notebook):
    ctx = browser.new_context(viewport={"width": 375, "height": 667})
    try:
        page = ctx.new_page()
        requested: list[str] = []
        failed: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        url = voila_server.url(notebook)
        if notebook == "participant.ipynb":
            ParticipantPage(page, url).open()
            button = page.get_by_role("button", name="Join session")
        else:
            FacilitatorPage(page, url).open()
            button = page.get_by_role("button", name="Open the dashboard")
        icon = button.locator("i.fa")
        expect(icon).to_be_attached()
        # the icon's glyph is drawn with the icon font, which the browser has loaded from the kit
        page.wait_for_function(
            "family => [...document.fonts].some(f => f.family.replace(/\"/g, '') === family"
            " && f.status === 'loaded')", arg=ICON_FONT, timeout=20_000)
        family = icon.evaluate("el => getComputedStyle(el, '::before').fontFamily")
        assert ICON_FONT in family, family
        assert icon.evaluate("el => el.getBoundingClientRect().width") > 0
        elsewhere = [u for u in requested
                     if not u.startswith((voila_server.base_url + "/", "data:", "blob:"))]
        assert not elsewhere, "requests to other hosts:\n  " + "\n  ".join(elsewhere)
        assert not failed, "failed requests:\n  " + "\n  ".join(failed)
    finally:
        ctx.close()
