"""`make bench`: gas, API throughput and batching, overlap-check scale, and (issue 15) bulk import,
scale-out and profiles, each against a baseline measured in the same run. Writes bench/results.json,
bench/results.md and bench/profile.md and prints the ratios."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench import gas, issue15, lookup, throughput
from bench.chain import bench_chain
from tests.support.postgres import fresh_database

OUT = Path(__file__).resolve().parent
SECTIONS = ("gas", "throughput", "lookup", "bulk", "scaled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600, help="tokenizations per API run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--raw", type=int, default=600, help="mints in the raw web3.py loop")
    parser.add_argument("--blocks", type=int, default=1_000_000, help="largest lock table for the lookup")
    parser.add_argument("--bulk", type=int, default=10_000, help="blocks in the imported registry export")
    parser.add_argument("--scaled", type=int, default=600, help="tokenizations per scale-out layout")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where results.* and profile.md go")
    parser.add_argument("--no-profile", action="store_true", help="run nothing under py-spy")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the sections of OUT/results.json that this run does not measure (each says its run)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if "gas" in only:
            run_gas(results, workdir)
        if "throughput" in only:
            run_throughput(results, workdir, args)
        if "lookup" in only:
            run_lookup(results, workdir, args)
        if only & {"bulk", "scaled"}:
            issue15.run(results, workdir, args, only)
        # The run's temporary directory is this machine's; the results name files within it.
        results = _within(results, str(workdir))

    out: Path = args.out
    if args.update and (out / "results.json").exists():
        _keep_earlier(results, json.loads((out / "results.json").read_text()))
    measured = ("gas", "mint_governor", "throughput", "lookup")
    results["ratios"] = ratios(results) if all(section in results for section in measured) else {}
    results["ratios"].update(issue15.ratios(results))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    markdown = report(results)
    (out / "results.md").write_text(markdown)
    if results.get("profiles"):
        (out / "profile.md").write_text(issue15.profile_report(results))
    print()
    print(markdown)


def _within(value: Any, workdir: str) -> Any:
    """`value` with every path under `workdir` written as `<workdir>/...`."""
    if isinstance(value, str):
        return value.replace(workdir, "<workdir>")
    if isinstance(value, dict):
        return {key: _within(item, workdir) for key, item in value.items()}
    if isinstance(value, list):
        return [_within(item, workdir) for item in value]
    return value


def run_gas(results: dict[str, Any], workdir: Path) -> None:
    print("gas: deploying the contracts and a plain OpenZeppelin ERC-20 on a fresh Anvil")
    with bench_chain(workdir / "gas") as chain:
        rows, batches = gas.measure(chain)
    results["gas"] = [row.as_dict() for row in rows]
    results["mint_batches"] = batches
    results["mint_governor"] = gas.governor_cost(results["gas"], batches)


def run_throughput(results: dict[str, Any], workdir: Path, args: argparse.Namespace) -> None:
    print("throughput: raw web3.py loop, then the API without and with batching, same Anvil")
    with bench_chain(workdir / "throughput") as chain:
        raw = throughput.raw_loop(chain, args.raw)
        print(f"  raw loop: {raw['per_second']} mints/s")
        single = throughput.through_api(
            chain, workdir / "throughput", count=args.requests, clients=args.clients, mint_batch=1
        )
        print(f"  API, one mint per tx: {single['per_second']} tokenizations/s")
        batched = throughput.through_api(
            chain, workdir / "throughput", count=args.requests, clients=args.clients, mint_batch=50
        )
        print(f"  API, batched: {batched['per_second']} tokenizations/s")
    results["throughput"] = {"raw_loop": raw, "api_single": single, "api_batched": batched}


def run_lookup(results: dict[str, Any], workdir: Path, args: argparse.Namespace) -> None:
    print("lookup: the overlap check as the lock table grows")
    sizes = tuple(s for s in (1_000, 10_000, 100_000, 1_000_000) if s <= args.blocks)
    results["lookup"] = {"sqlite": lookup.measure(f"sqlite:///{workdir / 'lookup.db'}", sizes)}
    try:
        with fresh_database("bench_lookup") as url:
            results["lookup"]["postgresql"] = lookup.measure(url, sizes)
    except pytest.skip.Exception as err:
        results["lookup"]["postgresql"] = f"skipped: {err}"


def _gas(results: dict[str, Any], operation: str) -> dict[str, Any]:
    row: dict[str, Any] = next(r for r in results["gas"] if r["operation"] == operation)
    return row


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Each target of issue 6 as a ratio, with whether it is met."""
    t = results["throughput"]
    raw = t["raw_loop"]["per_second"]
    mint = _gas(results, "tokenization mint, new holder")["ours"]
    lookups = [x for db in results["lookup"].values() if isinstance(db, list) for x in db]
    largest = max(x["held_blocks"] for x in lookups)
    worst_p99 = max(x["p99_ms"] for x in lookups if x["held_blocks"] == largest)

    def at_most(value: float, limit: float, target: str) -> tuple[float, bool, str]:
        return value, value <= limit, target

    def at_least(value: float, limit: float, target: str) -> tuple[float, bool, str]:
        return value, value >= limit, target

    governed = {g["mint"]: g for g in results["mint_governor"]}
    single, batched = governed["single mint, new holder"], governed["per mint in a batch of 50"]
    checks = {
        "mint, new holder (gas)": at_most(single["now"], single["target"], f"<= {single['target']:,}"),
        "mint in a batch of 50 (gas per tokenization)": at_most(
            batched["now"], batched["target"], f"<= {batched['target']:,}"
        ),
        "transfer, new holder (gas)": at_most(
            _gas(results, "transfer, new holder")["ours"], 56_530, "<= 56,530 (unchanged)"
        ),
        "transfer, existing holder (gas)": at_most(
            _gas(results, "transfer, existing holder")["ours"], 39_442, "<= 39,442 (unchanged)"
        ),
        "mint / floor (new holder)": at_most(
            _gas(results, "tokenization mint, new holder")["vs_floor"], 1.15, "<= 1.15"
        ),
        "peer tokenize / our mint": at_least(round(gas.PEER_TOKENIZE / mint, 2), 5, ">= 5"),
        "create vintage (gas)": at_most(_gas(results, "create vintage token")["ours"], 199_999, "< 200,000"),
        "transfer / OZ (existing holder)": at_most(
            _gas(results, "transfer, existing holder")["vs_baseline"], 1.05, "<= 1.05"
        ),
        "transfer / OZ (new holder)": at_most(
            _gas(results, "transfer, new holder")["vs_baseline"], 1.05, "<= 1.05"
        ),
        "retire with certificate (gas)": at_most(
            _gas(results, "retire with certificate")["ours"], 199_999, "< 200,000"
        ),
        "pool deposit (gas)": at_most(
            _gas(results, "pool deposit, new pool holder")["ours"], 119_999, "< 120,000"
        ),
        "pool redeem (gas)": at_most(
            _gas(results, "pool redeem, chosen vintage")["ours"], 149_999, "< 150,000"
        ),
        "API single / raw loop": at_least(round(t["api_single"]["per_second"] / raw, 2), 1, ">= 1"),
        "API batched / raw loop": at_least(round(t["api_batched"]["per_second"] / raw, 2), 3, ">= 3"),
        f"overlap check p99 at {largest:,} blocks (ms)": at_most(worst_p99, 4.999, "< 5"),
    }
    return {
        name: {"value": value, "target": target, "met": met} for name, (value, met, target) in checks.items()
    }


