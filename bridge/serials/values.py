"""Readers for the parts of a serial (numbers, dates, codes); each names its field on error."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from bridge.catalog import Registry
from bridge.serials.countries import ISO_3166_ALPHA2
from bridge.serials.errors import SerialError
from bridge.serials.model import check_range

#: Vintage years (and the years of vintage dates) we accept; anything outside is a typo.
FIRST_YEAR = 1990
LAST_YEAR = 2100

#: The longest number we read: far beyond any registry's (Verra's unit numbers have 10 digits),
#: and within Python's limit on int <-> str conversion (4300 digits), which raises ValueError.
MAX_DIGITS = 100


def unit_number(text: str, field: str) -> int:
    """A unit number as registries print it: ASCII digits, no leading zero ("0" itself is ok)."""
    if not (text.isascii() and text.isdigit()):
        raise SerialError(field, f"{text!r} is not a unit number")
    if len(text) > MAX_DIGITS:
        raise SerialError(field, f"{text[:20]}... has more than {MAX_DIGITS} digits")
    if len(text) > 1 and text.startswith("0"):
        raise SerialError(field, f"{text!r} has a leading zero")
    return int(text)


def check_quantity(quantity: int) -> None:
    """Refuse a stated quantity that is not a positive whole number."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise SerialError("quantity", f"{quantity!r} is not a whole number")
    if quantity < 1:
        raise SerialError("quantity", f"{quantity} is not a positive number of units")


def unit_range(registry: Registry, start_text: str, end_text: str, quantity: int | None) -> tuple[int, int]:
    """The range a serial states, checked against the quantity stated beside it (if any)."""
    start = unit_number(start_text, "block_start")
    end = unit_number(end_text, "block_end")
    check_range(registry, start, end)
    if quantity is not None:
        check_quantity(quantity)
        if quantity != end - start + 1:
            raise SerialError(
                "quantity",
                f"{quantity} stated, but the range {start}-{end} holds {end - start + 1} units",
            )
    return start, end


def year(text: str, field: str) -> int:
    """A four-digit year within FIRST_YEAR..LAST_YEAR."""
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise SerialError(field, f"{text!r} is not a four-digit year")
    value = int(text)
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise SerialError(field, f"{value} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return value


def ddmmyyyy(text: str, field: str) -> date:
    """A date written DDMMYYYY (Verra), e.g. 31122020."""
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise SerialError(field, f"{text!r} is not a DDMMYYYY date")
    try:
        value = date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise SerialError(field, f"{text!r} is not a calendar date (DDMMYYYY)") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise SerialError(field, f"{text!r} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return value


def country(text: str, field: str = "country") -> str:
    """An ISO 3166 alpha-2 country code."""
    if text not in ISO_3166_ALPHA2:
        raise SerialError(field, f"{text!r} is not an ISO 3166 alpha-2 country code")
    return text


def number_between(text: str, low: int, high: int, field: str) -> str:
    """A small code number within low..high, kept as the text the serial has."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS or not low <= int(text) <= high:
        raise SerialError(field, f"{text!r} is not a number from {low} to {high}")
    return text


def one_of(text: str, allowed: Collection[str], field: str) -> str:
    """One of a fixed set of codes."""
    if text not in allowed:
        raise SerialError(field, f"{text!r} is not one of {', '.join(sorted(allowed))}")
    return text


def common_year(start: date, end: date) -> int | None:
    """The vintage year of a vintage period, when the period lies within one calendar year."""
    return start.year if start.year == end.year else None
