"""Schemathesis against the running bridge: every operation of its OpenAPI schema, over real HTTP,
without and with an operator's API key. Every default check applies: no 5xx, every status code
documented, every body valid against its schema, schema-violating input refused, schema-valid input
accepted (see the two generation hooks below for the two rules a JSON Schema cannot state).

`BRIDGE_FUZZ_EXAMPLES` sets the examples generated per operation and key mode (default 25); the
coverage and explicit-example phases add their own cases. The number of cases sent is printed.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.schemas import OpenApiSchema
from web3 import Web3

from tests.support.payloads import BALE_MOUNTAINS, tokenization, verra_serial
from tests.support.service import BridgeUnderTest

EXAMPLES = int(os.environ.get("BRIDGE_FUZZ_EXAMPLES", "25"))
HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

#: (database, key mode, operation) -> cases sent; printed at the end of the module.
CASES: Counter[tuple[str, str, str]] = Counter()


def _checksummed(value: Any) -> Any:
    if isinstance(value, str) and HEX_ADDRESS.fullmatch(value):
        return Web3.to_checksum_address(value)
    return value


def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Addresses as wallets write them. The schema can say `0x` and 40 hex digits, not that mixed case
    must carry an EIP-55 checksum, so a generated mixed-case address is schema-valid yet rightly
    refused (tests/service/test_api_errors.py covers that refusal); checksum the ones that fit the
    pattern. Values that do not fit it (negative cases) stay as generated."""
    for container in (case.query, case.path_parameters):
        if container:
            for name, value in container.items():
                container[name] = _checksummed(value)
    if isinstance(case.body, dict) and "beneficiary" in case.body:
        case.body["beneficiary"] = _checksummed(case.body["beneficiary"])
    return case


def filter_failure(
    context: schemathesis.HookContext,
    failure: Any,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    """A serial that does not parse (format, range, stated quantity, the project it names) is refused
    by the service with 422 `invalid_input` naming the field: JSON Schema cannot describe a registry
    serial, so only that answer to a schema-valid tokenization is accepted. A 422 from request
    validation itself (a list of errors) is still a failure."""
    if case.operation.label != "POST /tokenizations" or response.status_code != 422:
        return True
    if "positive_data_acceptance" not in getattr(failure, "checks", ()):
        return True
    detail = response.json().get("detail")
    return not (isinstance(detail, dict) and detail.get("error") == "invalid_input" and detail.get("field"))


@pytest.fixture(scope="module", params=["anonymous", "operator"])
def key_mode(request: pytest.FixtureRequest) -> str:
    """`anonymous`: no X-API-Key (the schema declares it as the security scheme of the operations
    that need it, so a 2xx from one of those fails the `ignored_auth` check); `operator`: every
    request carries the operator's real key (scoped to verra and gold_standard)."""
    return str(request.param)


@pytest.fixture(scope="module")
def api_schema(bridge: BridgeUnderTest, key_mode: str) -> OpenApiSchema:
    schema = schemathesis.openapi.from_url(f"{bridge.url}/openapi.json", wait_for_schema=30)
    if key_mode == "operator":
        schema.config.update(headers={"X-API-Key": bridge.api_key})
    schema.hook(map_case)
    schema.hook(filter_failure)
    return schema


@pytest.fixture(scope="module", autouse=True)
def cases_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not CASES:
        return
    lines = [f"schemathesis: {sum(CASES.values())} cases sent"]
    lines += [f"  {db:<10} {mode:<9} {op:<42} {n:>5}" for (db, mode, op), n in sorted(CASES.items())]
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_answers_within_its_schema(
    case: schemathesis.Case, key_mode: str, database_url: str
) -> None:
    CASES[(database_url.split(":", 1)[0].split("+")[0], key_mode, case.operation.label)] += 1
    case.call_and_validate(timeout=30)


# Edge inputs a bounded run rarely draws. Each answered 500 before the bounds in bridge/schemas.py and
# bridge/api/ (the quantity: for an operator of a registry whose serials carry no range).
BODY = tokenization(verra_serial(12_000_001, 12_000_002))


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        # PostgreSQL cannot store NUL in text.
        ("POST", "/tokenizations", {**BODY, "idempotency_key": "a\x00b"}, "idempotency_key"),
        ("POST", "/tokenizations", {**BODY, "project": {**BALE_MOUNTAINS, "name": "\x00"}}, "project.name"),
        ("POST", "/tokenizations", {**BODY, "serial": BODY["serial"] + "\x00"}, "serial"),
        ("POST", "/retirements/1/confirm", {"registry_reference": "R\x00"}, "registry_reference"),
        ("GET", "/tokenizations/a%00b", None, "tokenization_id"),
        ("GET", "/vintages?project_id=%00", None, "project_id"),
        # What Python's JSON reader accepts but a JSON answer cannot echo: a lone surrogate, NaN.
        ("POST", "/tokenizations", '{"idempotency_key": "\\ud800"}', "idempotency_key"),
        ("POST", "/tokenizations", json.dumps({**BODY, "quantity": float("nan")}), "quantity"),
        # Ids and offsets beyond what the database's integers hold.
        ("GET", "/vintages/4294967296", None, "vintage_id"),
        ("GET", "/retirements?vintage_id=10000000000000000000", None, "vintage_id"),
        ("GET", "/redemptions?offset=62765551421815488512", None, "offset"),
        (
            "POST",
            "/tokenizations",
            {**BODY, "registry": "j_credit", "serial": "JC-1", "quantity": 2**53},
            "quantity",
        ),
        # BIGINT holds 2^63-1, but PostgreSQL's range [start, 2^63-1] needs 2^63 as its bound.
        ("POST", "/tokenizations", {**BODY, "serial": verra_serial(2**63 - 100, 2**63 - 1)}, "serial"),
    ],
)
def test_input_the_database_cannot_hold_is_refused_naming_the_field(
    bridge: BridgeUnderTest, method: str, path: str, body: Any, field: str
) -> None:
    before = bridge.get("/tokenizations").json()["total"]
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    headers = {**bridge.headers(), "Content-Type": "application/json"}
    response = requests.request(method, bridge.url + path, data=data, headers=headers, timeout=30)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    named = detail["field"] if isinstance(detail, dict) else ".".join(map(str, detail[0]["loc"][1:]))
    assert named == field, response.text
    assert bridge.get("/tokenizations").json()["total"] == before


# Found by fuzzing: unit numbers beyond BIGINT used to reach the database (500).
@pytest.mark.parametrize("start, end", [(10**19, 10**19 + 9), (1, 10**30)])
def test_unit_numbers_beyond_the_ledger_are_refused(bridge: BridgeUnderTest, start: int, end: int) -> None:
    response = bridge.post("/tokenizations", tokenization(verra_serial(start, end)))
    assert response.status_code == 422, response.text
    assert response.json()["detail"]["field"] == "serial"
