"""The schema comes only from Alembic: upgrade head, models match, downgrade base, again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from app import domains, migrate
from tests.conftest import _recreate_postgres_database

metadata = domains.metadata()  # every table of the shell and the domains


@pytest.fixture
def scratch_url(database_url, tmp_path):
    if database_url.startswith("postgresql"):
        url = make_url(database_url)
        scratch = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
        _recreate_postgres_database(scratch)
        return scratch
    return f"sqlite:///{tmp_path / 'migrations.db'}"


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url):
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == {t.name for t in metadata.sorted_tables}
    assert _diff(scratch_url) == [], "models and migrations disagree: write a migration"
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == {t.name for t in metadata.sorted_tables}
