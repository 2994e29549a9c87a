"""Request bodies and serials the tests bridge: a real Verra issuance and blocks beside it."""

from __future__ import annotations

import itertools
from typing import Any

from bridge.catalog import Category, Registry
from tests.support.deploying import ANVIL_ACCOUNTS

ALICE, BOB = 3, 4
ALICE_ADDRESS, BOB_ADDRESS = ANVIL_ACCOUNTS[ALICE][0], ANVIL_ACCOUNTS[BOB][0]
# A real Verra issuance (Bale Mountains REDD+, Ethiopia, vintage 2020): 425 VCUs.
REAL_SERIAL = "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"
BALE_MOUNTAINS = {
    "name": "Bale Mountains Eco-region REDD+ project",
    "methodology": "VM0015",
    "category": "forestry",
    "sectoral_scope": 14,
    "labels": ["ccb_certified"],
}


_keys = itertools.count()


def verra_serial(start: int, end: int, batch: int = 19385) -> str:
    """A serial of the same Verra issuance as REAL_SERIAL, for another range."""
    return f"{batch}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"


def tokenization(serial: str, beneficiary: str = ALICE_ADDRESS, **overrides: Any) -> dict[str, Any]:
    body = {
        "idempotency_key": f"key-{next(_keys)}",
        "registry": "verra",
        "serial": serial,
        "beneficiary": beneficiary,
        "project": BALE_MOUNTAINS,
    }
    body.update(overrides)
    return body


def vintage_serial(year: int, start: int, end: int) -> str:
    """A Verra serial of project 1340 for vintage `year` (one issuance batch per year; Verra numbers
    units registry-wide, so two years never share units)."""
    return f"{year}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-0101{year}-3112{year}-1"


def outside_attributes(project_id: str) -> tuple[Any, ...]:
    """VintageAttributes of a Verra forestry vintage (2015) of project `project_id`, as a tuple."""
    return (
        int(Registry.VERRA),
        int(Category.FORESTRY),
        14,
        0,
        20150101,
        20151231,
        b"ET",
        project_id.encode().ljust(32, b"\0"),
        b"VM0015".ljust(32, b"\0"),
    )
