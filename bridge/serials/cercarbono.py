"""Cercarbono serials (kept in EcoRegistry).

A Cercarbono serial names one issuance (a verification's credits of one vintage, or their
buffer share) as "_"-joined tokens. The shape changed over time:

    CDC_1_1_1_321_14_1_2009
    CDC_4_1_1_321_14_R1_XX_CO_1_2_BFC_2018
    CDC_7_3_1_323_14_CO_1_2_2019_BF
    CDC_R_16_3_5_323_1_CO_1_1_2011
    IC_15_1_1_321_14_CO_1_1_2008

so we read only what is unambiguous in every shape:

    prefix          "CDC", "CDC_R" or "IC" (fields["prefix"])
    project id      the number after the prefix, as the registry's project code: "CDC-<n>"
    buffer          a BF, BFC or BFI token: credits of the buffer account (fields["buffer"])
    vintage year    the last token (buffer marker aside), when it is a four-digit year
    country         the last two-letter token (buffer marker aside); must be an ISO code

The serial itself carries no range (EcoRegistry lists retirements with `from` and `to`
columns). We write a block as "<serial> <start>-<end>", one space between:

    CDC_1_1_1_321_14_1_2009 4426-4971

A bare serial needs the quantity and means units 1..quantity; `.serial` always writes the
range. Some early issuances are numbered from 0 (see `model._LOWEST_UNIT`): state their
ranges explicitly. `issuance` is the serial alone.

Identity (see `identity.py`): the serial names the issuance, and nothing else of its shape is
sure enough to key on, so

    space       the serial with every all-digit token written without leading zeros:
                "CDC_01_1_1_321_14_1_2009" and "CDC_1_1_1_321_14_1_2009" are one issuance
    batch       the same
    attributes  what the serial shows: project_id, prefix, country, vintage_year, buffer
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.errors import SerialError
from bridge.serials.identity import Identity, attributes, number
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import check_quantity, country, unit_range, year

_PATTERN = re.compile(
    r"""
    (?P<issuance>
        (?P<prefix>CDC_R|CDC|IC) _ (?P<number>[0-9]+) (?P<tokens>(?: _[A-Z0-9]+ )+)
    )
    (?: [ ] (?P<start>[0-9]+) - (?P<end>[0-9]+) )?
    """,
    re.VERBOSE | re.ASCII,
)

BUFFER_MARKERS = ("BF", "BFC", "BFI")


class CercarbonoLayout(Layout):
    registry = Registry.CERCARBONO
    name = "Cercarbono"
    pattern = _PATTERN

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        if match["start"] is not None:
            start, end = unit_range(self.registry, match["start"], match["end"], quantity)
        elif quantity is None:
            raise SerialError(
                "quantity",
                f"a bare Cercarbono serial carries no range: give the quantity "
                f"or write {match['issuance']!r} <start>-<end>",
            )
        else:
            check_quantity(quantity)
            start, end = 1, quantity

        tokens = match["tokens"].split("_")[1:]
        markers = [token for token in tokens if token in BUFFER_MARKERS]
        if len(markers) > 1:
            raise SerialError("buffer", f"{' and '.join(markers)}: more than one buffer marker")
        rest = [token for token in tokens if token not in BUFFER_MARKERS]
        last = rest[-1] if rest else ""
        letters = [token for token in rest if len(token) == 2 and token.isalpha()]

        fields = {"prefix": match["prefix"]}
        if markers:
            fields["buffer"] = markers[0]
        return SerialBlock(
            registry=self.registry,
            issuance=match["issuance"],
            start=start,
            end=end,
            project_id=f"CDC-{number(match['number'])}",
            vintage_year=year(last, "vintage_year") if len(last) == 4 and last.isdigit() else None,
            country=country(letters[-1]) if letters else None,
            fields=fields,
        )

    def render(self, block: SerialBlock) -> str:
        return f"{block.issuance} {block.start}-{block.end}"

    def identity(self, block: SerialBlock) -> Identity:
        serial = "_".join(number(token) for token in block.issuance.split("_"))
        return Identity(
            space=serial,
            batch=serial,
            attributes=attributes(
                project_id=block.project_id,
                prefix=block.fields["prefix"],
                country=block.country,
                vintage_year=block.vintage_year,
                buffer=block.fields.get("buffer"),
            ),
        )


CERCARBONO = CercarbonoLayout()
