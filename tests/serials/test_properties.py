"""Property-based tests (hypothesis) of the serial parsers and the range arithmetic.

The issue's demand: split then merge gives back the block, and no overlap is ever missed.

Serial texts are built from generated fields (ranges, ids, dates, countries from the package's
list), one builder per format family, and each builder knows what the parsed block must hold.
Mutations of valid serials must be refused with a `SerialError` naming a field, and no input
may raise anything else. The range arithmetic is checked against brute-force sets of units.
"""

from __future__ import annotations

import re

from hypothesis import assume, example, given
from hypothesis import strategies as st

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
from tests.support.serial_families import (
    _CDM_TAIL,
    ACR,
    CCER,
    CDM,
    CERCARBONO,
    FAMILIES,
    FUJIAN_FFCER,
    J_CREDIT,
    LONG,
    OPAQUE,
    PARSE_FIELDS,
    PURO,
    VERRA,
    VERRA_LEGACY,
    WITH_COUNTRY,
    WITH_VINTAGE_YEAR,
    Case,
    Family,
    bad_years,
    cases,
    cdm_unit,
    checked,
    countries,
    digits,
    free_text_ids,
    impossible_dates,
    not_countries,
    pieces_are_the_block,
    refused,
    unit_ranges,
    with_edge_cases,
)

# Parsing: valid serials read back.


@with_edge_cases()
@given(case=cases())
@checked(200)
def test_serial_from_generated_fields_parses_into_them_and_writes_back(case: Case) -> None:
    text = case.text()
    block = case.family.read(text)
    assert {name: getattr(block, name) for name in case.family.expect(case.parts)} == case.family.expect(
        case.parts
    )
    assert (block.start, block.end) == (case.start, case.end)
    assert block.quantity == case.end - case.start + 1
    assert block.serial == text
    assert case.family.read(block.serial) == block
    # Given its own registry and its quantity, the same block.
    assert parse_serial(text, registry=block.registry, quantity=block.quantity) == block


@with_edge_cases(data=None)
@given(case=cases(), data=st.data())
@checked(100)
def test_sub_range_writes_a_serial_that_keeps_the_issuance_and_fields(
    case: Case, data: st.DataObject | None
) -> None:
    block = case.block()
    if data is None:  # an edge case: a long range right after the block
        start, end = block.end + 1, block.end + LONG
    else:
        start, end = data.draw(unit_ranges(case.family.lowest, case.family.highest), label="sub-range")
    part = block.with_range(start, end)
    again = case.family.read(part.serial)
    assert again == part
    assert again.quantity == end - start + 1
    assert again.with_range(block.start, block.end) == block
    assert (again.registry, again.issuance, again.fields, again.project_id, again.country) == (
        block.registry,
        block.issuance,
        block.fields,
        block.project_id,
        block.country,
    )
    assert overlaps(again, block) == (start <= block.end and block.start <= end)


@given(case=cases((CDM,)))
@checked(30)
def test_cdm_single_unit_serial_is_the_block_of_one(case: Case) -> None:
    one = parse_serial(cdm_unit(case.parts, str(case.start)))
    assert one == case.block().with_range(case.start, case.start)
    assert one.quantity == 1


@given(case=cases((*OPAQUE, CERCARBONO)), quantity=st.integers(1, LONG))
@example(case=Case(J_CREDIT, {"id": "JCL-2023-0042"}, 1, 1), quantity=1)
@example(case=Case(CCER, {"id": "CCER-100-2024"}, 1, 1), quantity=LONG)
@checked(80)
def test_serial_without_a_range_and_a_quantity_is_units_one_to_quantity(case: Case, quantity: int) -> None:
    bare = case.text().rsplit("#" if case.family in OPAQUE else " ", 1)[0]
    block = case.family.read(bare, quantity=quantity)
    assert (block.start, block.end, block.quantity) == (1, quantity, quantity)
    assert block.issuance == case.family.expect(case.parts)["issuance"]
    assert case.family.read(block.serial) == block
    assert refused(lambda: case.family.read(bare)).field == "quantity"


