"""Every serial in the registry samples parses, with the quantity its row states, and writes back.

The samples are OffsetsDB extracts (tests/data/registry-samples/README.md). Besides parsing, each
row's other columns (project id, vintage, country) are checked against what the serial says.
"""

from __future__ import annotations

import pytest

from bridge.catalog import Registry
from bridge.serials import SerialError, parse_serial
from tests.support.registry_samples import SAMPLES, Sample, column, one, serial_rows


def by_path(sample: Sample) -> str:
    return sample.path


@pytest.mark.parametrize("sample", SAMPLES, ids=by_path)
def test_every_serial_row_parses_with_the_quantity_it_states(sample: Sample) -> None:
    rows = serial_rows(sample)
    assert len(rows) == sample.rows
    failures = []
    for number, text, quantity, row in rows:
        try:
            block = parse_serial(text, quantity=quantity)
        except SerialError as err:
            failures.append(f"row {number}: {text!r} (quantity {quantity}): {err}")
            continue
        problems = sample.check(block, row)
        if block.registry not in sample.registries:
            problems.append(f"read as {block.registry.name}")
        if block.quantity != quantity:
            problems.append(f"holds {block.quantity} units, the row says {quantity}")
        failures += [f"row {number}: {text!r}: {problem}" for problem in problems]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("sample", SAMPLES, ids=by_path)
def test_every_sample_serial_writes_back_to_the_same_block(sample: Sample) -> None:
    failures = []
    for number, text, quantity, _ in serial_rows(sample):
        block = parse_serial(text, quantity=quantity)
        again = parse_serial(block.serial, registry=block.registry)
        if again != block:
            failures.append(f"row {number}: {text!r} wrote {block.serial!r}, read {again}")
        if sample.writes_as_given and block.serial != text:
            failures.append(f"row {number}: {text!r} wrote {block.serial!r}")
        if block.quantity > 1:  # a sub-range keeps the issuance and every field
            half = block.with_range(block.start, block.start + block.quantity // 2 - 1)
            part = parse_serial(half.serial)
            if (part.issuance, part.fields, part.start, part.end) != (
                block.issuance,
                block.fields,
                half.start,
                half.end,
            ):
                failures.append(f"row {number}: {half.serial!r} read back as {part}")
    assert not failures, "\n".join(failures)


def test_isometric_retirement_records_are_refused_naming_record() -> None:
    """A retirement id names no units of its own: its credits are in an issuance (iss_...)."""
    retirements = Sample("isometric/retirements.csv", "credit_batch_size_total.credit_kgs",
                         column("retirement_id"), one(Registry.ISOMETRIC), 100)  # fmt: skip
    rows = serial_rows(retirements)
    assert len(rows) == retirements.rows
    for number, text, quantity, _ in rows:
        with pytest.raises(SerialError) as caught:
            parse_serial(text, quantity=quantity)
        assert caught.value.field == "record", f"row {number}: {text!r}"
        with pytest.raises(SerialError) as caught:
            parse_serial(text, registry=Registry.ISOMETRIC, quantity=quantity)
        assert caught.value.field == "record", f"row {number}: {text!r}"


def test_the_samples_cover_every_registry_with_published_serials() -> None:
    registries = set().union(*(sample.registries for sample in SAMPLES))
    assert registries == {
        Registry.VERRA,
        Registry.GOLD_STANDARD,
        Registry.CDM,
        Registry.ACR,
        Registry.ART,
        Registry.CAR,
        Registry.CERCARBONO,
        Registry.ISOMETRIC,
        Registry.CARB,
    }
