"""The bridge as it runs: a private Anvil with the contracts deployed by `ape run deploy`, the
service started with `carbon-bridge serve` on SQLite or PostgreSQL, and real HTTP to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import fresh_database
from tests.support.service import BridgeUnderTest, running_bridge


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'bridge.db'}"
        return
    with fresh_database("bridge_test") as url:
        yield url


@pytest.fixture(scope="module")
def bridge(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeUnderTest]:
    with running_bridge(database_url, tmp_path_factory.mktemp("bridge")) as under_test:
        yield under_test
