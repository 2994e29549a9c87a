"""Range arithmetic on blocks: overlap, containment, take, subtract, partition, merge."""

from __future__ import annotations

import dataclasses

import pytest

from bridge.catalog import Registry
from bridge.serials import (
    SerialBlock,
    SerialError,
    contains,
    merge,
    overlaps,
    parse_serial,
    partition,
    subtract,
    take,
)

# A Verra issuance of units 100..199, and pieces of it.
BLOCK = parse_serial("19298-100-199-VCS-VCU-1491-VER-BR-1-513-01012018-31122018-0")
# Same numbers, another batch: Verra numbers units registry-wide, so the same units.
OTHER_BATCH = parse_serial("19299-100-199-VCS-VCU-1491-VER-BR-1-513-01012018-31122018-0")
# Gold Standard numbers from 1 in each batch: two batches are two numbering spaces.
GS_BATCH = parse_serial("GS1-1-UG-GS11236-16-2024-30307-100-199")
GS_OTHER_BATCH = parse_serial("GS1-1-UG-GS11236-16-2024-30308-100-199")


def units(block: SerialBlock, start: int, end: int) -> SerialBlock:
    return block.with_range(start, end)


def ranges(blocks: list[SerialBlock]) -> list[tuple[int, int]]:
    return [(block.start, block.end) for block in blocks]


