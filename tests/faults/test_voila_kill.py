"""SIGKILL the Voila server (and its kernels) while a participant is submitting; restart it on the
same store; every acknowledged answer is there, nothing is half-written, nothing was stored that
the participant did not submit, and the participant's device resumes where they were.

The participant is the real participant app (``peerkit.forms.participant_app``) running in a
kernel that Voila started for a page load of ``participant.ipynb``: the test joins, leaves an
unsubmitted draft on one exercise, then submits another exercise again and again (each time
different answers, through the form's controls and its Submit), printing an acknowledgement
after each ``form.submit()`` returned. After a few acknowledgements the whole server is killed
with SIGKILL (its process group, then its kernels, which jupyter_client starts in sessions of
their own) -- no clean shutdown, like a crash or the OOM killer.

Acknowledgements are counted only after the output stream is drained (the kernel keeps
submitting while the test reads; acks still in the pipe at the kill are read before counting).
A submission may commit and its acknowledgement be lost with the kernel, so the test does not
bound how many; it checks that every stored revision is exactly one the loop submitted, in order.

After the restart the page resumes with the device token the browser kept (the test hands it to
the new page as the browser's localStorage would); typing the same name from another browser is
refused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerkit.instruments import get_instrument
from peerkit.store import Store, answers_hash
from tests.browser.conftest import kill_voila, start_voila, stop_voila

from .kernel import KernelRunner, connection_file, open_page

pytestmark = pytest.mark.slow

NAME = "Kim Crash-Test"
EXERCISE = "misconceptions"       # 10 true/false items
DRAFT_EXERCISE = "readiness-timeline"
ACKS_BEFORE_KILL = 4

JOIN = """
import json
from peerkit.forms import participant_app
from peerkit.store import answers_hash
app = participant_app()
panel = app.join_panel
panel.code.value = {code!r}
panel.name.value = {name!r}
panel.role.value = "peer_specialist"
panel.join_button.click()
assert app.participant is not None, panel.status.value
print("JOINED", app.participant.id, flush=True)
print("TOKEN", panel.device.stored["token"], flush=True)
"""

RESUME_DEVICE = """
import json
from peerkit.forms import participant_app
other = participant_app()  # another browser typing the same name: refused
op = other.join_panel
op.code.value, op.name.value, op.role.value = {code!r}, {name!r}, "peer_specialist"
op.join_button.click()
assert other.participant is None and "already uses the name" in op.status.value, op.status.value
app = participant_app()  # the participant's own browser: it sends the token it kept
app.join_panel.device.stored = {{"token": {token!r}}}
app.join_panel.device.loaded = True
assert app.participant is not None, app.join_panel.status.value
print("JOINED", app.participant.id, flush=True)
"""

SUBMIT_LOOP = """
draft_form = app.select({draft!r})
first = draft_form.instrument.items[0].id
draft_form.answer(first, True)
print("DRAFT", json.dumps(draft_form.state.answers), flush=True)
form = app.select({exercise!r})
items = [i.id for i in form.instrument.items]
import time
for k in range(1, 1000):
    for j, item_id in enumerate(items):
        form.answer(item_id, bool((k >> (j % 10)) & 1))  # revision k has pattern k
    sub = form.submit()
    assert sub is not None, form.status.value
    print("ACK", k, sub.revision, sub.response_id, answers_hash(form.state.submitted), flush=True)
    time.sleep(0.01)
