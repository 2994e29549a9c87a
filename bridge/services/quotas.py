"""Daily quotas of API keys: the tonnes a key asked for over the last 24 hours, a rolling window.

Every tokenization of the key counts except those that hold nothing any more (failed, cancelled),
so a request waiting for approval counts from the moment it holds its serials.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge.db.models import ApiKey, Tokenization, utcnow
from bridge.services.errors import QuotaExceeded
from bridge.states import TokenizationStatus

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
NOT_COUNTED = (TokenizationStatus.FAILED, TokenizationStatus.CANCELLED)


def used_tonnes(session: Session, key: ApiKey) -> int:
    """The tonnes the key's tokenizations of the last 24 hours count against its quota."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Tokenization.quantity), 0)).where(
                Tokenization.api_key_id == key.id,
                Tokenization.created_at > utcnow() - WINDOW,
                Tokenization.status.not_in(NOT_COUNTED),
            )
        )
        or 0
    )


def check_quota(session: Session, key: ApiKey, tonnes: int, *, unwritten: int = 0) -> None:
    """Refuses (429, naming `quantity` and what remains) a request that would take the key over its
    daily quota; changes nothing. `unwritten`: tonnes of the key's locks not yet flushed (a bulk chunk).

    The key's row is locked first, so that concurrent requests of one key count one after the other:
    each sees what the one before it committed (PostgreSQL; SQLite's transactions are serial already).
    The caller commits its tokenization in this transaction. Keys without a quota take no lock.
    """
    if key.daily_quota_tonnes is None:
        return
    # Read again under the lock: the quota may have changed since the key was authenticated.
    quota = session.scalar(select(ApiKey.daily_quota_tonnes).where(ApiKey.id == key.id).with_for_update())
    if quota is None:
        return
    used = used_tonnes(session, key) + unwritten
    if used + tonnes <= quota:
        return
    remaining = max(quota - used, 0)
    logger.warning(
        "key %s: %s t refused, over its daily quota (%s of %s t used)", key.prefix, tonnes, used, quota
    )
    raise QuotaExceeded(
        f"quantity: {tonnes} t would exceed the daily quota of API key {key.prefix} ({quota} t over 24 "
        f"hours, {remaining} t remaining)",
        field="quantity",
        tonnes=tonnes,
        daily_quota_tonnes=quota,
        used_tonnes=used,
        remaining_tonnes=remaining,
    )
