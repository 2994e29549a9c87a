"""Copies the ABIs the service needs from Ape's build manifest into bridge/chain/abi/.

Run by `make compile`; tests/test_abi.py fails if the committed copies drift from the contracts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ("VintageFactory", "VintageToken", "RetirementCertificate", "CommodityPool")
ABI_DIR = ROOT / "bridge" / "chain" / "abi"


def compiled_abis(manifest_path: Path = ROOT / ".build" / "__local__.json") -> dict[str, list]:
    manifest = json.loads(manifest_path.read_text())
    return {name: manifest["contractTypes"][name]["abi"] for name in CONTRACTS}


def main() -> int:
    ABI_DIR.mkdir(parents=True, exist_ok=True)
    for name, abi in compiled_abis().items():
        (ABI_DIR / f"{name}.json").write_text(json.dumps(abi, indent=1, sort_keys=True) + "\n")
    print(f"export_abi: wrote {len(CONTRACTS)} ABIs to {ABI_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