"""

RESUME = """
form = app.select({exercise!r})
print("STATE", json.dumps(form.state.answers), flush=True)
print("SUBMITTED", json.dumps(form.state.submitted), flush=True)
draft_form = app.select({draft!r})
print("DRAFT", json.dumps(draft_form.state.answers), flush=True)
items = [i.id for i in form.instrument.items]
form.answer(items[0], not form.state.answers[items[0]])
sub = form.submit()
assert sub is not None, form.status.value
print("AFTER", sub.revision, sub.created, flush=True)
"""


def _value(lines: list[str], tag: str) -> str:
    found = [ln.split(" ", 1)[1] for ln in lines if ln.startswith(tag + " ")]
    assert found, f"the kernel printed no {tag}: {lines[-5:]}"
    return found[-1]


def test_sigkill_voila_between_submissions_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = start_voila(home)
    runner = None
    runtime_dirs: set[Path] = set()
    try:
        with Store(server.db_url) as s:
            session = s.create_session("Crash workshop", "crash-pass")
        kid = open_page(server.url("participant.ipynb"))
        cf = connection_file(server.proc.pid, kid)
        runtime_dirs.add(Path(cf).parent)
        runner = KernelRunner(cf)
        joined = runner.run(JOIN.format(code=session.join_code, name=NAME)).splitlines()
        participant_id = int(_value(joined, "JOINED"))
        token = _value(joined, "TOKEN")
        lines = runner.stream_until(
            SUBMIT_LOOP.format(draft=DRAFT_EXERCISE, exercise=EXERCISE),
            lambda ls: sum(ln.startswith("ACK ") for ln in ls) >= ACKS_BEFORE_KILL, timeout=90)
        kill_voila(server, timeout=10)  # mid-loop: the kernel was between (or inside) submissions
        lines += runner.drain()  # acknowledgements still in the pipe at the kill
    finally:
        if runner is not None:
            runner.close()
        stop_voila(server)

    acks = [ln.split()[1:] for ln in lines if ln.startswith("ACK ")]
    draft = json.loads(_value(lines, "DRAFT"))
    assert len(acks) >= ACKS_BEFORE_KILL

    # -- the store after the crash, read directly ---------------------------------------------
    with Store(server.db_url) as s:
        revs = s.revisions(participant_id, EXERCISE)
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            stored = {r.id: r for r in conn.execute(sa.text(
                "SELECT id, revision, answers, answers_hash FROM responses WHERE participant_id = :p "
                "AND instrument_id = :i"), {"p": participant_id, "i": EXERCISE}).all()}
        numbers = [r.revision for r in revs]
        assert numbers == list(range(1, len(numbers) + 1)), "revisions must be consecutive"
        # every acknowledged submission is stored exactly as acknowledged
        for _k, revision, response_id, digest in acks:
            row = stored[int(response_id)]
            assert (row.revision, row.answers_hash) == (int(revision), digest)
        # submissions whose acknowledgement died with the kernel may be stored (no fixed bound:
        # the kernel's output pipe is asynchronous), but nothing else: every stored revision is
        # complete, consistent, and exactly what the loop submitted as that revision
        assert len(acks) <= len(numbers)
        items = [i.id for i in get_instrument(EXERCISE).items]
        for row in stored.values():
            answers = json.loads(row.answers) if isinstance(row.answers, str) else row.answers
            assert len(answers) == 10 and answers_hash(answers) == row.answers_hash
            assert answers == {item: bool((row.revision >> (j % 10)) & 1) for j, item in enumerate(items)}
        last = s.current_answers(participant_id, EXERCISE)
        assert s.load_draft(participant_id, DRAFT_EXERCISE) == draft

    # -- restart on the same store; the participant's browser resumes with its token -------------------
    server = start_voila(home)
    runner = None
    try:
        kid = open_page(server.url("participant.ipynb"))
        cf = connection_file(server.proc.pid, kid)
        runtime_dirs.add(Path(cf).parent)
        runner = KernelRunner(cf)
        with Store(server.db_url) as s:
            code = s.get_session(session.id).join_code
        again = runner.run(RESUME_DEVICE.format(code=code, name=f"  {NAME.upper()} ", token=token))
        assert int(_value(again.splitlines(), "JOINED")) == participant_id
        out = runner.run(RESUME.format(exercise=EXERCISE, draft=DRAFT_EXERCISE)).splitlines()
    finally:
        if runner is not None:
            runner.close()
        stop_voila(server)
        for d in runtime_dirs:  # connection files of the killed kernels
            shutil.rmtree(d, ignore_errors=True)
    assert json.loads(_value(out, "STATE")) == last
    assert json.loads(_value(out, "SUBMITTED")) == last
    assert json.loads(_value(out, "DRAFT")) == draft
    revision, created = _value(out, "AFTER").split()
    assert (int(revision), created) == (len(numbers) + 1, "True")
