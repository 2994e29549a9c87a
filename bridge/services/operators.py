"""Operators and their API keys. A key is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bridge.catalog import Registry
from bridge.db import audit
from bridge.db.models import ApiKey, Operator
from bridge.services.errors import NotFound, Unauthorized

KEY_PREFIX = "cbk"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    session: Session, operator_name: str, registries: list[Registry], *, actor: str = "cli"
) -> tuple[ApiKey, str]:
    """Creates the operator if needed and a new key for it; returns the key row and the secret."""
    if not registries:
        raise ValueError("a key must be scoped to at least one registry")
    operator = session.scalars(select(Operator).where(Operator.name == operator_name)).first()
    if operator is None:
        operator = Operator(name=operator_name)
        session.add(operator)
        session.flush()
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        operator_id=operator.id,
        prefix=prefix,
        key_hash=_hash(secret),
        registries=",".join(str(int(r)) for r in sorted(set(registries))),
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_key.created",
        entity="api_key",
        entity_id=prefix,
        operator=operator_name,
        registries=[r.name.lower() for r in registries],
    )
    session.commit()
    return key, secret


def revoke_key(session: Session, prefix: str, *, actor: str = "cli") -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None:
        raise NotFound(f"no key with prefix {prefix}", field="prefix")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        audit.record(session, actor=actor, action="api_key.revoked", entity="api_key", entity_id=prefix)
        session.commit()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def authenticate(session: Session, presented: str | None) -> ApiKey:
    """The live key matching `presented`; 401 otherwise (missing, malformed, unknown or revoked)."""
    if not presented:
        raise Unauthorized("missing X-API-Key header", field="X-API-Key")
    parts = presented.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        raise Unauthorized("malformed API key", field="X-API-Key")
    # With its operator: use cases name the operator in the audit log (one query, not two).
    key = session.scalars(
        select(ApiKey).where(ApiKey.prefix == parts[1]).options(joinedload(ApiKey.operator))
    ).first()
    # Compare digests in constant time so a timing difference reveals nothing about the secret.
    if key is None or not hmac.compare_digest(key.key_hash, _hash(presented)):
        raise Unauthorized("unknown API key", field="X-API-Key")
    if key.revoked_at is not None:
        raise Unauthorized("revoked API key", field="X-API-Key")
    return key
