"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bridge.db.migrate import downgrade, upgrade
from bridge.db.models import Base
from tests.postgres import fresh_database


def _assert_schema_matches_models(url: str) -> None:
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    downgrade(url, "base")
    upgrade(url)


def test_migrations_match_the_models_on_sqlite(tmp_path):
    _assert_schema_matches_models(f"sqlite:///{tmp_path / 'schema.db'}")


def test_migrations_match_the_models_on_postgresql():
    with fresh_database("bridge_schema") as url:
        _assert_schema_matches_models(url)
