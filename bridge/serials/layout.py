"""What every serial layout provides: recognise the text, build the block, write it back."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping

from bridge.catalog import Registry
from bridge.serials.identity import Identity
from bridge.serials.model import SerialBlock


class Layout(ABC):
    """One textual serial form of one registry.

    `pattern` only checks the shape (which parts, in which order); `build` checks the values,
    so a well-shaped serial with a bad date fails naming "vintage_start", not "format".
    """

    #: The registry whose serials have this form.
    registry: Registry
    #: Human name for messages, e.g. "Verra VCU".
    name: str
    #: The shape, with named groups; matched against the whole (stripped) text.
    pattern: re.Pattern[str]
    #: False when the shape is too loose to tell the registry from the text alone (free-text ids).
    detectable: bool = True
    #: Fields that describe a batch but may change over its life, so are not batch attributes:
    #: field -> why.
    mutable: Mapping[str, str] = {}

    def match(self, text: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(text)

    @abstractmethod
    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        """The block the matched text describes; SerialError naming the field if a value is bad."""

    @abstractmethod
    def render(self, block: SerialBlock) -> str:
        """The serial text of `block` (one of this layout's blocks) for its current range."""

    @abstractmethod
    def identity(self, block: SerialBlock) -> Identity:
        """The space, batch and batch attributes of `block` (see `identity.py`), from its fields."""

    def renders(self, block: SerialBlock) -> bool:
        """Whether `block` is written in this layout (a registry may have several)."""
        return block.registry is self.registry
