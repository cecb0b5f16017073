"""Alembic migrations of the Rempart database, run by ``rempart.store.migrate(url)``."""
