"""Limits on operator API keys, over real HTTP: expiry, daily quotas, two-person approval above a
request size, cancellation, and tokenizations private to their operator.

Keys are made with the CLI where its options are under test, and with `operators.create_key` against
the bridge's database elsewhere (a CLI run costs seconds).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge.catalog import Registry
from bridge.db.models import AuditEvent, OutboxItem, Tokenization, Vintage, utcnow
from bridge.db.session import make_engine, make_session_factory
from bridge.services import operators
from bridge.units import TONNE
from tests.support.payloads import tokenization
from tests.support.service import BridgeUnderTest, balance, cli

_operators = itertools.count()


def serial(start: int, end: int, *, batch: int = 19385, year: int = 2020) -> str:
    """A Verra serial of project 1340; another vintage needs another batch id (a batch has one)."""
    return f"{batch}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-0101{year}-3112{year}-1"


@pytest.fixture(scope="module")
def sessions(bridge: BridgeUnderTest) -> Iterator[sessionmaker[Session]]:
    """The running bridge's database, to make keys and look at what a request left behind."""
    engine = make_engine(bridge.env["BRIDGE_DATABASE_URL"])
    yield make_session_factory(engine)
    engine.dispose()


def new_key(sessions: sessionmaker[Session], operator: str, **limits: Any) -> tuple[str, str]:
    """(prefix, secret) of a new verra key of `operator` with these limits."""
    with sessions() as session:
        key, secret = operators.create_key(session, operator, [Registry.VERRA], actor="test", **limits)
    return key.prefix, secret


def tokenize(bridge: BridgeUnderTest, key: str, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
    response = bridge.post("/tokenizations", body, key=key)
    assert response.status_code == expect, response.text
    return dict(response.json())


def locks_of(bridge: BridgeUnderTest, key: str) -> set[str]:
    response = bridge.get("/locks", key=key, limit=500)
    assert response.status_code == 200, response.text
    return {lock["serial"] for lock in response.json()["items"]}


def audit_of(sessions: sessionmaker[Session], entity_id: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.entity_id == entity_id)))