#: Blanks and controls, ASCII or not: what the free-text id rules are about.
_BLANKS = " \t\n\x00\x1c\x1f\x7f\x85\xa0\u1680\u2003\u2028\u200b\u3000\ufeff"
#: Raw ids as typed: any characters, often some blanks, controls or "#", and blanks around them.
raw_ids = st.builds(
    "{}{}{}".format,
    st.text(_BLANKS, max_size=2),
    st.text(
        st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(_BLANKS + "#-")),
        min_size=1,
        max_size=10,
    ),
    st.text(_BLANKS, max_size=2),
)


@given(
    family=st.sampled_from([J_CREDIT, CCER, FUJIAN_FFCER]),
    raw_id=raw_ids,
    quantity=st.integers(1, 1000),
    data=st.data(),
)
# Regression: an id ending in a non-ASCII blank (no-break space, NEL, em space) was kept whole
# before "#", while the bare id lost it to strip(): two issuance keys for one id.
@example(family=J_CREDIT, raw_id="JCL-1\u00a0", quantity=5, data=None)
@example(family=CCER, raw_id="CCER-7\x85", quantity=5, data=None)
@example(family=FUJIAN_FFCER, raw_id="\u2003X", quantity=5, data=None)
# Regression: another registry's serial was refused as an id, but accepted with a "#" suffix.
@example(family=J_CREDIT, raw_id="ACR-US-407-2025-2899-1 to 100", quantity=5, data=None)
@example(family=CCER, raw_id="CDC_1_1_1_321_14_1", quantity=5, data=None)
@checked(150)
def test_free_text_id_and_its_sub_range_suffix_name_one_issuance(
    family: Family, raw_id: str, quantity: int, data: st.DataObject | None
) -> None:
    """An id read bare (with a quantity) and with a "#start-end" suffix: one numbering space.

    Either form may be refused, but an accepted suffix form must give the bare form's issuance, or
    two locks on the same units of one id would not overlap.
    """
    registry = family.registry
    try:
        whole = parse_serial(raw_id, registry=registry, quantity=quantity)
    except SerialError:
        whole = None
    if data is None:
        start, end = 1, quantity
    else:
        start = data.draw(st.integers(1, quantity), label="start")
        end = data.draw(st.integers(start, quantity), label="end")
    try:
        part = parse_serial(f"{raw_id}#{start}-{end}", registry=registry)
    except SerialError:
        return
    assert whole is not None, f"{raw_id!r} is refused bare but read with a suffix"
    assert part == whole.with_range(start, end)
    assert part.serial == f"{whole.issuance}#{start}-{end}"
    assert overlaps(part, whole)


# Parsing: mutations of valid serials are refused, naming a field.


@given(case=cases().filter(lambda case: case.start < case.end))
@checked(60)
def test_range_written_backwards_is_refused_naming_block_end(case: Case) -> None:
    err = refused(lambda: case.family.read(case.text(start=case.end, end=case.start)))
    assert err.field == "block_end"


@given(
    case=cases(tuple(family for family in FAMILIES if family.unpadded)),
    which=st.sampled_from(["start", "end"]),
)
@checked(60)
def test_unit_number_with_a_leading_zero_is_refused_naming_it(case: Case, which: str) -> None:
    number = getattr(case, which)
    err = refused(lambda: case.family.read(case.text(**{which: f"0{number}"})))
    assert err.field == f"block_{which}"


@given(case=cases(tuple(family for family in FAMILIES if family.lowest == 1)))
@checked(40)
def test_range_starting_below_the_first_unit_is_refused_naming_block_start(case: Case) -> None:
    assert refused(lambda: case.family.read(case.text(start=0))).field == "block_start"


