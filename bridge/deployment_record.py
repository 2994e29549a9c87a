"""The deployment record in `deployments/`: where it lives, whether it still describes the chain and the
contracts as built, and writing it after `bridge.deployment.deploy_all`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.deployment import Deployment

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The contracts whose creation code `build_hash` digests: a change to any of them is a new build.
BUILT_CONTRACTS = (
    "BridgeTimelock",
    "VintageFactory",
    "RetirementCertificate",
    "VintageToken",
    "CommodityPool",
)


def deployments_dir() -> Path:
    """`deployments/` of the project, or `$BRIDGE_DEPLOYMENTS_DIR` (tests write elsewhere)."""
    return Path(os.environ.get("BRIDGE_DEPLOYMENTS_DIR", PROJECT_DIR / "deployments"))


def build_hash(project: Any) -> str:
    """A digest of the compiled contracts, so a re-run notices that the code changed."""
    contracts = project.load_contracts()
    digest = hashlib.sha256()
    for name in BUILT_CONTRACTS:
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
    build: str,
) -> dict[str, Any]:
    """Writes the record: addresses, role holders, every role granted at deployment, and the limits."""
    record = {
        "ecosystem": ecosystem,
        "network": network,
        "chainId": chain_id,
        "block": block,
        "deployer": deployer,
        "roles": deployment.holders,
        **deployment.settings,
        "grants": deployment.grants,
        "deployTransactions": len(deployment.gas_used),
        "deployGas": sum(deployment.gas_used),
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
