"""Verra VCU serials.

Current form (Verra Registry), 13 parts joined by "-":

    19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1

     1  batch_id                    19385       the issuance batch
     2  block start                 941467007
     3  block end                   941467431   inclusive
     4  program                     VCS
     5  unit_type                   VCU
     6  registry_sequence           1507
     7  issuance_registry           VER         Verra
     8  country                     ET          ISO 3166 alpha-2
     9  sectoral_scope              14          1-16
    10  project id                  1340
    11  vintage start               01012020    DDMMYYYY
    12  vintage end                 31122020    DDMMYYYY
    13  additional_certification    1           0 or 1 (e.g. CCB)

Legacy form (VCUs first issued in the APX or Markit registries), 12 parts, no program part
and the registry code (APX or MER) in place of VER:

    1234-56789-56800-VCU-003-APX-IN-1-116-01012008-31122008-0

`issuance` is the serial without the two block numbers, e.g.
"19385-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1".

Identity (see `identity.py`):

    space       "VCU": Verra numbers units registry-wide (block numbers never repeat across
                batches), and legacy APX/Markit serials continue that one sequence, so every
                other part only describes units, it does not scope their numbers
    batch       "batch=19385": the batch id
    attributes  project_id, country, sectoral_scope, vintage_start, vintage_end (ISO),
                unit_type, registry_sequence (numbers without leading zeros)

Not attributes: `additional_certification`, which may change (see `MUTABLE`), and `program` and
`issuance_registry`, which say which registry printed the serial (a legacy APX/MER form has no
program part), not what the batch is.
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.identity import Identity, attributes, keyed, number
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import (
    common_year,
    country,
    ddmmyyyy,
    number_between,
    one_of,
    unit_range,
)

_FLAGS = re.VERBOSE | re.ASCII

_CURRENT = re.compile(
    r"""
    (?P<batch_id>[0-9]+) - (?P<start>[0-9]+) - (?P<end>[0-9]+)
    - (?P<program>VCS) - (?P<unit_type>VCU) - (?P<registry_sequence>[0-9]+)
    - (?P<issuance_registry>VER)
    - (?P<country>[A-Z]{2}) - (?P<sectoral_scope>[0-9]+) - (?P<project_id>[0-9]+)
    - (?P<vintage_start>[0-9]{8}) - (?P<vintage_end>[0-9]{8})
    - (?P<additional_certification>[0-9])
    """,
    _FLAGS,
)

_LEGACY = re.compile(
    r"""
    (?P<batch_id>[0-9]+) - (?P<start>[0-9]+) - (?P<end>[0-9]+)
    - (?P<unit_type>VCU) - (?P<registry_sequence>[0-9]+)
    - (?P<issuance_registry>[A-Z]{3})
    - (?P<country>[A-Z]{2}) - (?P<sectoral_scope>[0-9]+) - (?P<project_id>[0-9]+)
    - (?P<vintage_start>[0-9]{8}) - (?P<vintage_end>[0-9]{8})
    - (?P<additional_certification>[0-9])
    """,
    _FLAGS,
)

#: The registries that held VCUs before the Verra Registry: APX and Markit Environmental Registry.
LEGACY_REGISTRIES = ("APX", "MER")

#: Batch fields that may change after issuance: field -> why.
MUTABLE = {
    "additional_certification": "labels (CCB, SD VISta) are added to VCUs after issuance, "
    "and the serial's flag changes with them",
}


class VerraLayout(Layout):
    registry = Registry.VERRA
    mutable = MUTABLE

    def __init__(self, *, legacy: bool) -> None:
        self.legacy = legacy
        self.name = "Verra VCU (legacy APX/Markit)" if legacy else "Verra VCU"
        self.pattern = _LEGACY if legacy else _CURRENT

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        start, end = unit_range(self.registry, match["start"], match["end"], quantity)
        vintage_start = ddmmyyyy(match["vintage_start"], "vintage_start")
        vintage_end = ddmmyyyy(match["vintage_end"], "vintage_end")
        fields = {"batch_id": match["batch_id"]}
        if not self.legacy:
            fields["program"] = match["program"]
        fields |= {
            "unit_type": match["unit_type"],
            "registry_sequence": match["registry_sequence"],
            "issuance_registry": match["issuance_registry"],
            "sectoral_scope": number_between(match["sectoral_scope"], 1, 16, "sectoral_scope"),
            "additional_certification": one_of(
                match["additional_certification"], ("0", "1"), "additional_certification"
            ),
        }
        if self.legacy:
            one_of(match["issuance_registry"], LEGACY_REGISTRIES, "issuance_registry")
        text = match.string
        # The serial minus "-<start>-<end>" right after the batch id.
        issuance = match["batch_id"] + text[match.end("end") :]
        return SerialBlock(
            registry=self.registry,
            issuance=issuance,
            start=start,
            end=end,
            project_id=number(match["project_id"]),
            vintage_start=vintage_start,
            vintage_end=vintage_end,
            vintage_year=common_year(vintage_start, vintage_end),
            country=country(match["country"]),
            fields=fields,
        )

    def render(self, block: SerialBlock) -> str:
        batch_id, rest = block.issuance.split("-", 1)
        return f"{batch_id}-{block.start}-{block.end}-{rest}"

    def identity(self, block: SerialBlock) -> Identity:
        fields = block.fields
        vintage_start, vintage_end = block.vintage_start, block.vintage_end
        return Identity(
            space=fields["unit_type"],
            batch=keyed(batch=number(fields["batch_id"])),
            attributes=attributes(
                project_id=number(block.project_id),
                country=block.country,
                sectoral_scope=number(fields["sectoral_scope"]),
                vintage_start=vintage_start.isoformat() if vintage_start else None,
                vintage_end=vintage_end.isoformat() if vintage_end else None,
                unit_type=fields["unit_type"],
                registry_sequence=number(fields["registry_sequence"]),
            ),
        )

    def renders(self, block: SerialBlock) -> bool:
        return block.registry is self.registry and ("program" in block.fields) != self.legacy


VERRA = VerraLayout(legacy=False)
VERRA_LEGACY = VerraLayout(legacy=True)
