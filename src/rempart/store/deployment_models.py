"""The table of the secrets a deployment generates once (migration 0011).

Registered on ``models.metadata``; change it only together with a migration.

- ``deployment_secrets``: one random value per name (``web``: the key of the portal's and the
  report form's proof-of-work challenges and of the opaque entry ids, when no
  ``web.session_secret`` is configured), made by whichever process needs it first and read by
  every other one, so that all processes of a deployment, on every host and across restarts,
  sign and check with the same key.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from rempart.store.models import metadata, stamp

deployment_secrets = Table(
    "deployment_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(128), nullable=False),
    stamp("created_at"),
)
