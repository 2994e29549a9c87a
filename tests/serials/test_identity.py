"""Block identity: `space`, `batch` and `batch_attributes` are what a registry guarantees unique.

A table of re-spellings per registry (each must land in its block's space, and overlap it),
the keys over every real row in tests/data, and properties: the keys survive rendering and
sub-ranges, and canonicalisation is a fixed point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.catalog import Registry
from bridge.serials import SerialBlock, SerialError, overlaps, parse_serial
from bridge.serials.identity import MAX_KEY, bounded, canonical_id
from bridge.serials.parse import LAYOUTS
from tests.support.registry_samples import SAMPLES, serial_rows
from tests.support.serial_families import (
    ACR,
    ACR_DASH,
    ART,
    CAR,
    CARB,
    CCER,
    CDM,
    CERCARBONO,
    FUJIAN_FFCER,
    GOLD_STANDARD,
    J_CREDIT,
    LONG,
    VERRA,
    VERRA_LEGACY,
    Case,
    Family,
    cases,
    checked,
    free_text_ids,
)

OPAQUE_FREE_TEXT = (J_CREDIT, CCER, FUJIAN_FFCER, CARB)

J, C, F = Registry.J_CREDIT, Registry.CCER, Registry.FUJIAN_FFCER


@dataclass(frozen=True)
class Respelling:
    """Two serials of the same units: one space, overlapping; `same` says what else agrees."""

    name: str
    first: str
    second: str
    #: Whether the batch_attributes agree (False: the service refuses the second, naming the field).
    same_attributes: bool = True
    #: Whether it is the same batch (False: another batch id in a registry-wide numbering).
    same_batch: bool = True
    registry: Registry | None = None


VCU = "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"
GS = "GS1-1-UG-GS11236-16-2024-30307-1-19149"
ACR_TO = "ACR-US-407-2025-2899-1 to 179663"
CAR_CRT = "CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000"
CER = "RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7014"
PURO = "PURO_PR_CORC100+_FI_577166_2020_055a3fbe-eabc-4535-b9cf-1028e7d18f89_1-100"
GSRN = "PURO_PR_CORC100+_FI_577166_2020_643002406555908611000000000001-643002406555908611000000000100"

# fmt: off
RESPELLINGS = [
    # Verra numbers units registry-wide: only the range says which units.
    Respelling("Verra other batch id", VCU, VCU.replace("19385-", "19386-", 1), same_batch=False),
    Respelling("Verra label flag", VCU, VCU[:-1] + "0"),
    Respelling("Verra other project id", VCU, VCU.replace("-1340-", "-1341-"), same_attributes=False),
    Respelling("Verra leading zeros", VCU,
               "019385-941467007-941467431-VCS-VCU-01507-VER-ET-014-01340-01012020-31122020-1"),
    Respelling("Verra legacy APX form", VCU,
               "19385-941467007-941467431-VCU-1507-APX-ET-14-1340-01012020-31122020-1"),
    Respelling("Verra legacy Markit form", VCU,
               "19385-941467007-941467431-VCU-1507-MER-ET-14-1340-01012020-31122020-0"),
    Respelling("Verra other vintage", VCU, VCU.replace("01012020-31122020", "01012021-31122021"),
               same_attributes=False),
    # Gold Standard, ACR, ART, CAR: the batch scopes the numbers.
    Respelling("GS other vintage year", GS, GS.replace("-2024-", "-2023-"), same_attributes=False),
    Respelling("GS other project type", GS, GS.replace("-16-", "-12-"), same_attributes=False),
    Respelling("GS other project", GS, GS.replace("GS11236", "GS11237"), same_attributes=False),
    Respelling("GS without the GS prefix", GS, GS.replace("GS11236", "11236")),
    Respelling("GS leading zeros", GS, "GS01-01-UG-GS011236-016-2024-030307-1-19149"),
    Respelling("ACR leading zero in the project", ACR_TO, "ACR-US-0407-2025-2899-1 to 179663"),
    Respelling("ACR dash form", ACR_TO, "ACR-US-407-2025-2899-1-179663"),
    Respelling("ACR other vintage", ACR_TO, ACR_TO.replace("-2025-", "-2024-"), same_attributes=False),
    Respelling("ART as FCPF", "ART-CI-130-2023-20-1 to 46404", "FCPF-CI-130-2023-20-1 to 46404",
               same_attributes=False),
    Respelling("ART leading zeros", "FCPF-CI-130-2023-20-1 to 46404", "FCPF-CI-0130-2023-020-1 to 46404"),
    Respelling("CAR other account", CAR_CRT, CAR_CRT.replace("-983-", "-984-"), same_attributes=False),
    Respelling("CAR as ROC", CAR_CRT, CAR_CRT.replace("CAR-1-", "CAR-ROC-"), same_attributes=False),
    Respelling("CAR leading zeros", CAR_CRT, "CAR-01-US-01335-031-0983-KS-2025-09205-1 to 5000"),
    # CDM: the Party of origin scopes the numbers.
    Respelling("CDM other applicable commitment period", CER, CER.replace("-2-2-0-", "-2-1-0-")),
    Respelling("CDM leading zero in the project", CER, CER.replace("-7014", "-07014")),
    Respelling("CDM other project", CER, CER.replace("-7014", "-7015"), same_batch=False),
    Respelling("CDM tCER of the party", CER, CER.replace("RW-5-", "RW-6-"), same_batch=False),
    # Puro: the issuance (or, in the older form, the GSRN) scopes the numbers.
    Respelling("Puro issuance id in upper case", PURO, PURO.replace("055a3fbe-eabc", "055A3FBE-EABC")),
    Respelling("Puro other vintage", PURO, PURO.replace("_2020_", "_2021_"), same_attributes=False),
    Respelling("Puro other facility", PURO, PURO.replace("577166", "577167"), same_attributes=False),
    Respelling("Puro GSRN other vintage and credit type", GSRN,
               GSRN.replace("CORC100+_FI_577166_2020", "CORC_FI_577166_2021")),
    Respelling("Cercarbono leading zeros", "CDC_1_1_1_321_14_1_2009 4426-4971",
               "CDC_001_01_1_0321_14_1_2009 4426-4971"),
    # Opaque ids: one canonical id.
    Respelling("J-Credit lower case", "JCL-2023-0042#1-10", "jcl-2023-0042#1-10", registry=J),
    Respelling("J-Credit leading zeros", "JCL-2023-0042#1-10", "JCL-2023-42#1-10", registry=J),
    Respelling("J-Credit full width", "JCL-2023-0042#1-10", "ＪＣＬ－２０２３－００４２#1-10", registry=J),
    Respelling("CCER Unicode hyphen", "CCER-100-2024#1-10", "CCER\u2010100\u20112024#1-10", registry=C),
    Respelling("CCER en dash and minus", "CCER-100-2024#1-10", "CCER\u2013100\u22122024#1-10", registry=C),
    Respelling("FFCER blanks", "FFCER 2024 7#1-10", "FFCER \u00a0 2024\u3000 7#1-10", registry=F),
    Respelling("FFCER Arabic-Indic digits", "FFCER-12#1-10", "FFCER-\u0661\u0662#1-10", registry=F),
    Respelling("Isometric lower case", "iss_1KP6EDZ8K1S036PY#1-10", "ISS_1kp6edz8k1s036py#1-10"),
    Respelling("Isometric Crockford O and I", "iss_1KP6EDZ8K1S036PY#1-10", "iss_IKP6EDZ8KlSO36PY#1-10"),
    Respelling("CARB case and zeros", "CAOD1007-A#1-10", "caod01007-a#1-10"),
]

UNRELATED = [
    ("GS other batch", GS, GS.replace("-30307-", "-30308-"), None),
    ("ACR other batch", ACR_TO, ACR_TO.replace("-2899-", "-2900-"), None),
    ("ART other batch", "FCPF-CI-130-2023-20-1 to 46404", "FCPF-CI-130-2023-21-1 to 46404", None),
    ("CAR other batch", CAR_CRT, CAR_CRT.replace("-9205-", "-9206-"), None),
    ("CDM other party", CER, CER.replace("RW-", "UG-"), None),
    ("Puro other issuance", PURO, PURO.replace("055a3fbe", "155a3fbe"), None),
    ("Puro GSRN other GSRN", GSRN, GSRN.replace("643002406555908611", "643002406555908612"), None),
    ("Puro current and GSRN forms", PURO, GSRN, None),
    ("Cercarbono other serial", "CDC_1_1_1_321_14_1_2009 1-10", "CDC_1_1_1_321_14_2_2009 1-10", None),
    ("J-Credit other id", "JCL-2023-0042#1-10", "JCL-2023-0043#1-10", J),
    ("J-Credit id with a space", "JCL-2023#1-10", "JCL 2023#1-10", J),
    ("Isometric other id", "iss_1KP6EDZ8K1S036PY#1-10", "iss_1KP6EDZ8K1S036PZ#1-10", None),
    # Zeros inside a Crockford code are digits, not padding.
    ("Isometric zero moved", "iss_1KP6EDZ8K1S036PY#1-10", "iss_1KP6EDZ8K1S306PY#1-10", None),
    ("CARB other issuance", "CAOD1007-A#1-10", "CAOD1007-B#1-10", None),
]
# fmt: on


def read(text: str, registry: Registry | None) -> SerialBlock:
    return parse_serial(text, registry=registry)


@pytest.mark.parametrize("case", RESPELLINGS, ids=lambda case: case.name)
def test_respelling_lands_in_the_same_space_and_overlaps(case: Respelling) -> None:
    a, b = read(case.first, case.registry), read(case.second, case.registry)
    assert a.registry is b.registry
    assert a.space == b.space
    assert overlaps(a, b) and overlaps(b, a)
    assert (a.batch == b.batch) == case.same_batch
    if case.same_batch:
        assert (a.batch_attributes == b.batch_attributes) == case.same_attributes, (
            dict(a.batch_attributes),
            dict(b.batch_attributes),
        )


@pytest.mark.parametrize(("name", "first", "second", "registry"), UNRELATED, ids=[u[0] for u in UNRELATED])
def test_unrelated_blocks_over_the_same_numbers_do_not_overlap(
    name: str, first: str, second: str, registry: Registry | None
) -> None:
    a, b = read(first, registry), read(second, registry)
    a = a.with_range(1, 10)
    b = b.with_range(1, 10)
    assert a.space != b.space
    assert not overlaps(a, b)


def test_every_registry_keys_are_as_documented() -> None:
    assert read(VCU, None).space == "VCU"
    assert read(VCU, None).batch == "batch=19385"
    assert read(GS, None).space == read(GS, None).batch == "batch=30307"
    assert read(CER, None).space == "party=RW"
    assert read(CER, None).batch == "party=RW;project=7014;unit_type=5;original_cp=2"
    assert read("CAOD01007-A#1-5", None).space == "CAOD1007-A"
    assert read("中国-01#1-5", C).space == "\\u4e2d\\u56fd-1"


def test_mutable_fields_are_no_batch_attributes() -> None:
    for layout in LAYOUTS:
        for name, reason in layout.mutable.items():
            assert reason
            assert name not in {"project_id", "country"}
    assert "additional_certification" not in read(VCU, None).batch_attributes
    assert "applicable_commitment_period" not in read(CER, None).batch_attributes


def test_hand_made_block_gets_its_keys_from_its_layout() -> None:
    block = SerialBlock(
        registry=Registry.J_CREDIT, issuance="jcl-0042", start=1, end=5, project_id="", opaque=True
    )
    assert (block.space, block.batch, dict(block.batch_attributes)) == ("JCL-42", "JCL-42", {})
    odd = SerialBlock(registry=Registry.GOLD_STANDARD, issuance="x", start=1, end=2, project_id="GS1")
    with pytest.raises(SerialError) as caught:
        _ = odd.space
    assert caught.value.field == "issuance"


def test_long_keys_are_replaced_by_their_digest() -> None:
    long = "A" * (MAX_KEY + 1)
    assert bounded("A" * MAX_KEY) == "A" * MAX_KEY
    assert bounded(long).startswith("sha256:") and len(bounded(long)) <= MAX_KEY
    block = read("X" * 300 + "#1-5", J)
    assert len(block.space) <= MAX_KEY and block.space != read("X" * 301 + "#1-5", J).space


# Every real row: no false conflict, no false refusal.


def sample_blocks() -> list[tuple[str, SerialBlock]]:
    out = []
    for sample in SAMPLES:
        for number, text, quantity, _ in serial_rows(sample):
            out.append((f"{sample.path} row {number}", parse_serial(text, quantity=quantity)))
    return out


def test_real_rows_that_share_units_are_the_same_units() -> None:
    """Rows overlapping under the keys (a retirement inside its issuance, a row listed twice)
    are one batch described alike; rows of different batches or projects never share a unit."""
    by_space: dict[tuple[Registry, str], list[tuple[str, SerialBlock]]] = defaultdict(list)
    for where, block in sample_blocks():
        by_space[block.registry, block.space].append((where, block))
    shared = 0
    problems = []
    for rows in by_space.values():
        for i, (where, a) in enumerate(rows):
            for other, b in rows[i + 1 :]:
                if overlaps(a, b):
                    shared += 1
                    if (a.batch, a.batch_attributes, a.project_id) != (
                        b.batch,
                        b.batch_attributes,
                        b.project_id,
                    ):
                        problems.append(f"{where} {a.serial!r} and {other} {b.serial!r}")
    assert not problems, "\n".join(problems)
    assert shared > 0  # the check is not vacuous: the samples do list units twice
    assert len(by_space[Registry.VERRA, "VCU"]) == 200  # every Verra row in one space


def test_real_rows_of_one_batch_agree_on_its_attributes() -> None:
    by_batch: dict[tuple[Registry, str], set[tuple[tuple[str, str], ...]]] = defaultdict(set)
    for _, block in sample_blocks():
        by_batch[block.registry, block.batch].add(tuple(sorted(block.batch_attributes.items())))
    assert {key: seen for key, seen in by_batch.items() if len(seen) > 1} == {}


# Properties.


def keys(block: SerialBlock) -> tuple[str, str, dict[str, str]]:
    return block.space, block.batch, dict(block.batch_attributes)


@given(case=cases(), data=st.data())
@checked(150)
def test_keys_survive_rendering_and_sub_ranges(case: Case, data: st.DataObject) -> None:
    block = case.block()
    for key in (block.space, block.batch, *block.batch_attributes.values()):
        assert key.isascii() and len(key) <= MAX_KEY
    again = parse_serial(block.serial, registry=block.registry)
    assert keys(again) == keys(block)
    start = data.draw(st.integers(block.start, block.end), label="start")
    part = block.with_range(start, data.draw(st.integers(start, min(block.end, start + LONG)), label="end"))
    assert keys(part) == keys(block) == keys(parse_serial(part.serial, registry=block.registry))
    assert overlaps(part, block)


#: The parts that are numbers a registry could write with a leading zero (and we must not care).
_PADDABLE: dict[Family, tuple[str, ...]] = {
    VERRA: ("batch_id", "registry_sequence", "sectoral_scope", "project_id"),
    VERRA_LEGACY: ("batch_id", "registry_sequence", "sectoral_scope", "project_id"),
    GOLD_STANDARD: ("project_type", "batch_id"),
    ACR: ("number", "batch_id"),
    ACR_DASH: ("number", "batch_id"),
    ART: ("number", "batch_id"),
    CAR: ("number", "project_type", "account_id", "batch_id"),
    CDM: ("project_id", "lulucf_activity"),
    CERCARBONO: ("number",),
    CARB: ("number",),
}


@given(case=cases(tuple(_PADDABLE)), data=st.data())
@checked(150)
def test_leading_zeros_in_a_numeric_part_keep_every_key(case: Case, data: st.DataObject) -> None:
    part = data.draw(st.sampled_from(_PADDABLE[case.family]), label="part")
    zeros = data.draw(st.sampled_from(["0", "00", "000"]), label="zeros")
    padded = case.family.read(case.text(**{part: zeros + case.parts[part]}))
    block = case.block()
    assert keys(padded) == keys(block)
    assert padded.project_id == block.project_id
    assert overlaps(padded, block)


_variants = st.sampled_from(
    [
        str.upper,
        str.lower,
        lambda s: s.replace("-", "\u2010"),
        lambda s: s.replace("-", "\uff0d"),
        lambda s: s.replace(" ", "  "),
        lambda s: s.replace(" ", "\u3000"),
        lambda s: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and c != "#" else c for c in s),
    ]
)


@given(id_=free_text_ids, variant=_variants, registry=st.sampled_from([J, C, F]))
@checked(150)
def test_case_dash_blank_and_width_variants_of_an_id_share_its_space(
    id_: str, variant: Callable[[str], str], registry: Registry
) -> None:
    other = variant(id_)
    try:
        a = parse_serial(f"{id_}#1-5", registry=registry)
        b = parse_serial(f"{other}#3-9", registry=registry)
    except SerialError:
        return  # a variant may be refused (e.g. now another registry's serial); never mis-keyed
    if canonical_id(other) == canonical_id(id_):
        assert a.space == b.space and overlaps(a, b)


@given(text=st.text(max_size=40))
@checked(300)
def test_canonical_id_is_a_fixed_point(text: str) -> None:
    once = canonical_id(text)
    assert canonical_id(once) == once


@given(case=cases(OPAQUE_FREE_TEXT))
@checked(100)
def test_an_ascii_space_read_as_an_id_is_its_own_space(case: Case) -> None:
    """Canonicalisation is idempotent at the block level: the key, typed as an id, keys itself."""
    block = case.block()
    if "\\" not in block.space and not block.space.startswith("sha256:"):
        again = parse_serial(f"{block.space}#1-5", registry=block.registry)
        assert again.space == block.space
