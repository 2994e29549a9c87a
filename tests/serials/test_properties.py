"""Property-based tests (hypothesis) of the serial parsers and the range arithmetic.

The issue's demand: split then merge gives back the block, and no overlap is ever missed.

Serial texts are built from generated fields (ranges, ids, dates, countries from the package's
list), one builder per format family, and each builder knows what the parsed block must hold.
Mutations of valid serials must be refused with a `SerialError` naming a field, and no input
may raise anything else. The range arithmetic is checked against brute-force sets of units.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from hypothesis import assume, example, given, settings
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
from bridge.serials.cercarbono import BUFFER_MARKERS
from bridge.serials.countries import ISO_3166_ALPHA2
from bridge.serials.model import lowest_unit
from bridge.serials.parse import LAYOUTS

Parts = Mapping[str, Any]

#: Every field name a SerialError from `parse_serial` may carry.
PARSE_FIELDS = {
    "format",
    "registry",
    "quantity",
    "block_start",
    "block_end",
    "vintage_start",
    "vintage_end",
    "vintage_year",
    "country",
    "issuance_registry",
    "sectoral_scope",
    "additional_certification",
    "unit_type",
    "original_commitment_period",
    "applicable_commitment_period",
    "lulucf_activity",
    "project_id",
    "buffer",
    "record",
    "gsrn",
}

#: Unit numbers of real registries reach 10 digits (Verra); ranges this long are the edge.
LONG = 10**10


def checked(max_examples: int) -> settings:
    """Settings of one property: `max_examples` runs, no deadline (CI machines are slow)."""
    return settings(max_examples=max_examples, deadline=None)


# Field strategies.

countries = st.sampled_from(sorted(ISO_3166_ALPHA2))
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# (st.text over an alphabet, not st.from_regex: it draws several times faster.)
two_letters = st.text(LETTERS, min_size=2, max_size=2)
not_countries = two_letters.filter(lambda code: code not in ISO_3166_ALPHA2)
years = st.integers(1990, 2100).map(str)
bad_years = st.one_of(st.integers(0, 1989), st.integers(2101, 9999)).map(lambda y: f"{y:04d}")


def digits(longest: int = 7) -> st.SearchStrategy[str]:
    """A number as a registry writes an id part: ASCII digits, leading zeros allowed."""
    return st.text("0123456789", min_size=1, max_size=longest)


def canon(number: str) -> str:
    """A number written without leading zeros, as identity keys and project ids write it."""
    return number.lstrip("0") or "0"


def ddmmyyyy(day: date) -> str:
    return f"{day.day:02d}{day.month:02d}{day.year:04d}"


def from_ddmmyyyy(text: str) -> date:
    return date(int(text[4:]), int(text[2:4]), int(text[:2]))


@st.composite
def vintage_periods(draw: st.DrawFn) -> tuple[str, str]:
    """(vintage start, vintage end) as DDMMYYYY texts, start <= end; often within one year."""
    if draw(st.booleans()):
        year = draw(st.integers(1990, 2100))
        low, high = date(year, 1, 1), date(year, 12, 31)
    else:
        low, high = date(1990, 1, 1), date(2100, 12, 31)
    first, last = sorted(draw(st.lists(st.dates(low, high), min_size=2, max_size=2)))
    return ddmmyyyy(first), ddmmyyyy(last)


#: DDMMYYYY texts that are no calendar date within 1990-2100.
impossible_dates = st.one_of(
    st.builds("{:02d}{:02d}{}".format, st.sampled_from([0, 32, 99]), st.integers(1, 12), years),
    st.builds("{:02d}{:02d}{}".format, st.integers(1, 28), st.sampled_from([0, 13, 99]), years),
    st.builds("{:02d}02{}".format, st.sampled_from([30, 31]), years),
    st.builds("2902{}".format, st.sampled_from(["2001", "2019", "2021", "2100"])),
    st.builds("31{:02d}{}".format, st.sampled_from([4, 6, 9, 11]), years),
    st.builds("{:02d}{:02d}{}".format, st.integers(1, 28), st.integers(1, 12), bad_years),
)


# Format families: the fields of a serial, how they are written, what the block must hold.


@dataclass(frozen=True, eq=False)  # eq=False: hashable, compared by identity
class Family:
    """One serial format: its generated fields, its writer, and the block it must parse into."""

    name: str
    registry: Registry
    parts: st.SearchStrategy[dict[str, Any]] = field(repr=False)
    #: The serial text of `parts` over the range written start_text-end_text.
    write: Callable[[Parts, str, str], str] = field(repr=False)
    #: The block's attributes but its range (registry, issuance, project_id, ...).
    expect: Callable[[Parts], dict[str, Any]] = field(repr=False)
    #: A known valid set of parts (a registry sample), for the edge-case examples.
    sample: Parts = field(repr=False)
    #: Whether `parse_serial` tells the registry from the text (else it must be given).
    detectable: bool = True
    #: Whether the format has a fixed number of parts (so dropping or repeating one is refused).
    fixed_parts: bool = True
    #: The highest unit number the format can write (Puro's GSRN form: a 12-digit sequence).
    highest: int | None = None
    #: Whether unit numbers are written without leading zeros (not so in Puro's GSRN form).
    unpadded: bool = True

    @property
    def lowest(self) -> int:
        return lowest_unit(self.registry)

    def read(self, text: str, quantity: int | None = None) -> SerialBlock:
        registry = None if self.detectable else self.registry
        return parse_serial(text, registry=registry, quantity=quantity)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis shows examples
        printer.text(self.name)


def expected(registry: Registry, issuance: str, project_id: str, **attributes: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "vintage_start": None,
        "vintage_end": None,
        "vintage_year": None,
        "country": None,
        "fields": {},
        "opaque": False,
    }
    return {"registry": registry, "issuance": issuance, "project_id": project_id, **defaults, **attributes}


def verra_family(legacy: bool) -> Family:
    def write(p: Parts, start: str, end: str) -> str:
        program = "" if legacy else "VCS-"
        return (
            f"{p['batch_id']}-{start}-{end}-{program}VCU-{p['registry_sequence']}-{p['issuance_registry']}"
            f"-{p['country']}-{p['sectoral_scope']}-{p['project_id']}-{p['vintage_start']}"
            f"-{p['vintage_end']}-{p['additional_certification']}"
        )

    def expect(p: Parts) -> dict[str, Any]:
        program = "" if legacy else "VCS-"
        first, last = from_ddmmyyyy(p["vintage_start"]), from_ddmmyyyy(p["vintage_end"])
        issuance = (
            f"{p['batch_id']}-{program}VCU-{p['registry_sequence']}-{p['issuance_registry']}"
            f"-{p['country']}-{p['sectoral_scope']}-{p['project_id']}-{p['vintage_start']}"
            f"-{p['vintage_end']}-{p['additional_certification']}"
        )
        fields = {
            "batch_id": p["batch_id"],
            "unit_type": "VCU",
            "registry_sequence": p["registry_sequence"],
            "issuance_registry": p["issuance_registry"],
            "sectoral_scope": p["sectoral_scope"],
            "additional_certification": p["additional_certification"],
        }
        if not legacy:
            fields["program"] = "VCS"
        return expected(
            Registry.VERRA,
            issuance,
            canon(p["project_id"]),
            vintage_start=first,
            vintage_end=last,
            vintage_year=first.year if first.year == last.year else None,
            country=p["country"],
            fields=fields,
        )

    def with_period(p: dict[str, Any]) -> dict[str, Any]:
        p["vintage_start"], p["vintage_end"] = p.pop("period")
        return p

    parts = st.fixed_dictionaries(
        {
            "batch_id": digits(),
            "registry_sequence": digits(4),
            "issuance_registry": st.sampled_from(["APX", "MER"] if legacy else ["VER"]),
            "country": countries,
            "sectoral_scope": st.integers(1, 16).flatmap(lambda n: st.sampled_from([str(n), f"{n:02d}"])),
            "project_id": digits(5),
            "period": vintage_periods(),
            "additional_certification": st.sampled_from(["0", "1"]),
        }
    ).map(with_period)
    sample = {
        "batch_id": "19385",
        "registry_sequence": "1507",
        "issuance_registry": "APX" if legacy else "VER",
        "country": "ET",
        "sectoral_scope": "14",
        "project_id": "1340",
        "vintage_start": "01012020",
        "vintage_end": "31122020",
        "additional_certification": "1",
    }
    name = "Verra (legacy)" if legacy else "Verra"
    return Family(name, Registry.VERRA, parts, write, expect, sample)


GOLD_STANDARD = Family(
    "Gold Standard",
    Registry.GOLD_STANDARD,
    st.fixed_dictionaries(
        {
            "prefix": st.builds("GS{}-{}".format, digits(2), digits(2)),
            "country": countries,
            "project_id": st.builds("{}{}".format, st.sampled_from(["GS", ""]), digits(5)),
            "project_type": digits(2),
            "vintage_year": years,
            "batch_id": digits(),
        }
    ),
    lambda p, start, end: (
        f"{p['prefix']}-{p['country']}-{p['project_id']}-{p['project_type']}-{p['vintage_year']}"
        f"-{p['batch_id']}-{start}-{end}"
    ),
    lambda p: expected(
        Registry.GOLD_STANDARD,
        f"{p['prefix']}-{p['country']}-{p['project_id']}-{p['project_type']}-{p['vintage_year']}-{p['batch_id']}",
        "GS" + canon(p["project_id"].removeprefix("GS")),
        vintage_year=int(p["vintage_year"]),
        country=p["country"],
        fields={"prefix": p["prefix"], "project_type": p["project_type"], "batch_id": p["batch_id"]},
    ),
    {
        "prefix": "GS1-1",
        "country": "UG",
        "project_id": "GS11236",
        "project_type": "16",
        "vintage_year": "2024",
        "batch_id": "30307",
    },
)


def acr_family(dash: bool) -> Family:
    def issuance(p: Parts) -> str:
        return f"ACR-{p['country']}-{p['number']}-{p['vintage_year']}-{p['batch_id']}"

    separator = "-" if dash else " to "
    return Family(
        "ACR (dash form)" if dash else "ACR",
        Registry.ACR,
        st.fixed_dictionaries(
            {"country": countries, "number": digits(5), "vintage_year": years, "batch_id": digits()}
        ),
        lambda p, start, end: f"{issuance(p)}-{start}{separator}{end}",
        lambda p: expected(
            Registry.ACR,
            issuance(p),
            f"ACR{canon(p['number'])}",
            vintage_year=int(p["vintage_year"]),
            country=p["country"],
            fields={"batch_id": p["batch_id"], **({"range_form": "dash"} if dash else {})},
        ),
        {"country": "US", "number": "407", "vintage_year": "2025", "batch_id": "2899"},
    )


ACR = acr_family(dash=False)
ACR_DASH = acr_family(dash=True)

ART = Family(
    "ART TREES",
    Registry.ART,
    st.fixed_dictionaries(
        {
            "program": st.sampled_from(["ART", "FCPF"]),
            "country": countries,
            "number": digits(5),
            "vintage_year": years,
            "batch_id": digits(),
        }
    ),
    lambda p, start, end: (
        f"{p['program']}-{p['country']}-{p['number']}-{p['vintage_year']}-{p['batch_id']}-{start} to {end}"
    ),
    lambda p: expected(
        Registry.ART,
        f"{p['program']}-{p['country']}-{p['number']}-{p['vintage_year']}-{p['batch_id']}",
        f"ART{canon(p['number'])}",
        vintage_year=int(p["vintage_year"]),
        country=p["country"],
        fields={"program": p["program"], "batch_id": p["batch_id"]},
    ),
    {"program": "FCPF", "country": "CI", "number": "130", "vintage_year": "2023", "batch_id": "20"},
)

_CAR_FIELDS = ("unit_type", "project_type", "account_id", "state", "batch_id")


def _car_issuance(p: Parts) -> str:
    return (
        f"CAR-{p['unit_type']}-{p['country']}-{p['number']}-{p['project_type']}-{p['account_id']}"
        f"-{p['state']}-{p['vintage_year']}-{p['batch_id']}"
    )


CAR = Family(
    "Climate Action Reserve",
    Registry.CAR,
    st.fixed_dictionaries(
        {
            "unit_type": st.one_of(st.sampled_from(["1", "ROC"]), digits(2)),
            "country": countries,
            "number": digits(5),
            "project_type": digits(3),
            "account_id": digits(5),
            "state": two_letters,
            "vintage_year": years,
            "batch_id": digits(),
        }
    ),
    lambda p, start, end: f"{_car_issuance(p)}-{start} to {end}",
    lambda p: expected(
        Registry.CAR,
        _car_issuance(p),
        f"CAR{canon(p['number'])}",
        vintage_year=int(p["vintage_year"]),
        country=p["country"],
        fields={name: p[name] for name in _CAR_FIELDS},
    ),
    {
        "unit_type": "ROC",
        "country": "US",
        "number": "2056",
        "project_type": "129",
        "account_id": "2283",
        "state": "WV",
        "vintage_year": "2025",
        "batch_id": "8969",
    },
)

#: The parts of a CDM unit serial but its number, in the order written after it.
_CDM_TAIL = ("original_commitment_period", "applicable_commitment_period", "lulucf_activity", "project_id")


def cdm_unit(p: Parts, number: str) -> str:
    return "-".join([p["country"], p["unit_type"], number, *(p[name] for name in _CDM_TAIL)])


CDM = Family(
    "CDM",
    Registry.CDM,
    st.fixed_dictionaries(
        {
            "country": countries,
            "unit_type": st.sampled_from(["5", "6", "7"]),
            "original_commitment_period": st.sampled_from(["1", "2"]),
            "applicable_commitment_period": st.sampled_from(["1", "2"]),
            "lulucf_activity": digits(1),
            "project_id": digits(5),
        }
    ),
    lambda p, start, end: f"{cdm_unit(p, start)} - {cdm_unit(p, end)}",
    lambda p: expected(
        Registry.CDM,
        "-".join([p["country"], p["unit_type"], *(p[name] for name in _CDM_TAIL)]),
        canon(p["project_id"]),
        country=p["country"],
        fields={name: p[name] for name in ("unit_type", *_CDM_TAIL) if name != "project_id"},
    ),
    {
        "country": "RW",
        "unit_type": "5",
        "original_commitment_period": "2",
        "applicable_commitment_period": "2",
        "lulucf_activity": "0",
        "project_id": "7014",
    },
)

_PURO_PARTS = {
    "registry_id": st.sampled_from(["PR", "PR2"]),
    "credit_type": st.sampled_from(["CORC", "CORC100+", "CORC1000+"]),
    "country": countries,
    "facility": st.text("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=6, max_size=6),
    "vintage_year": years,
}


def _puro_head(p: Parts) -> str:
    return f"PURO_{p['registry_id']}_{p['credit_type']}_{p['country']}_{p['facility']}_{p['vintage_year']}"


_hex = "0123456789abcdefABCDEF"
uuids = st.builds(
    "{}-{}-{}-{}-{}".format,
    *(st.text(_hex, min_size=n, max_size=n) for n in (8, 4, 4, 4, 12)),
)

PURO = Family(
    "Puro",
    Registry.PURO,
    st.fixed_dictionaries({**_PURO_PARTS, "issuance_id": uuids}),
    lambda p, start, end: f"{_puro_head(p)}_{p['issuance_id']}_{start}-{end}",
    lambda p: expected(
        Registry.PURO,
        f"{_puro_head(p)}_{p['issuance_id']}",
        p["facility"],
        vintage_year=int(p["vintage_year"]),
        country=p["country"],
        fields={
            "registry_id": p["registry_id"],
            "credit_type": p["credit_type"],
            "issuance_id": p["issuance_id"],
        },
    ),
    {
        "registry_id": "PR",
        "credit_type": "CORC100+",
        "country": "FI",
        "facility": "577166",
        "vintage_year": "2020",
        "issuance_id": "055a3fbe-eabc-4535-b9cf-1028e7d18f89",
    },
)

PURO_GSRN = Family(
    "Puro (GSRN)",
    Registry.PURO,
    st.fixed_dictionaries({**_PURO_PARTS, "gsrn": st.text("0123456789", min_size=18, max_size=18)}),
    # The sequence is zero-padded to 12 digits (any text given is padded, junk and all).
    lambda p, start, end: f"{_puro_head(p)}_{p['gsrn']}{start.zfill(12)}-{p['gsrn']}{end.zfill(12)}",
    lambda p: expected(
        Registry.PURO,
        f"{_puro_head(p)}_{p['gsrn']}",
        p["facility"],
        vintage_year=int(p["vintage_year"]),
        country=p["country"],
        fields={"registry_id": p["registry_id"], "credit_type": p["credit_type"], "gsrn": p["gsrn"]},
    ),
    {
        "registry_id": "PR",
        "credit_type": "CORC100+",
        "country": "FI",
        "facility": "577166",
        "vintage_year": "2020",
        "gsrn": "643002406555908611",
    },
    highest=10**12 - 1,
    unpadded=False,
)


def cercarbono_issuance(p: Parts) -> str:
    """<prefix>_<number>_<tokens>: fillers, [country], fillers, [year], a buffer marker anywhere."""
    tokens = [*p["before"], *([p["country"]] if p["country"] else []), *p["after"]]
    if p["vintage_year"]:
        tokens.append(p["vintage_year"])
    if p["buffer"]:
        tokens.insert(min(p["buffer_at"], len(tokens)), p["buffer"])
    return "_".join([p["prefix"], p["number"], *tokens])


# Tokens that are neither a year, nor a two-letter code, nor a buffer marker.
_fillers = st.lists(digits(3) | st.sampled_from(["R1", "R2", "R9"]), max_size=4)

CERCARBONO = Family(
    "Cercarbono",
    Registry.CERCARBONO,
    st.fixed_dictionaries(
        {
            "prefix": st.sampled_from(["CDC", "CDC_R", "IC"]),
            "number": digits(3),
            "before": _fillers.filter(bool),
            # Not "BF" (Burkina Faso): Cercarbono reads a BF token as the buffer marker.
            "country": st.none() | countries.filter(lambda code: code not in BUFFER_MARKERS),
            "after": _fillers,
            "vintage_year": st.none() | years,
            "buffer": st.none() | st.sampled_from(["BF", "BFC", "BFI"]),
            "buffer_at": st.integers(0, 10),
        }
    ),
    lambda p, start, end: f"{cercarbono_issuance(p)} {start}-{end}",
    lambda p: expected(
        Registry.CERCARBONO,
        cercarbono_issuance(p),
        f"CDC-{canon(p['number'])}",
        vintage_year=int(p["vintage_year"]) if p["vintage_year"] else None,
        country=p["country"],
        fields={"prefix": p["prefix"], **({"buffer": p["buffer"]} if p["buffer"] else {})},
    ),
    {
        "prefix": "CDC",
        "number": "4",
        "before": ["1", "1", "321", "14", "R1"],
        "country": "CO",
        "after": ["1", "2"],
        "vintage_year": "2018",
        "buffer": "BFC",
        "buffer_at": 8,
    },
    fixed_parts=False,
)

# Opaque ids, written "<id>#<start>-<end>".

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

ISOMETRIC = Family(
    "Isometric",
    Registry.ISOMETRIC,
    st.fixed_dictionaries(
        {
            "record": st.sampled_from(["iss", "ISS", "Iss"]),
            # Crockford's alphabet, any case, and the letters it reads as digits (I, L, O).
            "code": st.text(
                st.sampled_from(_CROCKFORD + _CROCKFORD.lower() + "ILOilo"), min_size=16, max_size=16
            ),
        }
    ),
    lambda p, start, end: f"{p['record']}_{p['code']}#{start}-{end}",
    lambda p: expected(
        Registry.ISOMETRIC,
        f"{p['record']}_{p['code']}",
        "",
        fields={"record": "issuance"},
        opaque=True,
    ),
    {"record": "iss", "code": "1KP6EDZ8K1S036PY"},
)

CARB = Family(
    "CARB",
    Registry.CARB,
    st.fixed_dictionaries(
        {
            "project_type": st.sampled_from(["OD", "MM", "FR", "LS", "US", "RC"]),
            "number": digits(5),
            "sequence": st.text(LETTERS, min_size=1, max_size=3),
        }
    ),
    lambda p, start, end: f"CA{p['project_type']}{p['number']}-{p['sequence']}#{start}-{end}",
    lambda p: expected(
        Registry.CARB,
        f"CA{p['project_type']}{p['number']}-{p['sequence']}",
        f"CA{p['project_type']}{canon(p['number'])}",
        fields={"project_type": p["project_type"], "issuance_sequence": p["sequence"]},
        opaque=True,
    ),
    {"project_type": "OD", "number": "1007", "sequence": "A"},
)


def detected(text: str) -> bool:
    """Whether some registry's format is recognised in `text` without the registry being given."""
    return any(layout.detectable and layout.match(text) for layout in LAYOUTS)


