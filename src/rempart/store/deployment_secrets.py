"""Secrets generated once per deployment and kept in its database (``deployment_secrets``).

The first process asking for a name inserts a random value; a concurrent one loses the insert
(``ON CONFLICT DO NOTHING``) and both read the one stored row.

Example::

    key = SqlDeploymentSecrets(engine).get("web")     # the same string in every process
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rempart.store.deployment_models import deployment_secrets
from rempart.store.engine import SqlStore
from rempart.store.rows import utc_now


class SqlDeploymentSecrets(SqlStore):
    """Named random secrets shared by every process of the deployment."""

    def get(self, name: str) -> str:
        """The secret called ``name``, generated (and stored) by the first caller."""
        t = deployment_secrets.c
        with self._read() as conn:
            found = conn.execute(select(t.value).where(t.name == name)).scalar()
        if found is not None:
            return str(found)
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt: Any = insert(deployment_secrets).values(
            name=name, value=secrets.token_urlsafe(48), created_at=utc_now())
        with self._write() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.name]))
            return str(conn.execute(select(t.value).where(t.name == name)).scalar_one())
