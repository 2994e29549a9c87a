"""With the RPC unreachable (a closed port), every route that reads the chain answers 503 naming the
chain, never a 500; routes that do not read it still answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web3.exceptions import Web3Exception

from bridge.api.main import create_app
from bridge.chain.contracts import Chain
from bridge.config import Settings
from bridge.db.migrate import upgrade
from bridge.db.session import make_engine, make_session_factory
from tests.support.anvil import free_port

HOLDER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
DEPLOYMENT = {
    "chainId": 31337,
    "block": 1,
    "contracts": {
        "VintageFactory": "0x" + "11" * 20,
        "RetirementCertificate": "0x" + "22" * 20,
        "pools": {"CET": "0x" + "33" * 20},
    },
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('unavailable')) / 'bridge.db'}"
    upgrade(url)
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(database_url=url, rpc_url=closed, run_workers=False)
    chain = Chain(closed, DEPLOYMENT, request_timeout=2.0)
    engine = make_engine(url)
    app = create_app(settings, make_session_factory(engine), chain)

    @app.get("/test-only/raw-web3-error")
    def raw_web3_error() -> None:
        raise Web3Exception("the node said no")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    engine.dispose()


@pytest.mark.parametrize("path", [f"/balances/{HOLDER}", "/pools", "/certificates/1"])
def test_a_chain_read_with_the_rpc_down_is_503_naming_the_chain(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 503, response.text
    detail = response.json()["detail"]
    assert detail["error"] == "chain_unavailable"
    assert "could not read" in detail["message"]


def test_a_web3_error_no_service_caught_is_503_not_500(client: TestClient) -> None:
    response = client.get("/test-only/raw-web3-error")
    assert response.status_code == 503
    assert response.json()["detail"] == {
        "error": "chain_unavailable",
        "message": "the chain cannot be read: Web3Exception: the node said no",
    }


def test_routes_that_need_no_rpc_still_answer(client: TestClient) -> None:
    assert client.get("/network").status_code == 200
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    reserves = client.get("/reserves")
    assert reserves.status_code == 200
    assert reserves.json()["status"] == "unknown"
