"""The screens people discuss on, in Chromium at 375, 768 and 1280 px.

A session with names that used to break the layout (a 60-character name, a right-to-left name, a
name with an emoji) and a 40-answer self-evaluation is set up through the store; then

- the participant's pair view ("Compare with my partner", a phone),
- the facilitator's Group tab (S/I/A, the self-evaluation, the readiness quiz), Pairs tab (the
  pair's list and per-area agreement) and Who has submitted,
- the start page

are checked at each width:

- no table cell (nor a cell of the pair list) wraps inside a word or a number: every word's
  rendered boxes sit on one line (a Range over the word has a single line of client rects);
  breaks after a hyphen, dash or slash count as between words;
- nothing scrolls the page sideways (a table or chart too wide scrolls inside its own box);
- on a phone every chart's text is drawn at 12 CSS px or larger.

It also measures the program self-evaluation's page height before and after the compact 1-5 rows
and the one-section-at-a-time phone view, and takes the README's screenshots of the phone pair view
and the Group tab (docs/screenshots/pair-375.png, group-tab-1280.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from peerkit.instruments import get_instrument

from .facilitator import FacilitatorPage
from .pages import ACTION_TIMEOUT, PAGE_TIMEOUT, ParticipantPage, labels_for
from .test_workshop_flow import failure_screenshots, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (375, 768, 1280)
PASSCODE = "screens-pass-1"
SIA, PSE, QUIZ = "sia-recovery-principles", "program-self-evaluation", "readiness-timeline"
LONG = "Maximilian" + "abcdefghijklmnopqrstuvwxyz" + "abcdefghijklmnopqrstuvwx"  # 60 characters, no space
RTL = "כרמן לוי"
EMOJI = "Carmen 🌻"
# The program self-evaluation's page height (px, the page's scrolling box) on the layout before the
# compact rows and the phone sections, measured with this test's steps on the same Chromium
# (1280 x 800 and 375 x 812): one vertical list of five radio buttons per item.
PSE_HEIGHT_BEFORE = {1280: 10403, 375: 13307}

# Every word of every visible table cell and pair-list cell: its line boxes. Words are split at
# spaces and after hyphens, dashes and slashes (where a line may break between words).
CHECK_JS = r"""() => {
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const cells = [...document.querySelectorAll('td, th, .peerkit-pair-row > div')].filter(visible);
  const broken = [];
  let words = 0;
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement && node.parentElement.closest('.peerkit-sr-only, .peerkit-pair-who')
          && getComputedStyle(node.parentElement.closest('.peerkit-sr-only, .peerkit-pair-who')).position === 'absolute') continue;
      const re = /[^\s\-–—\/]+[\-–—\/]?/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].replace(/[\-–—\/]$/, '').length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        words += 1;
        if (tops.size > 1) broken.push(`${m[0]} in ${cell.tagName.toLowerCase()}.${String(cell.className).slice(0, 30)}`);
      }
    }
  }
  const box = document.querySelector('#rendered_cells') || document.documentElement;
  const page = {scroll: box.scrollWidth, width: box.clientWidth,
                doc: document.documentElement.scrollWidth, view: window.innerWidth};
  const small = [];
  let texts = 0;
  for (const svg of document.querySelectorAll('figure.peerkit-chart svg')) {
    if (!visible(svg)) continue;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      texts += 1;
      if (px < 11.95) small.push(`${t.textContent.trim().slice(0, 30)}: ${px.toFixed(1)} px`);
    }
  }
  // every tab title whole: its text inside its tab and its tab bar (both clip what overflows)
  const clipped = [];
  for (const bar of document.querySelectorAll('.lm-TabBar')) {
    if (!visible(bar)) continue;
    const barBox = bar.getBoundingClientRect();
    for (const tab of bar.querySelectorAll('.lm-TabBar-tab')) {
      const label = tab.querySelector('.lm-TabBar-tabLabel') || tab;
      const range = document.createRange();
      range.selectNodeContents(label);
      const text = range.getBoundingClientRect(), box = tab.getBoundingClientRect();
      if (text.width === 0) continue;
      if (text.right > Math.min(box.right, barBox.right) + 0.5 || text.left < Math.max(box.left, barBox.left) - 0.5)
        clipped.push(`${label.textContent.trim()} (text ${Math.round(text.left)}-${Math.round(text.right)}, ` +
                     `tab ${Math.round(box.left)}-${Math.round(box.right)}, bar ${Math.round(barBox.left)}-${Math.round(barBox.right)})`);
    }
  }
  return {cells: cells.length, words, broken, page, texts, small, clipped};
}"""


def check_layout(page: Page, what: str, width: int, results: list) -> dict:
    r = page.evaluate(CHECK_JS)
    results.append((what, width, r))
    assert not r["broken"], f"{what} at {width} px: text wraps inside a word: {r['broken'][:10]}"
    p = r["page"]
    assert p["scroll"] <= p["width"] + 1 and p["doc"] <= p["view"] + 1, \
        f"{what} at {width} px: the page scrolls sideways ({p})"
    if width <= 400:
        assert not r["small"], f"{what} at {width} px: chart text under 12 px: {r['small'][:10]}"
    assert not r["clipped"], f"{what} at {width} px: tab titles cut off: {r['clipped']}"
    return r


def at_widths(page: Page, what: str, results: list, widths=WIDTHS) -> None:
    for w in widths:
        page.set_viewport_size({"width": w, "height": 800 if w > 400 else 812})
        check_layout(page, what, w, results)


@pytest.fixture(scope="module")
def pair_session(store):
    """A session: two named pairs with answers (one with hard names), and Nia, who answers SIA in
    the browser and is paired with Maximilian... after she has submitted."""
    from peerkit.store import demo_answers

    session = store.create_session("Screens: pairs and groups", PASSCODE)
    people = []
    for k, (sup, peer) in enumerate([(LONG, RTL), ("Sam Supervisor", EMOJI), ("Grace", "Kofi")]):
        a = store.join(session.id, sup, "supervisor")
        b = store.join(session.id, peer, "peer_specialist")
        for ins_id in (SIA, PSE, QUIZ):
            ins = get_instrument(ins_id)
            for who in (a, b):
                store.submit(who.id, ins, demo_answers(ins, k, who.role))
        people.append((a, b))
    store.set_pair(people[1][0].id, people[1][1].id)
    store.set_pair(people[2][0].id, people[2][1].id)
    return session, people


def test_pair_view_group_tab_submissions_and_start_page_at_three_widths(
        browser: Browser, voila_server, store, pair_session, screenshot_dirs):
    session, people = pair_session
    results: list = []
    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    for ctx in (phone, desk):
        ctx.set_default_timeout(ACTION_TIMEOUT)
    nia = ParticipantPage(phone.new_page(), voila_server.url("participant.ipynb", f"code={session.join_code}"))
    fac = desk.new_page()
    with failure_screenshots({"participant": nia.page, "facilitator": fac}):
        # -- the participant's own pair view on a phone ------------------------------------------
        nia.open()
        nia.join(None, "Nia", "Peer specialist")
        nia.choose(SIA)
        values = ["S", "I", "I", "A", "S", "S", "I", "A", "S", "I"]
        nia.rate_buttons(labels_for(SIA, values))
        nia.submit()
        me = next(p for p in store.participants(session.id) if p.display_name == "Nia")
        store.set_pair(people[0][0].id, me.id)  # the 60-character supervisor
        p = nia.page
        p.get_by_role("button", name="Compare with my partner").click()
        view = p.locator(".peerkit-pair-view")
        expect(view.get_by_role("heading", name=re.compile(re.escape(LONG[:20])))).to_be_visible()
        view.locator(".peerkit-pair-instrument select").select_option(value=get_instrument(SIA).title)
        listing = view.get_by_role("group", name=re.compile("side by side"))
        expect(listing).to_be_visible()
        expect(view.locator(".peerkit-agreement")).to_contain_text(re.compile(r"You agree on \d+ of 10 items"))
        # her own answers first, as "You"; differences first, with the manual's prompt
        first = listing.locator(".peerkit-pair-row").first
        expect(first.locator(".peerkit-pair-answer").first.locator(".peerkit-pair-who")).to_have_text("You:")
        expect(first.locator(".peerkit-pair-mark")).to_contain_text("different")
        expect(listing.get_by_text("Talk about it:")).to_be_visible()
        # phones get the list, not the chart
        expect(view.locator(".peerkit-pair-chart")).to_be_hidden()
        view.get_by_role("heading", name="Side by side").evaluate("el => el.scrollIntoView({block: 'start'})")
        screenshot(p, "pair-375", screenshot_dirs)
        at_widths(p, "participant pair view", results)

        # -- the facilitator: Group tab, Pairs tab, Who has submitted -----------------------------
        dash = FacilitatorPage(fac, voila_server.url("facilitator.ipynb"))
        dash.open()
        dash.sign_in(session, PASSCODE)
        dash.tab("Group")
        group = fac.locator(".peerkit-dash-group")
        picker = group.locator(".peerkit-dash-group-instrument select")
        for ins_id in (QUIZ, PSE, SIA):
            title = get_instrument(ins_id).title
            picker.select_option(value=title)
            expect(group.get_by_role("heading", name=title, level=3)).to_be_visible()
            expect(group.locator("figure.peerkit-chart").first).to_be_visible()
            at_widths(fac, f"group tab: {ins_id}", results)
        fac.set_viewport_size({"width": 1280, "height": 800})
        group.get_by_role("heading", name=get_instrument(SIA).title, level=3).evaluate(
            "el => el.scrollIntoView({block: 'start'})")
        screenshot(fac, "group-tab-1280", screenshot_dirs)

        dash.tab("Pairs")
        pairs = fac.locator(".peerkit-dash-pairs")
        pair_picker = pairs.locator(".peerkit-dash-pair-picker select")
        for label in (f"Sam Supervisor & {EMOJI}", f"{LONG} & Nia"):
            pair_picker.select_option(value=label)
            pv = pairs.locator(".peerkit-pair-view")
            for ins_id in (SIA, PSE):
                pv.locator(".peerkit-pair-instrument select").select_option(value=get_instrument(ins_id).title)
                expect(pv.get_by_role("group", name=re.compile("side by side"))).to_be_visible()
                if ins_id == PSE and "Nia" not in label:
                    expect(pv.get_by_role("table", name=re.compile("agreement per area"))).to_be_visible()
                at_widths(fac, f"pairs tab: {label[:12]} {ins_id}", results)
        fac.set_viewport_size({"width": 1280, "height": 800})
        dash.tab("Who has submitted")
        expect(fac.locator(".peerkit-dash-submitted").get_by_text(RTL).first).to_be_visible()
        at_widths(fac, "who has submitted", results)

        # -- the start page ---------------------------------------------------------------------------
        start = desk.new_page()
        start.goto(voila_server.url("start.ipynb"), timeout=PAGE_TIMEOUT)
        expect(start.get_by_role("link", name="Join a session").first).to_be_visible(timeout=PAGE_TIMEOUT)
        at_widths(start, "start page", results)
        start.close()

    checked = sum(r["words"] for _, _, r in results)
    charts = sum(r["texts"] for _, w, r in results if w == 375)
    print(f"\nlayout checks: {len(results)} page states, {checked} words in table cells, "
          f"{charts} chart texts on phones; no broken word, no sideways page scroll")
    assert checked > 1000 and charts > 50  # the checks saw real content
    for ctx in (phone, desk):
        ctx.close()


def test_long_frequency_scale_is_compact_on_wide_screens_and_one_section_at_a_time_on_phones(
        browser: Browser, voila_server, store, pair_session, capsys):
    session, _ = pair_session
    heights = {}
    for width in (1280, 375):
        ctx = browser.new_context(viewport={"width": width, "height": 800 if width > 400 else 812},
                                  is_mobile=width < 400, has_touch=width < 400)
        ctx.set_default_timeout(ACTION_TIMEOUT)
        app = ParticipantPage(ctx.new_page(), voila_server.url("participant.ipynb", f"code={session.join_code}"))
        try:
            app.open()
            app.join(None, f"Height {width}", "Supervisor")
            form = app.choose(PSE)
            page = app.page
            heights[width] = page.evaluate("() => (document.querySelector('#rendered_cells')"
                                           " || document.documentElement).scrollHeight")
            pse = get_instrument(PSE)
            first = pse.sections[0].items[0].id
            if width == 1280:
                # five choices in one row, each label under its button; the arrow keys move along it
                radios = app.item(first).get_by_role("radio")
                boxes = [radios.nth(k).bounding_box() for k in range(5)]
                assert len({round(b["y"]) for b in boxes}) == 1 and boxes[0]["x"] < boxes[4]["x"]
                radios.nth(0).check()
                page.keyboard.press("ArrowRight")
                expect(radios.nth(1)).to_be_checked()
                expect(form.locator(".peerkit-section-nav").first).to_be_hidden()
            else:
                nav = form.locator(".peerkit-section-nav").last
                expect(form.locator(".peerkit-section-progress").first).to_contain_text("Section 1 of 3")
                expect(app.item(pse.sections[1].items[0].id)).to_be_hidden()
                app.rate_radios(labels_for(PSE, [4]))
                app.expect_draft_saved()
                nav.get_by_role("button", name="Next section").click()
                expect(app.item(pse.sections[1].items[0].id)).to_be_visible()
                expect(app.item(first)).to_be_hidden()
                expect(form.locator(".peerkit-section-progress").first).to_contain_text(
                    "Section 2 of 3: Strength-Based Recovery Planning")
                # the start of the new section is brought into view
                top = app.item(pse.sections[1].items[0].id).bounding_box()["y"]
                assert -5 <= top <= 812, top
        finally:
            ctx.close()
    with capsys.disabled():
        print(f"\nprogram self-evaluation page height: 1280 px wide {PSE_HEIGHT_BEFORE[1280]} -> {heights[1280]} px; "
              f"375 px wide {PSE_HEIGHT_BEFORE[375]} -> {heights[375]} px (first section)")
    assert heights[1280] <= PSE_HEIGHT_BEFORE[1280] * 0.5
    assert heights[375] <= PSE_HEIGHT_BEFORE[375] * 0.5