def refused(call: object, *args: object) -> SerialError:
    with pytest.raises(SerialError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


# overlaps / contains


def test_block_overlaps_itself() -> None:
    assert overlaps(BLOCK, BLOCK)


def test_intersecting_ranges_of_one_issuance_overlap() -> None:
    assert overlaps(units(BLOCK, 100, 150), units(BLOCK, 150, 199))
    assert overlaps(units(BLOCK, 120, 130), BLOCK)
    assert overlaps(BLOCK, units(BLOCK, 199, 199))


def test_adjacent_ranges_do_not_overlap() -> None:
    assert not overlaps(units(BLOCK, 100, 149), units(BLOCK, 150, 199))
    assert not overlaps(units(BLOCK, 150, 199), units(BLOCK, 100, 149))


def test_blocks_of_different_spaces_never_overlap() -> None:
    assert not overlaps(GS_BATCH, GS_OTHER_BATCH)
    assert not contains(GS_BATCH, GS_OTHER_BATCH)


def test_verra_blocks_of_two_batches_over_the_same_numbers_overlap() -> None:
    assert BLOCK.space == OTHER_BATCH.space == "VCU"
    assert overlaps(BLOCK, OTHER_BATCH) and contains(BLOCK, OTHER_BATCH)


def test_same_opaque_id_in_two_registries_does_not_overlap() -> None:
    j_credit = parse_serial("X-1", registry=Registry.J_CREDIT, quantity=10)
    ccer = parse_serial("X-1", registry=Registry.CCER, quantity=10)
    assert not overlaps(j_credit, ccer)


def test_opaque_sub_ranges_of_one_id_overlap_like_any_block() -> None:
    whole = parse_serial("iss_1KP6EDZ8K1S036PY", quantity=1000)
    assert overlaps(units(whole, 1, 500), units(whole, 500, 1000))
    assert not overlaps(units(whole, 1, 499), units(whole, 500, 1000))


def test_block_contains_its_sub_ranges_and_itself() -> None:
    assert contains(BLOCK, BLOCK)
    assert contains(BLOCK, units(BLOCK, 100, 100))
    assert contains(BLOCK, units(BLOCK, 120, 180))


def test_block_does_not_contain_a_range_sticking_out() -> None:
    assert not contains(units(BLOCK, 100, 150), units(BLOCK, 140, 160))
    assert not contains(units(BLOCK, 120, 199), units(BLOCK, 100, 130))
    assert not contains(units(BLOCK, 120, 130), BLOCK)


# take


def test_take_gives_the_first_units_and_the_rest() -> None:
    first, rest = take(BLOCK, 30)
    assert ranges([first]) == [(100, 129)]
    assert rest is not None and ranges([rest]) == [(130, 199)]


def test_take_keeps_every_other_field() -> None:
    first, rest = take(BLOCK, 30)
    assert rest is not None
    for piece in (first, rest):
        assert (piece.issuance, piece.fields, piece.project_id) == (
            BLOCK.issuance,
            BLOCK.fields,
            BLOCK.project_id,
        )
        assert (piece.vintage_start, piece.vintage_end, piece.country) == (
            BLOCK.vintage_start,
            BLOCK.vintage_end,
            BLOCK.country,
        )
    assert first.serial == "19298-100-129-VCS-VCU-1491-VER-BR-1-513-01012018-31122018-0"


def test_take_of_everything_leaves_nothing() -> None:
    assert take(BLOCK, 100) == (BLOCK, None)


@pytest.mark.parametrize("quantity", [0, -1, 101])
def test_take_of_nothing_or_more_than_the_block_is_refused_naming_quantity(
    quantity: int,
) -> None:
    assert refused(take, BLOCK, quantity).field == "quantity"


# subtract


def test_subtract_from_the_middle_gives_two_pieces() -> None:
    assert ranges(subtract(BLOCK, units(BLOCK, 120, 129))) == [(100, 119), (130, 199)]


def test_subtract_from_either_end_gives_one_piece() -> None:
    assert ranges(subtract(BLOCK, units(BLOCK, 100, 119))) == [(120, 199)]
    assert ranges(subtract(BLOCK, units(BLOCK, 190, 199))) == [(100, 189)]


def test_subtract_of_the_whole_block_gives_nothing() -> None:
    assert subtract(BLOCK, BLOCK) == []


def test_subtract_of_a_part_not_within_the_block_is_refused() -> None:
    assert refused(subtract, units(BLOCK, 100, 150), units(BLOCK, 140, 160)).field == "part"
    assert refused(subtract, GS_BATCH, GS_OTHER_BATCH).field == "part"


# partition / merge


def test_partition_exact_cover_in_any_order_keeps_the_order_given() -> None:
    pieces = partition(BLOCK, [(150, 199), (100, 119), (120, 149)])
    assert ranges(pieces) == [(150, 199), (100, 119), (120, 149)]
    assert all(piece.fields == BLOCK.fields for piece in pieces)


@pytest.mark.parametrize(
    "parts",
    [
        [(100, 119), (121, 199)],  # gap
        [(100, 120), (120, 199)],  # overlap
        [(100, 149)],  # short of the end
        [(101, 199)],  # short of the start
        [(100, 199), (200, 210)],  # beyond the end
        [(90, 199)],  # before the start
        [(100, 150), (160, 150), (151, 199)],  # backwards
        [],
    ],
)
def test_partition_that_is_not_an_exact_cover_is_refused_naming_parts(
    parts: list[tuple[int, int]],
) -> None:
    assert refused(partition, BLOCK, parts).field == "parts"


def test_merge_of_a_partition_is_the_original_block() -> None:
    pieces = partition(BLOCK, [(150, 199), (100, 100), (101, 149)])
    assert merge(pieces) == BLOCK


def test_merge_of_opaque_pieces_is_the_original_block() -> None:
    whole = parse_serial("CAOD1007-A", quantity=79565)
    first, rest = take(whole, 1000)
    assert rest is not None
    assert merge([rest, first]) == whole


def test_merge_with_a_gap_or_overlap_is_refused() -> None:
    assert refused(merge, [units(BLOCK, 100, 119), units(BLOCK, 121, 199)]).field == "blocks"
    assert refused(merge, [units(BLOCK, 100, 120), units(BLOCK, 120, 199)]).field == "blocks"
    assert refused(merge, []).field == "blocks"


def test_merge_of_different_spaces_is_refused() -> None:
    first = units(GS_BATCH, 100, 149)
    other = units(GS_OTHER_BATCH, 150, 199)
    assert refused(merge, [first, other]).field == "issuance"


def test_merge_of_two_verra_batches_is_refused_though_they_share_a_space() -> None:
    assert refused(merge, [units(BLOCK, 100, 149), units(OTHER_BATCH, 150, 199)]).field == "fields"


def test_merge_of_blocks_whose_fields_differ_is_refused() -> None:
    first = units(BLOCK, 100, 149)
    odd = dataclasses.replace(units(BLOCK, 150, 199), project_id="514")
    assert refused(merge, [first, odd]).field == "fields"


def test_merge_of_one_block_is_that_block() -> None:
    assert merge([BLOCK]) == BLOCK
