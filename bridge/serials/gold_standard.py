"""Gold Standard VER serials (Gold Standard Impact Registry), 9 parts joined by "-":

    GS1-1-UG-GS11236-16-2024-30307-1-19149
    │     │  │       │  │    │     │ └ block end (inclusive)
    │     │  │       │  │    │     └ block start
    │     │  │       │  │    └ batch_id (issuance batch)
    │     │  │       │  └ vintage year
    │     │  │       └ project_type code (16 = Energy Efficiency - Domestic, 12 = Wind, ...)
    │     │  └ project: "GS" + GSID (project id "GS11236")
    │     └ country (ISO 3166 alpha-2)
    └ prefix: "GS1-1" on every VER serial in the samples

Serials of older issuances (common before 2013) write the GSID without "GS":

    GS1-1-KH-1020-16-2012-325-1-22283           project id "GS1020", batch 325

None is among our samples (every one has the prefix); the shape is the issue's example.

`issuance` is the serial without the block numbers: "GS1-1-UG-GS11236-16-2024-30307".

Identity (see `identity.py`):

    space       "batch=30307": units are numbered from 1 in each batch, and batch ids are one
                registry-wide sequence, so the batch alone scopes the numbers
    batch       the same
    attributes  prefix, project_id, country, project_type, vintage_year (numbers canonical)

CERs that Gold Standard labels keep their CDM serials ("RW-5-1463953-2-2-0-7014 - ..."); those
parse as `Registry.CDM` (see `cdm.py`).
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.identity import Identity, attributes, keyed, number, numbers_in
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import country, unit_range, year

_PATTERN = re.compile(
    r"""
    (?P<issuance>
        (?P<prefix>GS[0-9]+-[0-9]+) - (?P<country>[A-Z]{2}) - (?:GS)?(?P<gsid>[0-9]+)
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
            project_id="GS" + number(match["gsid"]),
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

    def identity(self, block: SerialBlock) -> Identity:
        fields = block.fields
        batch = keyed(batch=number(fields["batch_id"]))
        return Identity(
            space=batch,
            batch=batch,
            attributes=attributes(
                prefix=numbers_in(fields["prefix"]),
                project_id=block.project_id,
                country=block.country,
                project_type=number(fields["project_type"]),
                vintage_year=block.vintage_year,
            ),
        )


GOLD_STANDARD = GoldStandardLayout()