#: What each `--only` section writes into results.json.
SECTION_KEYS = {
    "gas": ("gas", "mint_batches", "mint_governor"),
    "throughput": ("throughput",),
    "lookup": ("lookup",),
    "bulk": ("issue15", "profiles"),
    "scaled": ("issue15", "profiles"),
}


def _keep_earlier(results: dict[str, Any], earlier: dict[str, Any]) -> None:
    """Copies the sections `results` lacks from an earlier run, noting that run's commit and time."""
    measured = set(results)
    runs = {k: v for k, v in earlier.get("earlier_runs", {}).items() if k not in measured}
    for key in sorted({k for keys in SECTION_KEYS.values() for k in keys}):
        if key in earlier and key not in results:
            results[key] = earlier[key]
            runs[key] = runs.get(key) or {"git": earlier["git"], "when": earlier["when"]}
    if runs:
        results["earlier_runs"] = {k: v for k, v in runs.items() if k in results}


def report(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"`make bench` on {results['machine']}, commit {results['git']}, {results['when']}. Every baseline was measured in the same run.",
    ]
    earlier = results.get("earlier_runs") or {}
    for run in sorted({(v["git"], v["when"]) for v in earlier.values()}):
        keys = ", ".join(k for k, v in earlier.items() if (v["git"], v["when"]) == run)
        lines.append(f"Kept from the run at commit {run[0]}, {run[1]} (`--update`): {keys}.")
    if all(section in results for section in ("gas", "mint_governor", "throughput", "lookup")):
        lines += _report_issue6(results)
    lines += issue15.report(results)
    lines += ["", "## Targets", "", "| ratio | value | target | met |", "|---|---:|---|---|"]
    for name, x in results["ratios"].items():
        met = "–" if x["met"] is None else "yes" if x["met"] else "**no**"
        lines.append(f"| {name} | {x['value']} | {x['target']} | {met} |")
    return "\n".join(lines) + "\n"


