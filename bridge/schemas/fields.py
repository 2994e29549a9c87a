"""Field types of the API: registries, categories and addresses as requests spell them, with the
OpenAPI schema of what they accept."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from web3 import Web3

from bridge.catalog import REGISTRY_CODES, Category, Label, Registry


def parse_registry(value: Any) -> Registry:
    """A registry by name (`verra`, `gold_standard`), code (`VCS`, `GS`) or id."""
    if isinstance(value, Registry):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return Registry(value)
        except ValueError:
            pass
    if isinstance(value, str):
        text = value.strip().upper().replace("-", "_").replace(" ", "_")
        if text.isascii() and text.isdigit():  # an id, as a query string carries it
            return parse_registry(int(text))
        if text in Registry.__members__:
            return Registry[text]
        for registry, code in REGISTRY_CODES.items():
            if code == text:
                return registry
    names = ", ".join(r.name.lower() for r in Registry)
    raise ValueError(f"unknown registry {value!r}; expected one of {names}")


def parse_category(value: Any) -> Category:
    if isinstance(value, Category):
        return value
    if isinstance(value, str) and value.strip().upper() in Category.__members__:
        return Category[value.strip().upper()]
    names = ", ".join(c.name.lower() for c in Category)
    raise ValueError(f"unknown category {value!r}; expected one of {names}")


def parse_address(value: Any) -> str:
    """A 20-byte address; mixed case must carry a valid EIP-55 checksum."""
    if not isinstance(value, str) or not Web3.is_address(value):
        raise ValueError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not Web3.is_checksum_address(value):
        raise ValueError(f"{value} has a bad EIP-55 checksum")
    return Web3.to_checksum_address(value)


LABEL_NAMES = {label.name.lower(): label for label in Label if label.name and label != Label.NONE}

# What the validators above accept, as the OpenAPI schema states it (their input is not the enum's).
REGISTRY_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "enum": [r.name.lower() for r in Registry]
            + [REGISTRY_CODES[r] for r in Registry]
            + [str(int(r)) for r in Registry],
        },
        {"type": "integer", "enum": [int(r) for r in Registry]},
    ],
    "description": "A registry by name (`verra`), code (`VCS`) or id (`1`).",
}
CATEGORY_SCHEMA = {"type": "string", "enum": [c.name.lower() for c in Category]}
ADDRESS_SCHEMA = {
    "type": "string",
    "pattern": "^0x[0-9a-fA-F]{40}$",
    "description": "An address; mixed case must carry a valid EIP-55 checksum.",
}

RegistryField = Annotated[Registry, BeforeValidator(parse_registry), WithJsonSchema(REGISTRY_SCHEMA)]
CategoryField = Annotated[Category, BeforeValidator(parse_category), WithJsonSchema(CATEGORY_SCHEMA)]
Address = Annotated[str, BeforeValidator(parse_address), WithJsonSchema(ADDRESS_SCHEMA)]
LabelName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(LABEL_NAMES)})]

#: Text the database can hold: PostgreSQL refuses NUL characters in text.
NO_NUL = r"^[^\x00]*$"
#: The most units a request may state: exact as a JSON number everywhere (2**53 - 1), far within BIGINT.
MAX_UNITS = 2**53 - 1
