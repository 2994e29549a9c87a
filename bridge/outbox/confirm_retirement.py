"""`confirm_retirement`: the registrar writes the registry's reference into a retirement certificate."""

from __future__ import annotations

from sqlalchemy.orm import Session
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.handlers import Call, Context, Handler
from bridge.services import settlement

#: Field of `RetirementCertificate.retirement(id)` holding the registry's reference.
REGISTRY_REFERENCE = 6


class ConfirmRetirement(Handler):
    kind = "confirm_retirement"

    def call(self, ctx: Context, session: Session, item: OutboxItem) -> Call:
        payload = outbox.payload_of(item)
        function: ContractFunction = ctx.chain.certificate.functions.confirmRegistryRetirement(
            payload["certificate_id"], payload["reference"]
        )
        return Call.of(function)

    def mined(self, ctx: Context, session: Session, items: list[OutboxItem], receipt: TxReceipt) -> None:
        for item in items:
            payload = outbox.payload_of(item)
            settlement.record_certified(session, payload["retirement_pk"], payload["certificate_id"])
        super().mined(ctx, session, items, receipt)

    def reverted(self, ctx: Context, session: Session, item: OutboxItem, reason: str) -> None:
        """Confirmed already (the reference is written): settled."""
        payload = outbox.payload_of(item)
        certificate = ctx.chain.certificate.functions.retirement(payload["certificate_id"]).call()
        if certificate[REGISTRY_REFERENCE]:
            settlement.record_certified(session, payload["retirement_pk"], payload["certificate_id"])
            self.done_already(item, "already confirmed", reason)
            return
        self.fail(item, reason)