@given(
    case=cases(),
    which=st.sampled_from(["start", "end"]),
    junk=st.sampled_from(["a", "x", "-", ".", ",", "+", "e", "_", "\u0661", "\uff11", "\u00b2", "\u00bd"]),
    data=st.data(),
)
@checked(80)
def test_non_digit_in_a_unit_number_is_refused(
    case: Case, which: str, junk: str, data: st.DataObject
) -> None:
    number = str(getattr(case, which))
    at = data.draw(st.integers(0, len(number)), label="at")
    refused(lambda: case.family.read(case.text(**{which: number[:at] + junk + number[at:]})))


@given(case=cases(), data=st.data())
@checked(80)
def test_stated_quantity_other_than_the_range_holds_is_refused_naming_quantity(
    case: Case, data: st.DataObject
) -> None:
    quantity = case.end - case.start + 1
    wrong = data.draw(st.integers(-5, 2 * quantity + 5).filter(lambda q: q != quantity), label="quantity")
    assert refused(lambda: case.family.read(case.text(), quantity=wrong)).field == "quantity"


@given(case=cases(WITH_COUNTRY), code=not_countries)
@checked(60)
def test_unknown_country_code_is_refused_naming_country(case: Case, code: str) -> None:
    assume(case.parts["country"] is not None)  # Cercarbono serials may have none
    assert refused(lambda: case.family.read(case.text(country=code))).field == "country"


@given(case=cases(WITH_VINTAGE_YEAR), bad=bad_years)
@checked(60)
def test_vintage_year_outside_1990_to_2100_is_refused_naming_it(case: Case, bad: str) -> None:
    assume(case.parts["vintage_year"] is not None)  # Cercarbono serials may have none
    assert refused(lambda: case.family.read(case.text(vintage_year=bad))).field == "vintage_year"


@given(
    case=cases((VERRA, VERRA_LEGACY)),
    which=st.sampled_from(["vintage_start", "vintage_end"]),
    bad=impossible_dates,
)
@example(
    case=Case(VERRA, VERRA.sample, 1, 10), which="vintage_start", bad="29022021"
)  # no 29 February in 2021
@example(case=Case(VERRA, VERRA.sample, 1, 10), which="vintage_end", bad="31042020")
@checked(80)
def test_impossible_vintage_date_is_refused_naming_it(case: Case, which: str, bad: str) -> None:
    assert refused(lambda: case.family.read(case.text(**{which: bad}))).field == which


@given(case=cases((VERRA, VERRA_LEGACY)))
@checked(30)
def test_vintage_period_ending_before_it_starts_is_refused_naming_vintage_end(case: Case) -> None:
    first, last = case.parts["vintage_start"], case.parts["vintage_end"]
    assume(first != last)
    err = refused(lambda: case.family.read(case.text(vintage_start=last, vintage_end=first)))
    assert err.field == "vintage_end"


@given(case=cases((CDM,)), data=st.data())
@checked(50)
def test_cdm_halves_that_differ_beyond_the_number_are_refused_naming_the_part(
    case: Case, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(["country", "unit_type", *_CDM_TAIL]), label="part")
    others = countries if name == "country" else digits(3)
    other = data.draw(others.filter(lambda value: value != case.parts[name]), label="other")
    text = f"{cdm_unit(case.parts, str(case.start))} - {cdm_unit({**case.parts, name: other}, str(case.end))}"
    assert refused(lambda: parse_serial(text)).field == name


# The separators between the parts of a serial, kept by re.split.
_SEPARATORS = re.compile(r"( to | - |[-_ #])")


