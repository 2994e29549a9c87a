"""Units and spellings shared by every layer: a tonne in token units, and bytes as 0x-hex."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

#: One tonne of CO2e in the smallest token unit (tokens have 18 decimals).
TONNE = 10**18


def to_hex(value: Any) -> str:
    """`0x`-prefixed lower-case hex of bytes (HexBytes, bytes); a str is taken as hex already."""
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def parse_tonnes(text: str) -> int:
    """Tonnes written as a decimal number ("0.001") in token units, exactly; ValueError otherwise."""
    try:
        units = Decimal(text.strip()) * TONNE
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number of tonnes") from None
    if not units.is_finite() or units != units.to_integral_value() or units < 0:
        raise ValueError(f"{text!r} is not a number of tonnes of at most 18 decimals")
    return int(units)
