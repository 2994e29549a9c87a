"""Puro.earth CORCs (CO2 Removal Certificates), as the Puro Registry writes a bundle's certificates.

Current form: the certificate id of a bundle, 8 parts joined by "_", the last a range
(docs.api.puro.earth, MyPuro API, "Concepts / Certificates"):

    PURO_PR_CORC100+_FI_577166_2020_055a3fbe-eabc-4535-b9cf-1028e7d18f89_1-100
    │    │  │        │  │      │    │                                    └ block start-end
    │    │  │        │  │      │    └ issuance_id: the issuance transaction's UUID
    │    │  │        │  │      └ vintage year (production vintage)
    │    │  │        │  └ production facility code, 6 characters (project id "577166")
    │    │  │        └ country of the facility (ISO 3166 alpha-2)
    │    │  └ credit_type, human-readable (CORC100+, ...)
    │    └ registry_id
    └ "PURO" (the program)

Puro states that these numbers "can overlap with other issued certificates, but [are]
guaranteed to be unique within one issuance": every issuance numbers from 1.

Older form (GSRN pair): before Puro changed registry service, a certificate number was a
GSRN (18 digits) followed by a 12-digit sequence with leading zeros, "such as
643002406555908611 + 000000000001", and ranges were globally unique (same page, and
"Updates to the Registry"). Existing bundles keep those numbers. We found no complete
certificate id of that time, so this form is built from that description: the current id's
parts up to the vintage, then the range of two such numbers, one GSRN in both:

    PURO_PR_CORC100+_FI_577166_2020_643002406555908611000000000001-643002406555908611000000000100
                                    └ GSRN ──────────┘└ sequence ┘  units 1-100 of that GSRN

(The documented GSRN fails the GS1 check digit, so we do not check it.)

`issuance` is the text before the range ("..._2020_055a3fbe-..." and "..._2020_643002406555908611").

Identity (see `identity.py`):

    space       current: "issuance=<uuid>" (lower case), as Puro guarantees;
                older: "gsrn=<GSRN>", the GSRN numbering its own sequence
    batch       the same
    attributes  registry_id, credit_type, country, project_id, vintage_year; for the older
                form not vintage_year and credit_type (see `GSRN_VARIES`)
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.errors import SerialError
from bridge.serials.identity import Identity, attributes, keyed, number
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import country, unit_range, year

_FLAGS = re.VERBOSE | re.ASCII

_PREFIX = r"""
    PURO _ (?P<registry_id>[A-Z0-9]+) _ (?P<credit_type>[A-Z0-9+]+) _ (?P<country>[A-Z]{2})
    _ (?P<facility>[A-Z0-9]{6}) _ (?P<vintage_year>[0-9]{4})
"""
_UUID = r"[0-9a-fA-F]{8} - [0-9a-fA-F]{4} - [0-9a-fA-F]{4} - [0-9a-fA-F]{4} - [0-9a-fA-F]{12}"

_CURRENT = re.compile(
    rf"(?P<issuance> {_PREFIX} _ (?P<issuance_id>{_UUID}) ) _ (?P<start>[0-9]+) - (?P<end>[0-9]+)",
    _FLAGS,
)
_GSRN = re.compile(
    rf"""
    (?P<issuance> {_PREFIX} _ (?P<gsrn>[0-9]{{18}}) )
    (?P<start>[0-9]{{12}}) - (?P<gsrn_last>[0-9]{{18}}) (?P<end>[0-9]{{12}})
    """,
    _FLAGS,
)

#: The largest number a 12-digit sequence holds.
LAST_SEQUENCE = 10**12 - 1

#: Fields of the older form that differ between blocks of one GSRN: field -> why.
GSRN_VARIES = {
    "vintage_year": "a GSRN numbers a facility's certificates over every vintage",
    "credit_type": "a GSRN numbers a facility's certificates of every credit type",
}


class PuroLayout(Layout):
    registry = Registry.PURO

    def __init__(self, *, gsrn: bool) -> None:
        self.gsrn = gsrn
        self.name = "Puro.earth CORC (GSRN)" if gsrn else "Puro.earth CORC"
        self.pattern = _GSRN if gsrn else _CURRENT
        self.mutable = GSRN_VARIES if gsrn else {}

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        fields = {"registry_id": match["registry_id"], "credit_type": match["credit_type"]}
        if self.gsrn:
            if match["gsrn_last"] != match["gsrn"]:
                raise SerialError(
                    "gsrn", f"the block starts in {match['gsrn']} and ends in {match['gsrn_last']}"
                )
            # The sequence is zero-padded; as unit numbers, without the zeros.
            start, end = unit_range(self.registry, number(match["start"]), number(match["end"]), quantity)
            fields["gsrn"] = match["gsrn"]
        else:
            start, end = unit_range(self.registry, match["start"], match["end"], quantity)
            fields["issuance_id"] = match["issuance_id"]
        return SerialBlock(
            registry=self.registry,
            issuance=match["issuance"],
            start=start,
            end=end,
            project_id=match["facility"],
            vintage_year=year(match["vintage_year"], "vintage_year"),
            country=country(match["country"]),
            fields=fields,
        )

    def render(self, block: SerialBlock) -> str:
        if not self.gsrn:
            return f"{block.issuance}_{block.start}-{block.end}"
        if block.end > LAST_SEQUENCE:
            raise ValueError(f"{block.end} does not fit a 12-digit sequence")
        gsrn = block.fields["gsrn"]
        return f"{block.issuance}{block.start:012d}-{gsrn}{block.end:012d}"

    def renders(self, block: SerialBlock) -> bool:
        return block.registry is self.registry and ("gsrn" in block.fields) == self.gsrn

    def identity(self, block: SerialBlock) -> Identity:
        fields = block.fields
        if self.gsrn:
            space = keyed(gsrn=fields["gsrn"])
        else:
            space = keyed(issuance=fields["issuance_id"].lower())
        described = attributes(
            registry_id=fields["registry_id"],
            credit_type=fields["credit_type"],
            country=block.country,
            project_id=block.project_id,
            vintage_year=block.vintage_year,
        )
        kept = {name: value for name, value in described.items() if name not in self.mutable}
        return Identity(space=space, batch=space, attributes=attributes(**kept))


PURO = PuroLayout(gsrn=False)
PURO_GSRN = PuroLayout(gsrn=True)