#: Free-text ids (J-Credit, CCER, Fujian FFCER): anything but "#" and control characters, nothing
#: blank at either end, not in a recognised format.
free_text_ids = (
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="#"), min_size=1, max_size=20)
    .map(lambda text: re.sub(r"[\x00-\x1f\x7f]", "", text).strip())
    .filter(lambda text: bool(text) and not detected(text))
)


def free_text_family(registry: Registry, name: str) -> Family:
    return Family(
        name,
        registry,
        st.fixed_dictionaries({"id": free_text_ids}),
        lambda p, start, end: f"{p['id']}#{start}-{end}",
        lambda p: expected(registry, p["id"], "", opaque=True),
        {"id": "JCL-2023-0042"},
        detectable=False,
        fixed_parts=False,
    )


VERRA = verra_family(legacy=False)
VERRA_LEGACY = verra_family(legacy=True)
J_CREDIT = free_text_family(Registry.J_CREDIT, "J-Credit")
CCER = free_text_family(Registry.CCER, "CCER")
FUJIAN_FFCER = free_text_family(Registry.FUJIAN_FFCER, "Fujian FFCER")

FAMILIES = (
    VERRA,
    VERRA_LEGACY,
    GOLD_STANDARD,
    ACR,
    ACR_DASH,
    ART,
    CAR,
    CDM,
    PURO,
    PURO_GSRN,
    CERCARBONO,
    ISOMETRIC,
    CARB,
    J_CREDIT,
    CCER,
    FUJIAN_FFCER,
)
OPAQUE = (ISOMETRIC, CARB, J_CREDIT, CCER, FUJIAN_FFCER)
WITH_COUNTRY = tuple(family for family in FAMILIES if family not in OPAQUE)
WITH_VINTAGE_YEAR = (GOLD_STANDARD, ACR, ACR_DASH, ART, CAR, PURO, PURO_GSRN, CERCARBONO)


