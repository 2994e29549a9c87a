"""Waiting on the bridge's processes: raw RPC, outbox rows, and GETs until a condition holds."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine, text

from tests.support.harness import Processes
from tests.support.payloads import tokenization, verra_serial


def rpc(bridge: Processes, method: str, *params: Any) -> Any:
    response = bridge.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in response, response
    return response["result"]


def outbox_rows(bridge: Processes, where: str) -> list[Any]:
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = list(connection.execute(text(f"SELECT * FROM outbox WHERE {where} ORDER BY id")))
    engine.dispose()
    return rows


def wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition never held")


def mint_and_wait(bridge: Processes, start: int, end: int) -> dict[str, Any]:
    created = bridge.post("/tokenizations", tokenization(verra_serial(start, end))).json()
    wait_for(lambda: bridge.get(f"/tokenizations/{created['id']}")["status"] == "minted")
    return dict(bridge.get(f"/tokenizations/{created['id']}"))


def post(bridge: Processes, body: dict[str, Any]) -> str:
    response = bridge.post("/tokenizations", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_for_get(bridge: Processes, path: str, condition: Any, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: Any = None
    while time.monotonic() < deadline:
        body = bridge.get(path)
        if condition(body):
            return dict(body)
        time.sleep(0.1)
    raise AssertionError(f"GET {path} never satisfied the condition; last: {body}")


def minted(bridge: Processes, tokenization_id: str) -> dict[str, Any]:
    return wait_for_get(bridge, f"/tokenizations/{tokenization_id}", lambda t: t["status"] == "minted")


def row(reserves: dict[str, Any], token: str) -> dict[str, Any]:
    return next(v for v in reserves["vintages"] if v["token_address"] == token)


def mine(bridge: Processes, blocks: int) -> None:
    for _ in range(blocks):
        bridge.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
