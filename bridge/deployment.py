"""Deploys the bridge's contracts with Ape and records their addresses and role holders in `deployments/`.

Used by `scripts/deploy.py` (`ape run deploy`) and by the test suite, so tests run against exactly what
operators deploy. Ape is imported by the caller: this module only receives its objects. The record it
writes is `bridge.deployment_record`'s (its names are re-exported here).

Separate keys for separate powers: the minter (the bridge) mints and creates vintages, the registrar
confirms registry retirements on certificates, the guardian pauses, and the admin acts only through a
TimelockController (the contracts' default admin), so every admin action waits its delay in public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from web3 import Web3

from bridge.catalog import POOLS, REGISTRY_CODES, PoolSpec
from bridge.config import ANVIL_CHAIN_ID
from bridge.deployment_record import (
    BUILT_CONTRACTS,
    PROJECT_DIR,
    build_hash,
    deployment_path,
    deployments_dir,
    is_current,
    is_live,
    load_record,
    write_record,
)
from bridge.units import TONNE, parse_tonnes, to_hex

__all__ = [
    "BUILT_CONTRACTS",
    "PROJECT_DIR",
    "build_hash",
    "deployment_path",
    "deployments_dir",
    "is_current",
    "is_live",
    "load_record",
    "write_record",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
NO_PREDECESSOR = SALT = b"\0" * 32


# Local chains need no admin-transfer delay; live ones get two days to notice a hostile transfer.
LOCAL_ADMIN_DELAY = 0
LIVE_ADMIN_DELAY = 2 * 24 * 3600
# The timelock's delay on admin actions: two days on a live network to notice a hostile proposal.
LOCAL_TIMELOCK_DELAY = 0
LIVE_TIMELOCK_DELAY = 2 * 24 * 3600
# Seconds a new vintage waits before its first mint: long enough to notice one a stolen key created.
LOCAL_VINTAGE_DELAY = 0
LIVE_VINTAGE_DELAY = 3600
# (overall tonnes, tonnes per vintage, window in seconds) a stolen minter key can mint at most.
LOCAL_MINT_LIMITS = (500_000, 250_000, 24 * 3600)
# The smallest retirement, 0.001 t: smaller ones would flood the operators' queue with dust. At most
# one tonne (the certificate refuses more), so whole tonnes can always retire.
MINIMUM_RETIREMENT = TONNE // 1000
MAX_MINIMUM_RETIREMENT = TONNE

# The powers one key each; off a local Anvil no address may hold two of them.
ROLE_HOLDERS = ("minter", "registrar", "guardian", "admin")
TIMELOCK_ROLES = ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE")


def parse_minimum_retirement(text: str) -> int:
    """A minimum retirement written in tonnes ("0.001"), in token units; ValueError naming the rule."""
    amount = parse_tonnes(text)
    if amount > MAX_MINIMUM_RETIREMENT:
        raise ValueError("at most 1 tonne, so whole tonnes can always retire")
    return amount


def is_local_chain(network_is_local: bool, chain_id: int) -> bool:
    """A throwaway Anvil chain: Ape's local network on Anvil's chain id (another id stands for a live one)."""
    return network_is_local and chain_id == ANVIL_CHAIN_ID


def shared_holders(holders: dict[str, str]) -> list[tuple[str, str]]:
    """Pairs of {ROLE_HOLDERS} given to one address (compared case-insensitively)."""
    return [(a, b) for a, b in combinations(ROLE_HOLDERS, 2) if holders[a].lower() == holders[b].lower()]


@dataclass
class Deployment:
    """The deployed contracts (Ape contract instances), who holds which role, and what it cost."""

    factory: Any
    certificate: Any
    implementation: Any
    pools: dict[str, Any]
    timelock: Any | None = None
    holders: dict[str, str | None] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    grants: list[dict[str, Any]] = field(default_factory=list)
    gas_used: list[int] = field(default_factory=list)

    def addresses(self) -> dict[str, Any]:
        addresses: dict[str, Any] = {
            "VintageFactory": self.factory.address,
            "RetirementCertificate": self.certificate.address,
            "VintageTokenImplementation": self.implementation.address,
            "pools": {symbol: pool.address for symbol, pool in self.pools.items()},
        }
        if self.timelock is not None:
            addresses["Timelock"] = self.timelock.address
        return addresses


class _Transactions:
    """Sends the deployer's transactions and keeps each one's gas, for the deploy's cost."""

    def __init__(self, deployer: Any) -> None:
        self.deployer = deployer
        self.gas_used: list[int] = []

    def deploy(self, container: Any, *args: Any) -> Any:
        contract = container.deploy(*args, sender=self.deployer)
        self.gas_used.append(self.deployer.provider.get_receipt(contract.txn_hash).gas_used)
        return contract

    def send(self, method: Any, *args: Any) -> None:
        self.gas_used.append(method(*args, sender=self.deployer).gas_used)


