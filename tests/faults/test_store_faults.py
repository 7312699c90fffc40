"""A locked, read-only or full store, and an unwritable data folder at start-up.

Each fault must give a clear :class:`StoreError` (naming the file or folder) in bounded time, and
the participant's typed answers must stay in the form (``form.state``) after a failed draft save or
submit, ready to be submitted once the fault is gone. How each fault is made, as root:

- locked: a second sqlite3 connection holds ``BEGIN EXCLUSIVE`` (with a pending write) for longer
  than the store's ``busy_timeout`` (``Store(url, busy_timeout=0.2)``);
- read-only: ``chattr +i`` (immutable, binds root too) on the database file or its folder;
- full: ``PRAGMA max_page_count`` = the current page count on every connection of the store, so
  the database cannot grow (SQLite reports SQLITE_FULL, "database or disk is full");
- full disk at start-up: ``RLIMIT_FSIZE`` in a child process (writes past it fail with EFBIG);
- unwritable data folder: a path under a regular file (``/dev/null/x``), and an immutable folder.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from peerkit.forms import InstrumentForm, StoreBackend, participant_app
from peerkit.store import Store, StoreError

from .conftest import immutable

TF = "misconceptions"        # 10 true/false items
TEXT = "code-of-ethics"      # 14 written answers
PEERKIT = str(Path(sys.executable).with_name("peerkit"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder / "peerkit.sqlite"


@pytest.fixture
def setup(db: Path):
    store = Store(f"sqlite:///{db}", busy_timeout=0.2)
    session = store.create_session("Fault workshop", "fault-pass")
    person = store.join(session.id, "Robin", "peer_specialist")
    yield store, session, person
    store.close()


def _form(store: Store, person, curriculum, instrument_id: str) -> InstrumentForm:
    ins = curriculum[instrument_id]
    return InstrumentForm(ins, StoreBackend(store, person.id, ins))


@contextmanager
def exclusive_lock(db: Path) -> Iterator[None]:
    """Another program holds the database's write lock (with a pending write) for the block."""
    other = sqlite3.connect(db, isolation_level=None, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("CREATE TABLE IF NOT EXISTS other_program (x)")
    other.execute("INSERT INTO other_program VALUES (1)")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@contextmanager
def database_full(store: Store) -> Iterator[None]:
    """The database cannot grow by a page (every connection of the store, for the block)."""
    def limit(dbapi_connection, _record):
        cur = dbapi_connection.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()

    store.engine.dispose()
    sa.event.listen(store.engine, "connect", limit)
    try:
        yield
    finally:
        sa.event.remove(store.engine, "connect", limit)
        store.engine.dispose()


def _table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("sessions", "participants", "responses", "drafts", "notes")}


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as c:
        return c.execute("PRAGMA integrity_check").fetchone()[0]


# -- locked ------------------------------------------------------------------------------------

def test_locked_store_gives_a_clear_busy_error_and_the_form_keeps_the_answers(setup, db, curriculum):
    store, _session, person = setup
    form = _form(store, person, curriculum, TF)
    items = [i.id for i in form.instrument.items]
    for item_id in items[:5]:
        form.answer(item_id, True)
    assert "Draft saved" in form.draft_status.value
    before = _table_counts(db)

    with exclusive_lock(db):
        for item_id in items[5:]:
            form.answer(item_id, False)  # the draft save fails: the answer stays in the form
        assert "busy" in form.draft_status.value and "still in the form" in form.draft_status.value
        t0 = time.monotonic()
        assert form.submit() is None
        assert time.monotonic() - t0 < 5, "a locked store must fail fast (busy_timeout 0.2 s)"
        status = form.status.value
        assert "not submitted" in status and "busy" in status and str(db) in status
        assert "still in the form" in status
        with pytest.raises(StoreError, match=r"is busy: another program kept it locked for more than 0.2 s"):
            store.submit(person.id, form.instrument, form.state.to_submit())

    typed = {**{i: True for i in items[:5]}, **{i: False for i in items[5:]}}
    assert form.state.answers == typed          # nothing typed was lost
    assert _table_counts(db) == before          # nothing was written during the lock
    sub = form.submit()                         # the lock is gone: the same answers go in
    assert sub is not None and sub.revision == 1
    assert store.current_answers(person.id, TF) == typed


def test_join_while_locked_says_busy_and_lets_the_person_try_again(setup, db, curriculum):
    store, session, _person = setup
    app = participant_app(store, instruments=curriculum)
    panel = app.join_panel
    panel.code.value, panel.name.value, panel.role.value = session.join_code, "Sky", "supervisor"
    with exclusive_lock(db):
        panel.join_button.click()
        assert app.participant is None
        assert "busy" in panel.status.value
    assert panel.name.value == "Sky" and panel.code.value == session.join_code  # nothing to retype
    panel.join_button.click()
    assert app.participant is not None and app.participant.display_name == "Sky"


