"""Create a new database, or upgrade an older one in place, with Alembic.

:class:`~peerkit.store.Store` calls :func:`prepare` inside its write transaction (under a
lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) only when the database is not already at
:data:`~peerkit.store.schema.HEAD_REVISION`, so opening a current database never imports
Alembic. Three cases:

- an empty database: ``metadata.create_all`` and a stamp of the head revision (Alembic's
  "create, then stamp" recipe; a test checks that running every migration gives the same
  tables);
- a database of the first release (a ``schema_version`` table saying 1, no Alembic table):
  stamped as ``0001_baseline`` and upgraded;
- a database with an Alembic revision: upgraded to the head, or refused with a clear message
  when the revision is unknown (written by a newer peerkit).

The migration scripts live in ``migrations/versions/``; ``peerkit db upgrade`` and
``peerkit db current`` run the same code from the command line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import HEAD_REVISION, LEGACY_VERSION, TABLES, alembic_version, metadata, schema_version

__all__ = ["MIGRATIONS", "alembic_config", "prepare", "script_head"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"


def alembic_config(conn: Connection | None = None, url: str | None = None):
    """An Alembic ``Config`` for the kit's scripts, bound to ``conn`` (or to ``url``)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = conn
    return cfg


def script_head() -> str:
    """The head revision of the migration scripts (a test checks it is HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _stamp(conn: Connection, revision: str) -> None:
    alembic_version.create(conn, checkfirst=True)
    conn.execute(alembic_version.delete())
    conn.execute(alembic_version.insert().values(version_num=revision))


def _guard_legacy(conn: Connection) -> None:
    """Keep the first release's version table saying "newer than you understand"."""
    values = {"version": LEGACY_VERSION, "updated_at": dt.datetime.now(dt.timezone.utc)}
    if conn.execute(sa.select(schema_version.c.id).where(schema_version.c.id == 1)).first():
        conn.execute(schema_version.update().where(schema_version.c.id == 1).values(**values))
    else:
        conn.execute(schema_version.insert().values(id=1, **values))


def prepare(conn: Connection, where: str) -> None:
    """Bring the database behind ``conn`` to the head revision (see the module's text).

    ``where`` names the database in messages. Raises ``StoreError`` for a database that is not
    peerkit's or that a newer peerkit wrote.
    """
    from .core import StoreError

    inspector = sa.inspect(conn)
    existing = {name for name in TABLES if inspector.has_table(name)}
    if inspector.has_table("alembic_version"):
        found = conn.execute(sa.select(alembic_version.c.version_num)).scalars().all()
        if found == [HEAD_REVISION]:
            return  # another process upgraded it while this one waited for the lock
        if len(found) != 1 or found[0] not in _known_revisions():
            shown = ", ".join(found) or "none"
            raise StoreError(
                f"The database {where} has schema revision {shown}, newer than this peerkit "
                f"understands (it knows up to {HEAD_REVISION}). Upgrade peerkit "
                "(pip install --upgrade peerkit) or use another database.")
    elif "schema_version" in existing:
        version = conn.execute(sa.select(schema_version.c.version).where(schema_version.c.id == 1)).scalar()
        if version is None:
            raise StoreError(f"The database {where} has an empty schema_version table; "
                             "it was not written by peerkit.")
        if version != 1:
            raise StoreError(
                f"The database {where} has schema version {version}, newer than this peerkit "
                "understands. Upgrade peerkit (pip install --upgrade peerkit) or use another database.")
        _stamp(conn, BASELINE)
    elif existing:
        raise StoreError(
            f"The database {where} has tables named {', '.join(sorted(existing))} but no "
            "peerkit schema version: it is not a peerkit database. Use another file or database.")
    else:
        metadata.create_all(conn)
        _guard_legacy(conn)
        _stamp(conn, HEAD_REVISION)
        return
    from alembic import command

    command.upgrade(alembic_config(conn), "head")
    _guard_legacy(conn)