@dataclass(frozen=True)
class Case:
    """A serial of one family: its generated fields and its range."""

    family: Family
    parts: Parts
    start: int
    end: int

    def text(self, start: object = None, end: object = None, **changes: Any) -> str:
        """The serial text; `start`/`end` (any text) and `changes` (fields) override the case's."""
        start = self.start if start is None else start
        end = self.end if end is None else end
        return self.family.write({**self.parts, **changes}, str(start), str(end))

    def block(self) -> SerialBlock:
        return self.family.read(self.text())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis shows examples
        printer.text(
            f"Case({self.family.name}, {dict(self.parts)!r}, {self.start}, {self.end}): {self.text()!r}"
        )


def unit_ranges(lowest: int, highest: int | None = None) -> st.SearchStrategy[tuple[int, int]]:
    """(start, end): short and long ranges, near the first unit and far from it (up to `highest`)."""
    starts = st.one_of(st.integers(lowest, lowest + 20), st.integers(lowest, 10**13))
    lengths = st.one_of(st.integers(1, 30), st.integers(1, LONG))
    ranges = st.builds(lambda start, length: (start, start + length - 1), starts, lengths)
    if highest is None:
        return ranges
    return ranges.map(lambda r: (r[0], r[1]) if r[1] <= highest else (r[0] % highest or 1, highest))


