"""The other Voila app pages in Chromium (1280 x 800): the start page, the facilitator dashboard
locked and unlocked (every tab, and the Pairs tab with a pair's side-by-side view open), and the
group display locked and unlocked. axe-core must find no serious or critical violation; every
chart on them must come with its text (alt text and caption) and the table behind it.

``WAIVED`` lists the violations in files this suite's authors may not change yet (another
engineer is finishing them); such a page is reported as xfail naming the fix, never as passed,
and a waived violation that is fixed shows up as a plain pass.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from peerkit.instruments import get_instrument
from tests.browser.facilitator import ACTION_TIMEOUT, PAGE_TIMEOUT

from . import helpers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 800}
DEMO_PASSCODE = "demo"

# (axe rule, part of the node's CSS selector) -> who fixes it, and how. The dashboard's tab and
# accordion-title contrast (4.45:1) was waived here until its owner fixed it in DASHBOARD_CSS.
WAIVED: dict[tuple[str, str], str] = {
    ("link-in-text-block", "a[href"):
        "notebooks/start.ipynb (or peerkit.pages.catalogue): links in running text are only "
        "distinguished by colour (1.86:1 against the text); add a style output with "
        "`.jp-RenderedHTMLCommon a { text-decoration: underline; }`",
}


def check(page: Page, name: str, found: list[helpers.PageAudit]) -> None:
    result = helpers.audit(page, name, waive=WAIVED)
    print(helpers.report(result))
    found.append(result)


def finish(found: list[helpers.PageAudit]) -> None:
    """Fail on serious / critical violations; xfail (naming the fix) when only waived ones remain."""
    bad = [(r.page, v) for r in found for v in r.failing]
    assert not bad, "axe found serious/critical violations:\n" + "\n".join(
        f"  {page}: {v.line()}\n      {v.summary[:600]}" for page, v in bad)
    waived = [(r.page, v) for r in found for v in r.waived if v.impact in helpers.FAILING]
    if waived:
        reasons = sorted({WAIVED[key] for _, v in waived for key in WAIVED
                          if key[0] == v.rule and any(key[1] in t for t in v.targets)})
        pytest.xfail("serious violations waiting for their owner's fix: " + " | ".join(reasons))


def charts_have_text_and_table(page: Page, name: str) -> int:
    """Every chart: non-empty alt text (an image's alt, an SVG's aria-label) and caption, and a table
    with a caption in its block."""
    charts = page.evaluate("""() => [...document.querySelectorAll('figure.peerkit-chart')].map(f => {
      const img = f.querySelector('img, svg[role=img]');
      const block = f.closest('.peerkit-block') || f.parentElement;
      // the data behind a chart: a table, or the pair view's side-by-side list
      const table = block && block.querySelector('table, .peerkit-pairlist-box');
      const alt = img ? (img.getAttribute('alt') || img.getAttribute('aria-label') || '') : '';
      return {alt: alt.trim(),
              caption: (f.querySelector('figcaption') || {textContent: ''}).textContent.trim(),
              table: !!table, tableCaption: table ? ((table.querySelector('caption') || {textContent: ''}).textContent.trim()
                                                     || table.getAttribute('aria-label') || '') : '',
              block: block ? String(block.className) : ''};
    })""")
    bad = [c for c in charts if not (c["alt"] and c["caption"] and c["table"] and c["tableCaption"])]
    helpers.EXTRA_CHECKS.append(("charts with text summary and table", name, not bad))
    assert not bad, f"{name}: charts without their text or table: {bad}"
    return len(charts)


def test_start_page(browser: Browser, axe_js, a11y_server):
    page = browser.new_page(viewport=DESKTOP)
    found: list[helpers.PageAudit] = []
    try:
        page.goto(a11y_server.url("start.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_role("link", name="Join a session").first).to_be_visible(timeout=PAGE_TIMEOUT)
        check(page, "start page", found)
    finally:
        page.close()
    finish(found)


def test_facilitator_dashboard_locked_unlocked_every_tab_and_pair_view(browser: Browser, axe_js, a11y_server,
                                                                      demo_session):
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(ACTION_TIMEOUT)
    page = ctx.new_page()
    found: list[helpers.PageAudit] = []
    try:
        page.goto(a11y_server.url("facilitator.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Facilitator passcode")).to_be_visible(timeout=PAGE_TIMEOUT)
        check(page, "dashboard: locked", found)

        page.get_by_label("Join code").fill(demo_session.join_code)
        page.get_by_label("Facilitator passcode").fill(DEMO_PASSCODE)
        page.get_by_role("button", name="Open the dashboard").click()
        expect(page.get_by_role("heading", name=demo_session.title, level=2)).to_be_visible(timeout=ACTION_TIMEOUT)
        tabs = page.get_by_role("tab")
        expect(tabs.first).to_be_visible(timeout=ACTION_TIMEOUT)
        names = [t.strip() for t in tabs.all_inner_texts()]
        assert "Group" in names and "Pairs" in names, names
        for name in names:
            tab = page.get_by_role("tab", name=name, exact=True)
            tab.click()
            expect(tab).to_have_attribute("aria-selected", "true", timeout=ACTION_TIMEOUT)
            page.wait_for_load_state("networkidle")
            if name == "Group":
                expect(page.locator(".peerkit-dash-group figure.peerkit-chart").first).to_be_visible(
                    timeout=ACTION_TIMEOUT)
                charts_have_text_and_table(page, "dashboard: Group tab")
            check(page, f"dashboard: {name} tab", found)

        # the pair view: a pair and an exercise chosen in the Pairs tab
        page.get_by_role("tab", name="Pairs", exact=True).click()
        pairs = page.locator(".peerkit-dash-pairs")
        picker = pairs.locator(".peerkit-dash-pair-picker select")
        options = [o for o in picker.locator("option").all_inner_texts() if "&" in o]
        assert options, "the demo session has no pairs"
        picker.select_option(value=options[0])
        view = pairs.locator(".peerkit-pair-view")
        expect(view.get_by_role("heading", name=options[0])).to_be_visible(timeout=ACTION_TIMEOUT)
        instrument = view.locator(".peerkit-pair-instrument select")
        titles = instrument.locator("option").all_inner_texts()
        sia = get_instrument("sia-recovery-principles").title
        instrument.select_option(value=sia if sia in titles else titles[-1])
        expect(view.get_by_role("group", name=re.compile("side by side"))).to_be_visible(timeout=ACTION_TIMEOUT)
        if view.locator("figure.peerkit-chart").count():
            charts_have_text_and_table(page, "dashboard: pair view")
        check(page, "dashboard: pair view", found)
    finally:
        ctx.close()
    finish(found)


def test_group_display_locked_and_unlocked(browser: Browser, axe_js, a11y_server, demo_session):
    page = browser.new_page(viewport=DESKTOP)
    found: list[helpers.PageAudit] = []
    try:
        page.goto(a11y_server.url("group-display.ipynb", f"code={demo_session.join_code}"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Passcode")).to_be_visible(timeout=PAGE_TIMEOUT)
        check(page, "group display: locked", found)
        page.get_by_label("Passcode").fill(DEMO_PASSCODE)
        page.get_by_role("button", name="Show the group's results").click()
        expect(page.locator(".peerkit-dash-group-content figure.peerkit-chart").first).to_be_visible(
            timeout=ACTION_TIMEOUT)
        charts_have_text_and_table(page, "group display")
        check(page, "group display: unlocked", found)
    finally:
        page.close()
    finish(found)


# Keyboard problems of the dashboard owned by its engineer: (kind, what) -> the fix.
KEYBOARD_WAIVED: dict[tuple[str, str], str] = {}
# (The dashboard's "Create a new session" accordion, not reachable by Tab, and its fields' 1 px
# focus border were waived here until they were fixed in widgets/dashboard/.)

_FOCUSED = """() => { const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || '',
          text: (el.getAttribute('aria-label') || el.innerText || el.value || label || '').trim().slice(0, 40)}; }"""


def test_facilitator_dashboard_by_keyboard(browser: Browser, axe_js, a11y_server, demo_session):
    """Locked and unlocked, Tab reaches every control with a visible focus; the tabs follow the
    arrow keys. Known problems of the dashboard are listed in KEYBOARD_WAIVED (xfail)."""
    page = browser.new_page(viewport=DESKTOP)
    problems: list[tuple[str, str]] = []

    def tab_cycle(step: str, limit: int = 40) -> list[dict]:
        seen = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            el = page.evaluate(_FOCUSED)
            if el is None:
                continue
            if seen and el == seen[0]:
                break
            info = helpers.focus_indicator(page)
            if not info["visible"]:
                problems.append(("no visible focus", f"{el['tag']} {el['text']!r} ({step})"))
            seen.append(el)
        helpers.EXTRA_CHECKS.append(("dashboard focus visible", step,
                                     not any(step in w for k, w in problems if k == "no visible focus")))
        return seen

    try:
        page.goto(a11y_server.url("facilitator.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Facilitator passcode")).to_be_visible(timeout=PAGE_TIMEOUT)
        locked = tab_cycle("dashboard locked")
        if not any(el["text"].startswith("Create a new session") for el in locked):
            problems.append(("not reachable by Tab", "Create a new session"))
        else:  # it opens by keyboard
            for _ in range(40):
                el = page.evaluate(_FOCUSED)
                if el and el["text"].startswith("Create a new session"):
                    break
                page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            expect(page.get_by_label("Passcode for this session")).to_be_visible(timeout=ACTION_TIMEOUT)
        page.get_by_label("Join code").fill(demo_session.join_code)
        page.get_by_label("Facilitator passcode").fill(DEMO_PASSCODE)
        page.get_by_role("button", name="Open the dashboard").click()
        expect(page.get_by_role("tab", name="Group")).to_be_visible(timeout=ACTION_TIMEOUT)
        unlocked = tab_cycle("dashboard unlocked")
        tabs = [el for el in unlocked if el["role"] == "tab"]
        assert tabs, "no tab of the dashboard is reachable by Tab"
        page.get_by_role("tab", name=tabs[0]["text"]).focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        expect(page.get_by_role("tab", name="Pairs", exact=True)).to_have_attribute("aria-selected", "true",
                                                                                   timeout=ACTION_TIMEOUT)
    finally:
        page.close()
    for kind, what in problems:
        print(f"dashboard keyboard: {kind}: {what}")
    unknown = [(k, w) for k, w in problems if not any(k == wk and ws in w for wk, ws in KEYBOARD_WAIVED)]
    assert not unknown, "dashboard keyboard problems:\n" + "\n".join(f"  {k}: {w}" for k, w in unknown)
    if problems:
        reasons = sorted({r for (wk, ws), r in KEYBOARD_WAIVED.items() if any(k == wk and ws in w for k, w in problems)})
        pytest.xfail("keyboard problems waiting for the dashboard owner's fix: " + " | ".join(reasons))
