"""The identity of a block: canonical text for what a registry guarantees unique.

A serial's spelling (`SerialBlock.issuance`) is not its identity: leading zeros, another batch id
in a registry-wide numbering, case or a full-width dash in a free-text id must not open a fresh
numbering space. Each layout gives, for its blocks, an `Identity`:

    space       the numbering space: two blocks of one registry share a unit exactly when their
                spaces are equal and their ranges intersect
    batch       the issuance batch whose description must agree across blocks
    attributes  that description (canonical text: numbers as integers, dates ISO), without the
                range, the batch key itself and the fields that may change over a batch's life
                (each layout lists those in `Layout.mutable`, with the reason)

Every key is ASCII and at most `MAX_KEY` characters (see `bounded`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import NamedTuple

from bridge.serials.model import FrozenFields

#: The longest space or batch key; a longer one is replaced by its digest (see `bounded`).
MAX_KEY = 200

_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


class Identity(NamedTuple):
    space: str
    batch: str
    attributes: FrozenFields


def number(text: str) -> str:
    """A number written in ASCII digits, without leading zeros ("0042" -> "42", "0" -> "0").

    String work, not int(): ids may hold digit runs beyond Python's int-string limit.
    """
    if not (text.isascii() and text.isdigit()):
        return text
    return text.lstrip("0") or "0"


def numbers_in(text: str) -> str:
    """`text` with every run of ASCII digits written without leading zeros."""
    return _ZEROS.sub("", text)


def keyed(**parts: str) -> str:
    """A key of named parts, "name=value;name=value", e.g. "batch=30307"."""
    return ";".join(f"{name}={value}" for name, value in parts.items())


def _is_dash(char: str) -> bool:
    # Pd covers the hyphens and dashes (U+2010-2015, U+2E3A, U+FE58, ...); the minus signs are Sm.
    return unicodedata.category(char) == "Pd" or char in "\u2212\u207b\u208b"


def _decimal(char: str) -> str:
    # Any script's decimal digit (Arabic-Indic, Devanagari, ...) as its ASCII digit.
    return str(unicodedata.decimal(char)) if unicodedata.category(char) == "Nd" else char


def _canonical_step(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).upper()
    text = unicodedata.normalize("NFKC", text)  # upper() may leave a decomposable result
    text = "".join("-" if _is_dash(c) else _decimal(c) for c in text)
    return numbers_in(" ".join(text.split()))


def canonical_id(text: str) -> str:
    """A free-text id as one canonical text: NFKC, upper case, every dash "-", blanks collapsed
    to one space, digits ASCII and without leading zeros.

    Not ASCII yet (see `ascii_key`). Repeated until stable: upper-casing or NFKC can yield a
    character that another step changes again, and the result must be a fixed point.
    """
    for _ in range(5):
        again = _canonical_step(text)
        if again == text:
            break
        text = again
    return text


def ascii_key(text: str) -> str:
    """`text` as ASCII, reversibly: non-ASCII characters as Python escapes (\\u4e2d), "\\" as "\\\\"."""
    return text.encode("unicode_escape").decode("ascii")


def bounded(key: str) -> str:
    """`key` itself, or "sha256:<hex>" of it when longer than MAX_KEY characters.

    No key of ours starts with lower-case "sha256:" (opaque ids and Cercarbono serials are upper
    case, the named ones start "batch=", "party=", ...), so a digest never equals a short key.
    """
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("ascii")).hexdigest()


def attributes(**values: str | int | None) -> FrozenFields:
    """Batch attributes as text; None values (a part the serial does not have) are left out."""
    return FrozenFields({name: str(value) for name, value in values.items() if value is not None})
