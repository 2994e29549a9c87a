from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bridge.api import presenters
from bridge.api.deps import ApiKeyDep, IdPath, IdQuery, PagingDep, SessionDep
from bridge.schemas import (
    NO_NUL,
    CategoryField,
    LockPublic,
    Page,
    ProjectPublic,
    RegistryField,
    VintagePublic,
    error_responses,
)
from bridge.services import tokenizations, vintages

router = APIRouter(tags=["catalogue"])


@router.get("/projects", response_model=Page[ProjectPublic])
def list_projects(
    session: SessionDep,
    paging: PagingDep,
    registry: RegistryField | None = None,
    category: CategoryField | None = None,
) -> Page[ProjectPublic]:
    """Projects with bridged credits."""
    rows, total = vintages.list_projects(
        session, registry=registry, category=category, limit=paging.limit, offset=paging.offset
    )
    items = [presenters.project(p, vintages.vintage_count_of(session, p)) for p in rows]
    return presenters.page(items, total, paging)


@router.get("/vintages", response_model=Page[VintagePublic])
def list_vintages(
    session: SessionDep,
    paging: PagingDep,
    registry: RegistryField | None = None,
    project_id: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
) -> Page[VintagePublic]:
    """Vintages with their token addresses."""
    rows, total = vintages.list_vintages(
        session, registry=registry, project_id=project_id, year=year, limit=paging.limit, offset=paging.offset
    )
    return presenters.page([presenters.vintage(v) for v in rows], total, paging)


@router.get(
    "/vintages/{vintage_id}",
    response_model=VintagePublic,
    responses=error_responses({404: "No such vintage"}),
)
def read_vintage(vintage_id: IdPath, session: SessionDep) -> VintagePublic:
    """One vintage."""
    return presenters.vintage(vintages.get(session, vintage_id))


@router.get(
    "/locks",
    response_model=Page[LockPublic],
    responses=error_responses({401: "Missing, bad, revoked or expired API key"}),
)
def list_locks(
    session: SessionDep,
    key: ApiKeyDep,
    paging: PagingDep,
    registry: RegistryField | None = None,
    state: Annotated[str | None, Query(pattern="^(pending|locked|retired)$")] = None,
    vintage_id: IdQuery = None,
) -> Page[LockPublic]:
    """The operator's serial blocks the bridge holds: pending a mint, locked behind tokens, or retired."""
    rows, total = tokenizations.list_locks(
        session,
        operator_id=key.operator_id,
        registry=registry,
        state=state,
        vintage_id=vintage_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return presenters.page([presenters.lock(r) for r in rows], total, paging)
