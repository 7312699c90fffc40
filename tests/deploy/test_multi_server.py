"""Three real ``peerkit serve`` processes on three ports, one PostgreSQL schema (the recipe in
deploy/multi-server/README.md).

Participants of one session are on servers A and B, the facilitator's dashboard on server C; all
of them are driven through the widget protocol, as a browser tab would drive them
(tests/deploy/voila_client.py). The test checks that

- each server prints its own participant link (its own port);
- a session created in the dashboard on C is joined with its code on A and B, and the exercise
  the facilitator opens on C (a facilitator-led session) appears in the apps on A and B;
- every answer submitted on A and B appears on C's dashboard (header counts, "Who has
  submitted"), and the pairs made on C across servers work: each partner's "Compare with my
  partner" shows the other one, who is on the other server;
- SIGKILL of server A (Voila and every kernel, no clean shutdown) while a participant there is
  submitting again and again loses no acknowledged submission, and the pages open on B and C
  keep working: B takes new answers and C's dashboard shows them; the participant from A
  resumes on B with the device token their browser kept (typing the same name is refused) and
  finds their last acknowledged answers.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from peerkit.instruments import get_instrument
from peerkit.store import Store

from .servers import free_ports, start_many
from .voila_client import Dashboard, PageError, Participant, VoilaPage

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EXERCISE = "misconceptions"  # 10 true / false items, the first of the handbook's exercise set
EXERCISE_SET = "Handbook for provider organisations: exercises"
TITLE = "Regional training, rooms A and B"
PASSCODE = "rooms-A-and-B"
# (name, role label, role label as the dashboard shows it, server index)
PEOPLE = [
    ("Ana Supervisor", "Supervisor", "supervisor", 0),
    ("Ben Peer", "Peer specialist", "peer specialist", 0),
    ("Cy Supervisor", "Supervisor", "supervisor", 1),
    ("Dee Peer", "Peer specialist", "peer specialist", 1),
]
ACKS_BEFORE_KILL = 3
FACILITATOR_KEY = "MULT-ISRV-TEST-KEY1"


def answers_for(k: int, items: list[str]) -> dict[str, bool]:
    """The k-th answer set: a different pattern of True / False for every k."""
    return {item: bool((k >> (j % 8)) & 1) ^ (j % 3 == 0) for j, item in enumerate(items)}


async def fill_and_submit(part: Participant, answers: dict[str, bool]) -> str:
    for item, value in answers.items():
        await part.answer(item, "True" if value else "False")
    return await part.submit()


def revision_of(status: str) -> int:
    m = re.search(r"revision (\d+)", status)
    return int(m.group(1)) if m else 1


async def scenario(servers, pg_url: str) -> dict:
    ins = get_instrument(EXERCISE)
    items = [i.id for i in ins.items]
    a, b, c = servers
    out: dict = {}

    # -- the facilitator creates the session in the dashboard on server C ----------------------
    dash_page = await VoilaPage(c.url("facilitator.ipynb")).open()
    dash = Dashboard(dash_page)
    code = await dash.create_session(TITLE, PASSCODE, FACILITATOR_KEY)
    out["code"] = code

    # -- four participants open the participant app at once, two on A and two on B -------------
    pages = await asyncio.gather(*(VoilaPage(servers[s].url("participant.ipynb", f"code={code}")).open()
                                   for _n, _r, _d, s in PEOPLE))
    people = {name: Participant(p) for (name, *_rest), p in zip(PEOPLE, pages)}
    await asyncio.gather(*(people[name].join(code, name, role) for name, role, _d, _s in PEOPLE))
    # the session is facilitator-led: the dashboard on C opens the exercise, the apps on A and B follow
    await dash.open_exercise(EXERCISE_SET, ins.title)
    await asyncio.gather(*(people[name].follow(EXERCISE) for name, *_r in PEOPLE))
    firsts = {name: answers_for(k + 1, items) for k, (name, *_r) in enumerate(PEOPLE)}
    statuses = await asyncio.gather(*(fill_and_submit(people[n], firsts[n]) for n, *_r in PEOPLE))
    assert all("Submitted" in s for s in statuses), statuses
    out["firsts"] = firsts

    # -- every answer is on the dashboard of server C -----------------------------------------
    out["header"] = await dash.wait_header(r"\b4 participants\b.*\b4 submissions\b")
    out["submitted_panel"] = await dash.wait_submitted(n for n, *_r in PEOPLE)

    # -- pairs across servers, made on C: Ana (A) with Dee (B), Cy (B) with Ben (A) -------------
    await dash.pair("Ana Supervisor (supervisor)", "Dee Peer (peer specialist)")
    await dash.pair("Cy Supervisor (supervisor)", "Ben Peer (peer specialist)")
    compared = await asyncio.gather(
        people["Ana Supervisor"].compare("Dee Peer"), people["Dee Peer"].compare("Ana Supervisor"),
        people["Cy Supervisor"].compare("Ben Peer"), people["Ben Peer"].compare("Cy Supervisor"))
    out["compared"] = compared
    # the partner's answers are in the comparison each one sees (read from the other server)
    for viewer, partner in (("Ana Supervisor", "Dee Peer"), ("Ben Peer", "Cy Supervisor")):
        page = people[viewer].page
        await page.wait_for(lambda: partner in page.text_of("peerkit-pair-view"),
                            f"{viewer} sees {partner}'s answers")

    # -- SIGKILL server A while Ben (on A) submits again and again ---------------------------------
    ben = people["Ben Peer"]
    ben_kept = ben.kept()  # what Ben's browser keeps (its device token), as localStorage would
    assert ben_kept.get("token"), "the participant app should hand the browser a device token"
    acks: list[tuple[int, dict[str, bool]]] = [(1, firsts["Ben Peer"])]
    enough = asyncio.Event()

    async def submit_loop() -> None:
        k = 10
        while True:
            answers = answers_for(k, items)
            try:
                status = await fill_and_submit(ben, answers)
            except PageError:
                return  # the server is gone: this submission was not acknowledged
            acks.append((revision_of(status), answers))
            if len(acks) > ACKS_BEFORE_KILL:
                enough.set()
            k += 1

    loop_task = asyncio.ensure_future(submit_loop())
    await asyncio.wait_for(enough.wait(), 300)
    await asyncio.get_running_loop().run_in_executor(None, a.kill)
    await asyncio.wait_for(loop_task, 120)
    out["acks"] = acks
    ben_page_closed = ben.page.closed_reason
    assert ben_page_closed, "the killed server's page should have lost its connection"

    # -- the others are undisturbed: B takes a newcomer's answers and C's dashboard shows them ----
    for name in ("Cy Supervisor", "Dee Peer"):
        assert people[name].page.closed_reason is None, f"{name}'s page on B lost its connection"
    assert dash_page.closed_reason is None, "the dashboard on C lost its connection"
    eve_page = await VoilaPage(b.url("participant.ipynb")).open()
    eve = Participant(eve_page)
    await eve.join(code, "Eve Newcomer", "Peer specialist")
    await eve.follow(EXERCISE)
    assert "Submitted" in await fill_and_submit(eve, answers_for(99, items))
    dee_again = await fill_and_submit(people["Dee Peer"], answers_for(98, items))
    assert revision_of(dee_again) == 2, dee_again
    out["header_after_kill"] = await dash.wait_header(r"\b5 participants\b.*\b5 submissions\b")
    out["submitted_after_kill"] = await dash.wait_submitted(["Eve Newcomer"])

    # -- Ben's browser opens the app on B: his token brings him back, his last acknowledged answers
    # are there; someone else typing his name is refused ------------------------------------------
    impostor = Participant(await VoilaPage(b.url("participant.ipynb")).open())
    ip = impostor.page
    await ip.fill(await ip.widget("peerkit-join-code"), code)
    await ip.fill(await ip.widget("peerkit-join-name"), "ben peer")
    await ip.choose(await ip.widget("peerkit-join-role"), "Peer specialist")
    await ip.click(await ip.widget("peerkit-join-button"))
    await ip.wait_text("peerkit-join-status", "already uses the name")
    ben_b = Participant(await VoilaPage(b.url("participant.ipynb")).open())
    await ben_b.resume(ben_kept, "Ben Peer")
    await ben_b.follow(EXERCISE)
    with Store(pg_url) as store:
        participant = next(p for p in store.participants(store.find_session(code).id)
                           if p.display_name == "Ben Peer")
        current = store.current_answers(participant.id, EXERCISE)
        # answers Ben had typed on A after his last submission were saved as a draft: they come back
        draft = store.load_draft(participant.id, EXERCISE)
    shown = {**current, **(draft or {})}
    await ben_b.wait_shown({k: "True" if v else "False" for k, v in shown.items()})
    out["ben_resumed"] = current

    for p in [*pages, dash_page, eve_page, ben_b.page]:
        await p.close()
    return out


def run_in_own_thread(fn):
    """Run ``fn`` in a thread of its own: a sync Playwright open in this thread (the browser
    fixture of another test in this package) counts as a running event loop here."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def test_three_servers_one_database(tmp_path: Path, pg_url: str) -> None:
    with Store(pg_url) as store:  # as the administrator would: peerkit facilitator-key --set KEY
        store.set_facilitator_key(FACILITATOR_KEY)
    ports = free_ports(3)
    servers = start_many(ports, tmp_path, pg_url)
    try:
        # each server printed its own participant link, on its own port
        links = [s.links["participant"] for s in servers]
        assert len(set(links)) == 3
        for s in servers:
            assert "Facilitator key: set earlier" in s.output()  # one key for the whole database
        for s, link in zip(servers, links):
            assert link == f"http://127.0.0.1:{s.port}/voila/render/participant.ipynb", link
        out = run_in_own_thread(lambda: asyncio.run(scenario(servers, pg_url)))
    finally:
        for s in servers:
            s.stop()

    assert re.search(r"\b4 participants\b.*\b4 submissions\b", out["header"])
    for name, *_r in PEOPLE:
        assert name in out["submitted_panel"], f"{name} missing from 'Who has submitted'"
    assert "Eve Newcomer" in out["submitted_after_kill"]
    assert [re.search(r"Comparing with [^.]+", s).group(0) for s in out["compared"]] == [
        "Comparing with Dee Peer", "Comparing with Ana Supervisor",
        "Comparing with Ben Peer", "Comparing with Cy Supervisor"]

    with Store(pg_url) as store:
        session = store.find_session(out["code"])
        assert session is not None and session.title == TITLE
        by_name = {p.display_name: p for p in store.participants(session.id)}
        assert set(by_name) == {n for n, *_r in PEOPLE} | {"Eve Newcomer"}
        # everything submitted before the kill, from both servers, is stored as submitted
        for name, *_r in PEOPLE:
            if name == "Ben Peer":
                continue
            assert store.revision_answers(by_name[name].id, EXERCISE, 1) == out["firsts"][name]
        # the pairs made on C join people of A and B
        pairs = {(p.supervisor_id, p.supervisee_id) for p in store.pairs(session.id)}
        assert pairs == {(by_name["Ana Supervisor"].id, by_name["Dee Peer"].id),
                         (by_name["Cy Supervisor"].id, by_name["Ben Peer"].id)}
        # the kill: every acknowledged submission of Ben's is stored exactly as acknowledged
        ben = by_name["Ben Peer"]
        acks = out["acks"]
        assert len(acks) > ACKS_BEFORE_KILL
        assert [rev for rev, _a in acks] == list(range(1, len(acks) + 1)), acks
        for rev, answers in acks:
            assert store.revision_answers(ben.id, EXERCISE, rev) == answers, f"revision {rev}"
        stored = [r.revision for r in store.revisions(ben.id, EXERCISE)]
        # at most the one submission in flight at the kill committed without its acknowledgement
        assert stored == list(range(1, len(stored) + 1))
        assert len(acks) <= len(stored) <= len(acks) + 1
        # Ben's form on B showed his latest stored answers (the last acknowledged ones, or the
        # submission in flight at the kill if that one committed) with his draft over them
        assert out["ben_resumed"] == (acks[-1][1] if len(stored) == len(acks)
                                      else store.revision_answers(ben.id, EXERCISE, stored[-1]))
