"""Deploys the bridge's contracts with Ape and records their addresses in `deployments/`.

Used by `scripts/deploy.py` (`ape run deploy`) and by the test suite, so tests run against exactly what
operators deploy. Ape is imported by the caller: this module only receives its objects.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.catalog import POOLS, REGISTRY_CODES, PoolSpec

PROJECT_DIR = Path(__file__).resolve().parent.parent


def deployments_dir() -> Path:
    """`deployments/` of the project, or `$BRIDGE_DEPLOYMENTS_DIR` (tests write elsewhere)."""
    return Path(os.environ.get("BRIDGE_DEPLOYMENTS_DIR", PROJECT_DIR / "deployments"))


# Local chains need no admin-transfer delay; live ones get two days to notice a hostile transfer.
LOCAL_ADMIN_DELAY = 0
LIVE_ADMIN_DELAY = 2 * 24 * 3600


@dataclass
class Deployment:
    """The deployed contracts (Ape contract instances)."""

    factory: Any
    certificate: Any
    implementation: Any
    pools: dict[str, Any]

    def addresses(self) -> dict[str, Any]:
        return {
            "VintageFactory": self.factory.address,
            "RetirementCertificate": self.certificate.address,
            "VintageTokenImplementation": self.implementation.address,
            "pools": {symbol: pool.address for symbol, pool in self.pools.items()},
        }


def deploy_all(
    project: Any,
    deployer: Any,
    *,
    bridge: str,
    pauser: str,
    admin_delay: int,
    pools: list[PoolSpec] = POOLS,
    fee_recipient: str | None = None,
) -> Deployment:
    """Deploys factory, certificate, vintage implementation and every pool, and grants the roles.

    Args:
        project: Ape's project (with the compiled contracts).
        deployer: The account that deploys and becomes default admin of every contract.
        bridge: The bridge service's account: mints, creates vintages, confirms registry retirements.
        pauser: The account allowed to pause vintage tokens.
        admin_delay: Seconds before a default-admin transfer takes effect.
        pools: The commodity pools to deploy.
        fee_recipient: Receives pool redemption fees (default: the deployer).
    """
    tx = {"sender": deployer}
    # `load_contracts()` rather than `project.VintageFactory`: the attribute lookup fails when the
    # project sits under the temp directory (as a CI clone may), while this works everywhere.
    contracts = project.load_contracts()
    factory = contracts["VintageFactory"].deploy(admin_delay, deployer.address, **tx)
    certificate = contracts["RetirementCertificate"].deploy(
        admin_delay, deployer.address, factory.address, **tx
    )
    implementation = contracts["VintageToken"].deploy(factory.address, certificate.address, **tx)
    factory.setImplementation(implementation.address, **tx)
    for registry, code in REGISTRY_CODES.items():
        factory.registerRegistry(int(registry), code, **tx)
    factory.grantRole(factory.BRIDGE_ROLE(), bridge, **tx)
    factory.grantRole(factory.PAUSER_ROLE(), pauser, **tx)
    certificate.grantRole(certificate.REGISTRAR_ROLE(), bridge, **tx)

    deployed_pools = {}
    for spec in pools:
        pool = contracts["CommodityPool"].deploy(
            spec.name,
            spec.symbol,
            factory.address,
            spec.criteria(),
            admin_delay,
            deployer.address,
            fee_recipient or deployer.address,
            spec.fee_bps,
            **tx,
        )
        pool.grantRole(pool.POOL_MANAGER_ROLE(), deployer.address, **tx)
        deployed_pools[spec.symbol] = pool
    return Deployment(factory, certificate, implementation, deployed_pools)


def build_hash(project: Any) -> str:
    """A digest of the compiled contracts, so a re-run notices that the code changed."""
    contracts = project.load_contracts()
    digest = hashlib.sha256()
    for name in ("VintageFactory", "RetirementCertificate", "VintageToken", "CommodityPool"):
        bytecode = contracts[name].contract_type.deployment_bytecode
        digest.update(((bytecode.bytecode if bytecode else "") or "").encode())
    return digest.hexdigest()


def deployment_path(ecosystem: str, network: str) -> Path:
    return deployments_dir() / f"{ecosystem}-{network}.json"


def load_record(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def is_live(record: dict[str, Any], chain_id: int, get_code: Any) -> bool:
    """Whether the recorded set exists on this chain: same chain id and code at the factory."""
    if record.get("chainId") != chain_id:
        return False
    return len(get_code(record["contracts"]["VintageFactory"])) > 0


def is_current(record: dict[str, Any], current_build: str) -> bool:
    """Whether the recorded set was built from the contracts as they are now."""
    return record.get("buildHash") == current_build


def write_record(
    path: Path,
    deployment: Deployment,
    *,
    ecosystem: str,
    network: str,
    chain_id: int,
    block: int,
    deployer: str,
    bridge: str,
    pauser: str,
    build: str,
) -> dict[str, Any]:
    record = {
        "ecosystem": ecosystem,
        "network": network,
        "chainId": chain_id,
        "block": block,
        "deployer": deployer,
        "bridge": bridge,
        "pauser": pauser,
        "gitCommit": _git_commit(),
        "buildHash": build,
        "deployedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "contracts": deployment.addresses(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def _git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True)
        return commit + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