class _Setup:
    """The admin's setup calls, and every (contract, role, account) the deployment grants."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, tuple[Any, ...]]] = []
        self.grants: list[dict[str, Any]] = []

    def call(self, method: Any, *args: Any) -> None:
        self.calls.append((method, args))

    def held(self, name: str, contract: Any, role: str, account: str, renounced: bool = False) -> bytes:
        """Records that `account` gets `role` on `contract`; `renounced`: given up before the deploy ends."""
        role_id = bytes(getattr(contract, role)())
        self.grants.append(
            {
                "contract": name,
                "address": contract.address,
                "role": role,
                "roleId": to_hex(role_id),
                "account": account,
                "renounced": renounced,
            }
        )
        return role_id

    def grant(self, name: str, contract: Any, role: str, account: str) -> None:
        self.call(contract.grantRole, self.held(name, contract, role, account), account)


def deploy_all(
    project: Any,
    deployer: Any,
    *,
    minter: str,
    registrar: str,
    guardian: str,
    admin: str,
    timelock_delay: int | None,
    admin_delay: int,
    vintage_delay: int = 0,
    mint_limits: tuple[int, int, int] = LOCAL_MINT_LIMITS,
    minimum_retirement: int = MINIMUM_RETIREMENT,
    pools: list[PoolSpec] = POOLS,
    fee_recipient: str | None = None,
) -> Deployment:
    """Deploys the timelock, factory, certificate, vintage implementation and every pool; grants the roles.

    The timelock starts with no delay, proposers and executors `admin` and (for the setup only) the
    deployer; every setup call runs as one operation through it, then it sets its real delay and the
    deployer renounces its roles there (unless it is `admin`), keeping no power at all.

    Args:
        project: Ape's project (with the compiled contracts).
        deployer: The account that sends the deployment's transactions.
        minter: Mints and creates vintages: the bridge service's hot key.
        registrar: Confirms registry retirements on certificates.
        guardian: Pauses minting, vintage creation and vintage tokens (never un-pauses).
        admin: Proposes and executes the timelock's operations (a multisig on a live network).
        timelock_delay: Seconds the timelock holds an admin action. None: no timelock, and `admin` (then
            the deployer) is the contracts' default admin itself, as the contract unit tests want.
        admin_delay: Seconds before a default-admin transfer takes effect.
        vintage_delay: Seconds a new vintage waits before its first mint.
        mint_limits: Overall tonnes, tonnes per vintage, and their rolling window in seconds.
        minimum_retirement: The smallest amount a retirement may have (18 decimals; at most 10^18).
        pools: The commodity pools to deploy.
        fee_recipient: Receives pool redemption fees (default: `admin`).
    """
    given = (minter, registrar, guardian, admin)
    holders: dict[str, str | None] = {
        name: str(Web3.to_checksum_address(address))
        for name, address in zip(ROLE_HOLDERS, given, strict=True)
    }
    admin = str(holders["admin"])
    sent = _Transactions(deployer)
    # `load_contracts()` rather than `project.VintageFactory`: the attribute lookup fails when the
    # project sits under the temp directory (as a CI clone may), while this works everywhere.
    contracts = project.load_contracts()
    timelock = None
    if timelock_delay is None:
        if admin != deployer.address:
            raise ValueError("without a timelock, the deployer is the admin that runs the setup")
    else:
        setup_keys = list(dict.fromkeys([admin, deployer.address]))
        timelock = sent.deploy(contracts["BridgeTimelock"], 0, setup_keys, setup_keys, ZERO_ADDRESS)
    owner = timelock.address if timelock is not None else admin
    factory = sent.deploy(contracts["VintageFactory"], admin_delay, owner)
    certificate = sent.deploy(
        contracts["RetirementCertificate"], admin_delay, owner, factory.address, minimum_retirement
    )
    implementation = sent.deploy(contracts["VintageToken"], factory.address, certificate.address)
    deployed_pools = {
        spec.symbol: sent.deploy(
            contracts["CommodityPool"],
            *(spec.name, spec.symbol, factory.address, spec.criteria()),
            *(admin_delay, owner, fee_recipient or admin, spec.fee_bps),
        )
        for spec in pools
    }
    deployment = Deployment(factory, certificate, implementation, deployed_pools, timelock, holders)
    holders["timelock"] = timelock.address if timelock is not None else None
    deployment.settings = {
        "timelockDelay": timelock_delay,
        "adminDelay": admin_delay,
        "mintLimits": dict(zip(("totalTonnes", "vintageTonnes", "window"), mint_limits, strict=True)),
        "vintageMintDelay": vintage_delay,
        "minimumRetirementWei": str(minimum_retirement),
    }
    # Pools pause only if their contract has a guardian role (the factory pauses vintage tokens).
    pool_guardian = "GUARDIAN_ROLE" in {m.name for m in contracts["CommodityPool"].contract_type.view_methods}
    setup = _plan_setup(deployment, deployer.address, mint_limits, vintage_delay, pool_guardian)

    if timelock is None:
        for method, args in setup.calls:
            sent.send(method, *args)
    else:
        _through_timelock(sent, timelock, setup.calls)
        _through_timelock(sent, timelock, [(timelock.updateDelay, (timelock_delay,))])
        if admin != deployer.address:
            for role in TIMELOCK_ROLES:
                sent.send(timelock.renounceRole, getattr(timelock, role)(), deployer.address)
    deployment.grants, deployment.gas_used = setup.grants, sent.gas_used
    return deployment


def _plan_setup(
    d: Deployment, deployer: str, mint_limits: tuple[int, int, int], vintage_delay: int, pool_guardian: bool
) -> _Setup:
    """The admin's setup calls, and every role the constructors and those calls grant."""
    setup = _Setup()
    minter, registrar, guardian, admin = (str(d.holders[name]) for name in ROLE_HOLDERS)
    owner = admin
    if d.timelock is not None:
        owner = d.timelock.address
        setup.held("Timelock", d.timelock, "DEFAULT_ADMIN_ROLE", owner)  # self-administered
        for role in TIMELOCK_ROLES:
            setup.held("Timelock", d.timelock, role, admin)
            if admin != deployer:
                setup.held("Timelock", d.timelock, role, deployer, renounced=True)
    pools = {f"CommodityPool {symbol}": pool for symbol, pool in d.pools.items()}
    administered = {"VintageFactory": d.factory, "RetirementCertificate": d.certificate, **pools}
    for name, contract in administered.items():
        setup.held(name, contract, "DEFAULT_ADMIN_ROLE", owner)
    setup.call(d.factory.setImplementation, d.implementation.address)
    for registry, code in REGISTRY_CODES.items():
        setup.call(d.factory.registerRegistry, int(registry), code)
    setup.call(d.factory.setMintLimits, *mint_limits)
    if vintage_delay:
        setup.call(d.factory.setVintageMintDelay, vintage_delay)
    setup.grant("VintageFactory", d.factory, "MINTER_ROLE", minter)
    setup.grant("VintageFactory", d.factory, "GUARDIAN_ROLE", guardian)
    setup.grant("RetirementCertificate", d.certificate, "REGISTRAR_ROLE", registrar)
    for name, pool in pools.items():
        # Allow and deny lists are admin actions too: the timelock manages them.
        setup.grant(name, pool, "POOL_MANAGER_ROLE", owner)
        if pool_guardian:
            setup.grant(name, pool, "GUARDIAN_ROLE", guardian)
    return setup


def _through_timelock(sent: _Transactions, timelock: Any, calls: list[tuple[Any, tuple[Any, ...]]]) -> None:
    """Schedules `calls` as one timelock operation and executes it: at once, while the delay is still 0."""
    targets = [method.contract.address for method, _ in calls]
    payloads = [method.encode_input(*args) for method, args in calls]
    values = [0] * len(calls)
    sent.send(timelock.scheduleBatch, targets, values, payloads, NO_PREDECESSOR, SALT, 0)
    sent.send(timelock.executeBatch, targets, values, payloads, NO_PREDECESSOR, SALT)
