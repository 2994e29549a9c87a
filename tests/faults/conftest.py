from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg2
import pytest

from tests.service.conftest import PG_ADMIN_DSN


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test; skipped, saying why, where none is reachable."""
    try:
        admin = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3)
    except psycopg2.OperationalError as err:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {err}".strip())
    admin.autocommit = True
    name = f"bridge_faults_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
