"""Bulk bridging (issue 15): a Verra VCU export of N issued blocks imported with `carbon-bridge import`
against `carbon-bridge serve` on SQLite with BRIDGE_MINT_BATCH=100, from the command's start until
every mint is final, against the raw one-mint-per-transaction web3.py loop on the same Anvil."""

from __future__ import annotations

import csv
import json
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.chain import BenchChain
from bench.layout import CARBON_BRIDGE, Layout
from bench.throughput import HOLDER

# The columns of Verra's VCU export, as the registry writes them (tests/data/registry-samples/verra).
VERRA_COLUMNS = (
    "Issuance Date,Sustainable Development Goals,Vintage Start,Vintage End,ID,Name,Country/Area,"
    "Project Type,Methodology,Total Vintage Quantity,Quantity Issued,Serial Number,"
    "Additional Certifications,Retirement/Cancellation Date,Retirement Beneficiary,Retirement Reason,"
    "Retirement Details"
).split(",")
PROJECTS = 20  # vintages in the export: 20 creations, then only mints
BLOCK = 10  # VCUs per block


def write_export(path: Path, blocks: int, *, first_project: int = 9100) -> list[dict[str, str]]:
    """`blocks` distinct, non-overlapping issued blocks (no retirement), round-robin over 20 projects."""
    rows = []
    for i in range(blocks):
        project = first_project + i % PROJECTS
        start = 700_000_000 + i * 100
        end = start + BLOCK - 1
        serial = f"{40_000 + i}-{start}-{end}-VCS-VCU-1507-VER-ET-14-{project}-01012020-31122020-0"
        rows.append(
            {
                "Issuance Date": "2026-04-03",
                "Sustainable Development Goals": "",
                "Vintage Start": "2020-01-01",
                "Vintage End": "2020-12-31",
                "ID": str(project),
                "Name": f"Benchmark REDD+ project {project}",
                "Country/Area": "Ethiopia",
                "Project Type": "Agriculture Forestry and Other Land Use",
                "Methodology": "VM0015",
                "Total Vintage Quantity": f"{blocks * BLOCK:,}",
                "Quantity Issued": str(BLOCK),
                "Serial Number": serial,
                "Additional Certifications": "",
                "Retirement/Cancellation Date": "",
                "Retirement Beneficiary": "",
                "Retirement Reason": "",
                "Retirement Details": "",
            }
        )
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=VERRA_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def import_command() -> str | None:
    """`carbon-bridge import --help`, or None while the command does not exist yet."""
    result = subprocess.run([CARBON_BRIDGE, "import", "--help"], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def _import(layout: Layout, export: Path, help_text: str) -> subprocess.CompletedProcess[str]:
    args = [CARBON_BRIDGE, "import", str(export), "--registry", "verra", "--beneficiary", HOLDER]
    # Verra's "Agriculture Forestry and Other Land Use" names no one category: the operator says which.
    project_json = export.with_suffix(".project.json")
    project_json.write_text(json.dumps({"category": "forestry", "sectoral_scope": 14}))
    args += ["--project-json", str(project_json)]
    if "--results" in help_text:
        args += ["--results", str(export.with_suffix(".results.csv"))]
    env = {**layout.env, "BRIDGE_API_URL": layout.url, "BRIDGE_API_KEY": layout.key}
    if "--api-url" in help_text:
        args += ["--api-url", layout.url, "--api-key", layout.key]
    return subprocess.run(args, env=env, capture_output=True, text=True, cwd=export.parent, timeout=1800)


def _stand_in(layout: Layout, rows: list[dict[str, str]], clients: int = 16) -> None:
    """Until `carbon-bridge import` exists: the same rows posted singly to POST /tokenizations."""
    headers = {"X-API-Key": layout.key}

    def post(i_row: tuple[int, dict[str, str]]) -> None:
        i, row = i_row
        body = {
            "idempotency_key": f"bulk-{i}",
            "registry": "verra",
            "serial": row["Serial Number"],
            "beneficiary": HOLDER,
            "project": {"name": row["Name"], "category": "forestry", "sectoral_scope": 14},
        }
        response = requests.post(layout.url + "/tokenizations", json=body, headers=headers, timeout=120)
        assert response.status_code in (200, 201), response.text

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(post, enumerate(rows)))


def bulk_import(
    chain: BenchChain,
    workdir: Path,
    *,
    blocks: int,
    profile: bool,
    stand_in: bool = False,
    database_url: str | None = None,
    api_processes: int = 0,
    first_project: int = 9100,
) -> dict[str, Any]:
    """Tokenizations per second, from the import's start to the last mint recorded as mined.

    By default `carbon-bridge serve` on SQLite, one process; with `database_url` and `api_processes`,
    that many API processes beside their own `send` and `listen` processes (the production layout).
    Each run on one Anvil takes its own projects (`first_project`): their vintages are new on-chain."""
    export = workdir / f"verra-export-{blocks}-{first_project}.csv"
    rows = write_export(export, blocks, first_project=first_project)
    help_text = None if stand_in else import_command()
    how = (
        "carbon-bridge import"
        if help_text is not None
        else "stand-in: POST /tokenizations singly, 16 clients"
    )
    layout = Layout(
        chain,
        workdir,
        f"bulk-{first_project}",
        database_url=database_url or f"sqlite:///{workdir / f'bulk-{first_project}.db'}",
        mint_batch=100,
        api_processes=api_processes,
        profile=("serve" if api_processes == 0 else "api") if profile else None,
    )
    with layout:
        started = time.perf_counter()
        watcher: dict[str, float] = {}
        watch = threading.Thread(
            target=lambda: watcher.update(layout.watch_minted(None, blocks, threading.Lock(), timeout=1800)),
            daemon=True,  # a failed import must not leave the benchmark waiting for it
        )
        watch.start()
        if help_text is not None:
            result = _import(layout, export, help_text)
            if result.returncode != 0:
                said = result.stdout[-3000:] + result.stderr[-3000:]
                raise RuntimeError(f"carbon-bridge import failed ({result.returncode}): {said}")
            output = (result.stdout + result.stderr)[-600:]
        else:
            _stand_in(layout, rows)
            output = ""
        accepted = time.perf_counter()
        watch.join()
        finished = max(watcher.values())
        batches = layout.batches()
    seconds = finished - started
    return {
        "how": how,
        "layout": "serve (API, sender and listener in one process)"
        if api_processes == 0
        else f"{api_processes} API process(es), one send, one listen",
        "database": "sqlite" if database_url is None else "postgresql",
        "blocks": blocks,
        "tonnes": blocks * BLOCK,
        "mint_batch": 100,
        "seconds": round(seconds, 3),
        "per_second": round(blocks / seconds, 1),
        "accepted_seconds": round(accepted - started, 3),
        "accepted_per_second": round(blocks / (accepted - started), 1),
        "transactions": batches["transactions"],
        "largest_batch": batches["largest"],
        "import_output_tail": output,
        "profile_file": str(layout.profile_file) if layout.profile_file else None,
    }
