"""CDM units (CERs, tCERs, lCERs) as the UNFCCC CDM registry prints their serial numbers.

The Kyoto Protocol registries (ITL Data Exchange Standards) number every unit; the CDM
registry prints one unit's serial as 7 parts joined by "-", and a block as its first and
last unit joined by " - " (this is how Gold Standard lists the CERs it labels):

    RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7014
    │  │ │       │ │ │ └ project id (CDM project reference number)
    │  │ │       │ │ └ lulucf_activity (0 for non-LULUCF projects)
    │  │ │       │ └ applicable_commitment_period (1 or 2)
    │  │ │       └ original_commitment_period (1 or 2)
    │  │ └ unit serial number (block start; block end in the second half)
    │  └ unit_type: 5 = CER, 6 = tCER, 7 = lCER
    └ country: the party of origin, i.e. the host country (ISO 3166 alpha-2)

A single unit may be written alone ("RW-5-1463953-2-2-0-7014"). Both halves must agree on
every part but the serial number. `.serial` always writes the two-halves form.

The ITL standards also define a supplementary unit type and a track, which this printed form
does not show; which printed digit is the LULUCF activity is our best reading, not a spec.
A compact "party-type-start-end-cp-cp-project" form is refused: it has as many parts as the
single-unit form and cannot be told from it.

`issuance` is the first half without its serial number: "RW-5-2-2-0-7014".

Identity (see `identity.py`). Decision 13/CMP.1 (annex, modalities for the accounting of
assigned amounts) gives every Kyoto unit a serial number whose unit number is unique for the
Party of origin (within a commitment period), and the ITL Data Exchange Standards carry a block
as originating Party + start/end serial, with the commitment periods, type, LULUCF activity
and project as attributes of the block (as in the registry schema published by the Danish
National Archives, digidata.rigsarkivet.dk/aflevering/19013/table/unit_block). We could not
read the standards' own text here, so the space is the coarsest safe reading:

    space       "party=RW": the Party of origin alone. Not the commitment period: the applicable
                one changes on carry-over (same units), and if numbers did restart with the
                original one, the cost is a conflict refused loudly, not a unit locked twice.
                Not the project or unit type: the number does not depend on them.
    batch       "party=RW;project=7014;unit_type=5;original_cp=2": the serial has no batch id,
                so the units of one project, type and original period stand for one batch
    attributes  lulucf_activity (number canonical)

`applicable_commitment_period` is mutable (see `MUTABLE`).
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.errors import SerialError
from bridge.serials.identity import Identity, attributes, keyed, number
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import country, one_of, unit_range

_UNIT = r"""
    (?P<country{n}>[A-Z]{{2}}) - (?P<unit_type{n}>[0-9]+) - (?P<serial{n}>[0-9]+)
    - (?P<original_commitment_period{n}>[0-9]+) - (?P<applicable_commitment_period{n}>[0-9]+)
    - (?P<lulucf_activity{n}>[0-9]+) - (?P<project_id{n}>[0-9]+)
"""

# The first unit, then optionally " - " and the last unit ("[ ]" is a literal space).
_PATTERN = re.compile(
    _UNIT.format(n="") + r"(?: [ ]-[ ] " + _UNIT.format(n="_last") + r")?",
    re.VERBOSE | re.ASCII,
)

_PARTS = (
    "country",
    "unit_type",
    "original_commitment_period",
    "applicable_commitment_period",
    "lulucf_activity",
    "project_id",
)

UNIT_TYPES = {"5": "CER", "6": "tCER", "7": "lCER"}
COMMITMENT_PERIODS = ("1", "2")

#: Batch fields that may change after issuance: field -> why.
MUTABLE = {
    "applicable_commitment_period": "units carried over from the first commitment period to "
    "the second keep their original period but change their applicable one",
}


class CdmLayout(Layout):
    registry = Registry.CDM
    name = "CDM (UNFCCC CDM registry)"
    pattern = _PATTERN
    mutable = MUTABLE

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        last = "_last" if match["serial_last"] is not None else ""
        for part in _PARTS:
            if match[part + last] != match[part]:
                raise SerialError(
                    part,
                    f"the block starts at {match[part]!r} and ends at {match[part + last]!r}",
                )
        start, end = unit_range(self.registry, match["serial"], match["serial" + last], quantity)
        fields = {
            "unit_type": one_of(match["unit_type"], UNIT_TYPES, "unit_type"),
            "original_commitment_period": one_of(
                match["original_commitment_period"],
                COMMITMENT_PERIODS,
                "original_commitment_period",
            ),
            "applicable_commitment_period": one_of(
                match["applicable_commitment_period"],
                COMMITMENT_PERIODS,
                "applicable_commitment_period",
            ),
            "lulucf_activity": match["lulucf_activity"],
        }
        return SerialBlock(
            registry=self.registry,
            issuance="-".join(match[part] for part in _PARTS),
            start=start,
            end=end,
            project_id=number(match["project_id"]),
            country=country(match["country"]),
            fields=fields,
        )

    def render(self, block: SerialBlock) -> str:
        party, unit_type, tail = block.issuance.split("-", 2)
        head = f"{party}-{unit_type}"
        return f"{head}-{block.start}-{tail} - {head}-{block.end}-{tail}"

    def identity(self, block: SerialBlock) -> Identity:
        fields = block.fields
        party = block.country or ""
        batch = keyed(
            party=party,
            project=number(block.project_id),
            unit_type=number(fields["unit_type"]),
            original_cp=number(fields["original_commitment_period"]),
        )
        return Identity(
            space=keyed(party=party),
            batch=batch,
            attributes=attributes(lulucf_activity=number(fields["lulucf_activity"])),
        )


CDM = CdmLayout()
