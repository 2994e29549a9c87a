#!/usr/bin/env bash
# Static analysis of contracts/ with slither; findings and their triage: docs/static-analysis.md.
# Exits 0 only when every finding is suppressed in the code (`// slither-disable-next-line <detector>`)
# or listed in TRIAGED below; extra arguments go to slither (e.g. `--json slither.json`).
#
# How slither compiles here, with no native solc (.cache/solcx/solc-v<version> runs npm's solcjs through
# tools/solcjs-cli.js, which answers `--version` and `--standard-json` only):
# - crytic-compile's `solc-json` platform (slither.config.json: compile_force_framework) sends one
#   standard-json input to `solc --standard-json`, which the wrapper already handles, so the wrapper is
#   unchanged. The default `solc` platform would run `solc <file> --combined-json ...` once per file.
# - The input lists every contracts/**/*.sol except test doubles (contracts/mocks/) and asks for the AST
#   only: slither's detectors work on the AST, and skipping code generation halves solcjs' time (same
#   findings either way). Compiler and evm version come from ape-config.yaml; `@openzeppelin/contracts/`
#   is remapped to node_modules (slither.config.json: solc_remaps), the OpenZeppelin 5.7.0 Ape compiles.
# - crytic-compile has no Ape platform, so it cannot read Ape's .build/; slither compiles by itself.
# - slither 0.11.6 runs with one fix (below) and --disallow-partial, so a contract slither fails to
#   parse fully fails this script instead of being analysed in part.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^  version: *\([0-9.]*\)$/\1/p' ape-config.yaml | head -n 1)
evm_version=$(sed -n 's/^  evm_version: *\([a-z]*\)$/\1/p' ape-config.yaml | head -n 1)
solc="${SOLCX_BINARY_PATH:-$PWD/.cache/solcx}/solc-v$version"
if [ ! -x "$solc" ]; then
  echo "slither.sh: $solc is missing: run \`make setup\`" >&2
  exit 2
fi
python=${PYTHON:-}
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
if ! "$python" -c "import slither" 2>/dev/null; then
  echo "slither.sh: slither-analyzer is not installed for $python (pip install -e '.[dev]')" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SLITHER_SOLC="$solc" SLITHER_EVM_VERSION="$evm_version" SLITHER_TMP="$tmp" "$python" - "$@" <<'PY'
import json
import os
import pathlib
import re
import sys

import slither.__main__ as slither_main
from slither.core.slither_core import SlitherCore
from slither.solc_parsing.declarations.contract import ContractSolc

# Findings explained in docs/static-analysis.md whose suppression comment is not in the contracts yet:
# (detector, description without source locations) -> finding id in the docs. An entry matches one finding
# only, whatever its line numbers: a new finding of the same detector, or a change to the flagged code,
# still fails. Once the recommended inline comment or fix lands, the entry is reported unused: delete it.
TRIAGED: dict = {}

_LOCATION = re.compile(r" ?\([^()\s]+\.sol#\d+(?:-\d+)?\)")


def _key(result):
    return result["check"], " ".join(_LOCATION.sub("", result["description"]).split())


# slither 0.11.6 bug: ContractSolc.analyze_using_for copies its parents' directives with dict.update, so
# when two parents both have `using L for *` only the last one survives. CommodityPool inherits
# `using ShortStrings for *` (EIP712) and `using TransientSlot for *` (ReentrancyGuardTransient): slither
# then cannot resolve `.asBoolean().tstore(...)`, leaves the guard's functions without IR and marks the
# whole contract as incorrectly parsed (no SSA, no data dependencies). This merges the parents' lists.
_analyze_using_for = ContractSolc.analyze_using_for


def _analyze_using_for_merged(self):
    inherited = {}
    for father in self._contract.inheritance:
        for key, targets in father.using_for.items():
            bucket = inherited.setdefault(key, [])
            bucket.extend(t for t in targets if t not in bucket)
    _analyze_using_for(self)
    using_for = self._contract.using_for
    for key, targets in inherited.items():
        current = using_for.get(key, [])
        using_for[key] = current + [t for t in targets if t not in current]


ContractSolc.analyze_using_for = _analyze_using_for_merged

_valid_result = SlitherCore.valid_result
triaged_seen = {}
detectors_ran = []


def _valid_result_triaged(self, result):
    if not _valid_result(self, result):
        return False
    detectors_ran.append(result["check"])
    key = _key(result)
    if key in TRIAGED:
        triaged_seen[key] = True
        return False
    return True


SlitherCore.valid_result = _valid_result_triaged

# Every contract but test doubles (contracts/mocks/, TEST-ONLY) and hidden (cache) folders.
sources = sorted(
    path.as_posix()
    for path in pathlib.Path("contracts").rglob("*.sol")
    if not any(part.startswith(".") or part in ("mocks", "test", "tests") for part in path.parts[1:])
)
standard_json = {
    "language": "Solidity",
    "sources": {source: {"urls": [source]} for source in sources},
    "settings": {
        "evmVersion": os.environ["SLITHER_EVM_VERSION"],
        "outputSelection": {"*": {"": ["ast"]}},
    },
}
target = pathlib.Path(os.environ["SLITHER_TMP"]) / "contracts.standard-input.json"
target.write_text(json.dumps(standard_json))

sys.argv = [
    "slither",
    str(target),
    "--config-file",
    "slither.config.json",
    "--solc",
    os.environ["SLITHER_SOLC"],
    "--disallow-partial",
    *sys.argv[1:],
]
code = 0
try:
    slither_main.main()
except SystemExit as exit_:
    code = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1

seen = " ".join(finding for key, finding in TRIAGED.items() if key in triaged_seen)
if seen:
    print(f"slither.sh: hid triaged findings (docs/static-analysis.md): {seen}", file=sys.stderr)
for key, finding in TRIAGED.items():
    if key not in triaged_seen and (code == 0 or detectors_ran):
        print(f"slither.sh: TRIAGED {finding} ({key[0]}) matched no finding: delete it", file=sys.stderr)
status = "OK" if code == 0 else f"FAILED (exit {code})"
print(f"slither.sh: {status}, {len(sources)} source files analysed", file=sys.stderr)
sys.exit(code)
PY
