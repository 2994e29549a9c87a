"""Arithmetic on blocks of one issuance: overlap, containment, splitting and merging.

Splitting keeps every other attribute (batch id, project, vintage, fields), as registries do
when they retire or transfer part of a block.
"""

from __future__ import annotations

from itertools import pairwise

from bridge.serials.errors import SerialError
from bridge.serials.model import SerialBlock


def same_space(a: SerialBlock, b: SerialBlock) -> bool:
    """Whether the two blocks number units in the same space (`SerialBlock.space`)."""
    return a.registry is b.registry and a.space == b.space


def overlaps(a: SerialBlock, b: SerialBlock) -> bool:
    """Whether the blocks share a unit (same registry and space, intersecting ranges)."""
    return same_space(a, b) and a.start <= b.end and b.start <= a.end


def contains(outer: SerialBlock, inner: SerialBlock) -> bool:
    """Whether every unit of `inner` is in `outer`."""
    return same_space(outer, inner) and outer.start <= inner.start and inner.end <= outer.end


def take(block: SerialBlock, quantity: int) -> tuple[SerialBlock, SerialBlock | None]:
    """The first `quantity` units of `block`, and the rest (None when nothing is left)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise SerialError("quantity", f"{quantity!r} is not a whole number")
    if not 0 < quantity <= block.quantity:
        raise SerialError("quantity", f"cannot take {quantity} units from a block of {block.quantity}")
    first = block.with_range(block.start, block.start + quantity - 1)
    rest = None if first.end == block.end else block.with_range(first.end + 1, block.end)
    return first, rest


def subtract(block: SerialBlock, part: SerialBlock) -> list[SerialBlock]:
    """`block` without `part` (which it must contain): 0, 1 or 2 blocks, in unit order."""
    if not contains(block, part):
        raise SerialError("part", f"{part.serial} is not within {block.serial}")
    pieces = []
    if part.start > block.start:
        pieces.append(block.with_range(block.start, part.start - 1))
    if part.end < block.end:
        pieces.append(block.with_range(part.end + 1, block.end))
    return pieces


def partition(block: SerialBlock, parts: list[tuple[int, int]]) -> list[SerialBlock]:
    """`block` cut into the given `(start, end)` ranges, returned in the order given.

    The ranges must cover the block exactly, without gaps or overlaps, in any order.
    """
    if not parts:
        raise SerialError("parts", "no ranges given")
    expected = block.start  # the next unit a range must start at, going up
    previous: tuple[int, int] | None = None
    for start, end in sorted(parts):
        if end < start:
            raise SerialError("parts", f"range {start}-{end} runs backwards")
        if start < expected:
            clash = (
                f"starts before the block ({block.start})"
                if previous is None
                else f"overlaps {previous[0]}-{previous[1]}"
            )
            raise SerialError("parts", f"range {start}-{end} {clash}")
        if start > expected:
            raise SerialError("parts", f"units {expected}-{start - 1} are in no range (a gap)")
        expected = end + 1
        previous = (start, end)
    if expected - 1 != block.end:
        raise SerialError("parts", f"the ranges end at {expected - 1}, the block at {block.end}")
    return [block.with_range(start, end) for start, end in parts]


def merge(blocks: list[SerialBlock]) -> SerialBlock:
    """Adjacent blocks of one issuance (in any order) as one block.

    Every attribute but the range must be equal (one space is not enough: two Verra batches
    share one); gaps and overlaps are refused.
    """
    if not blocks:
        raise SerialError("blocks", "nothing to merge")
    ordered = sorted(blocks, key=lambda block: block.start)
    first = ordered[0]
    for before, after in pairwise(ordered):
        if not same_space(first, after):
            raise SerialError(
                "issuance",
                f"{after.registry.name} {after.issuance!r} is not {first.registry.name} {first.issuance!r}",
            )
        if after.with_range(first.start, first.end) != first:
            raise SerialError("fields", f"{after.serial} differs from {first.serial} beyond its range")
        if after.start <= before.end:
            raise SerialError("blocks", f"{after.serial} overlaps {before.serial}")
        if after.start > before.end + 1:
            raise SerialError("blocks", f"units {before.end + 1}-{after.start - 1} are missing (a gap)")
    return first.with_range(first.start, ordered[-1].end)
