"""The HTML reports in a real browser: opened from a file on a phone (375 px) and a laptop (1280 px)
the page never scrolls sideways (a wide table scrolls inside its own box), every chart is drawn,
and participants' hostile text is shown as text, never run."""

from __future__ import annotations

import pytest

from peerkit import reports

from ..dashboard.test_reports import EVIL, EVIL_NOTE, demo_snapshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    from peerkit.instruments import load_all

    curriculum = load_all()
    data = demo_snapshot(tmp_path_factory, curriculum)
    folder = tmp_path_factory.mktemp("report-pages")
    files = {
        "session": reports.write_session_report(data, folder),
        "handout": reports.session_report_document(data, fmt="html", names=False).write(folder),
        "pair": reports.write_pair_report(data, 1, folder),
        "blank form": reports.blank_forms_document([curriculum["peer-role-sorting"]], fmt="html").write(folder),
    }
    return files


@pytest.mark.parametrize("width", [375, 1280])
def test_reports_fit_the_screen_and_show_typed_text_as_text(browser, report_files, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        for name, path in report_files.items():
            page.goto(path.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
            assert broken == 0, name
            text = page.inner_text("body")
            if name == "session":
                assert EVIL in text  # the name, as typed
                assert page.evaluate("document.querySelectorAll('main script').length") == 0
            if name == "pair":
                assert EVIL_NOTE in text
                assert page.evaluate("document.querySelectorAll('main img[src=x]').length") == 0
            if name == "handout":
                assert "alert" not in text
    finally:
        page.close()