def drop_or_repeat(text: str, index: int, repeat: bool) -> str:
    """`text` with one of its parts (between separators) dropped or written twice."""
    tokens = _SEPARATORS.split(text)
    at = 2 * (index % ((len(tokens) + 1) // 2))  # parts sit at the even indexes
    separator = tokens[at + 1] if at + 1 < len(tokens) else tokens[at - 1]
    if repeat:
        tokens[at : at + 1] = [tokens[at], separator, tokens[at]]
    elif at + 1 < len(tokens):
        del tokens[at : at + 2]  # the part and the separator after it
    else:
        del tokens[at - 1 : at + 1]  # the last part and the separator before it
    return "".join(tokens)


@given(
    case=cases(tuple(family for family in FAMILIES if family.fixed_parts)),
    index=st.integers(0, 20),
    repeat=st.booleans(),
)
@example(case=Case(ACR, ACR.sample, 1, 100), index=4, repeat=False)  # drops the batch id
@example(case=Case(VERRA, VERRA.sample, 1, 100), index=3, repeat=False)  # drops "VCS": a legacy shape
@checked(150)
def test_serial_with_a_part_dropped_or_repeated_is_refused(case: Case, index: int, repeat: bool) -> None:
    refused(lambda: case.family.read(drop_or_repeat(case.text(), index, repeat)))


# Fuzzing: nothing but SerialError, and what is accepted reads back.


def read_or_refuse(text: str, registry: Registry | None = None, quantity: object = None) -> None:
    try:
        block = parse_serial(text, registry=registry, quantity=quantity)  # type: ignore[arg-type]
    except SerialError as err:
        assert err.field in PARSE_FIELDS, err
        return
    assert isinstance(block, SerialBlock)
    assert block.quantity >= 1
    assert parse_serial(block.serial, registry=block.registry) == block


_huge = "9" * 5000


@given(
    text=st.text(max_size=80),
    registry=st.none() | st.sampled_from(Registry),
    quantity=st.none() | st.integers(-3, 10**12) | st.booleans() | st.floats() | st.text(max_size=3),
)
# Regression: unit numbers (and Verra's sectoral scope) beyond Python's int-string conversion limit
# (4300 digits) raised a bare ValueError.
@example(text=f"ACR-US-407-2025-2899-1 to {_huge}", registry=None, quantity=None)
@example(text=f"GS1-1-UG-GS11236-16-2024-30307-{_huge}-{_huge}", registry=None, quantity=None)
@example(
    text=f"19385-1-10-VCS-VCU-1507-VER-ET-{_huge}-1340-01012020-31122020-1", registry=None, quantity=None
)
@example(text=f"CDC_1_1_1_321_14_1 0-{'9' * 4300}", registry=None, quantity=5)
@example(text=f"X#1-{_huge}", registry=Registry.J_CREDIT, quantity=None)
@example(text="", registry=None, quantity=None)
@example(text="\u00a0\t\n", registry=Registry.CCER, quantity=1)
@checked(300)
def test_any_text_is_read_or_refused_with_a_serial_error(
    text: str, registry: Registry | None, quantity: object
) -> None:
    read_or_refuse(text, registry, quantity)


_EDIT_CHARACTERS = "0123456789-_ #toVCSUABFXZ\u00a0\u0661\uff11\t"


@given(
    case=cases(),
    edits=st.lists(
        st.tuples(
            st.integers(0, 200),
            st.sampled_from(["insert", "delete", "replace"]),
            st.sampled_from(_EDIT_CHARACTERS),
        ),
        min_size=1,
        max_size=4,
    ),
    with_registry=st.booleans(),
)
@checked(150)
def test_edited_serial_is_read_back_or_refused_with_a_serial_error(
    case: Case, edits: list[tuple[int, str, str]], with_registry: bool
) -> None:
    text = case.text()
    for position, edit, character in edits:
        at = position % (len(text) + 1)
        if edit == "insert":
            text = text[:at] + character + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + character + text[at + 1 :]
    registry = case.family.registry if with_registry or not case.family.detectable else None
    read_or_refuse(text, registry)


# Range arithmetic.


@st.composite
def blocks_and_partitions(draw: st.DrawFn) -> tuple[SerialBlock, list[tuple[int, int]]]:
    """A block and its range cut into at most 9 ranges, listed in any order."""
    block = draw(cases()).block()
    cuts = draw(
        st.lists(st.integers(block.start + 1, block.end), max_size=8, unique=True)
        if block.quantity > 1
        else st.just([])
    )
    bounds = [block.start, *sorted(cuts), block.end + 1]
    parts = [(low, high - 1) for low, high in zip(bounds, bounds[1:], strict=False)]
    return block, draw(st.permutations(parts))


@given(block_and_parts=blocks_and_partitions())
@example(block_and_parts=(Case(VERRA, VERRA.sample, 1, 1).block(), [(1, 1)]))
@example(block_and_parts=(Case(ACR, ACR.sample, 1, LONG).block(), [(LONG, LONG), (1, LONG - 1)]))
@example(block_and_parts=(Case(CERCARBONO, CERCARBONO.sample, 0, 2).block(), [(2, 2), (0, 0), (1, 1)]))
@checked(150)
def test_merge_of_any_partition_is_the_block(
    block_and_parts: tuple[SerialBlock, list[tuple[int, int]]],
) -> None:
    block, parts = block_and_parts
    pieces = partition(block, parts)
    assert [(piece.start, piece.end) for piece in pieces] == parts
    pieces_are_the_block(pieces, block)
    assert merge(pieces) == block
    assert merge(pieces[::-1]) == block
    # Without a piece from the middle, or with a piece twice, the pieces do not merge.
    ordered = sorted(pieces, key=lambda piece: piece.start)
    if len(ordered) > 2:
        assert refused(lambda: merge(ordered[:1] + ordered[2:])).field == "blocks"
    assert refused(lambda: merge([*pieces, pieces[0]])).field == "blocks"


@with_edge_cases(data=None)
@given(case=cases(), data=st.data())
@checked(100)
def test_take_then_merge_is_the_block(case: Case, data: st.DataObject | None) -> None:
    block = case.block()
    if data is None:  # an edge case: half the block, or all of a block of one
        quantity = max(1, block.quantity // 2)
    else:
        quantity = data.draw(st.integers(1, block.quantity), label="quantity")
    first, rest = take(block, quantity)
    assert (first.start, first.quantity) == (block.start, quantity)
    if rest is None:
        assert first == block
        return
    assert rest.end == block.end
    pieces_are_the_block([first, rest], block)
    assert merge([first, rest]) == merge([rest, first]) == block
    assert refused(lambda: take(block, block.quantity + 1)).field == "quantity"


@with_edge_cases(data=None)
@given(case=cases(), data=st.data())
@checked(100)
def test_subtract_leaves_pieces_that_merge_back_with_the_part(case: Case, data: st.DataObject | None) -> None:
    block = case.block()
    if data is None:  # an edge case: the middle unit
        start = end = (block.start + block.end) // 2
    else:
        start = data.draw(st.integers(block.start, block.end), label="start")
        end = data.draw(st.integers(start, block.end), label="end")
    part = block.with_range(start, end)
    pieces = subtract(block, part)
    assert len(pieces) == (start > block.start) + (end < block.end)
    assert pieces == sorted(pieces, key=lambda piece: piece.start)
    assert not any(overlaps(piece, part) for piece in pieces)
    pieces_are_the_block([*pieces, part], block)
    assert merge([*pieces, part]) == block


def units(block: SerialBlock) -> set[tuple[Registry, str, int]]:
    """Every unit of a small block, named by its numbering space and number."""
    return {(block.registry, block.space, unit) for unit in range(block.start, block.end + 1)}


small_ranges = st.builds(
    lambda start, length: (start, start + length - 1), st.integers(1, 60), st.integers(1, 25)
)


@given(case=cases(lowest=1), first=small_ranges, second=small_ranges, offset=st.sampled_from([0, LONG]))
@example(case=Case(PURO, PURO.sample, 1, 1), first=(5, 5), second=(5, 5), offset=0)  # block of one
@example(case=Case(PURO, PURO.sample, 1, 1), first=(1, 9), second=(10, 12), offset=LONG)  # adjacent
@checked(200)
def test_overlaps_and_contains_agree_with_the_sets_of_units(
    case: Case, first: tuple[int, int], second: tuple[int, int], offset: int
) -> None:
    block = case.block()
    a = block.with_range(first[0] + offset, first[1] + offset)
    b = block.with_range(second[0] + offset, second[1] + offset)
    assert overlaps(a, b) == overlaps(b, a) == bool(units(a) & units(b))
    assert contains(a, b) == (units(b) <= units(a))
    assert contains(b, a) == (units(a) <= units(b))
    assert overlaps(a, a) and contains(a, a)


@given(case=cases(lowest=1), first=small_ranges, length=st.integers(1, 25))
@checked(60)
def test_adjacent_blocks_never_overlap_and_merge_into_one(
    case: Case, first: tuple[int, int], length: int
) -> None:
    block = case.block()
    a = block.with_range(*first)
    b = block.with_range(a.end + 1, a.end + length)
    assert not overlaps(a, b) and not overlaps(b, a)
    assert merge([b, a]) == block.with_range(a.start, b.end)
    gap = block.with_range(a.end + 2, a.end + 1 + length)
    assert refused(lambda: merge([a, gap])).field == "blocks"
    clash = block.with_range(a.end, a.end + length)
    assert refused(lambda: merge([a, clash])).field == "blocks"


@given(first=cases(lowest=1), second=cases(lowest=1), bounds=small_ranges)
@checked(80)
def test_blocks_of_different_issuances_never_overlap_even_over_the_same_numbers(
    first: Case, second: Case, bounds: tuple[int, int]
) -> None:
    a, b = first.block(), second.block()
    assume((a.registry, a.space) != (b.registry, b.space))
    a, b = a.with_range(*bounds), b.with_range(*bounds)
    assert not overlaps(a, b) and not overlaps(b, a)
    assert not contains(a, b) and not contains(b, a)
    assert refused(lambda: merge([a, b])).field == "issuance"


@given(
    id_=free_text_ids,
    registries=st.lists(st.sampled_from([J_CREDIT, CCER, FUJIAN_FFCER]), min_size=2, max_size=2, unique=True),
)
@checked(30)
def test_one_free_text_id_in_two_registries_never_overlaps(id_: str, registries: list[Family]) -> None:
    a, b = (family.read(f"{id_}#1-10") for family in registries)
    assert a.issuance == b.issuance
    assert not overlaps(a, b) and not contains(a, b)


# The registry ledger: no overlap is ever missed.


@st.composite
def lock_requests(draw: st.DrawFn) -> list[tuple[Family, str]]:
    """Lock requests as serial texts: random sub-ranges of one issuance, some of up to 2 others."""
    main, *others = draw(st.lists(cases(lowest=1), min_size=1, max_size=3))
    base = draw(st.sampled_from([0, 1000, LONG]))  # where the requests' unit numbers lie
    requests = []
    for _ in range(draw(st.integers(1, 25))):
        space = draw(st.sampled_from(others)) if others and draw(st.booleans()) else main
        start = base + draw(st.integers(1, 120))
        request = space.block().with_range(start, start + draw(st.integers(0, 30)))
        requests.append((space.family, request.serial))
    return requests


@given(requests=lock_requests())
@example(requests=[(CDM, "RW-5-10-2-2-0-7014 - RW-5-20-2-2-0-7014"), (CDM, "RW-5-20-2-2-0-7014")])
@example(requests=[(CERCARBONO, "CDC_1_1_1_321_14_1 0-999"), (CERCARBONO, "CDC_1_1_1_321_14_1 999-1000")])
@example(requests=[(J_CREDIT, "JCL-1#1-5"), (CCER, "JCL-1#1-5"), (J_CREDIT, "JCL-1#5-5")])
@checked(100)
def test_ledger_using_overlaps_accepts_exactly_the_requests_disjoint_from_those_accepted(
    requests: list[tuple[Family, str]],
) -> None:
    accepted: list[SerialBlock] = []
    locked: set[tuple[Registry, str, int]] = set()  # brute force: every unit accepted so far
    for family, text in requests:
        request = family.read(text)
        clash = any(overlaps(request, held) for held in accepted)
        assert clash == bool(units(request) & locked), text
        if not clash:
            accepted.append(request)
            locked |= units(request)
    # What was accepted never double-counts a unit.
    assert sum(block.quantity for block in accepted) == len(locked)
