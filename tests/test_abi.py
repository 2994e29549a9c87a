import json

from tools.export_abi import ABI_DIR, compiled_abis


def test_committed_abis_match_the_compiled_contracts(project):
    project.load_contracts()  # compiles if needed and refreshes .build/
    for name, abi in compiled_abis().items():
        committed = json.loads((ABI_DIR / f"{name}.json").read_text())
        assert committed == abi, f"bridge/chain/abi/{name}.json is stale: run `make compile`"
