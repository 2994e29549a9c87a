"""The listener's watch: every event of the factory, and every role change on the bridge's contracts,
against the bridge's own records. What no record explains raises an alert (`bridge.services.alerts`)
in the transaction that advances the listener's cursor, keyed by the log, so reading the same blocks
again (a restart) adds nothing:

- `Tokenized`: explained by the tokenization with that lock id when its vintage token, beneficiary,
  amount and serial hash are the event's and its mint was the bridge's to send (pending or minted).
  An unknown lock id is `unexplained_mint`; another order under a known one, `lock_order_mismatch`.
- `VintageCreated`: explained by the vintage with that key, created by a transaction the bridge
  signed, at the address it recorded. The key alone is not enough: a thief could create the key first
  with other attributes (category, labels), and the bridge would take that token as its own.
- `RoleGranted`, `RoleRevoked` and `DefaultAdminTransferScheduled` on any of the bridge's contracts:
  explained only within the deployment's blocks (a grant must also be in the deployment record's
  grants); anything later is `role_change`. `ImplementationSet` later: `implementation_changed`.
- `MintingPaused` and `MintingUnpaused` are logged; `GET /health` reads the pause state itself.

The listener never reads past the block of the oldest unsettled transaction (`outbox.floor`), so a
log of the bridge's own transaction is only judged once the sender has recorded what it did.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session, joinedload
from web3 import Web3
from web3._utils.events import get_event_data

from bridge.chain.topics import WATCHED_BY_TOPIC, topic_of
from bridge.db.models import OutboxItem, SentTransaction, Tokenization, Vintage
from bridge.services import alerts
from bridge.states import TokenizationStatus
from bridge.units import TONNE, to_hex

logger = logging.getLogger(__name__)

#: A mint the bridge sends: the tokenization is `pending` (queued or sent) or `minted`.
MINTING = (TokenizationStatus.PENDING, TokenizationStatus.MINTED)
ROLE_NAMES = (
    "MINTER_ROLE",
    "GUARDIAN_ROLE",
    "REGISTRAR_ROLE",
    "POOL_MANAGER_ROLE",
    "PROPOSER_ROLE",
    "CANCELLER_ROLE",
    "EXECUTOR_ROLE",
)


@functools.lru_cache(maxsize=4096)
def _checksum(address: Any) -> str:
    # Cached: a bulk import brings thousands of logs of one factory and a few vintages and holders,
    # and each checksum is a keccak.
    return str(Web3.to_checksum_address(address))


def _tokenized_args(log: Any) -> dict[str, Any]:
    """`Tokenized(bytes32 indexed lockId, address indexed vintage, address indexed to, uint256 amount,
    bytes32 serialHash)` read by its fixed layout: the generic decoder costs more than the rest of the
    listener's work on a bulk import's 10,000 mints."""
    topics, data = log["topics"], bytes(log["data"])
    return {
        "lockId": bytes(topics[1]),
        "vintage": _checksum("0x" + bytes(topics[2])[12:].hex()),
        "to": _checksum("0x" + bytes(topics[3])[12:].hex()),
        "amount": int.from_bytes(data[:32], "big"),
        "serialHash": data[32:64],
    }


_ROLES = {"0x" + "00" * 32: "DEFAULT_ADMIN_ROLE"} | {to_hex(Web3.keccak(text=n)): n for n in ROLE_NAMES}


@dataclass
class Seen:
    """One watched log, decoded."""

    name: str
    address: str  # checksummed
    args: dict[str, Any]
    tx_hash: str
    log_index: int
    block_number: int

    @property
    def key(self) -> str:
        return f"{self.name.lower()}:{self.tx_hash}:{self.log_index}"


class Watch:
    """The contracts of one deployment record and what its deployment granted."""

    def __init__(self, deployment: dict[str, Any], codec: Any) -> None:
        self.codec = codec
        self.deployment_block = int(deployment["block"])
        contracts = deployment["contracts"]
        names = {"VintageFactory": contracts["VintageFactory"]}
        names["RetirementCertificate"] = contracts["RetirementCertificate"]
        names |= {f"CommodityPool {symbol}": address for symbol, address in contracts["pools"].items()}
        if contracts.get("Timelock"):
            names["Timelock"] = contracts["Timelock"]
        self.names = {_checksum(address): name for name, address in names.items()}
        self.factory = _checksum(contracts["VintageFactory"])
        # Records from before the deploy named no grants: then any grant within its blocks is its own.
        grants = deployment.get("grants")
        self.grants: set[tuple[str, str, str]] | None = None
        if isinstance(grants, list):
            self.grants = {
                (g["address"].lower(), g["roleId"].lower(), g["account"].lower())
                for g in grants
                if isinstance(g, dict) and {"address", "roleId", "account"} <= g.keys()
            }

    @property
    def addresses(self) -> list[str]:
        return list(self.names)

    def handles(self, log: Any) -> bool:
        return _checksum(log["address"]) in self.names and topic_of(log) in WATCHED_BY_TOPIC

    def apply(self, session: Session, logs: Iterable[Any]) -> None:
        """Judges the watched logs of one batch of blocks (in chain order), with one query per kind."""
        seen = [self._decode(log) for log in logs]
        mints = [s for s in seen if s.name == "Tokenized" and s.address == self.factory]
        creations = [s for s in seen if s.name == "VintageCreated" and s.address == self.factory]
        orders = _tokenizations(session, [to_hex(s.args["lockId"]) for s in mints])
        vintages = _vintages(session, [to_hex(s.args["key"]) for s in creations])
        ours = _bridge_transactions(session, [s.tx_hash for s in creations])
        for s in seen:
            if s.name == "Tokenized" and s.address == self.factory:
                self._tokenized(session, s, orders.get(to_hex(s.args["lockId"])))
            elif s.name == "VintageCreated" and s.address == self.factory:
                self._vintage_created(session, s, vintages.get(to_hex(s.args["key"])), s.tx_hash in ours)
            elif s.name in ("RoleGranted", "RoleRevoked", "DefaultAdminTransferScheduled"):
                self._role_event(session, s)
            elif s.name == "ImplementationSet" and s.block_number > self.deployment_block:
                self._alert(
                    session,
                    s,
                    "implementation_changed",
                    f"new vintages are now cloned from {s.args['implementation']}",
                    implementation=s.args["implementation"],
                )
            elif s.name in ("MintingPaused", "MintingUnpaused"):
                state = "paused" if s.name == "MintingPaused" else "resumed"
                logger.warning(
                    "listener: minting %s by %s (block %s)", state, s.args["account"], s.block_number
                )

    def _decode(self, log: Any) -> Seen:
        event = WATCHED_BY_TOPIC[topic_of(log)]
        fixed = event["name"] == "Tokenized" and len(log["topics"]) == 4 and len(log["data"]) == 64
        return Seen(
            name=event["name"],
            address=_checksum(log["address"]),
            args=_tokenized_args(log) if fixed else dict(get_event_data(self.codec, event, log)["args"]),
            tx_hash=to_hex(log["transactionHash"]),
            log_index=int(log["logIndex"]),
            block_number=int(log["blockNumber"]),
        )

    def _tokenized(self, session: Session, s: Seen, known: Tokenization | None) -> None:
        a = s.args
        lock_id, tonnes = to_hex(a["lockId"]), format((Decimal(a["amount"]) / TONNE).normalize(), "f")
        order = {
            "vintage": a["vintage"],
            "to": a["to"],
            "amount_wei": str(a["amount"]),
            "serial_hash": to_hex(a["serialHash"]),
            "lock_id": lock_id,
        }
        if known is None:
            message = (
                f"{tonnes} t of {a['vintage']} minted to {a['to']} against lock {lock_id}, "
                "which the bridge never issued"
            )
            self._alert(session, s, "unexplained_mint", message, **order)
            return
        expected = {
            "vintage": (known.vintage.token_address or "").lower(),
            "to": known.beneficiary.lower(),
            "amount_wei": str(known.quantity * TONNE),
            "serial_hash": known.serial_hash.lower(),
        }
        differ = sorted(k for k, v in expected.items() if str(order[k]).lower() != v)
        if differ:
            message = (
                f"lock {lock_id} of tokenization {known.id} minted with another order "
                f"({', '.join(differ)} differ): {tonnes} t of {a['vintage']} to {a['to']}"
            )
            self._alert(
                session, s, "lock_order_mismatch", message, tokenization_id=known.id, differ=differ, **order
            )
        elif known.status not in MINTING:
            message = (
                f"lock {lock_id} of tokenization {known.id} minted while it was {known.status}: "
                "the bridge did not send this mint"
            )
            self._alert(
                session,
                s,
                "unexplained_mint",
                message,
                tokenization_id=known.id,
                status=known.status,
                **order,
            )

    def _vintage_created(self, session: Session, s: Seen, known: Vintage | None, ours: bool) -> None:
        key, token = to_hex(s.args["key"]), s.args["vintage"]
        detail = {
            "vintage_key": key,
            "vintage": token,
            "registry": s.args["registry"],
            "project_id": to_hex(s.args["projectId"]),
        }
        if known is None:
            reason = "for a key the bridge has no vintage of"
        elif known.token_address is not None and known.token_address.lower() != token.lower():
            reason = f"while the bridge records {known.token_address} for that key"
        elif not ours:
            reason = "by a transaction the bridge did not send"
        else:
            return
        self._alert(session, s, "unexplained_vintage", f"vintage token {token} created {reason}", **detail)

    def _role_event(self, session: Session, s: Seen) -> None:
        contract = self.names[s.address]
        if s.name == "DefaultAdminTransferScheduled":
            if s.block_number <= self.deployment_block:
                return
            message = f"{contract}: transfer of the default admin to {s.args['newAdmin']} scheduled"
            self._alert(session, s, "role_change", message, new_admin=s.args["newAdmin"])
            return
        role_id, account = to_hex(s.args["role"]), s.args["account"]
        if s.block_number <= self.deployment_block and (
            s.name == "RoleRevoked"  # the deployer renouncing its setup roles
            or self.grants is None
            or (s.address.lower(), role_id, account.lower()) in self.grants
        ):
            return
        role = _ROLES.get(role_id, role_id)
        verb = "granted to" if s.name == "RoleGranted" else "revoked from"
        message = f"{contract}: {role} {verb} {account} by {s.args['sender']}"
        self._alert(session, s, "role_change", message, role=role, account=account, sender=s.args["sender"])

    def _alert(self, session: Session, s: Seen, kind: str, message: str, **detail: Any) -> None:
        alerts.raise_alert(
            session,
            key=s.key,
            kind=kind,
            message=message,
            block_number=s.block_number,
            tx_hash=s.tx_hash,
            event=s.name,
            contract=self.names.get(s.address, s.address),
            address=s.address,
            **detail,
        )


def _tokenizations(session: Session, lock_ids: list[str]) -> dict[str, Tokenization]:
    if not lock_ids:
        return {}
    query = (
        select(Tokenization)
        .where(Tokenization.lock_id.in_(lock_ids))
        .options(joinedload(Tokenization.vintage))
    )
    return {t.lock_id: t for t in session.scalars(query)}


def _vintages(session: Session, keys: list[str]) -> dict[str, Vintage]:
    if not keys:
        return {}
    return {v.key: v for v in session.scalars(select(Vintage).where(Vintage.key.in_(keys)))}


def _bridge_transactions(session: Session, tx_hashes: list[str]) -> set[str]:
    """Those of `tx_hashes` the bridge signed (each signing of an item is in sent_transactions; an
    item's current one also on the item)."""
    if not tx_hashes:
        return set()
    query: Any = union(
        select(OutboxItem.tx_hash).where(OutboxItem.tx_hash.in_(tx_hashes)),
        select(SentTransaction.tx_hash).where(SentTransaction.tx_hash.in_(tx_hashes)),
    )
    return {row[0] for row in session.execute(query)}
