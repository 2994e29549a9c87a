"""Alerts, public like the reserves: that the bridge noticed something is for everyone to see, and
everything an alert names is on-chain already. Acknowledging one is an operator's act, on the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bridge.api import presenters
from bridge.api.deps import IdPath, PagingDep, SessionDep
from bridge.schemas import AlertPublic, Page, error_responses
from bridge.services import alerts

router = APIRouter(tags=["alerts"])

KIND_PATTERN = f"^({'|'.join(alerts.KINDS)})$"


@router.get("/alerts", response_model=Page[AlertPublic])
def list_alerts(
    session: SessionDep,
    paging: PagingDep,
    open_only: Annotated[
        bool | None, Query(alias="open", description="true: open only; false: acknowledged only.")
    ] = None,
    kind: Annotated[str | None, Query(pattern=KIND_PATTERN)] = None,
) -> Page[AlertPublic]:
    """What the bridge noticed on-chain that none of its records explains, newest first."""
    rows, total = alerts.list_alerts(
        session, open_only=open_only, kind=kind, limit=paging.limit, offset=paging.offset
    )
    return presenters.page([presenters.alert(a) for a in rows], total, paging)


@router.get(
    "/alerts/{alert_id}", response_model=AlertPublic, responses=error_responses({404: "No such alert"})
)
def read_alert(alert_id: IdPath, session: SessionDep) -> AlertPublic:
    """One alert."""
    return presenters.alert(alerts.get_alert(session, alert_id))