# -- read-only ----------------------------------------------------------------------------------

def test_read_only_database_file_gives_a_clear_error_and_keeps_the_draft(setup, db, curriculum, need_chattr):
    store, _session, person = setup
    form = _form(store, person, curriculum, TF)
    items = [i.id for i in form.instrument.items]
    form.answer(items[0], True)
    store.engine.dispose()  # new connections open the file as it is now
    before = _table_counts(db)
    with immutable(db):
        form.answer(items[1], False)
        assert "read-only" in form.draft_status.value
        assert form.submit() is None
        assert "read-only" in form.status.value and str(db) in form.status.value
        with pytest.raises(StoreError, match=r"is read-only, so nothing can be saved"):
            store.save_draft(person.id, TF, {items[0]: True})
        assert store.get_participant(person.id).display_name == "Robin"  # reading still works
        store.engine.dispose()
    assert form.state.answers == {items[0]: True, items[1]: False}
    assert _table_counts(db) == before
    assert form.submit() is not None
    assert store.current_answers(person.id, TF)[items[1]] is False


def test_read_only_data_folder_gives_a_clear_error_naming_it(setup, db, need_chattr):
    store, _session, person = setup
    store.close()  # last connection: SQLite removes the -wal and -shm files
    with immutable(db.parent):
        with pytest.raises(StoreError) as err:
            Store(f"sqlite:///{db}", busy_timeout=0.2).get_participant(person.id)
        assert str(db.parent) in str(err.value) and "writable" in str(err.value)


# -- full ---------------------------------------------------------------------------------------

def test_full_database_says_full_writes_nothing_half_and_keeps_the_answers(setup, db, curriculum):
    store, _session, person = setup
    form = _form(store, person, curriculum, TEXT)
    items = [i.id for i in form.instrument.items]
    form.answer(items[0], "A short first answer.")
    first = form.submit()
    assert first is not None
    before = _table_counts(db)
    long_answers = {item_id: f"{item_id}: " + "a long reflection " * 400 for item_id in items}

    with database_full(store):
        for item_id, text in long_answers.items():
            form.answer(item_id, text)
        assert "could not be saved" in form.draft_status.value
        assert form.submit() is None
        assert "full" in form.status.value and "still in the form" in form.status.value
        with pytest.raises(StoreError, match=r"database or disk is full"):
            store.submit(person.id, form.instrument, long_answers)

    assert _integrity(db) == "ok"
    assert _table_counts(db) == before                       # no half-written revision or draft
    assert [r.revision for r in store.revisions(person.id, TEXT)] == [1]
    assert form.state.answers == long_answers                 # the typed text is still in the form
    sub = form.submit()                                       # room again: it all goes in
    assert sub is not None and sub.revision == 2
    assert store.current_answers(person.id, TEXT) == long_answers


# -- start-up --------------------------------------------------------------------------------

def _serve(env_home: str, *extra: str, preexec=None, timeout: float = 60) -> subprocess.CompletedProcess:
    from tests.browser.conftest import free_port

    env = {**os.environ, "PEERKIT_HOME": env_home}
    env.pop("PEERKIT_DB_URL", None)
    return subprocess.run([PEERKIT, "serve", "--no-demo", "--port", str(free_port()), *extra],
                          capture_output=True, text=True, timeout=timeout, env=env, preexec_fn=preexec)


@pytest.mark.parametrize("home", ["/dev/null/x", "/dev/null/x/y"])
def test_unwritable_data_folder_at_start_up_names_it(home, monkeypatch):
    monkeypatch.setenv("PEERKIT_HOME", home)
    with pytest.raises(StoreError, match=rf"Cannot create the data folder {home}: Not a directory"):
        Store()
    res = _serve(home)
    assert res.returncode == 2
    assert f"cannot create the data folder {home}" in res.stderr and "PEERKIT_HOME" in res.stderr
    assert "Traceback" not in res.stderr


def test_read_only_data_folder_at_start_up_names_it(tmp_path, need_chattr):
    home = tmp_path / "home"
    home.mkdir()
    with immutable(home):
        res = _serve(str(home))
    assert res.returncode == 2
    assert f"the data folder {home} is not writable" in res.stderr and "Traceback" not in res.stderr


def _tiny_disk() -> None:  # in the child, before exec: files may not grow past 16 KiB
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))


def test_full_disk_at_start_up_fails_with_a_clear_message(tmp_path):
    home = tmp_path / "home"
    res = _serve(str(home), preexec=_tiny_disk)
    db = home / "peerkit.sqlite"
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"cannot open the store: Cannot write the database file {db}" in res.stderr
    assert "Traceback" not in res.stderr
    assert "Voila" not in res.stdout  # it stopped before starting the server
