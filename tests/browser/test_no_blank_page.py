"""The participant page is never empty: a slow cell arrives late, lost output says so and offers a retry.

One Voila (started as ``peerkit serve`` starts it, so with the kit's executor timeouts) serves copies
of the participant notebook:

- ``slow.ipynb``: its cell first spends 6 s (a busy server) before showing the app: the form comes,
  late, not an empty page;
- ``lost.ipynb``: its cell shows the app only after the cell has finished, so Voila never receives
  the output (as when the output was lost under load): the page's own note appears, says the form
  has not appeared and links to the page again;
- ``participant.ipynb`` with ``--VoilaExecutor.iopub_timeout`` of 0 (a tiny timeout; Voila's default
  of 4 s dropped the form of most pages of a busy room): the form or the note, never nothing.

A second Voila serves a notebook whose kernel dies at every start (a kernel spec that exits at
once): after the kit's retries the page answers 503 with the kit's error page, which says in
plain words that the server is busy, offers "Try again now" and tries again by itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from peerkit.serve import voila_command, wait_until_serving

from .conftest import ROOT, VoilaServer, free_port, stop_voila

NOTE = "The form has not appeared yet."


def _variant(cells_before: str = "", replace: str | None = None) -> dict:
    nb = json.loads((ROOT / "notebooks" / "participant.ipynb").read_text(encoding="utf-8"))
    code = nb["cells"][0]
    src = "".join(code["source"])
    if replace is not None:
        src = src.replace("display(participant_app(code_from_url=True))", replace)
    code["source"] = cells_before + src
    return nb


def _serve(folder: Path, home: Path, extra: list[str], env_extra: dict | None = None) -> VoilaServer:
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{home / 'peerkit.sqlite'}"
    env = {**os.environ, "PEERKIT_DB_URL": db_url, "PEERKIT_HOME": str(home), **(env_extra or {})}
    log = home / "voila.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(voila_command("127.0.0.1", port, folder, extra), cwd=ROOT, env=env,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    server = VoilaServer(f"http://127.0.0.1:{port}", db_url, home, log, proc, 0.0)
    if not wait_until_serving(server.base_url + "/", proc, timeout=120):
        stop_voila(server)
        raise RuntimeError(f"Voila did not start:\n{server.log_tail()}")
    return server


@pytest.fixture(scope="module")
def pages(browser_available, tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-blank")
    (folder / "participant.ipynb").write_text((ROOT / "notebooks" / "participant.ipynb").read_text(encoding="utf-8"))
    slow = _variant("import time as _t\n_t.sleep(6)  # a busy server\n")
    (folder / "slow.ipynb").write_text(json.dumps(slow))
    lost = _variant(replace="import threading\n_app = participant_app(code_from_url=True)\n"
                            "threading.Timer(1.0, display, args=(_app,)).start()")
    (folder / "lost.ipynb").write_text(json.dumps(lost))
    servers: dict[str, VoilaServer] = {}
    try:
        servers["normal"] = _serve(folder, tmp_path_factory.mktemp("home-a"), [])
        servers["tiny"] = _serve(folder, tmp_path_factory.mktemp("home-b"), ["--VoilaExecutor.iopub_timeout=0"])
        yield servers
    finally:
        for s in servers.values():
            stop_voila(s)


def _open(browser, url: str):
    ctx = browser.new_context(viewport={"width": 375, "height": 667})
    page = ctx.new_page()
    page.goto(url, timeout=120_000)
    return ctx, page


def _form_or_note(page, timeout_s: float = 90.0) -> str:
    """Wait until the page shows the join form or the note; which one."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.get_by_label("Join code").count() and page.get_by_label("Join code").first.is_visible():
            return "form"
        note = page.get_by_text(NOTE)
        if note.count() and note.first.is_visible():
            return "note"
        page.wait_for_timeout(250)
    return "nothing"


def test_a_slow_cell_arrives_late_not_empty(pages, browser):
    ctx, page = _open(browser, pages["normal"].url("slow.ipynb", "code=ABC-DEF"))
    try:
        assert _form_or_note(page) == "form"
        assert page.get_by_label("Join code").input_value() == "ABC-DEF"
        assert not page.get_by_text(NOTE).is_visible()  # hidden once the app is there
    finally:
        ctx.close()


def test_lost_output_says_so_and_offers_a_retry(pages, browser):
    ctx, page = _open(browser, pages["normal"].url("lost.ipynb"))
    try:
        assert _form_or_note(page) == "note"
        link = page.get_by_role("link", name="open the page again")
        assert link.is_visible()
        link.click()  # opens the same page again (a fresh kernel), still saying what happens
        page.wait_for_load_state()
        assert _form_or_note(page) in ("form", "note")
        page.screenshot(path=str(ROOT / "test-artifacts" / "participant-form-not-appeared-375.png"), full_page=True)
    finally:
        ctx.close()


def test_tiny_iopub_timeout_never_gives_an_empty_page(pages, browser):
    for _ in range(2):
        ctx, page = _open(browser, pages["tiny"].url("participant.ipynb"))
        try:
            assert _form_or_note(page) in ("form", "note")
        finally:
            ctx.close()


def _count(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8", errors="replace").count(text)


def test_a_kernel_that_cannot_start_says_so_and_tries_again(browser, tmp_path):
    from tests.a11y import helpers as a11y

    share = tmp_path / "share"
    spec = share / "kernels" / "broken"
    spec.mkdir(parents=True)
    # a kernel that exits at once, at every start (as when no kernel can start on a failing server)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/bin/sh", "-c", "exit 1", "{connection_file}"], "display_name": "broken", "language": "python"}))
    folder = tmp_path / "nb"
    folder.mkdir()
    nb = _variant()
    nb["metadata"]["kernelspec"] = {"name": "broken", "display_name": "broken", "language": "python"}
    (folder / "participant.ipynb").write_text(json.dumps(nb))
    server = _serve(folder, tmp_path / "home", [], {"JUPYTER_PATH": str(share)})
    try:
        import urllib.error
        import urllib.request

        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server.url("participant.ipynb"), timeout=120)
        assert err.value.code == 503
        log = server.log
        assert _count(log, "Kernel start failed") + _count(log, "did not come up") >= 3  # every attempt made

        ctx = browser.new_context(viewport={"width": 375, "height": 667})
        page = ctx.new_page()
        try:
            page.goto(server.url("participant.ipynb"), timeout=120_000)
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == "This page could not be opened yet"
            assert "very busy" in page.inner_text("main")
            assert "Internal Server Error" not in page.content() and "Traceback" not in page.content()
            retry = page.get_by_role("button", name="Try again now")
            page.keyboard.press("Tab")
            assert retry.evaluate("b => b === document.activeElement")  # the first stop for the keyboard
            assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
            page.screenshot(path=str(ROOT / "test-artifacts" / "participant-server-busy-375.png"), full_page=True)
            result = a11y.audit(page, "participant: server busy (503)")
            a11y.assert_no_serious(result)
            # the page tries again by itself (after 8-20 s): the server sees another request
            before = _count(log, "503 GET /voila/render/participant.ipynb")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and _count(log, "503 GET /voila/render/participant.ipynb") <= before:
                page.wait_for_timeout(500)
            assert _count(log, "503 GET /voila/render/participant.ipynb") > before, "the page did not try again"
        finally:
            ctx.close()
    finally:
        stop_voila(server)
