"""The store's schema is managed by Alembic: new databases, first-release databases with answers
in them, and databases written by a newer peerkit, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from peerkit.store import HEAD_REVISION, Store, StoreError
from peerkit.store.migrate import BASELINE, alembic_config, script_head
from peerkit.store.schema import LEGACY_VERSION, metadata


def _scalar(url: str, sql: str):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def _alembic(url: str, revision: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()


def test_head_constant_is_the_scripts_head() -> None:
    assert HEAD_REVISION == script_head()


def test_new_database_is_stamped_at_head(db_url: str) -> None:
    with Store(db_url) as store:
        assert store.schema_version() == HEAD_REVISION
    # the first release reads schema_version and must refuse this database, not write to it
    assert _scalar(db_url, "SELECT version FROM schema_version WHERE id = 1") == LEGACY_VERSION


def test_migrations_from_scratch_give_the_same_tables_as_a_new_database(db_url: str) -> None:
    _alembic(db_url, "head")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert diff == []


def _write_first_release_store(url: str) -> None:
    """A database exactly as the first release left it: its tables, schema_version = 1, answers."""
    _alembic(url, BASELINE)
    now = dt.datetime(2026, 11, 30, 10, 0)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE alembic_version"))
            ins = [
                ("INSERT INTO schema_version (id, version, updated_at) VALUES (1, 1, :t)", {}),
                ("INSERT INTO sessions (id, title, join_code, passcode_hash, passcode_salt, status, kind, "
                 "created_at) VALUES (1, 'Unit 2', 'ABCDEF', 'x', '00', 'open', 'workshop', :t)", {}),
                ("INSERT INTO participants (id, session_id, display_name, name_key, role, created_at) "
                 "VALUES (1, 1, 'Maria', 'maria', 'supervisor', :t)", {}),
                ("INSERT INTO participants (id, session_id, display_name, name_key, role, created_at) "
                 "VALUES (2, 1, 'Sam', 'sam', 'peer_specialist', :t)", {}),
                ("INSERT INTO pairs (id, session_id, supervisor_id, supervisee_id, created_at) "
                 "VALUES (1, 1, 1, 2, :t)", {}),
                ("UPDATE participants SET pair_id = 1", {}),
                ("INSERT INTO responses (participant_id, instrument_id, instrument_version, occasion, revision, "
                 "answers, answers_hash, submitted_at) VALUES (1, 'quiz', 1, '', 1, :a, 'h1', :t)",
                 {"a": json.dumps({"q1": True, "q2": False})}),
                ("INSERT INTO responses (participant_id, instrument_id, instrument_version, occasion, revision, "
                 "answers, answers_hash, submitted_at) VALUES (1, 'quiz', 1, '', 2, :a, 'h2', :t)",
                 {"a": json.dumps({"q1": True, "q2": True})}),
                ("INSERT INTO drafts (participant_id, instrument_id, occasion, answers, updated_at) "
                 "VALUES (2, 'quiz', '', :a, :t)", {"a": json.dumps({"q1": False})}),
                ("INSERT INTO notes (pair_id, instrument_id, key, text, author_id, updated_at) "
                 "VALUES (1, 'quiz', 'd1', 'we differ on q2', 1, :t)", {}),
            ]
            for sql, params in ins:
                conn.execute(sa.text(sql), {"t": now, **params})
    finally:
        engine.dispose()


def test_first_release_store_with_answers_upgrades_losing_nothing(db_url: str) -> None:
    _write_first_release_store(db_url)
    with Store(db_url) as store:
        assert store.schema_version() == HEAD_REVISION
        session = store.find_session("ABC-DEF")
        assert session is not None and session.title == "Unit 2"
        people = {p.display_name: p for p in store.participants(session.id)}
        assert set(people) == {"Maria", "Sam"}
        assert people["Maria"].pair_id == people["Sam"].pair_id == 1
        assert store.current_answers(people["Maria"].id, "quiz") == {"q1": True, "q2": True}
        assert [r.revision for r in store.revisions(people["Maria"].id, "quiz")] == [1, 2]
        assert store.load_draft(people["Sam"].id, "quiz") == {"q1": False}
        assert store.notes(1, "quiz") == {"d1": "we differ on q2"}
        # 0002_live_state: a session of the first release stays self-paced until switched
        state = store.live_state(session.id)
        assert state.mode == "self_paced" and state.version == 0
        assert store.set_live_mode(session.id, "facilitator").version == 1
        assert store.open_exercise(session.id, "quiz").current == ("quiz", "")
    assert _scalar(db_url, "SELECT version FROM schema_version WHERE id = 1") == LEGACY_VERSION
    assert _scalar(db_url, "SELECT instrument_id FROM live_state WHERE session_id = 1") == "quiz"


def test_baseline_store_upgrades_to_live_state(db_url: str) -> None:
    """A store stamped at the baseline revision (this release before the live state) upgrades."""
    _alembic(db_url, BASELINE)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO sessions (id, title, join_code, passcode_hash, passcode_salt, status, "
                             "kind, created_at) VALUES (1, 'Unit 2', 'ABCDEF', 'x', '00', 'open', 'workshop', "
                             ":t)"), {"t": dt.datetime(2026, 12, 1, 9, 0)})
    engine.dispose()
    assert not sa.inspect(sa.create_engine(db_url, poolclass=sa.pool.NullPool)).has_table("live_state")
    with Store(db_url) as store:
        assert store.schema_version() == HEAD_REVISION
        assert store.live_state(1).mode == "self_paced"
        session = store.create_live_session("Unit 3", "pw")
        assert store.live_state(session.id).facilitator_led


def test_revision_newer_than_the_code_is_refused(db_url: str) -> None:
    Store(db_url).close()
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"schema revision 9999_from_the_future, newer than this peerkit"):
        Store(db_url)


def test_first_release_version_newer_than_one_is_refused(db_url: str) -> None:
    _write_first_release_store(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = 7"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"schema version 7, newer than this peerkit"):
        Store(db_url)


def test_foreign_tables_are_not_taken_for_a_store(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sessions (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not a peerkit database"):
        Store(url)


def test_opening_a_current_database_does_not_import_alembic(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    Store(url).close()
    code = ("import sys; from peerkit.store import Store; Store(%r).close(); "
            "print('alembic' in sys.modules)" % url)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_db_current_and_upgrade(db_url: str, capsys) -> None:
    from peerkit.cli import main

    assert main(["--db", db_url, "db", "current"]) == 0
    assert "No peerkit revision recorded" in capsys.readouterr().out
    _write_first_release_store(db_url)
    assert main(["--db", db_url, "db", "current"]) == 0
    assert "No peerkit revision recorded" in capsys.readouterr().out
    assert main(["--db", db_url, "db", "upgrade"]) == 0
    assert f"at revision {HEAD_REVISION} (current)" in capsys.readouterr().out
    assert main(["--db", db_url, "db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"{HEAD_REVISION} (current)"


def test_first_release_participants_get_in_through_the_facilitator_after_the_upgrade(db_url: str) -> None:
    """The identity revision adds devices, resume codes, stored lockouts and settings; people who
    joined before it have neither, so they cannot be taken over by name, and their facilitator
    lets their device in (or issues a resume code)."""
    _write_first_release_store(db_url)
    with Store(db_url) as store:
        session = store.find_session("ABCDEF")
        maria = next(p for p in store.participants(session.id) if p.display_name == "Maria")
        with pytest.raises(StoreError, match="already uses the name"):
            store.join_device(session.id, "maria", "supervisor")
        with pytest.raises(StoreError, match="has no resume code yet"):
            store.resume_with_code(session.id, "Maria", "AAAA-AAAA")
        _, token = store.request_device(session.id, "Maria")
        store.approve_device(session.id, store.pending_devices(session.id)[0].id)
        assert store.resume_device(token).participant.id == maria.id
        code = store.new_resume_code(maria.id)
        assert store.resume_with_code(session.id, "Maria", code).participant.id == maria.id
        assert store.current_answers(maria.id, "quiz") == {"q1": True, "q2": True}
        assert store.has_facilitator_key() is False
