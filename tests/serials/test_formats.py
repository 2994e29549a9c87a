"""Each serial format: a known example read field by field, and malformed input refused."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from bridge.catalog import Registry
from bridge.serials import SerialBlock, SerialError, parse_serial, units_per_tonne
from bridge.serials.parse import LAYOUTS

VERRA = "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"
VERRA_APX = "1234-56789-56800-VCU-003-APX-IN-1-116-01012008-31122008-0"
VERRA_MER = "5678-1001-2000-VCU-016-MER-PE-14-1067-01012009-31122009-1"
GOLD_STANDARD = "GS1-1-UG-GS11236-16-2024-30307-1-19149"
ACR = "ACR-US-407-2025-2899-1 to 179663"
ART = "ART-GY-102-2021-11-2759599 to 2760598"
ART_FCPF = "FCPF-CI-130-2023-20-1 to 46404"
CAR = "CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000"
CAR_ROC = "CAR-ROC-US-2056-129-2283-WV-2025-8969-1 to 260294"
CDM = "RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7014"
PURO = "PURO_PR_CORC100+_FI_577166_2020_055a3fbe-eabc-4535-b9cf-1028e7d18f89_1-100"
PURO_GSRN = "PURO_PR_CORC100+_FI_577166_2020_643002406555908611000000000001-643002406555908611000000000100"
GOLD_STANDARD_NO_PREFIX = "GS1-1-KH-1020-16-2012-325-1-22283"
ACR_DASH = "ACR-US-192-2010-203-1-5000"
CERCARBONO = "CDC_1_1_1_321_14_1_2009 4426-4971"

RANGED = [
    VERRA,
    VERRA_APX,
    VERRA_MER,
    GOLD_STANDARD,
    ACR,
    ART,
    ART_FCPF,
    CAR,
    CAR_ROC,
    CDM,
    PURO,
    PURO_GSRN,
    GOLD_STANDARD_NO_PREFIX,
    ACR_DASH,
    CERCARBONO,
]


def refused(text: str, **kwargs: object) -> SerialError:
    with pytest.raises(SerialError) as caught:
        parse_serial(text, **kwargs)  # type: ignore[arg-type]
    return caught.value


# Known examples, every attribute checked.


def test_verra_vcu_reads_every_part() -> None:
    block = parse_serial(VERRA, quantity=425)
    assert block == SerialBlock(
        registry=Registry.VERRA,
        issuance="19385-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1",
        start=941467007,
        end=941467431,
        project_id="1340",
        vintage_start=date(2020, 1, 1),
        vintage_end=date(2020, 12, 31),
        vintage_year=2020,
        country="ET",
        fields={
            "batch_id": "19385",
            "program": "VCS",
            "unit_type": "VCU",
            "registry_sequence": "1507",
            "issuance_registry": "VER",
            "sectoral_scope": "14",
            "additional_certification": "1",
        },
        opaque=False,
    )
    assert block.quantity == 425
    assert block.serial == VERRA


def test_verra_vintage_year_is_none_when_the_period_spans_two_years() -> None:
    block = parse_serial("19300-1-3700-VCS-VCU-997-VER-TR-1-4249-24062021-30062022-1")
    assert (block.vintage_start, block.vintage_end) == (date(2021, 6, 24), date(2022, 6, 30))
    assert block.vintage_year is None


def test_legacy_apx_verra_vcu_reads_every_part() -> None:
    block = parse_serial(VERRA_APX, quantity=12)
    assert block.registry is Registry.VERRA
    assert block.issuance == "1234-VCU-003-APX-IN-1-116-01012008-31122008-0"
    assert (block.start, block.end) == (56789, 56800)
    assert block.project_id == "116"
    assert (block.vintage_start, block.vintage_end) == (date(2008, 1, 1), date(2008, 12, 31))
    assert block.vintage_year == 2008
    assert block.country == "IN"
    assert block.fields == {
        "batch_id": "1234",
        "unit_type": "VCU",
        "registry_sequence": "003",
        "issuance_registry": "APX",
        "sectoral_scope": "1",
        "additional_certification": "0",
    }
    assert block.serial == VERRA_APX


def test_legacy_markit_verra_vcu_keeps_its_registry_code() -> None:
    block = parse_serial(VERRA_MER)
    assert block.fields["issuance_registry"] == "MER"
    assert (block.country, block.project_id, block.quantity) == ("PE", "1067", 1000)
    assert block.serial == VERRA_MER


def test_legacy_verra_with_an_unknown_registry_code_is_refused_naming_it() -> None:
    err = refused("1234-56789-56800-VCU-003-XYZ-IN-1-116-01012008-31122008-0")
    assert err.field == "issuance_registry"


def test_gold_standard_ver_reads_every_part() -> None:
    block = parse_serial(GOLD_STANDARD, quantity=19149)
    assert block == SerialBlock(
        registry=Registry.GOLD_STANDARD,
        issuance="GS1-1-UG-GS11236-16-2024-30307",
        start=1,
        end=19149,
        project_id="GS11236",
        vintage_year=2024,
        country="UG",
        fields={"prefix": "GS1-1", "project_type": "16", "batch_id": "30307"},
    )


def test_gold_standard_retired_sub_block_keeps_its_issuance() -> None:
    block = parse_serial("GS1-1-KE-GS11603-16-2025-30256-110-5463", quantity=5354)
    assert (block.issuance, block.start, block.end) == ("GS1-1-KE-GS11603-16-2025-30256", 110, 5463)


def test_acr_reads_every_part() -> None:
    block = parse_serial(ACR, quantity=179663)
    assert block == SerialBlock(
        registry=Registry.ACR,
        issuance="ACR-US-407-2025-2899",
        start=1,
        end=179663,
        project_id="ACR407",
        vintage_year=2025,
        country="US",
        fields={"batch_id": "2899"},
    )
    assert block.serial == ACR


@pytest.mark.parametrize(
    ("text", "program", "project_id", "country", "vintage", "batch", "start", "end"),
    [
        (ART, "ART", "ART102", "GY", 2021, "11", 2759599, 2760598),
        (ART_FCPF, "FCPF", "ART130", "CI", 2023, "20", 1, 46404),
    ],
)
def test_art_trees_reads_every_part(
    text: str,
    program: str,
    project_id: str,
    country: str,
    vintage: int,
    batch: str,
    start: int,
    end: int,
) -> None:
    block = parse_serial(text)
    assert block.registry is Registry.ART
    assert block.issuance == text.split(f"-{start} to ")[0]
    assert (block.project_id, block.country, block.vintage_year) == (project_id, country, vintage)
    assert (block.start, block.end) == (start, end)
    assert block.fields == {"program": program, "batch_id": batch}
    assert block.serial == text


def test_climate_action_reserve_crt_reads_every_part() -> None:
    block = parse_serial(CAR, quantity=5000)
    assert block == SerialBlock(
        registry=Registry.CAR,
        issuance="CAR-1-US-1335-31-983-KS-2025-9205",
        start=1,
        end=5000,
        project_id="CAR1335",
        vintage_year=2025,
        country="US",
        fields={
            "unit_type": "1",
            "project_type": "31",
            "account_id": "983",
            "state": "KS",
            "batch_id": "9205",
        },
    )


def test_climate_action_reserve_roc_reads_its_unit_type() -> None:
    block = parse_serial(CAR_ROC)
    assert block.fields["unit_type"] == "ROC"
    assert (block.project_id, block.fields["state"], block.quantity) == ("CAR2056", "WV", 260294)


def test_cdm_block_reads_every_part() -> None:
    block = parse_serial(CDM, quantity=3657)
    assert block == SerialBlock(
        registry=Registry.CDM,
        issuance="RW-5-2-2-0-7014",
        start=1463953,
        end=1467609,
        project_id="7014",
        country="RW",
        fields={
            "unit_type": "5",
            "original_commitment_period": "2",
            "applicable_commitment_period": "2",
            "lulucf_activity": "0",
        },
    )
    assert block.serial == CDM


def test_cdm_single_unit_is_a_block_of_one() -> None:
    block = parse_serial("CN-5-1234567-1-1-0-1234")
    assert (block.country, block.project_id) == ("CN", "1234")
    assert (block.start, block.end) == (1234567, 1234567)
    assert block.fields["original_commitment_period"] == "1"
    assert block.serial == "CN-5-1234567-1-1-0-1234 - CN-5-1234567-1-1-0-1234"


def test_cdm_tcer_reads_its_unit_type() -> None:
    block = parse_serial("IN-6-100-1-1-3-567 - IN-6-199-1-1-3-567")
    assert block.fields["unit_type"] == "6"
    assert block.fields["lulucf_activity"] == "3"
    assert block.quantity == 100


def test_cdm_halves_of_different_projects_are_refused_naming_the_part() -> None:
    err = refused("RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7015")
    assert err.field == "project_id"
    err = refused("RW-5-1463953-2-2-0-7014 - UG-5-1467609-2-2-0-7014")
    assert err.field == "country"


def test_cdm_unknown_unit_type_or_commitment_period_is_refused() -> None:
    assert refused("RW-1-1-2-2-0-7014 - RW-1-9-2-2-0-7014").field == "unit_type"
    assert refused("RW-5-1-3-2-0-7014 - RW-5-9-3-2-0-7014").field == "original_commitment_period"
    assert refused("RW-5-1-2-3-0-7014 - RW-5-9-2-3-0-7014").field == ("applicable_commitment_period")


def test_cdm_compact_start_end_form_is_refused_rather_than_guessed() -> None:
    # Party-type-start-end-cp-cp-project has the single-unit form's part count; it would read
    # 1234600 as a commitment period, which is refused.
    err = refused("CN-5-1234567-1234600-2-2-1234")
    assert err.field == "original_commitment_period"


def test_puro_corc_reads_every_part() -> None:
    block = parse_serial(PURO, quantity=100)
    assert block == SerialBlock(
        registry=Registry.PURO,
        issuance="PURO_PR_CORC100+_FI_577166_2020_055a3fbe-eabc-4535-b9cf-1028e7d18f89",
        start=1,
        end=100,
        project_id="577166",
        vintage_year=2020,
        country="FI",
        fields={
            "registry_id": "PR",
            "credit_type": "CORC100+",
            "issuance_id": "055a3fbe-eabc-4535-b9cf-1028e7d18f89",
        },
    )
    assert block.serial == PURO
    assert block.space == block.batch == "issuance=055a3fbe-eabc-4535-b9cf-1028e7d18f89"


def test_puro_gsrn_pair_reads_the_sequence_as_unit_numbers() -> None:
    block = parse_serial(PURO_GSRN, quantity=100)
    assert block.registry is Registry.PURO
    assert block.issuance == "PURO_PR_CORC100+_FI_577166_2020_643002406555908611"
    assert (block.start, block.end, block.project_id) == (1, 100, "577166")
    assert block.fields == {"registry_id": "PR", "credit_type": "CORC100+", "gsrn": "643002406555908611"}
    assert block.space == block.batch == "gsrn=643002406555908611"
    assert block.serial == PURO_GSRN


def test_puro_gsrn_pair_of_two_gsrns_or_sequence_zero_is_refused() -> None:
    head = "PURO_PR_CORC100+_FI_577166_2020_"
    assert refused(f"{head}643002406555908611000000000001-643002406555908612000000000100").field == "gsrn"
    assert refused(f"{head}643002406555908611000000000000-643002406555908611000000000100").field == (
        "block_start"
    )
    assert refused(f"{head}643002406555908611000000000100-643002406555908611000000000001").field == (
        "block_end"
    )


def test_puro_gsrn_block_beyond_twelve_digits_has_no_serial() -> None:
    block = parse_serial(PURO_GSRN).with_range(1, 10**12)
    with pytest.raises(SerialError) as caught:
        _ = block.serial
    assert caught.value.field == "issuance"


def test_the_old_project_made_up_puro_form_is_refused() -> None:
    assert refused("PURO-FI-1001-2023-57-1-250").field == "format"


def test_gold_standard_serial_without_the_gs_prefix_keys_the_gsid() -> None:
    block = parse_serial(GOLD_STANDARD_NO_PREFIX, quantity=22283)
    assert (block.project_id, block.country, block.vintage_year) == ("GS1020", "KH", 2012)
    assert block.issuance == "GS1-1-KH-1020-16-2012-325"
    assert block.fields["batch_id"] == "325"
    assert block.serial == GOLD_STANDARD_NO_PREFIX


def test_acr_dash_form_reads_like_the_to_form_and_writes_back_as_given() -> None:
    dash = parse_serial(ACR_DASH, quantity=5000)
    to = parse_serial("ACR-US-192-2010-203-1 to 5000")
    assert (dash.issuance, dash.project_id, dash.vintage_year, dash.country) == (
        to.issuance,
        to.project_id,
        to.vintage_year,
        to.country,
    )
    assert (dash.space, dash.batch, dash.batch_attributes) == (to.space, to.batch, to.batch_attributes)
    assert dash.serial == ACR_DASH
    assert to.serial == "ACR-US-192-2010-203-1 to 5000"


def test_project_numbers_are_read_without_leading_zeros() -> None:
    assert parse_serial("ACR-US-0407-2025-2899-1 to 10").project_id == "ACR407"
    assert parse_serial("GS1-1-UG-GS011236-16-2024-30307-1-10").project_id == "GS11236"
    assert parse_serial("CAR-1-US-01335-31-983-KS-2025-9205-1 to 5").project_id == "CAR1335"
    assert parse_serial("19385-1-10-VCS-VCU-1507-VER-ET-14-01340-01012020-31122020-1").project_id == "1340"
    assert parse_serial("RW-5-1-2-2-0-07014 - RW-5-9-2-2-0-07014").project_id == "7014"
    assert parse_serial("CDC_01_1_1_321_14_1_2009 1-5").project_id == "CDC-1"
    assert parse_serial("CAOD01007-A", quantity=5).project_id == "CAOD1007"


def test_cercarbono_range_reads_every_part() -> None:
    block = parse_serial(CERCARBONO, quantity=546)
    assert block == SerialBlock(
        registry=Registry.CERCARBONO,
        issuance="CDC_1_1_1_321_14_1_2009",
        start=4426,
        end=4971,
        project_id="CDC-1",
        vintage_year=2009,
        fields={"prefix": "CDC"},
    )
    assert block.serial == CERCARBONO


def test_cercarbono_bare_serial_with_quantity_is_units_one_to_quantity() -> None:
    block = parse_serial("CDC_7_3_1_323_14_CO_1_2_2019_BF", quantity=5084)
    assert (block.start, block.end) == (1, 5084)
    assert (block.project_id, block.country, block.vintage_year) == ("CDC-7", "CO", 2019)
    assert block.fields == {"prefix": "CDC", "buffer": "BF"}
    assert block.serial == "CDC_7_3_1_323_14_CO_1_2_2019_BF 1-5084"
    assert not block.opaque


def test_cercarbono_reads_the_prefixes_and_buffer_markers_of_every_generation() -> None:
    buffer = parse_serial("CDC_4_1_1_321_14_R1_XX_CO_1_2_BFC_2018", quantity=107)
    assert (buffer.fields["buffer"], buffer.vintage_year, buffer.country) == ("BFC", 2018, "CO")
    retro = parse_serial("CDC_R_16_3_5_323_1_CO_1_1_2011", quantity=1)
    assert (retro.fields["prefix"], retro.project_id) == ("CDC_R", "CDC-16")
    older = parse_serial("IC_15_1_1_321_14_CO_1_1_2008", quantity=1)
    assert (older.fields["prefix"], older.project_id) == ("IC", "CDC-15")
    no_year = parse_serial("CDC_7_1_1_321_14_CO_1_1", quantity=1)
    assert no_year.vintage_year is None


def test_cercarbono_range_may_start_at_zero_as_early_issuances_do() -> None:
    block = parse_serial("CDC_1_1_1_321_14_1 0-999", quantity=1000)
    assert (block.start, block.end) == (0, 999)


def test_cercarbono_bare_serial_without_quantity_is_refused_naming_quantity() -> None:
    assert refused("CDC_1_1_1_321_14_1_2009").field == "quantity"


@pytest.mark.parametrize("registry", [Registry.J_CREDIT, Registry.CCER, Registry.FUJIAN_FFCER])
def test_opaque_serial_with_quantity_is_units_one_to_quantity(registry: Registry) -> None:
    block = parse_serial("  JCL-2023-0042  ", registry=registry, quantity=300)
    assert block == SerialBlock(
        registry=registry,
        issuance="JCL-2023-0042",
        start=1,
        end=300,
        project_id="",
        opaque=True,
    )
    assert block.serial == "JCL-2023-0042#1-300"
    assert parse_serial(block.serial, registry=registry) == block


@pytest.mark.parametrize("registry", [Registry.J_CREDIT, Registry.CCER, Registry.FUJIAN_FFCER])
def test_opaque_serial_without_quantity_is_refused_naming_quantity(registry: Registry) -> None:
    assert refused("JCL-2023-0042", registry=registry).field == "quantity"


def test_opaque_sub_range_writes_a_suffix_that_reads_back() -> None:
    block = parse_serial("CCER-100-2024", registry=Registry.CCER, quantity=1000)
    part = block.with_range(201, 450)
    assert part.serial == "CCER-100-2024#201-450"
    assert parse_serial(part.serial, registry=Registry.CCER) == part
    assert parse_serial(part.serial, registry=Registry.CCER, quantity=250) == part
    assert refused(part.serial, registry=Registry.CCER, quantity=251).field == "quantity"


def test_free_text_opaque_serial_is_not_recognised_without_its_registry() -> None:
    assert refused("JCL-2023-0042", quantity=5).field == "format"


def test_free_text_opaque_serial_with_a_hash_is_refused() -> None:
    assert refused("JCL#2023", registry=Registry.J_CREDIT, quantity=5).field == "registry"


def test_isometric_ids_are_recognised_and_count_kilograms() -> None:
    issuance = parse_serial("iss_1KP6EDZ8K1S036PY", quantity=2765370)
    assert issuance.registry is Registry.ISOMETRIC
    assert issuance.opaque
    assert (issuance.start, issuance.end) == (1, 2765370)
    assert issuance.fields == {"record": "issuance"}
    assert units_per_tonne(Registry.ISOMETRIC) == 1000
    assert units_per_tonne(Registry.VERRA) == 1


@pytest.mark.parametrize("text", ["ret_1KNSQMD6Z1S0TB50", "RET_1knsqmd6z1s0tb50", "ret_1KNSQMD6Z1S0TB50#1-5"])
@pytest.mark.parametrize("registry", [None, Registry.ISOMETRIC])
def test_isometric_retirement_record_is_refused_naming_record(text: str, registry: Registry | None) -> None:
    err = refused(text, registry=registry, quantity=None if "#" in text else 531000)
    assert err.field == "record"
    assert "retirement" in err.message


def test_isometric_id_is_read_in_any_case_and_keeps_its_spelling() -> None:
    block = parse_serial("iss_1kp6edz8k1s036py", quantity=5)
    assert block.issuance == "iss_1kp6edz8k1s036py"
    assert block.serial == "iss_1kp6edz8k1s036py#1-5"
    assert block.space == parse_serial("iss_1KP6EDZ8K1S036PY", quantity=5).space == "ISS_1KP6EDZ8K1S036PY"


def test_carb_issuance_id_is_recognised_with_its_project() -> None:
    block = parse_serial("CAFR5003-B", quantity=147666)
    assert block == SerialBlock(
        registry=Registry.CARB,
        issuance="CAFR5003-B",
        start=1,
        end=147666,
        project_id="CAFR5003",
        fields={"project_type": "FR", "issuance_sequence": "B"},
        opaque=True,
    )
    assert block.serial == "CAFR5003-B#1-147666"


def test_every_registry_has_a_serial_layout() -> None:
    assert {layout.registry for layout in LAYOUTS} == set(Registry)


# Round trips.


@pytest.mark.parametrize("text", RANGED)
def test_serial_reads_back_to_the_same_block(text: str) -> None:
    block = parse_serial(text)
    assert parse_serial(block.serial) == block
    assert block.serial == text


@pytest.mark.parametrize("text", RANGED)
def test_sub_range_serial_keeps_the_issuance_and_fields(text: str) -> None:
    block = parse_serial(text)
    part = block.with_range(block.start + 1, block.start + 5)
    again = parse_serial(part.serial)
    assert again == part
    assert (again.issuance, again.fields, again.project_id) == (
        block.issuance,
        block.fields,
        block.project_id,
    )
    assert (again.start, again.end, again.quantity) == (block.start + 1, block.start + 5, 5)


@pytest.mark.parametrize("text", RANGED)
def test_given_registry_is_accepted_when_it_is_the_serials_own(text: str) -> None:
    block = parse_serial(text)
    assert parse_serial(text, registry=block.registry) == block


# Malformed input.


def test_quantity_mismatch_is_refused_naming_quantity() -> None:
    err = refused(ACR, quantity=179662)
    assert err.field == "quantity"
    assert "179662" in str(err) and "179663" in str(err)


@pytest.mark.parametrize("quantity", [0, -5])
def test_zero_or_negative_quantity_is_refused_naming_quantity(quantity: int) -> None:
    assert refused(ACR, quantity=quantity).field == "quantity"
    assert refused("JCL-1", registry=Registry.J_CREDIT, quantity=quantity).field == "quantity"


def test_range_running_backwards_is_refused_naming_block_end() -> None:
    err = refused("ACR-US-407-2025-2899-200 to 100")
    assert err.field == "block_end"
    assert str(err) == "block_end: 100 is before block_start 200"


def test_range_starting_at_zero_is_refused_naming_block_start() -> None:
    assert refused("ACR-US-407-2025-2899-0 to 100").field == "block_start"
    assert refused("GS1-1-UG-GS11236-16-2024-30307-0-19149").field == "block_start"


def test_unit_number_with_a_leading_zero_is_refused() -> None:
    assert refused("ACR-US-407-2025-2899-01 to 100").field == "block_start"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("19385-1-10-VCS-VCU-1507-VER-ET-14-1340-32012020-31122020-1", "vintage_start"),
        ("19385-1-10-VCS-VCU-1507-VER-ET-14-1340-01012020-31132020-1", "vintage_end"),
        ("19385-1-10-VCS-VCU-1507-VER-ET-14-1340-29022021-31122021-1", "vintage_start"),
        ("19385-1-10-VCS-VCU-1507-VER-ET-14-1340-01012021-31122020-1", "vintage_end"),
        ("19385-1-10-VCS-VCU-1507-VER-ET-14-1340-01011890-31121890-1", "vintage_start"),
    ],
)
def test_bad_vintage_date_is_refused_naming_it(text: str, field: str) -> None:
    assert refused(text).field == field


def test_bad_vintage_year_is_refused_naming_it() -> None:
    assert refused("ACR-US-407-1025-2899-1 to 100").field == "vintage_year"


@pytest.mark.parametrize(
    "text",
    [
        "19385-1-10-VCS-VCU-1507-VER-ZZ-14-1340-01012020-31122020-1",
        "GS1-1-XX-GS11236-16-2024-30307-1-19149",
        "ACR-UK-407-2025-2899-1 to 100",
        "ZZ-5-1-2-2-0-7014 - ZZ-5-9-2-2-0-7014",
    ],
)
def test_unknown_country_code_is_refused_naming_country(text: str) -> None:
    assert refused(text).field == "country"


def test_verra_sectoral_scope_or_flag_out_of_range_is_refused_naming_it() -> None:
    assert refused("19385-1-10-VCS-VCU-1507-VER-ET-17-1340-01012020-31122020-1").field == ("sectoral_scope")
    assert refused("19385-1-10-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-2").field == (
        "additional_certification"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020",
        "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1-7",
        "GS1-1-UG-GS11236-16-2024-30307-1",
        "ACR-US-407-2025-2899-1 to  179663",
        "ACR-US-407-2025-2899-1-179663-5",
        "acr-us-407-2025-2899-1 to 179663",
        "CAR-1-US-1335-31-983-2025-9205-1 to 5000",
        "RW-5-1463953-2-2-0-7014 -RW-5-1467609-2-2-0-7014",
        "ACR-US-407-2025-2899-١ to 179663",
    ],
)
def test_malformed_or_unknown_format_is_refused_naming_format(text: str) -> None:
    assert refused(text).field == "format"


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_serial(f"\t {ACR} \n") == parse_serial(ACR)


@pytest.mark.parametrize(
    ("text", "registry"),
    [
        (VERRA, Registry.GOLD_STANDARD),
        (GOLD_STANDARD, Registry.VERRA),
        (ACR, Registry.ART),
        (CDM, Registry.GOLD_STANDARD),
        (VERRA, Registry.J_CREDIT),
        ("iss_1KP6EDZ8K1S036PY", Registry.CCER),
        ("JCL-1", Registry.ISOMETRIC),
    ],
)
def test_serial_of_another_registry_is_refused_naming_registry(text: str, registry: Registry) -> None:
    assert refused(text, registry=registry, quantity=1).field == "registry"


def test_serial_error_message_names_the_field_and_survives_pickling() -> None:
    err = refused("ACR-US-407-2025-2899-200 to 100")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.field, str(copy)) == (err.field, str(err))


# The block value itself.


def test_block_is_immutable_and_hashable() -> None:
    block = parse_serial(ACR)
    assert block in {parse_serial(ACR)}
    with pytest.raises(AttributeError):
        block.start = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        block.fields["batch_id"] = "1"  # type: ignore[index]


def test_with_range_refuses_a_backwards_or_non_positive_range() -> None:
    block = parse_serial(ACR)
    assert block.with_range(10, 20).quantity == 11
    with pytest.raises(SerialError) as backwards:
        block.with_range(20, 10)
    assert backwards.value.field == "block_end"
    with pytest.raises(SerialError) as zero:
        block.with_range(0, 10)
    assert zero.value.field == "block_start"


def test_hand_made_block_whose_issuance_has_another_shape_has_no_serial() -> None:
    block = SerialBlock(registry=Registry.VERRA, issuance="x", start=1, end=2, project_id="1")
    with pytest.raises(SerialError) as caught:
        _ = block.serial
    assert caught.value.field == "issuance"
