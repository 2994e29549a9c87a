"""Alerts: on-chain facts no bridge record explains, and broken invariants.

Each alert is stored once per `key` (idempotent: the listener may see the same log again after a
restart), logged CRITICAL when first stored, and keeps `GET /health` degraded until an operator
acknowledges it after an investigation.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db import audit
from bridge.db.models import Alert, utcnow
from bridge.db.pagination import Window, paginate
from bridge.services.errors import Conflict, NotFound

if TYPE_CHECKING:
    from bridge.chain.contracts import Chain

logger = logging.getLogger(__name__)

#: What the listener raises (see bridge/listener/watch.py and nonces.py). Each one pauses minting
#: when a guardian key is configured: each is something a stolen key, or a hostile admin, would do.
KINDS = (
    "unexplained_mint",
    "lock_order_mismatch",
    "unexplained_vintage",
    "role_change",
    "implementation_changed",
    "foreign_nonce",
)
PAUSING_KINDS = KINDS
#: `GET /health` names at most this many open alerts, then counts the rest.
SHOWN_REASONS = 20


def raise_alert(
    session: Session,
    *,
    key: str,
    kind: str,
    message: str,
    block_number: int | None = None,
    tx_hash: str | None = None,
    **detail: Any,
) -> Alert | None:
    """Adds the alert to the caller's transaction unless one with `key` exists; the new row, or None.

    The caller commits. Safe against a concurrent insert of the same key only in the sense that the
    second commit fails on the unique key: callers that race (listener and sender) use distinct keys.
    """
    if session.scalars(select(Alert.id).where(Alert.key == key)).first() is not None:
        return None
    alert = Alert(
        key=key,
        kind=kind,
        message=message,
        detail=json.dumps(detail, default=str, sort_keys=True),
        block_number=block_number,
        tx_hash=tx_hash,
    )
    session.add(alert)
    session.flush()
    logger.critical("ALERT %s (%s): %s %s", kind, key, message, json.dumps(detail, default=str))
    return alert


def open_alerts(session: Session) -> list[Alert]:
    """Alerts not acknowledged yet, oldest first."""
    return list(session.scalars(select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.id)))


def foreign_nonce(session: Session, address: str, nonce: int, *, seen_by: str, **detail: Any) -> Alert | None:
    """Nonce `nonce` of the bridge's account was used by a transaction the bridge did not sign.

    One alert per (account, nonce) whoever notices it: the listener, from the account's count, or the
    sender, when its own broadcast answers "nonce too low" and its transaction was never mined.
    """
    return raise_alert(
        session,
        key=f"foreign_nonce:{address.lower()}:{nonce}",
        kind="foreign_nonce",
        message=f"nonce {nonce} of the bridge's account {address} was used by a transaction the bridge "
        "did not sign",
        address=address,
        nonce=nonce,
        seen_by=seen_by,
        **detail,
    )


def list_alerts(
    session: Session, *, open_only: bool | None, kind: str | None, limit: int, offset: int
) -> tuple[list[Alert], int]:
    """Newest first; `open_only` True: unacknowledged only, False: acknowledged only, None: all."""
    query = select(Alert)
    if open_only is not None:
        query = query.where(
            Alert.acknowledged_at.is_(None) if open_only else Alert.acknowledged_at.is_not(None)
        )
    if kind is not None:
        query = query.where(Alert.kind == kind)
    return paginate(session, query, Window(limit, offset), Alert.id.desc())


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", field="alert_id")
    return alert


def acknowledge(session: Session, alert_ids: list[int], *, by: str, note: str) -> list[Alert]:
    """Closes the alerts after an investigation (all or none), each audited with the note; commits.

    Acknowledging does not un-pause minting: that is the admin's, through the timelock.
    """
    acknowledged = []
    for alert_id in dict.fromkeys(alert_ids):
        alert = session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(f"no alert {alert_id}", field="alert_id")
        if alert.acknowledged_at is not None:
            when = f"{alert.acknowledged_at:%Y-%m-%d %H:%M:%S}"
            raise Conflict(f"alert {alert_id} was acknowledged by {alert.acknowledged_by} at {when}")
        alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement = utcnow(), by, note
        audit.record(
            session,
            actor=by,
            action="alert.acknowledged",
            entity="alert",
            entity_id=alert.id,
            kind=alert.kind,
            key=alert.key,
            note=note,
        )
        acknowledged.append(alert)
    session.commit()
    return acknowledged


def awaiting_pause(session: Session) -> list[Alert]:
    """Open alerts of a pausing kind that no pause of the guardian answered yet, oldest first."""
    query = select(Alert).where(
        Alert.acknowledged_at.is_(None), Alert.pause_tx_hash.is_(None), Alert.kind.in_(PAUSING_KINDS)
    )
    return list(session.scalars(query.order_by(Alert.id)))


def record_pause(session: Session, alert_ids: list[int], *, tx_hash: str, guardian: str) -> None:
    """The guardian's mined `pause()` answered these alerts: each records it, audited; commits."""
    for alert_id in alert_ids:
        alert = session.get_one(Alert, alert_id, with_for_update=True)
        if alert.pause_tx_hash is None:
            alert.pause_tx_hash = tx_hash
            audit.record(
                session,
                actor="guardian",
                action="factory.paused",
                entity="alert",
                entity_id=alert.id,
                kind=alert.kind,
                tx_hash=tx_hash,
                guardian=guardian,
            )
    session.commit()


@dataclass
class Health:
    status: Literal["ok", "degraded"]
    reasons: list[str] = field(default_factory=list)
    open_alerts: int = 0
    minting_paused: bool | None = None  # None: not read (no chain, or the chain cannot be read)


def health(session: Session, chain: Chain | None) -> Health:
    """Degraded while an alert is open, minting is paused on-chain, or the chain cannot be read.

    The database is read in a transaction of its own, ended before the chain is asked (on SQLite
    one holds the write lock): pass a session with no transaction open.
    """
    found = open_alerts(session)
    session.commit()
    reasons = [f"alert {a.id} ({a.kind}): {a.message}" for a in found[:SHOWN_REASONS]]
    if len(found) > SHOWN_REASONS:
        reasons.append(f"and {len(found) - SHOWN_REASONS} more open alerts (GET /alerts?open=true)")
    paused = None
    if chain is not None:
        try:
            paused = bool(chain.factory.functions.paused().call())
        except Exception as err:  # whatever the node or the connection raise: health must answer
            reasons.append(f"the chain cannot be read: {err or type(err).__name__}")
    if paused:
        reasons.append("minting is paused on the factory: the admin un-pauses it, through the timelock")
    return Health("degraded" if reasons else "ok", reasons, len(found), paused)
