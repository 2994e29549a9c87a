"""Copies the ABIs (and the lenses' creation code) the service needs from Ape's build manifest into
bridge/chain/abi/.

Run by `make compile`; tests/test_abi.py fails if the committed copies drift from the contracts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = (
    "VintageFactory",
    "VintageToken",
    "RetirementCertificate",
    "CommodityPool",
    "ReservesLens",
    "BalancesLens",
    "BridgeTimelock",
)
# Contracts the service runs as creation code in an `eth_call` (never deployed): their bytecode too.
DEPLOYLESS = ("ReservesLens", "BalancesLens")
ABI_DIR = ROOT / "bridge" / "chain" / "abi"
MANIFEST = ROOT / ".build" / "__local__.json"


def compiled_abis(manifest_path: Path = MANIFEST) -> dict[str, list]:
    manifest = json.loads(manifest_path.read_text())
    return {name: manifest["contractTypes"][name]["abi"] for name in CONTRACTS}


def compiled_bytecodes(manifest_path: Path = MANIFEST) -> dict[str, str]:
    """Creation code (0x-prefixed hex) of the deployless contracts."""
    manifest = json.loads(manifest_path.read_text())
    return {name: manifest["contractTypes"][name]["deploymentBytecode"]["bytecode"] for name in DEPLOYLESS}


def main() -> int:
    ABI_DIR.mkdir(parents=True, exist_ok=True)
    for name, abi in compiled_abis().items():
        (ABI_DIR / f"{name}.json").write_text(json.dumps(abi, indent=1, sort_keys=True) + "\n")
    for name, bytecode in compiled_bytecodes().items():
        (ABI_DIR / f"{name}.bin").write_text(bytecode + "\n")
    print(
        f"export_abi: wrote {len(CONTRACTS)} ABIs and {len(DEPLOYLESS)} creation codes to "
        f"{ABI_DIR.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
