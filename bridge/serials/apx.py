"""Serials of the registries run on APX: ACR, ART TREES and the Climate Action Reserve.

All three write a block as "<issuance>-<start> to <end>"; `issuance` is the part before
"-<start>". Their issuance parts:

ACR:
    ACR-US-407-2025-2899-1 to 179663
    ACR-US-192-2010-203-1-5000                  the dash form: the same parts, "-" for " to "
    │   │  │   │    └ batch_id
    │   │  │   └ vintage year
    │   │  └ project number (project id "ACR407", "ACR-US-0407-..." too)
    │   └ country (ISO 3166 alpha-2)
    └ "ACR"

ART TREES (credits issued under TREES, or under the FCPF Carbon Fund framework):
    ART-GY-102-2021-11-2759599 to 2760598
    FCPF-CI-130-2023-20-1 to 46404
    │    │  │   │    └ batch_id
    │    │  │   └ vintage year
    │    │  └ program number (program id "ART130", whatever the prefix)
    │    └ country (ISO 3166 alpha-2)
    └ program: "ART" or "FCPF"

Climate Action Reserve:
    CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000
    CAR-ROC-US-2056-129-2283-WV-2025-8969-1 to 260294
    │   │   │  │    │   │    │  │    └ batch_id
    │   │   │  │    │   │    │  └ vintage year
    │   │   │  │    │   │    └ state: state/province code (KS, CA, QR for Quintana Roo, ...)
    │   │   │  │    │   └ account_id (shared by all projects of one developer in the samples)
    │   │   │  │    └ project_type code (31 = nitric acid N2O, 42 = Forestry - MX, ...)
    │   │   │  └ project number (project id "CAR1335")
    │   │   └ country (ISO 3166 alpha-2)
    │   └ unit_type: "1" (CRT) or "ROC" (Registry Offset Credit, compliance-eligible)
    └ "CAR"

Project ids are the prefix and the number without leading zeros.

Identity (see `identity.py`), the same for the three registries (and both ACR forms):

    space       "batch=2899": units are numbered from 1 in each batch (ART's from where the
                program's previous batch ended), and batch ids are one registry-wide sequence;
                ART and FCPF serials are one registry (Registry.ART), so they share it
    batch       the same
    attributes  every other part: project_id, country, vintage_year, and ART's program, CAR's
                unit_type, project_type, account_id and state (numbers canonical)
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.identity import Identity, attributes, keyed, number
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import country, unit_range, year

_FLAGS = re.VERBOSE | re.ASCII

# Every pattern ends in the same range part ("[ ]" is a literal space in verbose mode).
_RANGE = r"- (?P<start>[0-9]+) [ ]to[ ] (?P<end>[0-9]+)"
_DASH_RANGE = r"- (?P<start>[0-9]+) - (?P<end>[0-9]+)"

_ACR_ISSUANCE = r"""
    (?P<issuance>
        ACR - (?P<country>[A-Z]{2}) - (?P<number>[0-9]+) - (?P<vintage_year>[0-9]{4})
        - (?P<batch_id>[0-9]+)
    )
"""
_ACR = re.compile(_ACR_ISSUANCE + _RANGE, _FLAGS)
_ACR_DASH = re.compile(_ACR_ISSUANCE + _DASH_RANGE, _FLAGS)

_ART = re.compile(
    r"""
    (?P<issuance>
        (?P<program>ART|FCPF) - (?P<country>[A-Z]{2}) - (?P<number>[0-9]+)
        - (?P<vintage_year>[0-9]{4}) - (?P<batch_id>[0-9]+)
    )
    """
    + _RANGE,
    _FLAGS,
)

_CAR = re.compile(
    r"""
    (?P<issuance>
        CAR - (?P<unit_type>[0-9]+|ROC) - (?P<country>[A-Z]{2}) - (?P<number>[0-9]+)
        - (?P<project_type>[0-9]+) - (?P<account_id>[0-9]+) - (?P<state>[A-Z]{2})
        - (?P<vintage_year>[0-9]{4}) - (?P<batch_id>[0-9]+)
    )
    """
    + _RANGE,
    _FLAGS,
)


#: The field that marks a block read from ACR's dash form, so that it is written back so.
DASH_FORM = {"range_form": "dash"}


class ApxLayout(Layout):
    """Serials written "<issuance>-<start> to <end>"; project id = fixed prefix + number."""

    def __init__(
        self,
        registry: Registry,
        name: str,
        pattern: re.Pattern[str],
        project_prefix: str,
        field_names: tuple[str, ...],
        *,
        dash: bool = False,
    ) -> None:
        self.registry = registry
        self.name = name
        self.pattern = pattern
        self.project_prefix = project_prefix
        self.field_names = field_names
        self.dash = dash

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        start, end = unit_range(self.registry, match["start"], match["end"], quantity)
        parts: dict[str, str] = {name: match[name] for name in self.field_names}
        return SerialBlock(
            registry=self.registry,
            issuance=match["issuance"],
            start=start,
            end=end,
            project_id=self.project_prefix + number(match["number"]),
            vintage_year=year(match["vintage_year"], "vintage_year"),
            country=country(match["country"]),
            fields=parts | DASH_FORM if self.dash else parts,
        )

    def render(self, block: SerialBlock) -> str:
        separator = "-" if self.dash else " to "
        return f"{block.issuance}-{block.start}{separator}{block.end}"

    def renders(self, block: SerialBlock) -> bool:
        dash = block.fields.get("range_form") == DASH_FORM["range_form"]
        return block.registry is self.registry and dash == self.dash

    def identity(self, block: SerialBlock) -> Identity:
        fields = block.fields
        batch = keyed(batch=number(fields["batch_id"]))
        described = {
            name: number(fields[name]) for name in self.field_names if name not in ("batch_id", "state")
        }
        return Identity(
            space=batch,
            batch=batch,
            attributes=attributes(
                project_id=block.project_id,
                country=block.country,
                vintage_year=block.vintage_year,
                state=fields.get("state"),
                **described,
            ),
        )


ACR = ApxLayout(Registry.ACR, "ACR", _ACR, "ACR", ("batch_id",))
ACR_DASH = ApxLayout(Registry.ACR, "ACR (dash form)", _ACR_DASH, "ACR", ("batch_id",), dash=True)
ART = ApxLayout(Registry.ART, "ART TREES", _ART, "ART", ("program", "batch_id"))
CAR = ApxLayout(
    Registry.CAR,
    "Climate Action Reserve",
    _CAR,
    "CAR",
    ("unit_type", "project_type", "account_id", "state", "batch_id"),
)