def _report_issue6(results: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Gas (full transaction)",
        "",
        "| operation | ours | plain OZ ERC-20 (nearest equivalent) | ours / OZ | EVM floor | ours / floor | peer (Toucan) | target |",
        "|---|---:|---|---:|---:|---:|---|---|",
    ]
    for r in results["gas"]:
        baseline = f"{r['baseline']:,} ({r['baseline_what']})" if r["baseline"] else "–"
        lines.append(
            f"| {r['operation']} | {r['ours']:,} | {baseline} | {r['vs_baseline'] or '–'} | {r['floor']:,} | {r['vs_floor']} | {r['peer'] or '–'} | {r['target'] or '–'} |"
        )
    lines += [
        "",
        "The floor counts only what the operation must write (see `floor_parts` in results.json): 21,000 intrinsic, its calldata, each storage write (cold, EIP-2929/2200/3529) and the standard events.",
        "",
        "Measured beside the rows: "
        + "; ".join(
            f"{r['operation']}, {what}: {gas:,}"
            for r in results["gas"]
            for what, gas in r["extra"].items()
            if isinstance(gas, int) and what != "clone_bytes"
        )
        + ".",
        "",
    ]
    lines += [
        "## Batch mint (`mintBatch`, new holders)",
        "",
        "| batch size | gas | gas per tokenization (= per tonne for one-tonne blocks) |",
        "|---:|---:|---:|",
    ]
    for size, b in results["mint_batches"].items():
        lines.append(f"| {size} | {b['total']:,} | {b['per_tokenization']:,} |")
    lines += [
        "",
        "## The mint governor (issue 14)",
        "",
        "| mint | before the governor | now | change | the governor's storage | rest | target |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for g in results["mint_governor"]:
        lines.append(
            f"| {g['mint']} | {g['before']:,} | {g['now']:,} | {g['change']:+,} | {g['governor_storage']:+,} = {g['governor_storage_arithmetic']} | {g['rest']:+,} | <= {g['target']:,} |"
        )
    lines += [
        "",
        "The governor's counters are packed with what the mint already reads: the vintage's window shares the "
        "slot that says the vintage is the factory's (cold read before the governor too), so it adds one write; "
        "the overall window shares one factory slot with the pause flag and every limit, so it adds one cold "
        "read and one write. The floor of the mint rows counts both (`governor_overall_window`, "
        "`governor_vintage_window`). The rest is the windows' decay and the limit checks, net of the lock's "
        'second read the mint no longer makes. "Before" was measured at commit ed35cf9 (bench/results.md).',
    ]
    t = results["throughput"]
    lines += [
        "",
        "## Throughput (same Anvil, automine)",
        "",
        "| path | tokenizations/s (request to mined) | requests accepted/s | p50 latency | p99 latency | transactions | largest batch |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| raw web3.py loop, one signed mint per tx | {t['raw_loop']['per_second']} | – | – | – | {t['raw_loop']['count']} | 1 |",
    ]
    for name, key in (
        ("HTTP API, one mint per tx", "api_single"),
        ("HTTP API, batched under load", "api_batched"),
    ):
        x = t[key]
        lines.append(
            f"| {name} ({x['clients']} clients, {x['count']} requests) | {x['per_second']} | {x.get('accepted_per_second', '–')} | {x['latency_ms_p50']} ms | {x['latency_ms_p99']} ms | {x['transactions']} | {x['largest_batch']} |"
        )
    lines += [
        "",
        "Latency: from sending `POST /tokenizations` until the bridge records the mint as mined. "
        "Accepted/s: how fast the API answered 201 (serials locked, mint queued), before any mint; the "
        "API and the load generator share the machine's cores with Anvil.",
        "",
        "## Overlap check as the lock table grows",
        "",
        "| database | held blocks | p50 | p99 |",
        "|---|---:|---:|---:|",
    ]
    for db, rows in results["lookup"].items():
        if isinstance(rows, str):
            lines.append(f"| {db} | {rows} | | |")
            continue
        for x in rows:
            lines.append(f"| {db} | {x['held_blocks']:,} | {x['p50_ms']} ms | {x['p99_ms']} ms |")
    return lines


if __name__ == "__main__":
    main()
