"""Serial texts built from generated fields, one builder (`Family`) per format family, each knowing
what the parsed block must hold; `cases()` draws them (hypothesis strategies)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from hypothesis import example, settings
from hypothesis import strategies as st

from bridge.catalog import Registry
from bridge.serials import (
    SerialBlock,
    SerialError,
    contains,
    overlaps,
    parse_serial,
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
