"""The issue-15 sections of `make bench`: bulk import against the raw loop, single requests per layout
(SQLite; PostgreSQL with 1 and 2 API processes), and py-spy profiles of both runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from bench import bulk, profile, scaled, throughput
from bench.chain import bench_chain
from tests.support.postgres import fresh_database

#: The layout the single-request run profiles: one process holds the API, the sender and the listener.
PROFILED_LAYOUT = "sqlite_1"


def run(results: dict[str, Any], workdir: Path, args: argparse.Namespace, only: set[str]) -> None:
    """One Anvil for all of it: the raw loop first (the baseline), then each bridge run."""
    print(f"issue 15: raw web3.py loop of {args.bulk:,} mints, then the bridge on the same Anvil")
    issue: dict[str, Any] = results.setdefault("issue15", {})
    profiles: dict[str, Any] = results.setdefault("profiles", {})
    with bench_chain(workdir / "issue15") as chain:
        issue["raw_loop"] = throughput.raw_loop(chain, args.bulk, window=500)
        print(f"  raw loop: {issue['raw_loop']['per_second']} mints/s")
        if "bulk" in only:
            issue["bulk"] = bulk.bulk_import(
                chain, workdir / "issue15", blocks=args.bulk, profile=not args.no_profile
            )
            b = issue["bulk"]
            print(f"  bulk ({b['how']}): {b['per_second']} tokenizations/s, {b['transactions']} transactions")
            if b["profile_file"] and Path(b["profile_file"]).exists():
                profiles["bulk import: carbon-bridge serve (SQLite, BRIDGE_MINT_BATCH=100)"] = (
                    profile.summarize(Path(b["profile_file"]))
                )
            try:
                with fresh_database("bench_bulk") as url:
                    issue["bulk_postgresql"] = bulk.bulk_import(
                        chain,
                        workdir / "issue15",
                        blocks=args.bulk,
                        profile=False,
                        database_url=url,
                        api_processes=1,
                        first_project=9200,
                    )
                p = issue["bulk_postgresql"]
                print(f"  bulk on PostgreSQL ({p['layout']}): {p['per_second']} tokenizations/s")
            except pytest.skip.Exception as err:
                issue["bulk_postgresql"] = f"skipped: {err}"
        if "scaled" in only:
            layouts = scaled.measure(
                chain,
                workdir / "issue15",
                count=args.scaled,
                clients=args.clients,
                profile=None if args.no_profile else PROFILED_LAYOUT,
            )
            issue["single_requests"] = layouts
            for name, x in layouts.items():
                if isinstance(x, str):
                    print(f"  {name}: {x}")
                    continue
                print(
                    f"  {name}: {x['per_second']} mined/s, {x['accepted_per_second']} accepted/s, "
                    f"health {x['health_per_second']}/s"
                )
                if x["profile_file"] and Path(x["profile_file"]).exists():
                    profiles[f"single requests, 16 clients: {name} ({x['processes']})"] = profile.summarize(
                        Path(x["profile_file"])
                    )


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    issue = results.get("issue15")
    if not issue:
        return {}
    raw = issue["raw_loop"]["per_second"]
    out: dict[str, Any] = {}
    for name, label in (
        ("bulk", "SQLite, one process"),
        ("bulk_postgresql", "PostgreSQL, API + send + listen"),
    ):
        if isinstance(issue.get(name), dict):
            value = round(issue[name]["per_second"] / raw, 2)
            out[f"bulk import ({label}) / raw loop"] = {"value": value, "target": ">= 3", "met": value >= 3}
    for name, x in issue.get("single_requests", {}).items():
        if isinstance(x, str):
            continue
        mined = round(x["per_second"] / raw, 2)
        accepted = round(x["accepted_per_second"] / x["health_per_second"], 2)
        out[f"{name}: single requests mined / raw loop"] = {
            "value": mined,
            "target": ">= 1",
            "met": mined >= 1,
        }
        if "one_batch" in x:
            worst = round(x["one_batch"]["per_second"] / raw, 2)
            out[f"{name}: single requests of one batch mined / raw loop"] = {
                "value": worst,
                "target": "(worst case, reported)",
                "met": None,
            }
        out[f"{name}: accepted / GET /health"] = {
            "value": accepted,
            "target": ">= 0.33",
            "met": accepted >= 1 / 3,
        }
        if "network_per_second" in x:  # GET /network touches neither the database nor the chain
            bare = round(x["accepted_per_second"] / x["network_per_second"], 2)
            out[f"{name}: accepted / GET /network (no I/O)"] = {
                "value": bare,
                "target": ">= 0.33",
                "met": bare >= 1 / 3,
            }
    return out


def report(results: dict[str, Any]) -> list[str]:
    issue = results.get("issue15")
    if not issue:
        return []
    raw = issue["raw_loop"]
    lines = [
        "",
        "## Bulk bridging and scale-out (issue 15; one Anvil, automine)",
        "",
        f"Baseline: the raw web3.py loop, {raw['count']:,} signed single mints from one loop: "
        f"**{raw['per_second']} mints/s** ({raw['seconds']} s).",
    ]
    if "bulk" in issue:
        b = issue["bulk"]
        lines += [
            "",
            f"**Bulk:** a Verra VCU export of {b['blocks']:,} issued blocks ({b['tonnes']:,} t, 20 projects) via "
            f"{b['how']} against `carbon-bridge serve` on SQLite, BRIDGE_MINT_BATCH=100, from the command's "
            f"start to every mint recorded as mined: **{b['per_second']} tokenizations/s** "
            f"({b['seconds']} s; **{round(b['per_second'] / raw['per_second'], 2)}x** the raw loop). "
            f"All accepted after {b['accepted_seconds']} s ({b['accepted_per_second']}/s); "
            f"{b['transactions']} mint transactions, largest batch {b['largest_batch']}."
            + (" The server process ran under py-spy (bench/profile.md)." if b["profile_file"] else ""),
        ]
    p = issue.get("bulk_postgresql")
    if isinstance(p, dict):
        lines += [
            "",
            f"**Bulk on PostgreSQL** ({p['layout']}), the same import of other projects on the same Anvil: "
            f"**{p['per_second']} tokenizations/s** ({p['seconds']} s; "
            f"**{round(p['per_second'] / raw['per_second'], 2)}x** the raw loop); all accepted after "
            f"{p['accepted_seconds']} s ({p['accepted_per_second']}/s); {p['transactions']} mint transactions.",
        ]
    layouts = issue.get("single_requests")
    if layouts:
        lines += [
            "",
            "**Single requests from 16 clients, batched mints** (`POST /tokenizations`, one block each, of "
            "16 issuance batches of one vintage; a fresh database per layout; `GET /health` (one database "
            "read, one `eth_call`) and `GET /network` (neither) from the same 16 clients first, while idle):",
            "",
            "| layout | database | tokenizations/s (request to mined) | / raw loop | accepted/s | GET /health/s "
            "| accepted / health | GET /network/s | accepted / network | p50 | p99 | transactions | largest batch |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, x in layouts.items():
            if isinstance(x, str):
                lines.append(f"| {name} | {x} | | | | | | | | | | | |")
                continue
            lines.append(
                f"| {x['processes']} | {x['database']} | {x['per_second']} | "
                f"{round(x['per_second'] / raw['per_second'], 2)} | {x['accepted_per_second']} | "
                f"{x['health_per_second']} | {round(x['accepted_per_second'] / x['health_per_second'], 2)} | "
                f"{x['network_per_second']} | {round(x['accepted_per_second'] / x['network_per_second'], 2)} | "
                f"{x['latency_ms_p50']} ms | {x['latency_ms_p99']} ms | {x['transactions']} | {x['largest']} |"
            )
        worst = {n: x["one_batch"] for n, x in layouts.items() if isinstance(x, dict) and "one_batch" in x}
        if worst:
            lines += [
                "",
                "The worst case, every block of **one batch** from the same 16 clients (the batch's lock orders "
                "them, by design):",
                "",
                "| layout | database | tokenizations/s (request to mined) | / raw loop | accepted/s | p50 | p99 "
                "| transactions | largest batch |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for x in worst.values():
                lines.append(
                    f"| {x['processes']} | {x['database']} | {x['per_second']} | "
                    f"{round(x['per_second'] / raw['per_second'], 2)} | {x['accepted_per_second']} | "
                    f"{x['latency_ms_p50']} ms | {x['latency_ms_p99']} ms | {x['transactions']} | {x['largest']} |"
                )
        for n, x in layouts.items():
            if isinstance(x, dict) and x.get("profiled_run"):
                p = x["profiled_run"]
                lines += [
                    "",
                    f"{n} ran a third time with its process under py-spy for bench/profile.md "
                    f"({p['per_second']} mined/s, {p['accepted_per_second']} accepted/s while sampled); the "
                    "rates above are of runs without the profiler.",
                ]
    return lines


def profile_report(results: dict[str, Any]) -> str:
    run = (results.get("earlier_runs") or {}).get("profiles") or results
    notes = dict.fromkeys(results["profiles"], f"`make bench`, commit {run['git']}, {run['when']}.")
    return profile.report(results["profiles"], notes)
