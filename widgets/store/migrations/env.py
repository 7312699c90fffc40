"""Alembic environment for the kit's store.

Run by :func:`peerkit.store.migrate.prepare` with an open connection (inside the store's
write transaction), or by ``alembic -c ...`` with ``sqlalchemy.url`` set.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from peerkit.store.schema import metadata

config = context.config


def _run(connection: sa.engine.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: Alembic's batch mode copies the table instead
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
