"""Retirement certificates: the on-chain record (the ERC-721 is the source of truth), with what the
bridge knows of its registry retirement beside it.

The certificate stores a hash of the beneficiary's name and the reason's text, not the texts (a slot per
32 bytes would cost more than the rest of the retirement). The texts come from the vintage's `Retired`
event, as the listener recorded it or, before that, from the chain's log, and are shown only when they
match the stored hash."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_abi.abi import encode
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception

from bridge.chain.contracts import Chain
from bridge.db.models import Retirement, Vintage
from bridge.services.burns import REASONS
from bridge.services.errors import ChainUnavailable, NotFound
from bridge.services.vintages import symbol
from bridge.units import to_hex

_DATA_URI = "data:application/json;base64,"


@dataclass(frozen=True)
class Certificate:
    """A certificate as the chain records it, with the texts when they match its hash and the bridge's
    retirement of it when the listener has applied one."""

    id: int
    owner: str
    vintage: str
    vintage_id: int | None
    symbol: str | None
    retired_at: datetime
    reason: str
    reason_text: str | None
    beneficiary: str
    beneficiary_name: str | None
    details_hash: str
    amount_wei: int
    registry_reference: str | None
    retirement_id: int | None
    status: str  # the retirement's, or `awaiting_listener`
    tx_hash: str | None
    metadata: dict[str, Any]


def read_certificate(session: Session, chain: Chain, certificate_id: int) -> Certificate:
    certificate = chain.certificate.functions
    try:
        owner = certificate.ownerOf(certificate_id).call()
    except ContractLogicError as err:  # ERC721NonexistentToken
        raise NotFound(f"no certificate {certificate_id}", field="certificate_id") from err
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read the certificate: {err}") from err
    try:
        (vintage, retired_at, reason, beneficiary, amount, details_hash, reference) = certificate.retirement(
            certificate_id
        ).call()
        metadata = _metadata(certificate.tokenURI(certificate_id).call())
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read the certificate: {err}") from err
    known = session.scalars(select(Vintage).where(Vintage.token_address == vintage)).first()
    retirement = session.scalars(
        select(Retirement).where(Retirement.certificate_id == certificate_id)
    ).first()
    if retirement is not None:
        texts: tuple[str, str] | None = (retirement.beneficiary_name, retirement.reason_text)
    else:
        texts = _texts_from_log(chain, vintage, certificate_id)
    if texts is not None and details_hash_of(*texts) != bytes(details_hash):
        texts = None  # not what the certificate committed to: show nothing rather than something false
    return Certificate(
        id=certificate_id,
        owner=owner,
        vintage=vintage,
        vintage_id=known.id if known else None,
        symbol=symbol(known) if known else None,
        retired_at=datetime.fromtimestamp(retired_at, UTC),
        reason=REASONS[reason] if reason < len(REASONS) else str(reason),
        reason_text=texts[1] if texts else None,
        beneficiary=beneficiary,
        beneficiary_name=texts[0] if texts else None,
        details_hash=to_hex(details_hash),
        amount_wei=amount,
        registry_reference=reference or None,
        retirement_id=retirement.id if retirement else None,
        status=retirement.status if retirement else "awaiting_listener",
        tx_hash=retirement.tx_hash if retirement else None,
        metadata=metadata,
    )


def details_hash_of(beneficiary_name: str, reason_text: str) -> bytes:
    """What a certificate stores for the texts: `keccak256(abi.encode(beneficiaryName, reasonText))`."""
    return bytes(Web3.keccak(encode(["string", "string"], [beneficiary_name, reason_text])))


def _texts_from_log(chain: Chain, vintage: str, certificate_id: int) -> tuple[str, str] | None:
    """The texts of the `Retired` event that issued `certificate_id`, read from the chain (the listener
    has not applied it yet)."""
    token = chain.vintage(vintage)
    try:
        logs = token.events.Retired().get_logs(
            from_block=int(chain.deployment["block"]),
            argument_filters={"certificateId": certificate_id},
        )
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read the retirement: {err}") from err
    if not logs:
        return None
    args = logs[0]["args"]
    return str(args["beneficiaryName"]), str(args["reasonText"])


def _metadata(uri: str) -> dict[str, Any]:
    """The JSON of the certificate's `tokenURI` (a base64 data URI the contract writes)."""
    if not uri.startswith(_DATA_URI):
        return {"uri": uri}
    decoded: dict[str, Any] = json.loads(base64.b64decode(uri[len(_DATA_URI) :]))
    return decoded
