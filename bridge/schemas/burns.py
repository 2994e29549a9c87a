"""Retirements, redemptions and certificates: the burns the listener follows, and their registry side."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bridge.schemas.fields import NO_NUL
from bridge.schemas.tokenizations import RangePublic


class RetirementPublic(BaseModel):
    id: int
    vintage_id: int
    token_address: str | None
    holder: str
    beneficiary: str
    beneficiary_name: str
    reason: str
    reason_text: str
    amount_wei: str
    tonnes_retired: int
    certificate_id: int
    status: str
    registry_reference: str | None
    tx_hash: str
    block_number: int
    serials: list[RangePublic]


class RedemptionPublic(BaseModel):
    id: int
    vintage_id: int
    token_address: str | None
    holder: str
    amount_wei: str
    tonnes: int
    registry_account: str
    status: str
    registry_reference: str | None
    tx_hash: str
    block_number: int
    serials: list[RangePublic]


class RegistryConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    registry_reference: str = Field(min_length=1, max_length=200, pattern=NO_NUL)


class CertificatePublic(BaseModel):
    """A retirement certificate as the chain records it, with the bridge's registry status."""

    id: int
    owner: str
    vintage: str
    vintage_id: int | None
    symbol: str | None
    retired_at: datetime
    reason: str
    reason_text: str | None = Field(
        description="From the Retired event; null until one matching `details_hash` is found."
    )
    beneficiary: str
    beneficiary_name: str | None = Field(
        description="From the Retired event; null until one matching `details_hash` is found."
    )
    details_hash: str = Field(description="keccak256(abi.encode(beneficiaryName, reasonText)), on-chain.")
    amount_wei: str
    registry_reference: str | None
    retirement_id: int | None
    status: str = Field(description="pending_registry, confirming, confirmed, or awaiting_listener.")
    tx_hash: str | None
    metadata: dict[str, Any] = Field(description="The certificate's tokenURI JSON.")
