"""Concurrency through the parts above the store (tests/store covers Store.submit from many
processes): participants in several processes submitting through the forms -- two of them the
same person in two tabs of one browser (one device token), where a tab whose answers are stale
is told and keeps its own -- and several ``peerkit import`` commands racing for one join code."""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerkit.store import Store
from peerkit.transfer import export_json

from . import workers

pytestmark = pytest.mark.slow

TF = "misconceptions"
PEERKIT = str(Path(sys.executable).with_name("peerkit"))


def test_participants_in_many_processes_submitting_through_forms_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'peerkit.sqlite'}"
    with Store(url) as s:
        session = s.create_session("Busy room", "room-pass")
        ana_token = s.join_device(session.id, "Ana", "supervisor").token  # Ana's browser
    # four kernels: three people, one of whom has the app open in two tabs of one browser
    people = [("Ana", "supervisor"), ("Ben", "peer_specialist"), ("Cleo", "other"), ("Ana", "supervisor")]
    tokens = [ana_token, None, None, ana_token]
    per_worker = 8
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(people))
    queue = ctx.Queue()
    procs = [ctx.Process(target=workers.form_submitter,
                         args=(url, session.join_code, name, role, TF, w, per_worker, barrier, queue, tokens[w]))
             for w, (name, role) in enumerate(people)]
    for p in procs:
        p.start()
    try:
        got = [queue.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    errors = [g[2] for g in got if g[0] != "ok"]
    assert not errors, errors[0]
    acks = [a for g in got for a in g[2]]
    assert len(acks) == len(people) * per_worker and all(a[3] for a in acks)

    with Store(url) as s:
        members = s.participants(session.id)
        assert sorted(p.display_name for p in members) == ["Ana", "Ben", "Cleo"]
        with s.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, participant_id, revision, answers_hash FROM responses")).all()
    stored = {r.id: r for r in rows}
    assert len(rows) == len(acks)
    for pid, response_id, revision, _created, digest in acks:
        assert (stored[response_id].participant_id, stored[response_id].revision,
                stored[response_id].answers_hash) == (pid, revision, digest)
    per_person = Counter(r.participant_id for r in rows)
    for pid, n in per_person.items():
        assert sorted(r.revision for r in rows if r.participant_id == pid) == list(range(1, n + 1))
    assert sorted(per_person.values()) == [per_worker, per_worker, 2 * per_worker]


def test_simultaneous_imports_of_one_backup_write_it_once(tmp_path, curriculum):
    source = Store(f"sqlite:///{tmp_path / 'source.sqlite'}")
    session = source.create_session("Exported workshop", "exp-pass")
    for name, role in (("Dee", "supervisor"), ("Eli", "peer_specialist")):
        p = source.join(session.id, name, role)
        source.submit(p.id, curriculum[TF], {i.id: True for i in curriculum[TF].items})
    backup = export_json(source, session.id, tmp_path / "backup.json")
    source.close()

    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    Store(target).close()  # schema in place, as on a kit that has run before
    procs = [subprocess.Popen([PEERKIT, "--db", target, "import", str(backup)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, out, err))
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2, 2], results
    for rc, _out, err in results:
        if rc:
            assert "already has a session with join code" in err and "Traceback" not in err
    with Store(target) as s:
        sessions = [x for x in s.list_sessions() if x.title == "Exported workshop"]
        assert len(sessions) == 1
        assert len(s.participants(sessions[0].id)) == 2
