"""The append-only audit log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db.models import AuditEvent


def record(
    session: Session, *, actor: str, action: str, entity: str, entity_id: str | int, **detail: Any
) -> None:
    """Adds an audit row to the caller's transaction, so it commits with the change it describes."""
    session.add(entry(actor=actor, action=action, entity=entity, entity_id=entity_id, **detail))


def entry(*, actor: str, action: str, entity: str, entity_id: str | int, **detail: Any) -> AuditEvent:
    """The audit row `record` adds, for a caller that adds it with the change itself."""
    return AuditEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=json.dumps(detail, default=str, sort_keys=True),
    )


def list_events(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    return list(session.scalars(query.offset(offset).limit(limit)))
