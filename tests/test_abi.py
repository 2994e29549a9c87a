import json

from tools.export_abi import ABI_DIR, compiled_abis, compiled_bytecodes


def test_committed_abis_match_the_compiled_contracts(project):
    project.load_contracts()  # compiles if needed and refreshes .build/
    for name, abi in compiled_abis().items():
        committed = json.loads((ABI_DIR / f"{name}.json").read_text())
        assert committed == abi, f"bridge/chain/abi/{name}.json is stale: run `make compile`"
    # The service runs the lens's creation code in an eth_call: the committed copy must be the build's.
    for name, bytecode in compiled_bytecodes().items():
        committed_code = (ABI_DIR / f"{name}.bin").read_text().strip()
        assert committed_code == bytecode, f"bridge/chain/abi/{name}.bin is stale: run `make compile`"