def test_an_expired_key_is_refused_and_its_limits_are_audited(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    created = cli(
        "keys", "create", "--operator", "Expiring desk", "--registries", "verra", "--expires-in-days", "1",
        "--daily-quota", "500", "--approval-above", "400", "--scope", "tokenize", "--scope", "approve",
        env=bridge.env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    fields = dict(line.split(":", 1) for line in created.stdout.splitlines())
    key, prefix = fields["api key"].strip(), fields["prefix"].strip()
    tokenize(bridge, key, tokenization(serial(50_000_001, 50_000_002)))

    limited = cli("keys", "limit", prefix, "--expires-at", "2000-01-01T00:00:00Z", env=bridge.env)
    assert limited.returncode == 0, limited.stderr

    response = bridge.post("/tokenizations", tokenization(serial(50_000_003, 50_000_004)), key=key)
    assert response.status_code == 401, response.text
    assert response.json()["detail"]["field"] == "X-API-Key"
    assert response.json()["detail"]["message"] == "expired API key"
    assert bridge.get("/tokenizations", key=key).status_code == 401
    listed = [line for line in cli("keys", "list", env=bridge.env).stdout.splitlines() if prefix in line]
    assert "expired" in listed[0] and "quota=500 t/24h" in listed[0] and "approval=above 400 t" in listed[0]

    events = {e.action: e for e in audit_of(sessions, prefix)}
    assert set(events) == {"api_key.created", "api_key.limits_changed"}
    assert '"daily_quota_tonnes": 500' in events["api_key.created"].detail
    assert '"scopes": ["approve", "tokenize"]' in events["api_key.created"].detail
    assert '"expires_at": "2000-01-01T00:00:00+00:00"' in events["api_key.limits_changed"].detail


def test_a_daily_quota_refuses_what_would_exceed_it_and_locks_nothing(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    operator = f"Quota desk {next(_operators)}"
    _, key = new_key(sessions, operator, daily_quota_tonnes=30)
    _, other_key = new_key(sessions, operator, daily_quota_tonnes=30)
    first_body = tokenization(serial(51_000_001, 51_000_012))
    first = tokenize(bridge, key, first_body)
    second = tokenize(bridge, key, tokenization(serial(51_000_013, 51_000_024)))
    before = locks_of(bridge, key)

    third = serial(51_000_025, 51_000_036)
    refused = tokenize(bridge, key, tokenization(third), expect=429)["detail"]
    assert refused["field"] == "quantity"
    assert (refused["remaining_tonnes"], refused["daily_quota_tonnes"]) == (6, 30)
    assert locks_of(bridge, key) == before and third not in before
    # A replay answers what it answered first, quota or not: it is not counted again.
    replayed = bridge.post("/tokenizations", first_body, key=key)
    assert (replayed.status_code, replayed.json()["id"]) == (200, first["id"])

    # Another key of the operator has its own quota, and the refused serials were never held.
    tokenize(bridge, other_key, tokenization(third))
    tokenize(bridge, key, tokenization(serial(51_000_037, 51_000_042)))  # 6 t: exactly the quota
    assert (
        tokenize(bridge, key, tokenization(serial(51_000_043, 51_000_043)), 429)["detail"]["remaining_tonnes"]
        == 0
    )

    # A rolling 24 hours: once the first two are older than that, their tonnes count no more.
    with sessions() as session:
        for tokenization_id in (first["id"], second["id"]):
            session.get_one(Tokenization, tokenization_id).created_at = utcnow() - timedelta(hours=25)
        session.commit()
    tokenize(bridge, key, tokenization(serial(51_000_043, 51_000_054)))


def test_concurrent_requests_of_one_key_cannot_overrun_its_quota(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    _, key = new_key(sessions, f"Busy desk {next(_operators)}", daily_quota_tonnes=50)
    # Other batches each: the batch lock does not serialise them, only the key's own lock can.
    bodies = [
        tokenization(serial(52_000_001 + i * 10, 52_000_010 + i * 10, batch=40_001 + i)) for i in range(10)
    ]
    with ThreadPoolExecutor(len(bodies)) as pool:
        codes = sorted(
            pool.map(lambda body: bridge.post("/tokenizations", body, key=key).status_code, bodies)
        )
    assert codes == [201] * 5 + [429] * 5, codes
    assert len(locks_of(bridge, key)) == 5


def test_a_request_above_the_approval_limit_waits_for_a_second_key(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    operator = f"Two-person desk {next(_operators)}"
    asker, asker_key = new_key(sessions, operator, approval_above_tonnes=100, scopes=("tokenize", "approve"))
    _, plain_key = new_key(sessions, operator)
    approver, approver_key = new_key(sessions, operator, scopes=("approve",))
    _, stranger_key = new_key(sessions, f"Other desk {next(_operators)}", scopes=("approve",))
    holder = Account.create().address
    # A vintage no one has bridged yet: its token is created only once the request is approved.
    wanted = serial(53_000_001, 53_000_150, batch=41_016, year=2016)
    body = tokenization(wanted, beneficiary=holder)

    waiting = tokenize(bridge, asker_key, body)
    assert (waiting["status"], waiting["api_key_prefix"], waiting["approved_by_key_prefix"]) == (
        "awaiting_approval",
        asker,
        None,
    )
    with sessions() as session:
        mints = session.scalar(select(func.count()).where(OutboxItem.tokenization_id == waiting["id"]))
        vintage = session.get_one(Vintage, waiting["vintage"]["id"])
        assert (mints, vintage.creation_item_pk) == (0, None)
    held = tokenize(bridge, plain_key, tokenization(wanted), expect=409)["detail"]
    assert held["conflicting_lock"]["tokenization_id"] == waiting["id"]
    # Small requests of the same key go through as usual.
    assert tokenize(bridge, asker_key, tokenization(serial(53_000_151, 53_000_160)))["status"] == "pending"

    path = f"/tokenizations/{waiting['id']}/approve"
    refused = bridge.post(path, {}, key=asker_key)
    assert (refused.status_code, refused.json()["detail"]["field"]) == (403, "X-API-Key"), refused.text
    unscoped = bridge.post(path, {}, key=plain_key)
    assert (unscoped.status_code, unscoped.json()["detail"]["required_scope"]) == (403, "approve")
    assert bridge.post(path, {}, key=stranger_key).status_code == 404
    assert bridge.post(path, {}, key="").status_code == 401
    # An approver-only key may not ask for tokenizations itself, but sees the operator's.
    assert (
        tokenize(bridge, approver_key, tokenization(serial(53_000_161, 53_000_162)), 403)["detail"][
            "required_scope"
        ]
        == "tokenize"
    )
    assert (
        bridge.get(f"/tokenizations/{waiting['id']}", key=approver_key).json()["status"]
        == "awaiting_approval"
    )

    approved = bridge.post(path, {}, key=approver_key)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approved_by_key_prefix"]) == ("pending", approver)
    assert approved.json()["approved_at"] is not None
    again = bridge.post(path, {}, key=approver_key)
    assert (again.status_code, again.json()["detail"]["status"]) == (409, "pending")

    minted = bridge.wait_for(
        f"/tokenizations/{waiting['id']}", lambda t: t["status"] == "minted", 60, key=asker_key
    )
    assert balance(bridge, minted["vintage"]["token_address"], holder) == 150 * TONNE
    approval = [e for e in audit_of(sessions, waiting["id"]) if e.action == "tokenization.approved"]
    assert f'"approved_by": "{approver}"' in approval[0].detail
    assert f'"requested_by": "{asker}"' in approval[0].detail


def test_cancelling_a_waiting_tokenization_frees_its_serials(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    operator = f"Cancelling desk {next(_operators)}"
    _, asker_key = new_key(sessions, operator, approval_above_tonnes=5)
    _, plain_key = new_key(sessions, operator)
    _, stranger_key = new_key(sessions, f"Other desk {next(_operators)}")
    wanted = serial(54_000_001, 54_000_010)
    waiting = tokenize(bridge, asker_key, tokenization(wanted))
    path = f"/tokenizations/{waiting['id']}/cancel"

    assert bridge.post(path, {}, key=stranger_key).status_code == 404
    cancelled = bridge.post(path, {"reason": "wrong beneficiary"}, key=plain_key)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["failure_reason"] == "cancelled by operator: wrong beneficiary"
    assert wanted not in locks_of(bridge, asker_key)
    again = bridge.post(path, {}, key=asker_key)
    assert (again.status_code, again.json()["detail"]["status"]) == (409, "cancelled")
    [event] = [e for e in audit_of(sessions, waiting["id"]) if e.action == "tokenization.cancelled"]
    assert '"reason": "wrong beneficiary"' in event.detail and "awaiting_approval" in event.detail

    # The same serials can be tokenized again, and once minted cannot be cancelled.
    body = tokenization(wanted)
    minted = bridge.wait_for(
        f"/tokenizations/{tokenize(bridge, plain_key, body)['id']}",
        lambda t: t["status"] == "minted",
        key=plain_key,
    )
    refused = bridge.post(f"/tokenizations/{minted['id']}/cancel", {}, key=plain_key)
    assert (refused.status_code, refused.json()["detail"]["status"]) == (409, "minted"), refused.text
    assert wanted in locks_of(bridge, plain_key)


def rpc(bridge: BridgeUnderTest, method: str, *params: Any) -> None:
    response = bridge.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in response, response


def test_cancelling_a_pending_tokenization_before_its_mint_is_signed(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    _, key = new_key(sessions, f"Hasty desk {next(_operators)}")
    wanted = serial(55_000_001, 55_000_004, batch=41_017, year=2017)
    holder = Account.create().address
    # Blocks stop: the new vintage's creation cannot be mined, so its mint stays queued behind it.
    rpc(bridge, "evm_setAutomine", False)
    try:
        pending = tokenize(bridge, key, tokenization(wanted, beneficiary=holder))
        cancelled = bridge.post(f"/tokenizations/{pending['id']}/cancel", {"reason": "typo"}, key=key)
        assert cancelled.status_code == 200, cancelled.text
    finally:
        rpc(bridge, "evm_setAutomine", True)
        rpc(bridge, "evm_mine")
    vintage_id = pending["vintage"]["id"]
    created = bridge.wait_for(f"/vintages/{vintage_id}", lambda v: v["token_address"] is not None, 60)
    with sessions() as session:
        [mint] = session.scalars(select(OutboxItem).where(OutboxItem.tokenization_id == pending["id"]))
        assert (mint.status, mint.last_error, mint.attempts) == ("failed", "cancelled by operator", 0)
    # The same serials again, to the same holder: it ends up with their tonnes once, not twice.
    again = tokenize(bridge, key, tokenization(wanted, beneficiary=holder))
    minted = bridge.wait_for(f"/tokenizations/{again['id']}", lambda t: t["status"] == "minted", key=key)
    assert minted["vintage"]["token_address"] == created["token_address"]
    assert balance(bridge, created["token_address"], holder) == 4 * TONNE


def test_tokenizations_and_locks_are_private_to_their_operator(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    mine = tokenize(bridge, bridge.api_key, tokenization(serial(56_000_001, 56_000_002)))
    _, other_key = new_key(sessions, f"Nosy desk {next(_operators)}")
    theirs = tokenize(bridge, other_key, tokenization(serial(56_000_003, 56_000_004)))

    for path in ("/tokenizations", f"/tokenizations/{mine['id']}", "/locks"):
        response = bridge.get(path, key="")
        assert (response.status_code, response.json()["detail"]["field"]) == (401, "X-API-Key"), path
    assert bridge.get(f"/tokenizations/{mine['id']}", key=other_key).status_code == 404
    assert bridge.post(f"/tokenizations/{mine['id']}/cancel", {}, key=other_key).status_code == 404
    listed = bridge.get("/tokenizations", key=other_key, limit=500).json()
    assert [t["id"] for t in listed["items"]] == [theirs["id"]] and listed["total"] == 1
    assert locks_of(bridge, other_key) == {theirs["serial"]}
    assert theirs["serial"] not in locks_of(bridge, bridge.api_key)
    # What the chain shows anyway stays public.
    for path in ("/reserves", "/projects", "/vintages", "/pools", "/retirements", "/redemptions"):
        assert bridge.get(path, key="").status_code == 200, path
