"""Alembic environment: runs on the connection given by ``rempart.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from rempart.store.models import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # plain `alembic -x url=...` use, for developers
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///rempart.sqlite3")
    with create_engine(url).connect() as conn:
        _run(conn)
