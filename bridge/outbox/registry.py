"""The handler of each kind of outbox item. A new kind (market settlement, governor actions) is one
module with its `Handler`, added here."""

from __future__ import annotations

from bridge.outbox.confirm_retirement import ConfirmRetirement
from bridge.outbox.create_vintage import CreateVintage
from bridge.outbox.handlers import Handler
from bridge.outbox.mint import Mint

#: The mint handler, which also builds batches.
MINT = Mint()
HANDLERS: dict[str, Handler] = {
    handler.kind: handler for handler in (CreateVintage(), MINT, ConfirmRetirement())
}


class UnknownKind(ValueError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown outbox kind {kind!r}: no handler in bridge.outbox.registry")
        self.kind = kind


def handler_for(kind: str) -> Handler:
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnknownKind(kind)
    return handler


def holdable_kinds() -> tuple[str, ...]:
    """The kinds a paused factory holds back."""
    return tuple(kind for kind, handler in HANDLERS.items() if handler.holdable)
