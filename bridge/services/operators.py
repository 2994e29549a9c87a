"""Operators and their API keys. A key is shown once; only its SHA-256 is stored.

A key carries limits, so that a stolen one is worth little: an expiry, a daily quota in tonnes, a
request size above which a second key (scope `approve`) must approve, and its scopes. Every change to
a key is in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bridge.catalog import Registry
from bridge.db import audit
from bridge.db.models import ApiKey, Operator
from bridge.services.errors import Forbidden, NotFound, Unauthorized

KEY_PREFIX = "cbk"
#: What a key may do: ask for tokenizations, approve another key's (two persons), or both.
SCOPES = ("tokenize", "approve")


class _Unchanged:
    """`set_limits`: leave this limit as it is (None means no limit)."""


UNCHANGED: Any = _Unchanged()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are all UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_expired(key: ApiKey, now: datetime | None = None) -> bool:
    return key.expires_at is not None and as_utc(key.expires_at) <= (now or datetime.now(UTC))


def _scopes(scopes: Iterable[str]) -> str:
    chosen = set(scopes)
    if not chosen or chosen - set(SCOPES):
        raise ValueError(f"a key needs one or more scopes of {', '.join(SCOPES)}; got {sorted(chosen)}")
    return ",".join(scope for scope in SCOPES if scope in chosen)


def _check_limits(daily_quota_tonnes: int | None, approval_above_tonnes: int | None) -> None:
    if daily_quota_tonnes is not None and daily_quota_tonnes < 1:
        raise ValueError("the daily quota must be at least 1 tonne (revoke the key to stop it)")
    if approval_above_tonnes is not None and approval_above_tonnes < 0:
        raise ValueError("the approval limit cannot be negative")


def limits_of(key: ApiKey) -> dict[str, Any]:
    """The key's limits as the audit log records them."""
    return {
        "scopes": sorted(key.scope_set),
        "expires_at": None if key.expires_at is None else as_utc(key.expires_at).isoformat(),
        "daily_quota_tonnes": key.daily_quota_tonnes,
        "approval_above_tonnes": key.approval_above_tonnes,
    }


def create_key(
    session: Session,
    operator_name: str,
    registries: list[Registry],
    *,
    actor: str = "cli",
    scopes: Iterable[str] = ("tokenize",),
    expires_at: datetime | None = None,
    daily_quota_tonnes: int | None = None,
    approval_above_tonnes: int | None = None,
) -> tuple[ApiKey, str]:
    """Creates the operator if needed and a new key for it; returns the key row and the secret."""
    if not registries:
        raise ValueError("a key must be scoped to at least one registry")
    scope_text = _scopes(scopes)
    _check_limits(daily_quota_tonnes, approval_above_tonnes)
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
        scopes=scope_text,
        expires_at=None if expires_at is None else as_utc(expires_at),
        daily_quota_tonnes=daily_quota_tonnes,
        approval_above_tonnes=approval_above_tonnes,
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
        **limits_of(key),
    )
    session.commit()
    return key, secret


def set_limits(
    session: Session,
    prefix: str,
    *,
    actor: str = "cli",
    scopes: Iterable[str] | None = None,
    expires_at: datetime | None = UNCHANGED,
    daily_quota_tonnes: int | None = UNCHANGED,
    approval_above_tonnes: int | None = UNCHANGED,
) -> ApiKey:
    """Changes the limits given (None removes one); the audit entry has them before and after."""
    key = _by_prefix(session, prefix)
    before = limits_of(key)
    if scopes is not None:
        key.scopes = _scopes(scopes)
    if expires_at is not UNCHANGED:
        key.expires_at = None if expires_at is None else as_utc(expires_at)
    if daily_quota_tonnes is not UNCHANGED:
        key.daily_quota_tonnes = daily_quota_tonnes
    if approval_above_tonnes is not UNCHANGED:
        key.approval_above_tonnes = approval_above_tonnes
    _check_limits(key.daily_quota_tonnes, key.approval_above_tonnes)
    after = limits_of(key)
    if after != before:
        audit.record(
            session,
            actor=actor,
            action="api_key.limits_changed",
            entity="api_key",
            entity_id=prefix,
            before=before,
            after=after,
        )
        session.commit()
    return key


def _by_prefix(session: Session, prefix: str) -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None:
        raise NotFound(f"no key with prefix {prefix}", field="prefix")
    return key


def revoke_key(session: Session, prefix: str, *, actor: str = "cli") -> ApiKey:
    key = _by_prefix(session, prefix)
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        audit.record(session, actor=actor, action="api_key.revoked", entity="api_key", entity_id=prefix)
        session.commit()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def authenticate(session: Session, presented: str | None) -> ApiKey:
    """The live key matching `presented`; 401 otherwise (missing, malformed, unknown, revoked or expired)."""
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
    if is_expired(key):
        assert key.expires_at is not None
        raise Unauthorized(
            "expired API key", field="X-API-Key", expired_at=as_utc(key.expires_at).isoformat()
        )
    return key


def require_scope(key: ApiKey, scope: str) -> None:
    """403 naming the scope unless the key has it."""
    if scope not in key.scope_set:
        raise Forbidden(
            f"API key {key.prefix} lacks the {scope} scope", field="X-API-Key", required_scope=scope
        )
