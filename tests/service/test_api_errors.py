"""Bad input and bad credentials get a 4xx naming the problem, and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.payloads import ALICE_ADDRESS, tokenization, verra_serial
from tests.support.service import BridgeUnderTest, cli


def count_tokenizations(bridge: BridgeUnderTest) -> int:
    return int(bridge.get("/tokenizations").json()["total"])


def test_missing_api_key_is_401(bridge: BridgeUnderTest) -> None:
    response = bridge.post("/tokenizations", tokenization(verra_serial(8_000_001, 8_000_002)), key="")
    assert response.status_code == 401
    assert response.json()["detail"]["field"] == "X-API-Key"


def test_unknown_or_malformed_api_key_is_401(bridge: BridgeUnderTest) -> None:
    for key in ("cbk_000000000000_forged", "not-a-key", bridge.api_key + "x"):
        response = bridge.post("/tokenizations", tokenization(verra_serial(8_000_001, 8_000_002)), key=key)
        assert response.status_code == 401, key


def test_key_for_another_registry_is_403(bridge: BridgeUnderTest) -> None:
    created = cli("keys", "create", "--operator", "CAR desk", "--registries", "car", env=bridge.env)
    car_key = created.stdout.split("api key:")[1].strip()
    before = count_tokenizations(bridge)
    response = bridge.post("/tokenizations", tokenization(verra_serial(8_100_001, 8_100_002)), key=car_key)
    assert response.status_code == 403
    assert response.json()["detail"]["field"] == "registry"
    assert count_tokenizations(bridge) == before


def test_revoked_key_is_401(bridge: BridgeUnderTest) -> None:
    created = cli("keys", "create", "--operator", "Temp desk", "--registries", "verra", env=bridge.env)
    fields = dict(line.split(":", 1) for line in created.stdout.splitlines())
    key, prefix = fields["api key"].strip(), fields["prefix"].strip()
    assert (
        bridge.post("/tokenizations", tokenization(verra_serial(8_200_001, 8_200_002)), key=key).status_code
        == 201
    )
    revoked = cli("keys", "revoke", prefix, env=bridge.env)
    assert revoked.returncode == 0, revoked.stderr
    response = bridge.post("/tokenizations", tokenization(verra_serial(8_200_003, 8_200_004)), key=key)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]["message"]
    listed = cli("keys", "list", env=bridge.env).stdout
    assert f"{prefix}  Temp desk" in listed and "revoked" in listed


def _field_of(body: dict[str, Any]) -> str:
    detail = body["detail"]
    if isinstance(detail, list):  # pydantic validation: the location names the field
        return ".".join(str(part) for part in detail[0]["loc"][1:])
    return str(detail["field"])


@pytest.mark.parametrize(
    "overrides, status, field",
    [
        ({"registry": "atlantis"}, 422, "registry"),
        ({"serial": "VCS-nonsense"}, 422, "serial"),
        (
            {"serial": "19385-941467431-941467007-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"},
            422,
            "serial",
        ),
        ({"quantity": 7}, 422, "quantity"),
        ({"quantity": 0}, 422, "quantity"),
        ({"quantity": -5}, 422, "quantity"),
        ({"beneficiary": "0x90f79bf6eb2c4f870365e785982e1f101e93B906"}, 422, "beneficiary"),
        ({"beneficiary": "0x1234"}, 422, "beneficiary"),
        ({"project": {"category": "volcanoes"}}, 422, "project.category"),
        ({"project": {"category": "forestry", "labels": ["gold"]}}, 422, "project.labels"),
        ({"project": {"category": "forestry", "project_id": "9999"}}, 422, "project.project_id"),
        ({"registry": "gold_standard"}, 422, "serial"),
        ({"idempotency_key": ""}, 422, "idempotency_key"),
        ({"unexpected": 1}, 422, "unexpected"),
    ],
)
def test_bad_tokenization_input_is_refused_naming_the_field(
    bridge: BridgeUnderTest, overrides: dict[str, Any], status: int, field: str
) -> None:
    before = count_tokenizations(bridge)
    body = {**tokenization(verra_serial(8_300_001, 8_300_010)), **overrides}
    response = bridge.post("/tokenizations", body)
    assert response.status_code == status, response.text
    assert _field_of(response.json()) == field, response.text
    assert count_tokenizations(bridge) == before


def test_a_project_described_differently_the_second_time_is_refused(bridge: BridgeUnderTest) -> None:
    project = {"category": "renewable_energy", "sectoral_scope": 1}
    response = bridge.post(
        "/tokenizations", tokenization(verra_serial(8_400_001, 8_400_002), project=project)
    )
    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "project.category"


def test_confirmation_needs_a_key_and_a_reference(bridge: BridgeUnderTest) -> None:
    assert bridge.post("/retirements/1/confirm", {"registry_reference": "X"}, key="").status_code == 401
    response = bridge.post("/retirements/1/confirm", {"registry_reference": ""})
    assert response.status_code == 422
    assert bridge.post("/retirements/999999/confirm", {"registry_reference": "X"}).status_code == 404


def test_bad_query_parameters_are_422(bridge: BridgeUnderTest) -> None:
    assert bridge.get("/tokenizations", status="lost").status_code == 422
    assert bridge.get("/tokenizations", limit=0).status_code == 422
    assert bridge.get("/projects", registry="atlantis").status_code == 422
    assert bridge.get("/tokenizations", beneficiary=ALICE_ADDRESS.lower()).status_code == 200
