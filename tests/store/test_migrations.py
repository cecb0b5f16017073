"""Migrations: an empty database upgrades to head, and head matches the models exactly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from rempart.store import make_engine, migrate
from rempart.store.engine import alembic_config
from rempart.store.models import metadata


def test_upgrade_from_empty_matches_models(db_url: str) -> None:
    migrate(db_url)
    migrate(db_url)  # idempotent
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert context.get_current_revision() == head
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(db_url)
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(db_url)
        assert {"banks", "bank_entries", "entry_hits"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_heads_read_from_the_files_are_alembics(db_url: str) -> None:
    from rempart.store.engine import current_revisions, head_revisions

    script = ScriptDirectory.from_config(alembic_config())
    assert head_revisions() == frozenset(script.get_heads())
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert current_revisions(conn) == frozenset()
        migrate(db_url, "0002")
        with engine.connect() as conn:
            assert current_revisions(conn) == {"0002"}
        migrate(db_url)  # not at the head: Alembic upgrades it
        with engine.connect() as conn:
            assert current_revisions(conn) == head_revisions()
    finally:
        engine.dispose()
