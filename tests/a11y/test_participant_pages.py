"""Every participant page in Chromium on a small phone (375 x 667): axe-core finds no serious or
critical violation, nothing scrolls sideways, tap targets are at least 24 x 24 px and text at
least 16 px.

One tab walks through the participant app: the join page, the exercise chooser after joining, one
form of each answer kind (true/false, S/I/A, frequency, choice, checklist with occasions, text) and
the results each shows after Submit. The self-study page is checked on its own.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from peerkit.instruments import get_instrument
from tests.browser.pages import ACTION_TIMEOUT, PAGE_TIMEOUT, ParticipantPage

from . import helpers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 667}

# one exercise per answer kind; the items of the first section are answered before Submit
FORMS = {
    "true_false": "readiness-timeline",
    "sia": "sia-recovery-principles",
    "frequency": "program-self-evaluation",
    "choice": "peer-vs-non-peer-supervision-quiz",
    "checklist": "role-clarity-checklist",
    "text": "reflective-exercise",
}


@pytest.fixture(scope="module")
def phone(browser: Browser, axe_js, a11y_server, workshop):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(ACTION_TIMEOUT)
    app = ParticipantPage(ctx.new_page(), a11y_server.url("participant.ipynb"))
    app.open()
    yield app
    ctx.close()


def check_page(page: Page, name: str, root: str = ".peerkit-app") -> None:
    """axe (fail on serious / critical), then the small-screen checks."""
    result = helpers.audit(page, name)
    problems = helpers.small_screen_problems(page, name, root)
    helpers.assert_no_serious(result)
    assert not problems, f"{name} at 375 px:\n  " + "\n  ".join(problems)


def answer_first_section(page: Page, instrument_id: str) -> None:
    """Answer the first section's items with the mouse (the keyboard test does it by keyboard)."""
    ins = get_instrument(instrument_id)
    for item in ins.sections[0].items:
        row = page.locator(f".peerkit-form .peerkit-item-{item.id}")
        kind = ins.scale_for(item).kind
        if kind in ("sia", "true_false"):
            row.get_by_role("button").first.click()
        elif kind in ("frequency", "choice"):
            row.locator("input[type=radio]").first.check()
        elif kind == "checklist":
            row.locator("input[type=checkbox]").check()
        else:
            box = row.locator("textarea")
            box.fill("An answer typed for the accessibility check.")
            box.blur()  # text is sent when the box loses focus
    n = len(ins.sections[0].items)
    expect(page.locator(".peerkit-form .peerkit-progress").first).to_contain_text(
        f"{n} of {len(ins.items)}", timeout=ACTION_TIMEOUT)


def test_join_page(phone: ParticipantPage):
    check_page(phone.page, "participant: join")


def test_exercise_chooser_after_joining(phone: ParticipantPage, workshop):
    phone.join(workshop.join_code, "Robin Phone", "Supervisor")
    check_page(phone.page, "participant: choose an exercise")


@pytest.mark.parametrize("kind", list(FORMS))
def test_form_and_its_results(phone: ParticipantPage, kind: str):
    page = phone.page
    if not page.locator(".peerkit-signed-in").inner_text().strip():
        pytest.skip("joining failed (see test_exercise_chooser_after_joining)")
    instrument_id = FORMS[kind]
    phone.choose(instrument_id)
    check_page(page, f"form: {kind} ({instrument_id})")

    answer_first_section(page, instrument_id)
    page.locator(".peerkit-form .peerkit-submit").click()
    status = page.locator(".peerkit-form .peerkit-form-status")
    expect(status).to_contain_text("submitted", ignore_case=True, timeout=ACTION_TIMEOUT)
    expect(page.locator(".peerkit-form .peerkit-results")).to_be_visible(timeout=ACTION_TIMEOUT)
    page.locator(".peerkit-form .peerkit-results").scroll_into_view_if_needed()
    check_page(page, f"results: {kind} ({instrument_id})")


def test_self_study_page(browser: Browser, axe_js, a11y_server):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        page.goto(a11y_server.url("self-study.ipynb"), timeout=PAGE_TIMEOUT)
        expect(page.get_by_label("Your name")).to_be_visible(timeout=PAGE_TIMEOUT)
        check_page(page, "self-study: start")
    finally:
        ctx.close()


def test_multi_select_and_table_rows(phone: ParticipantPage):
    """The peer-role chart's "why" (tick every category that applies) and the competency table's
    rows (related knowledge as a heading over its skills) at 375 px."""
    from tests.browser.conftest import ARTIFACTS

    page = phone.page
    if not page.locator(".peerkit-signed-in").inner_text().strip():
        pytest.skip("joining failed (see test_exercise_chooser_after_joining)")
    phone.choose("peer-role-sorting")
    why = page.locator(".peerkit-form .peerkit-item-why-reading-files")
    expect(why).to_be_attached(timeout=ACTION_TIMEOUT)  # 105 items: the last section renders last
    phone.reveal("why-reading-files")  # a long form shows one section at a time on a phone
    why.scroll_into_view_if_needed()
    boxes = why.locator("input[type=checkbox]")
    expect(boxes).to_have_count(3, timeout=ACTION_TIMEOUT)
    boxes.nth(0).check()
    boxes.nth(2).check()
    expect(boxes.nth(2)).to_be_checked()
    expect(why.get_by_text("Power Imbalance", exact=True)).to_be_visible()
    expect(page.locator(".peerkit-form .peerkit-kit-note").first).to_contain_text("this kit's exercise")
    ARTIFACTS.mkdir(exist_ok=True)
    why.screenshot(path=str(ARTIFACTS / "multi-select-375.png"))
    check_page(page, "form: multi (peer-role-sorting)")

    phone.choose("peer-support-competencies")
    heading = page.locator(".peerkit-form .peerkit-row-heading").first
    expect(heading).to_have_text("Knowledge of ‘peer’ movement")
    expect(page.locator(".peerkit-form .peerkit-footnote")).to_have_text("* A partial list")
    page.locator(".peerkit-form .peerkit-columns").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "competencies-375.png"))
    check_page(page, "form: checklist with table rows (peer-support-competencies)")
