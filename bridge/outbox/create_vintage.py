"""`create_vintage`: the factory clones a vintage's token; its mints wait for it (`depends_on`)."""

from __future__ import annotations

from hexbytes import HexBytes
from sqlalchemy.orm import Session
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.handlers import Call, Context, Handler
from bridge.services import settlement

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class CreateVintage(Handler):
    kind = "create_vintage"
    holdable = True
    changes_supply = True

    def call(self, ctx: Context, session: Session, item: OutboxItem) -> Call:
        a = outbox.payload_of(item)["attributes"]
        attributes = (
            a["registry"],
            a["category"],
            a["sectoralScope"],
            a["labels"],
            a["vintageStart"],
            a["vintageEnd"],
            bytes.fromhex(a["country"]),
            bytes.fromhex(a["projectId"]),
            bytes.fromhex(a["methodology"]),
        )
        function: ContractFunction = ctx.chain.factory.functions.createVintage(attributes)
        return Call.of(function)

    def mined(self, ctx: Context, session: Session, items: list[OutboxItem], receipt: TxReceipt) -> None:
        full = ctx.chain.w3.eth.get_transaction_receipt(receipt["transactionHash"])  # with its logs
        events = ctx.chain.factory.events.VintageCreated().process_receipt(full)
        for item in items:
            settlement.record_vintage(
                session, outbox.payload_of(item)["vintage_pk"], events[0]["args"]["vintage"]
            )
        super().mined(ctx, session, items, receipt)

    def reverted(self, ctx: Context, session: Session, item: OutboxItem, reason: str) -> None:
        """Created already (a retry after a crash, another sender first): settled with its address."""
        payload = outbox.payload_of(item)
        existing = ctx.chain.factory.functions.vintageOf(HexBytes(payload["key"])).call()
        if existing != ZERO_ADDRESS:
            settlement.record_vintage(session, payload["vintage_pk"], existing)
            self.done_already(item, "already created", reason)
            return
        self.fail(item, reason)
