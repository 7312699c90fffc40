"""Purge, schema versions, the demo session, the default URL and clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerkit import store as store_module
from peerkit.instruments import load_all
from peerkit.store import (
    DEMO_INSTRUMENTS,
    Store,
    StoreError,
    default_url,
    demo_answers,
)

REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_purge_removes_everything_of_one_session(store: Store, instruments) -> None:
    keep = store.create_session("Keep", "pw")
    k1 = store.join(keep.id, "Kim", "supervisor")
    k2 = store.join(keep.id, "Kai", "peer_specialist")
    kp = store.set_pair(k1.id, k2.id)
    store.submit(k1.id, instruments["quiz"], {"q1": True})
    store.save_note(kp, "sia", "d1", "keep me")

    gone = store.create_session("Gone", "pw")
    a = store.join(gone.id, "Ann", "supervisor")
    b = store.join(gone.id, "Ben", "peer_specialist")
    c = store.join(gone.id, "Cy", "other")
    p1 = store.set_pair(a.id, b.id)
    store.save_note(p1, "sia", "d1", "old pair note", author_id=a.id)
    store.set_pair(a.id, c.id)  # leaves the first pair as history
    for who in (a, b, c):
        store.submit(who.id, instruments["quiz"], {"q1": True})
        store.submit(who.id, instruments["quiz"], {"q1": False})
    store.save_draft(b.id, "reflect", {"r1": "draft"})

    store.purge_session(gone.id)
    with pytest.raises(StoreError):
        store.get_session(gone.id)
    assert [s.id for s in store.list_sessions()] == [keep.id]
    assert _count(store, "participants") == 2
    assert _count(store, "pairs") == 1
    assert _count(store, "responses") == 1
    assert _count(store, "drafts") == 0
    assert _count(store, "notes") == 1
    assert store.current_answers(k1.id, "quiz") == {"q1": True}
    assert store.notes(kp, "sia") == {"d1": "keep me"}


def test_foreign_database_is_refused(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not a peerkit database"):
        Store(db_url)


def test_reopening_keeps_data(db_url: str) -> None:
    with Store(db_url) as a:
        s = a.create_session("W", "pw")
    with Store(db_url) as b:
        assert b.get_session(s.id) == s


def test_demo_session_with_fixture_instruments(store: Store, instruments) -> None:
    chosen = {k: instruments[k] for k in ("quiz", "checks", "sia")}
    demo = store.load_demo(chosen)
    assert demo.title == "Demo session" and demo.kind == "demo"
    assert store.check_passcode(demo.id, "demo")
    people = store.participants(demo.id)
    assert len(people) == 12
    assert sorted(p.role for p in people) == ["peer_specialist"] * 6 + ["supervisor"] * 6
    pairs = store.pairs(demo.id)
    assert len(pairs) == 6
    by_id = {p.id: p for p in people}
    assert all(by_id[p.supervisor_id].role == "supervisor" and by_id[p.supervisee_id].role == "peer_specialist"
               for p in pairs)
    status = store.submission_status(demo.id)
    # quiz: everyone; sia: everyone; checks: supervisors only, pre and post
    assert len(status[status.instrument_id == "quiz"]) == 12
    assert len(status[status.instrument_id == "sia"]) == 12
    checks = status[status.instrument_id == "checks"]
    assert sorted(checks.occasion) == ["post"] * 6 + ["pre"] * 6
    assert set(checks.role) == {"supervisor"}
    # post keeps what was ticked before
    for sup in (p for p in people if p.role == "supervisor"):
        pre, post = store.pre_post(sup.id, "checks")
        assert all(post[k] for k, v in pre.items() if v)

    # idempotent: same session, nothing added; a newly available instrument is filled in
    before = store.responses_frame(demo.id)
    again = store.load_demo(chosen)
    assert again == demo
    assert store.responses_frame(demo.id).equals(before)
    store.load_demo({**chosen, "freq": instruments["freq"]})
    after = store.submission_status(demo.id)
    assert len(after[after.instrument_id == "freq"]) == 12
    assert store.responses_frame(demo.id).query("instrument_id != 'freq'").reset_index(drop=True).equals(before)
    assert [s.id for s in store.list_sessions()] == [demo.id]


def test_demo_does_not_overwrite_answers(store: Store, instruments) -> None:
    chosen = {"quiz": instruments["quiz"]}
    demo = store.load_demo(chosen)
    someone = store.participants(demo.id)[0]
    store.submit(someone.id, instruments["quiz"], {"q1": False, "q2": False})
    store.load_demo(chosen)
    assert store.current_answers(someone.id, "quiz") == {"q1": False, "q2": False}


def test_demo_answers_are_reproducible_and_valid(instruments) -> None:
    from peerkit.scoring import clean_answers

    for ins in instruments.values():
        a = demo_answers(ins, 2, "supervisor", ins.occasion_ids[-1], len(ins.occasion_ids) - 1)
        assert a == demo_answers(ins, 2, "supervisor", ins.occasion_ids[-1], len(ins.occasion_ids) - 1)
        assert clean_answers(ins, a) == a
    assert demo_answers(instruments["reflect"], 0, "supervisor") == {}


@pytest.mark.skipif(not (REPO_DATA / "instruments" / "readiness-timeline.yaml").exists(),
                    reason="the kit's data files are not there")
def test_demo_with_the_kits_instruments(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """load_demo() reads whichever demo instruments exist in data/instruments."""
    monkeypatch.setenv("PEERKIT_DATA", str(REPO_DATA))
    present = [i for i in DEMO_INSTRUMENTS if (REPO_DATA / "instruments" / f"{i}.yaml").exists()]
    demo = store.load_demo()
    frame = store.responses_frame(demo.id)
    assert sorted(set(frame.instrument_id)) == sorted(present)
    real = load_all(REPO_DATA)
    for ins_id in present:  # every value is valid on the real scales
        part = frame[frame.instrument_id == ins_id]
        for item_id, value in zip(part.item_id, part.value):
            assert real[ins_id].scale_for(item_id).accepts(value), (ins_id, item_id, value)


# -- environment problems (SQLite files) ----------------------------------------------------


def test_default_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERKIT_DB_URL", "postgresql+psycopg://u:p@h/db")
    assert default_url() == "postgresql+psycopg://u:p@h/db"
    monkeypatch.delenv("PEERKIT_DB_URL")
    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path / "home" / "peerkit"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / 'peerkit' / 'peerkit.sqlite'}"
    assert (tmp_path / "home" / "peerkit").is_dir()
    with Store() as s:
        assert s.url == default_url()
        s.create_session("W", "pw")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("PEERKIT_HOME", str(blocker / "sub"))
    with pytest.raises(StoreError, match=rf"Cannot create the data folder {blocker / 'sub'}"):
        default_url()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'p.sqlite'}", busy_timeout=3) as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 3000


def test_locked_database_gives_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    with Store(f"sqlite:///{path}", busy_timeout=0.3) as s:
        session = s.create_session("W", "pw")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            with pytest.raises(StoreError, match=rf"The database {path} is busy: .* more than 0.3 s"):
                s.join(session.id, "Ann", "other")
            assert s.get_session(session.id) == session  # reading still works (WAL)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert s.join(session.id, "Ann", "other").display_name == "Ann"


def test_read_only_database_gives_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite"
    with Store(f"sqlite:///{path}") as s:
        session = s.create_session("W", "pw")
    # mode=ro makes the file read-only even for root (chmod would not)
    with Store(f"sqlite:///file:{path}?mode=ro&uri=true") as ro:
        assert ro.get_session(session.id).title == "W"
        with pytest.raises(StoreError, match=r"read-only, so nothing can be saved"):
            ro.create_session("X", "pw")


def test_read_only_database_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ro2.sqlite"
    with Store(f"sqlite:///{path}") as s:
        err = s._translate(sqlite3.OperationalError("attempt to write a readonly database"))
    assert err is not None and str(path) in str(err) and str(tmp_path) in str(err)


def test_unwritable_data_folder_gives_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=rf"{blocker / 'sub'}"):
        Store(f"sqlite:///{blocker / 'sub' / 'peerkit.sqlite'}")
    with pytest.raises(StoreError, match=r"is not a folder"):
        Store(f"sqlite:///{blocker / 'peerkit.sqlite'}")


def test_unopenable_file_gives_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "db.sqlite"
    folder.mkdir()  # a folder where the database file should be
    with pytest.raises(StoreError, match=rf"Cannot open the database file {folder}"):
        Store(f"sqlite:///{folder}")


def test_not_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable peerkit database"):
        Store(f"sqlite:///{path}")


def test_bad_urls() -> None:
    with pytest.raises(StoreError, match="Not a database URL"):
        Store("no url at all")
    with pytest.raises(StoreError, match="Unsupported database"):
        Store("mysql://u:p@h/db")


def test_unreachable_postgres_gives_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match=r"Cannot use the database postgresql\+psycopg://u:\*\*\*@127.0.0.1:1/db"):
        Store("postgresql+psycopg://u:secret@127.0.0.1:1/db")


def test_store_module_does_not_import_pandas_at_import_time() -> None:
    assert "pandas" not in store_module.__dict__
