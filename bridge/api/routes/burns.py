from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bridge.api import presenters
from bridge.api.deps import IdPath, IdQuery, PagingDep, SessionDep, TokenizeKeyDep
from bridge.schemas import (
    Address,
    Page,
    RedemptionPublic,
    RegistryConfirmation,
    RetirementPublic,
    error_responses,
)
from bridge.services import burns

router = APIRouter(tags=["retirements and redemptions"])

CONFIRM_ERRORS = error_responses(
    {
        400: "Body is not JSON",
        401: "Missing or bad API key",
        403: "Registry not allowed, or the key lacks the tokenize scope",
        404: "No such burn",
        409: "Already confirmed",
        422: "Invalid input, naming the field",
    }
)


@router.get("/retirements", response_model=Page[RetirementPublic])
def list_retirements(
    session: SessionDep,
    paging: PagingDep,
    status: Annotated[str | None, Query(pattern="^(pending_registry|confirming|confirmed)$")] = None,
    vintage_id: IdQuery = None,
    beneficiary: Address | None = None,
) -> Page[RetirementPublic]:
    """On-chain retirements, newest first, with the serials each retired."""
    rows, total = burns.list_retirements(
        session,
        status=status,
        vintage_id=vintage_id,
        beneficiary=beneficiary,
        limit=paging.limit,
        offset=paging.offset,
    )
    return presenters.page([presenters.retirement(r) for r in rows], total, paging)


@router.get(
    "/retirements/{retirement_id}",
    response_model=RetirementPublic,
    responses=error_responses({404: "No such retirement"}),
)
def read_retirement(retirement_id: IdPath, session: SessionDep) -> RetirementPublic:
    """One retirement."""
    return presenters.retirement(burns.get_retirement(session, retirement_id))


@router.post(
    "/retirements/{retirement_id}/confirm", response_model=RetirementPublic, responses=CONFIRM_ERRORS
)
def confirm_retirement(
    retirement_id: IdPath, body: RegistryConfirmation, session: SessionDep, key: TokenizeKeyDep
) -> RetirementPublic:
    """The operator retired these serials at the registry; the reference goes on the certificate."""
    return presenters.retirement(
        burns.confirm_retirement(session, key, retirement_id, body.registry_reference)
    )


@router.get("/redemptions", response_model=Page[RedemptionPublic])
def list_redemptions(
    session: SessionDep,
    paging: PagingDep,
    status: Annotated[str | None, Query(pattern="^(pending_transfer|released)$")] = None,
    vintage_id: IdQuery = None,
) -> Page[RedemptionPublic]:
    """Redemptions, newest first, with the serial ranges to release."""
    rows, total = burns.list_redemptions(
        session, status=status, vintage_id=vintage_id, limit=paging.limit, offset=paging.offset
    )
    return presenters.page([presenters.redemption(r) for r in rows], total, paging)


@router.get(
    "/redemptions/{redemption_id}",
    response_model=RedemptionPublic,
    responses=error_responses({404: "No such redemption"}),
)
def read_redemption(redemption_id: IdPath, session: SessionDep) -> RedemptionPublic:
    """One redemption."""
    return presenters.redemption(burns.get_redemption(session, redemption_id))


@router.post(
    "/redemptions/{redemption_id}/confirm", response_model=RedemptionPublic, responses=CONFIRM_ERRORS
)
def confirm_redemption(
    redemption_id: IdPath, body: RegistryConfirmation, session: SessionDep, key: TokenizeKeyDep
) -> RedemptionPublic:
    """The operator transferred the released serials to the holder's registry account."""
    return presenters.redemption(
        burns.confirm_redemption(session, key, redemption_id, body.registry_reference)
    )
