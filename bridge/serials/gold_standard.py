"""Gold Standard VER serials (Gold Standard Impact Registry), 9 parts joined by "-":

    GS1-1-UG-GS11236-16-2024-30307-1-19149
    │     │  │       │  │    │     │ └ block end (inclusive)
    │     │  │       │  │    │     └ block start
    │     │  │       │  │    └ batch_id (issuance batch)
    │     │  │       │  └ vintage year
    │     │  │       └ project_type code (16 = Energy Efficiency - Domestic, 12 = Wind, ...)
    │     │  └ project id, as the registry writes it ("GS" + GSID)
    │     └ country (ISO 3166 alpha-2)
    └ prefix: "GS1-1" on every VER serial in the samples; kept verbatim

The issuance key is the serial without the block numbers: "GS1-1-UG-GS11236-16-2024-30307".

CERs that Gold Standard labels keep their CDM serials ("RW-5-1463953-2-2-0-7014 - ..."); those
parse as `Registry.CDM` (see `cdm.py`).
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import country, unit_range, year

_PATTERN = re.compile(
    r"""
    (?P<issuance>
        (?P<prefix>GS[0-9]+-[0-9]+) - (?P<country>[A-Z]{2}) - (?P<project_id>GS[0-9]+)
        - (?P<project_type>[0-9]+) - (?P<vintage_year>[0-9]{4}) - (?P<batch_id>[0-9]+)
    )
    - (?P<start>[0-9]+) - (?P<end>[0-9]+)
    """,
    re.VERBOSE | re.ASCII,
)


class GoldStandardLayout(Layout):
    registry = Registry.GOLD_STANDARD
    name = "Gold Standard VER"
    pattern = _PATTERN

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        start, end = unit_range(self.registry, match["start"], match["end"], quantity)
        return SerialBlock(
            registry=self.registry,
            issuance=match["issuance"],
            start=start,
            end=end,
            project_id=match["project_id"],
            vintage_year=year(match["vintage_year"], "vintage_year"),
            country=country(match["country"]),
            fields={
                "prefix": match["prefix"],
                "project_type": match["project_type"],
                "batch_id": match["batch_id"],
            },
        )

    def render(self, block: SerialBlock) -> str:
        return f"{block.issuance}-{block.start}-{block.end}"


GOLD_STANDARD = GoldStandardLayout()
