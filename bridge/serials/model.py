"""The typed value a serial parses into: a block of consecutive units of one issuance."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from bridge.catalog import Registry
from bridge.serials.errors import SerialError

if TYPE_CHECKING:
    from bridge.serials.identity import Identity

#: How many block units make one credit (one tonne CO2e), where that is not 1. Isometric
#: issues and retires fractional credits (e.g. 0.019 t), so its units are kilograms.
_UNITS_PER_TONNE: dict[Registry, int] = {Registry.ISOMETRIC: 1000}

#: The lowest unit number a registry uses; 1 unless the registry's own data says otherwise.
#: EcoRegistry numbers some early Cercarbono issuances from 0: the 62,740 credits of
#: CDC_1_1_1_321_14_1 were retired as units 0-999 and 1000-62739.
_LOWEST_UNIT: dict[Registry, int] = {Registry.CERCARBONO: 0}


def units_per_tonne(registry: Registry) -> int:
    """How many units of a block of this registry make one credit (1 t CO2e)."""
    return _UNITS_PER_TONNE.get(registry, 1)


def lowest_unit(registry: Registry) -> int:
    """The lowest unit number a block of this registry may start at."""
    return _LOWEST_UNIT.get(registry, 1)


class FrozenFields(Mapping[str, str]):
    """An immutable, hashable str -> str mapping (so blocks can go in sets and dict keys)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = dict(items)
        for key, value in self._items.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise SerialError("fields", f"{key!r}: {value!r} is not a str -> str item")

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenFields({self._items!r})"


@dataclass(frozen=True)
class SerialBlock:
    """Units `start`..`end` (inclusive) of one issuance of one registry.

    `issuance` is the serial text with the range removed, as the registry spells it (for
    rendering and display). Identity is `space`: two blocks of one registry conflict exactly
    when their spaces are equal and their ranges intersect (see `identity.py`).
    """

    registry: Registry
    issuance: str
    start: int
    end: int
    project_id: str
    vintage_start: date | None = None
    vintage_end: date | None = None
    vintage_year: int | None = None
    country: str | None = None
    fields: Mapping[str, str] = field(default_factory=FrozenFields)
    opaque: bool = False

    def __post_init__(self) -> None:
        try:
            registry = Registry(self.registry)
        except ValueError:
            raise SerialError("registry", f"{self.registry!r} is not a registry id") from None
        object.__setattr__(self, "registry", registry)
        if not isinstance(self.fields, FrozenFields):
            object.__setattr__(self, "fields", FrozenFields(self.fields))
        if not isinstance(self.issuance, str) or not self.issuance:
            raise SerialError("issuance", f"{self.issuance!r} is not a non-empty text")
        check_range(registry, self.start, self.end)
        if (
            self.vintage_start is not None
            and self.vintage_end is not None
            and self.vintage_end < self.vintage_start
        ):
            raise SerialError(
                "vintage_end",
                f"{self.vintage_end.isoformat()} is before vintage_start {self.vintage_start.isoformat()}",
            )

    @property
    def quantity(self) -> int:
        """How many units the block holds."""
        return self.end - self.start + 1

    @property
    def serial(self) -> str:
        """The serial text as the registry writes it, for this block's range."""
        # The layouts import this module, so the renderer is looked up when needed.
        from bridge.serials.parse import render

        return render(self)

    @cached_property
    def _identity(self) -> Identity:
        # Derived from the other attributes by the block's layout, like `.serial`, so hand-made
        # blocks and every sub-range get it too. (cached_property writes __dict__ directly,
        # which a frozen dataclass allows; eq and hash still use the fields only.)
        from bridge.serials.parse import identity

        return identity(self)

    @property
    def space(self) -> str:
        """The numbering space of the block within its registry: canonical ASCII, <= 200 chars."""
        return self._identity.space

    @property
    def batch(self) -> str:
        """The issuance batch whose `batch_attributes` must agree across its blocks."""
        return self._identity.batch

    @property
    def batch_attributes(self) -> Mapping[str, str]:
        """What describes the batch, canonical: project, vintage, country, type, ..."""
        return self._identity.attributes

    def with_range(self, start: int, end: int) -> SerialBlock:
        """The same block (issuance, project, vintage, fields, so space and batch) over `start`..`end`."""
        return dataclasses.replace(self, start=start, end=end)


def check_range(registry: Registry, start: int, end: int) -> None:
    """Refuse a range that is not whole numbers, starts below the lowest unit or runs backwards."""
    for name, value in (("block_start", start), ("block_end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerialError(name, f"{value!r} is not a whole number")
    lowest = lowest_unit(registry)
    if start < lowest:
        raise SerialError("block_start", f"{start} is below {lowest}, the first unit number")
    if end < start:
        raise SerialError("block_end", f"{end} is before block_start {start}")