@cache  # built once per arguments, also when drawn from inside composite strategies
def cases(families: tuple[Family, ...] = FAMILIES, lowest: int | None = None) -> st.SearchStrategy[Case]:
    """Cases of the families; ranges start at `lowest` or above (default: the registry's first unit)."""

    def of(family: Family) -> st.SearchStrategy[Case]:
        ranges = unit_ranges(family.lowest if lowest is None else max(lowest, family.lowest), family.highest)
        return st.builds(lambda parts, bounds: Case(family, parts, *bounds), family.parts, ranges)

    # one_of, not flatmap: the strategies are built once, not at every example.
    return st.one_of([of(family) for family in families])


def edge_ranges(family: Family) -> list[tuple[int, int]]:
    lowest = family.lowest
    return [
        (lowest, lowest),  # a block of one, the first unit
        (7, 7),  # start == end
        (1, LONG),  # the longest ranges registries have
        (LONG, LONG),  # a block of one, far out
        (LONG, 2 * LONG - 1),
    ]


def with_edge_cases(**others: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add, for every family, its sample over each edge range as an explicit example.

    `others` are the test's other arguments in these examples (`data=None`: no draws).
    """

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        for family in FAMILIES:
            for start, end in edge_ranges(family):
                test = example(case=Case(family, family.sample, start, end), **others)(test)
        return test

    return decorate


def refused(call: Callable[[], object]) -> SerialError:
    """The SerialError `call` raises; it must raise one, naming a field."""
    try:
        result = call()
    except SerialError as err:
        assert isinstance(err.field, str) and err.field, err
        return err
    raise AssertionError(f"accepted: {result!r}")


def pieces_are_the_block(pieces: list[SerialBlock], block: SerialBlock) -> None:
    """The pieces keep every attribute of `block` but the range, and cover it unit for unit."""
    for piece in pieces:
        assert piece.with_range(block.start, block.end) == block
        assert contains(block, piece)
    assert sum(piece.quantity for piece in pieces) == block.quantity
    for i, first in enumerate(pieces):
        for second in pieces[i + 1 :]:
            assert not overlaps(first, second)


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
