"""Tables of the bridge, one module per area. Amounts of tokens (18 decimals) are exact integers
stored as text; every state column is one of the enums of `bridge.states`, checked by the database.

Everything is re-exported here: `from bridge.db.models import Tokenization` is the one spelling.
"""

from bridge.db.models.base import Base, WeiAmount, utcnow
from bridge.db.models.burns import Redemption, Retirement
from bridge.db.models.catalog import Project, Vintage
from bridge.db.models.operators import ApiKey, Operator
from bridge.db.models.outbox import OutboxItem, RawTransaction, SentTransaction, SignerNonce
from bridge.db.models.records import Alert, AuditEvent, ChainCursor
from bridge.db.models.tokenizations import (
    NO_OVERLAP,
    ReleasedRange,
    SerialBatch,
    SerialRange,
    Tokenization,
)

__all__ = [
    "NO_OVERLAP",
    "Alert",
    "ApiKey",
    "AuditEvent",
    "Base",
    "ChainCursor",
    "Operator",
    "OutboxItem",
    "Project",
    "RawTransaction",
    "Redemption",
    "ReleasedRange",
    "Retirement",
    "SentTransaction",
    "SerialBatch",
    "SerialRange",
    "SignerNonce",
    "Tokenization",
    "Vintage",
    "WeiAmount",
    "utcnow",
]
