"""Registries whose serials carry no unit numbers: an id plus a quantity.

J-Credit, CCER and Fujian FFCER serials are taken as free text (no exports in our samples),
so the registry must be given to `parse_serial`. Two registries publish only ids, whose shape
we do check, so they are recognised without it:

    Isometric   iss_1KP6EDZ8K1S036PY / ret_1KNSQMD6Z1S0TB50: "iss_" (issuance) or "ret_"
                (retirement) + 16 characters of Crockford base32. Isometric counts credits
                to the kilogram, so an Isometric block counts kg (see `units_per_tonne`).
    CARB        CAOD1007-A: "CA" + project type (OD, MM, FR, LS, US, RC) + number, which
                together are the CARB project id, "-" + the issuance letter(s) (A, B, ...)

The registry's own numbering is unknown, so we number the units of an id 1..quantity: the
block is opaque. `parse_serial(id, registry=..., quantity=N)` gives units 1..N, and a sub-range
is written "<id>#<start>-<end>", which `parse_serial` reads back without a quantity. `.serial`
always writes the suffix, so `parse_serial(b.serial, registry=b.registry) == b` for every
block. Ids may not contain "#". The issuance key is the id.
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.errors import SerialError
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import check_quantity, unit_range

#: Free text: no "#", no control characters, nothing blank at either end.
_FREE_TEXT = r"[^\s#\x00-\x1f\x7f](?:[^#\x00-\x1f\x7f]*[^\s#\x00-\x1f\x7f])?"
_ISOMETRIC = r"(?P<record>iss|ret)_[0-9A-HJKMNP-TV-Z]{16}"
_CARB = r"(?P<project>CA(?P<project_type>OD|MM|FR|LS|US|RC)[0-9]+)-(?P<sequence>[A-Z]+)"

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


class IsometricLayout(OpaqueLayout):
    def __init__(self) -> None:
        super().__init__(Registry.ISOMETRIC, "Isometric", _ISOMETRIC)

    def describe(self, match: re.Match[str]) -> tuple[str, dict[str, str]]:
        return "", {"record": {"iss": "issuance", "ret": "retirement"}[match["record"]]}


class CarbLayout(OpaqueLayout):
    def __init__(self) -> None:
        super().__init__(Registry.CARB, "CARB issuance", _CARB)

    def describe(self, match: re.Match[str]) -> tuple[str, dict[str, str]]:
        fields = {"project_type": match["project_type"], "issuance_sequence": match["sequence"]}
        return match["project"], fields


J_CREDIT = OpaqueLayout(Registry.J_CREDIT, "J-Credit")
CCER = OpaqueLayout(Registry.CCER, "CCER")
FUJIAN_FFCER = OpaqueLayout(Registry.FUJIAN_FFCER, "Fujian FFCER")
ISOMETRIC = IsometricLayout()
CARB = CarbLayout()
