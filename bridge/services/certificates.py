"""Retirement certificates: the on-chain record (the ERC-721 is the source of truth), with what the
bridge knows of its registry retirement beside it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.exceptions import ContractLogicError, Web3Exception

from bridge.chain.contracts import Chain
from bridge.db.models import Retirement, Vintage
from bridge.schemas import CertificatePublic
from bridge.services.burns import REASONS
from bridge.services.errors import ChainUnavailable, NotFound
from bridge.services.vintages import symbol

_DATA_URI = "data:application/json;base64,"


def read_certificate(session: Session, chain: Chain, certificate_id: int) -> CertificatePublic:
    certificate = chain.certificate.functions
    try:
        owner = certificate.ownerOf(certificate_id).call()
    except ContractLogicError as err:  # ERC721NonexistentToken
        raise NotFound(f"no certificate {certificate_id}", field="certificate_id") from err
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read the certificate: {err}") from err
    try:
        (vintage, retired_at, reason, beneficiary, amount, beneficiary_name, reason_text, reference) = (
            certificate.retirement(certificate_id).call()
        )
        metadata = _metadata(certificate.tokenURI(certificate_id).call())
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read the certificate: {err}") from err
    known = session.scalars(select(Vintage).where(Vintage.token_address == vintage)).first()
    retirement = session.scalars(
        select(Retirement).where(Retirement.certificate_id == certificate_id)
    ).first()
    return CertificatePublic(
        id=certificate_id,
        owner=owner,
        vintage=vintage,
        vintage_id=known.id if known else None,
        symbol=symbol(known) if known else None,
        retired_at=datetime.fromtimestamp(retired_at, UTC),
        reason=REASONS[reason] if reason < len(REASONS) else str(reason),
        reason_text=reason_text,
        beneficiary=beneficiary,
        beneficiary_name=beneficiary_name,
        amount_wei=str(amount),
        registry_reference=reference or None,
        retirement_id=retirement.id if retirement else None,
        status=retirement.status if retirement else "awaiting_listener",
        tx_hash=retirement.tx_hash if retirement else None,
        metadata=metadata,
    )


def _metadata(uri: str) -> dict[str, Any]:
    """The JSON of the certificate's `tokenURI` (a base64 data URI the contract writes)."""
    if not uri.startswith(_DATA_URI):
        return {"uri": uri}
    decoded: dict[str, Any] = json.loads(base64.b64decode(uri[len(_DATA_URI) :]))
    return decoded
