"""Page helpers for the facilitator dashboard (facilitator.ipynb) and the group display."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page, expect

from peerkit.instruments import get_instrument

from .pages import ACTION_TIMEOUT, PAGE_TIMEOUT


class FacilitatorPage:
    """The dashboard in one tab: unlock with join code + passcode, then the tabs."""

    def __init__(self, page: Page, url: str):
        self.page = page
        self.url = url
        self.first_widget_s: float | None = None

    def open(self) -> None:
        t0 = time.monotonic()
        self.page.goto(self.url, timeout=PAGE_TIMEOUT)
        expect(self.page.get_by_label("Facilitator passcode")).to_be_visible(timeout=PAGE_TIMEOUT)
        self.first_widget_s = time.monotonic() - t0

    def sign_in(self, session, passcode: str) -> None:
        p = self.page
        p.get_by_label("Join code").fill(session.join_code)
        # a wrong passcode is refused first
        p.get_by_label("Facilitator passcode").fill(passcode + "-wrong")
        p.get_by_role("button", name="Open the dashboard").click()
        expect(p.locator(".peerkit-dash-message")).to_contain_text("not right", timeout=ACTION_TIMEOUT)
        p.get_by_label("Facilitator passcode").fill(passcode)
        p.get_by_role("button", name="Open the dashboard").click()
        expect(p.get_by_role("heading", name=session.title, level=2)).to_be_visible(timeout=ACTION_TIMEOUT)
        expect(p.get_by_role("tab", name="Group")).to_be_visible()

    def tab(self, name: str) -> None:
        tab = self.page.get_by_role("tab", name=name)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true", timeout=ACTION_TIMEOUT)

    def expect_participants(self, names: list[str]) -> None:
        expect(self.page.locator(".peerkit-dash-header")).to_contain_text(f"{len(names)} participants",
                                                                           timeout=ACTION_TIMEOUT)
        self.tab("Who has submitted")
        panel = self.page.locator(".peerkit-dash-submitted")
        for name in names:
            expect(panel.get_by_text(name, exact=True).first).to_be_visible(timeout=ACTION_TIMEOUT)

    def open_pair(self, supervisor: str, peer: str, instrument_id: str,
                  sup_labels: dict[str, str], peer_labels: dict[str, str]) -> None:
        """The Pairs tab: choose the pair and the exercise; both answers side by side, item by item."""
        self.tab("Pairs")
        pairs = self.page.locator(".peerkit-dash-pairs")
        picker = pairs.locator(".peerkit-dash-pair-picker select")
        picker.select_option(value=f"{supervisor} & {peer}")
        view = pairs.locator(".peerkit-pair-view")
        expect(view.get_by_role("heading", name=f"{supervisor} & {peer}")).to_be_visible(timeout=ACTION_TIMEOUT)
        ins = get_instrument(instrument_id)
        view.locator(".peerkit-pair-instrument select").select_option(value=ins.title)
        listing = view.get_by_role("group", name=re.compile("side by side"))
        expect(listing).to_be_visible(timeout=ACTION_TIMEOUT)
        for n, item in enumerate(ins.items, 1):
            row = listing.locator(".peerkit-pair-row").filter(
                has=self.page.locator(".peerkit-pair-item", has_text=re.compile(rf"^{n}\. {re.escape(item.text)}$")))
            expect(row.locator(".peerkit-pair-a strong")).to_have_text(sup_labels[item.id])
            expect(row.locator(".peerkit-pair-b strong")).to_have_text(peer_labels[item.id])
            same = sup_labels[item.id] == peer_labels[item.id]
            expect(row.locator(".peerkit-pair-mark")).to_contain_text("same" if same else "different")
        # differences come first
        marks = listing.locator(".peerkit-pair-mark").all_inner_texts()
        assert marks == sorted(marks, key=lambda m: "different" not in m), marks
        # the manual's discussion questions sit next to the comparison, with room for notes
        if ins.discussion:
            expect(view.get_by_text(ins.discussion.questions[0].text).first).to_be_visible()
        view.get_by_role("heading", name="Side by side").scroll_into_view_if_needed()

    def open_group(self, instrument_id: str, tallies: dict[int, tuple[int, int, int]]) -> None:
        """The Group tab: how many gave each answer, per item (``tallies``: item number -> S, I, A)."""
        self.tab("Group")
        group = self.page.locator(".peerkit-dash-group")
        ins = get_instrument(instrument_id)
        group.locator(".peerkit-dash-group-instrument select").select_option(value=ins.title)
        table = group.get_by_role("table", name=re.compile("how many gave each answer"))
        expect(table).to_be_visible(timeout=ACTION_TIMEOUT)
        # one row per item; a group of columns per role, "Everyone" last (S, I, A, answers)
        expect(table.get_by_role("columnheader", name="Everyone")).to_be_visible()
        for number, (s, i, a) in tallies.items():
            item = ins.items[number - 1]
            row = table.get_by_role("row", name=re.compile(rf"^{number}\. {re.escape(item.text)} "))
            expect(row).to_have_count(1)
            cells = row.get_by_role("cell")
            n = cells.count()
            assert [cells.nth(k).inner_text() for k in range(n - 4, n)] == [str(s), str(i), str(a), str(s + i + a)]
        group.scroll_into_view_if_needed()


def open_group_display(page: Page, url: str, passcode: str, title: str) -> float:
    """The projector page: the join code comes from the link; the passcode unlocks it."""
    t0 = time.monotonic()
    page.goto(url, timeout=PAGE_TIMEOUT)
    expect(page.get_by_label("Passcode")).to_be_visible(timeout=PAGE_TIMEOUT)
    first = time.monotonic() - t0
    page.get_by_label("Passcode").fill(passcode)
    page.get_by_role("button", name="Show the group's results").click()
    expect(page.get_by_role("heading", name=title, level=2)).to_be_visible(timeout=ACTION_TIMEOUT)
    expect(page.locator(".peerkit-dash-group-content figure.peerkit-chart").first).to_be_visible(timeout=ACTION_TIMEOUT)
    return first
