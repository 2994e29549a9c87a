"""Registries whose serials carry no unit numbers: an id plus a quantity.

J-Credit, CCER and Fujian FFCER serials are taken as free text (no exports in our samples),
so the registry must be given to `parse_serial`. Two registries publish only ids, whose shape
we do check, so they are recognised without it:

    Isometric   iss_1KP6EDZ8K1S036PY: "iss_" + 16 characters of Crockford base32, the id of
                an issuance. Isometric counts credits to the kilogram, so an Isometric block
                counts kg (see `units_per_tonne`). Retirement records (ret_1KNSQMD6Z1S0TB50)
                are refused naming "record": they name no units, and their credits are
                already in an issuance, so accepting them would open a second space for them.
    CARB        CAOD1007-A: "CA" + project type (OD, MM, FR, LS, US, RC) + number, which
                together are the CARB project id, "-" + the issuance letter(s) (A, B, ...)

Both are read case-insensitively (an operator may type "iss_1kp6...").

The registry's own numbering is unknown, so we number the units of an id 1..quantity: the
block is opaque. `parse_serial(id, registry=..., quantity=N)` gives units 1..N, and a sub-range
is written "<id>#<start>-<end>", which `parse_serial` reads back without a quantity. `.serial`
always writes the suffix, so `parse_serial(b.serial, registry=b.registry) == b` for every
block. Ids may not contain "#". `issuance` is the id as given.

Identity (see `identity.py`): the id names one issuance, so space = batch = the canonical id:
NFKC, upper case, every Unicode dash "-", blanks collapsed to one space, digit runs without
leading zeros, then non-ASCII escaped ("JCL-2023-0042", "ｊｃｌ－２０２３－４２" -> "JCL-2023-42").
Isometric's code is a number in Crockford base32, not text: its "0" is a digit like any other,
so zeros inside it are kept (stripping them would merge distinct ids: ...A01B001... and
...A001B01... are two ids), and it is decoded as Crockford reads it: upper case, I and L as 1,
O as 0. CARB's attributes are its project id and type; free-text ids have none.
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.errors import SerialError
from bridge.serials.identity import Identity, ascii_key, attributes, canonical_id, number
from bridge.serials.layout import Layout
from bridge.serials.model import FrozenFields, SerialBlock
from bridge.serials.values import check_quantity, unit_range

#: Free text: no "#", no control characters, nothing blank at either end.
_FREE_TEXT = r"[^\s#\x00-\x1f\x7f](?:[^#\x00-\x1f\x7f]*[^\s#\x00-\x1f\x7f])?"
# Crockford base32 with the letters it reads as digits (I, L -> 1; O -> 0); no U.
_ISOMETRIC = r"(?ai:(?P<record>iss|ret)_(?P<code>[0-9A-TV-Z]{16}))"
_CARB = r"(?ai:(?P<project>CA(?P<project_type>OD|MM|FR|LS|US|RC)(?P<number>[0-9]+))-(?P<sequence>[A-Z]+))"
_CROCKFORD_ALIASES = str.maketrans("ILO", "110")

# "<id>" or "<id>#<start>-<end>".
_SUFFIX = r"(?:#(?P<start>[0-9]+)-(?P<end>[0-9]+))?"


class OpaqueLayout(Layout):
    """An id and a quantity, or an id with our "#<start>-<end>" suffix."""

    def __init__(self, registry: Registry, name: str, id_pattern: str | None = None) -> None:
        self.registry = registry
        self.name = name
        self.detectable = id_pattern is not None
        # Not re.ASCII: "\s" must be every blank that strip() removes, as ids are read stripped.
        self.pattern = re.compile(f"(?P<id>{id_pattern or _FREE_TEXT}){_SUFFIX}")

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        if match["start"] is not None:
            start, end = unit_range(self.registry, match["start"], match["end"], quantity)
        elif quantity is None:
            raise SerialError("quantity", f"{self.name} serials carry no range: give the quantity")
        else:
            check_quantity(quantity)
            start, end = 1, quantity
        project_id, fields = self.describe(match)
        return SerialBlock(
            registry=self.registry,
            issuance=match["id"],
            start=start,
            end=end,
            project_id=project_id,
            fields=fields,
            opaque=True,
        )

    def describe(self, match: re.Match[str]) -> tuple[str, dict[str, str]]:
        """The project id and the fields the id itself shows (none for free text)."""
        return "", {}

    def render(self, block: SerialBlock) -> str:
        return f"{block.issuance}#{block.start}-{block.end}"

    def canonical(self, block: SerialBlock) -> str:
        return ascii_key(canonical_id(block.issuance))

    def identity(self, block: SerialBlock) -> Identity:
        key = self.canonical(block)
        return Identity(space=key, batch=key, attributes=self.attributes(block))

    def attributes(self, block: SerialBlock) -> FrozenFields:
        return FrozenFields()


class IsometricLayout(OpaqueLayout):
    def __init__(self) -> None:
        super().__init__(Registry.ISOMETRIC, "Isometric", _ISOMETRIC)

    def describe(self, match: re.Match[str]) -> tuple[str, dict[str, str]]:
        if match["record"].lower() != "iss":
            raise SerialError(
                "record",
                f"{match['id']!r} is a retirement record, not an issuance: give the issuance id (iss_...)",
            )
        return "", {"record": "issuance"}

    def canonical(self, block: SerialBlock) -> str:
        record, code = block.issuance.split("_")
        return f"{record.upper()}_{code.upper().translate(_CROCKFORD_ALIASES)}"


class CarbLayout(OpaqueLayout):
    def __init__(self) -> None:
        super().__init__(Registry.CARB, "CARB issuance", _CARB)

    def describe(self, match: re.Match[str]) -> tuple[str, dict[str, str]]:
        project_type = match["project_type"].upper()
        fields = {"project_type": project_type, "issuance_sequence": match["sequence"].upper()}
        return f"CA{project_type}{number(match['number'])}", fields

    def attributes(self, block: SerialBlock) -> FrozenFields:
        return attributes(project_id=block.project_id, project_type=block.fields["project_type"])


J_CREDIT = OpaqueLayout(Registry.J_CREDIT, "J-Credit")
CCER = OpaqueLayout(Registry.CCER, "CCER")
FUJIAN_FFCER = OpaqueLayout(Registry.FUJIAN_FFCER, "Fujian FFCER")
ISOMETRIC = IsometricLayout()
CARB = CarbLayout()
