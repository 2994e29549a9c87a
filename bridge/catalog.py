"""The ids the contracts use for registries, categories and labels, and the commodity pools we deploy.

Pure data shared by the deploy script, the service and the tests: the contracts store small integer ids
(`VintageAttributes.registry`, `.category`) and bit sets (`.labels`, pool masks), and this module is the one
place that names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, IntFlag


class Registry(IntEnum):
    VERRA = 1
    GOLD_STANDARD = 2
    ACR = 3
    CAR = 4
    PURO = 5
    J_CREDIT = 6
    CCER = 7
    ART = 8
    ISOMETRIC = 9
    CDM = 10
    FUJIAN_FFCER = 11
    CERCARBONO = 12
    CARB = 13


#: The short code each registry gets on-chain, used in token symbols (`VCS-1748-2016`).
REGISTRY_CODES: dict[Registry, str] = {
    Registry.VERRA: "VCS",
    Registry.GOLD_STANDARD: "GS",
    Registry.ACR: "ACR",
    Registry.CAR: "CAR",
    Registry.PURO: "PURO",
    Registry.J_CREDIT: "JCREDIT",
    Registry.CCER: "CCER",
    Registry.ART: "ART",
    Registry.ISOMETRIC: "ISO",
    Registry.CDM: "CDM",
    Registry.FUJIAN_FFCER: "FFCER",
    Registry.CERCARBONO: "CERCARBONO",
    Registry.CARB: "CARB",
}


class Category(IntEnum):
    FORESTRY = 1
    LAND_USE = 2
    AGRICULTURE = 3
    RENEWABLE_ENERGY = 4
    ENERGY_EFFICIENCY = 5
    HOUSEHOLD_DEVICES = 6
    WASTE = 7
    INDUSTRIAL_GASES = 8
    TRANSPORT = 9
    FUEL_SWITCHING = 10
    CARBON_REMOVAL = 11
    BLUE_CARBON = 12
    MINE_METHANE = 13
    OTHER = 14


class Label(IntFlag):
    """Bits of `VintageAttributes.labels` (mirrors `VintageLabels` in Solidity)."""

    NONE = 0
    CORSIA_ELIGIBLE = 1 << 0
    ICVCM_CCP = 1 << 1
    SDG_CERTIFIED = 1 << 2
    CCB_CERTIFIED = 1 << 3


def mask(ids: list[int]) -> int:
    """The pool mask accepting exactly these ids (bit `i` for id `i`); empty accepts all."""
    out = 0
    for i in ids:
        out |= 1 << int(i)
    return out


@dataclass(frozen=True)
class PoolSpec:
    symbol: str
    name: str
    registries: list[Registry] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    sectoral_scopes: list[int] = field(default_factory=list)
    min_vintage_year: int = 0
    required_labels: Label = Label.NONE
    fee_bps: int = 25

    def criteria(self) -> tuple[int, int, int, int, int]:
        """The `PoolCriteria` tuple the pool constructor takes."""
        return (
            mask(list(self.registries)),
            mask(list(self.categories)),
            mask(self.sectoral_scopes),
            self.min_vintage_year,
            int(self.required_labels),
        )


NATURE_BASED = [Category.FORESTRY, Category.LAND_USE, Category.AGRICULTURE, Category.BLUE_CARBON]

#: The commodity tokens (AirCarbon style) deployed with the contracts.
POOLS: list[PoolSpec] = [
    PoolSpec("CET", "CORSIA Eligible Token", required_labels=Label.CORSIA_ELIGIBLE),
    PoolSpec("GNT", "Global Nature Token", categories=NATURE_BASED, min_vintage_year=2012),
    PoolSpec("RET", "Renewable Energy Token", categories=[Category.RENEWABLE_ENERGY]),
    PoolSpec("SDGT", "Sustainable Development Goals Token", required_labels=Label.SDG_CERTIFIED),
    PoolSpec("HOT", "Household Offset Token", categories=[Category.HOUSEHOLD_DEVICES]),
]


def unmask(bits: int) -> list[int]:
    """The ids a pool mask accepts (the inverse of `mask`); empty means all."""
    return [i for i in range(bits.bit_length()) if bits >> i & 1]
