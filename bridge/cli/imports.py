"""`carbon-bridge import`: bridge every row of a registry's CSV export through `POST /tokenizations/bulk`.

Resumable: each item's idempotency key is its block's identity (`bridge.imports.idempotency_key`),
so a re-run after a crash or Ctrl-C replays what is done (reported `done`) and mints nothing twice.
The results CSV (row, serial, status, tokenization id or error) is written when the run ends,
interrupted or not; status is `created`, `done` (bridged before), `refused` (retired or cancelled,
or refused by the bridge, with its status and field) or `malformed` (the column named).
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from bridge.imports import ExportRow

RESULT_COLUMNS = ("row", "serial", "status", "tokenization_id", "error")


@click.command("import")
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--registry", required=True, help="Whose export: verra, gold_standard, acr, car.")
@click.option("--beneficiary", required=True, help="The address every row's tonnes are minted to.")
@click.option(
    "--project-json",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Project attributes (as POST /tokenizations takes them) for what the export's columns lack.",
)
@click.option("--api-url", envvar="BRIDGE_API_URL", default="http://127.0.0.1:8000", show_default=True)
@click.option("--api-key", envvar="BRIDGE_API_KEY", required=True, help="Default: BRIDGE_API_KEY.")
@click.option(
    "--results", type=click.Path(dir_okay=False, path_type=Path), help="Default: EXPORT.results.csv"
)
@click.option(
    "--chunk", type=click.IntRange(1, 1000), default=500, show_default=True, help="Rows per request."
)
def import_export(
    export: Path,
    registry: str,
    beneficiary: str,
    project_json: Path | None,
    api_url: str,
    api_key: str,
    results: Path | None,
    chunk: int,
) -> None:
    """Bridge every bridgeable row of a registry's CSV EXPORT; exit 1 if any row was not bridged."""
    from bridge.imports import FORMATS, ExportError, read_export
    from bridge.schemas import parse_address, parse_registry

    try:
        chosen = parse_registry(registry)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--registry") from err
    if chosen not in FORMATS:
        names = ", ".join(r.name.lower() for r in FORMATS)
        raise click.BadParameter(
            f"no export format for {chosen.name.lower()}; one of {names}", param_hint="--registry"
        )
    try:
        beneficiary = parse_address(beneficiary)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--beneficiary") from err
    defaults = _defaults(project_json)
    try:
        rows = list(read_export(export, chosen, beneficiary=beneficiary, defaults=defaults))
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    outcome: dict[int, tuple[str, str, str]] = {
        r.row: (r.status or "", "", r.error or "") for r in rows if r.body is None
    }
    results = results or export.with_suffix(".results.csv")
    try:
        _send(rows, outcome, api_url.rstrip("/"), api_key, chunk)
    finally:
        _write(results, rows, outcome)
        counts: dict[str, int] = {}
        for status, _, _ in outcome.values():
            counts[status] = counts.get(status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        click.echo(f"{len(rows)} rows: {summary}; results in {results}")
    if any(status not in ("created", "done") for status, _, _ in outcome.values()):
        raise SystemExit(1)


def _defaults(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise click.BadParameter(f"{path}: {err}", param_hint="--project-json") from err
    if not isinstance(value, dict):
        raise click.BadParameter(f"{path}: not a JSON object", param_hint="--project-json")
    return value


def _send(
    rows: list[ExportRow], outcome: dict[int, tuple[str, str, str]], url: str, key: str, chunk: int
) -> None:
    """Posts the bridgeable rows in chunks, with a progress bar of rows, tonnes, rate and ETA."""
    import requests

    todo = [r for r in rows if r.body is not None]
    started, tonnes, sent = time.monotonic(), 0, 0

    def status(_: object) -> str:
        rate = sent / max(time.monotonic() - started, 1e-9)
        return f"{tonnes:,} t, {rate:,.0f} rows/s"

    with click.progressbar(
        length=len(todo), label="bridging", show_pos=True, show_eta=True, item_show_func=status
    ) as bar:
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            try:
                response = requests.post(
                    f"{url}/tokenizations/bulk",
                    json={"items": [r.body for r in part]},
                    headers={"X-API-Key": key},
                    timeout=600,
                )
            except requests.RequestException as err:
                raise click.ClickException(f"{url}: {err}; run again to go on") from err
            if response.status_code != 207:
                raise click.ClickException(f"{url} answered {response.status_code}: {response.text[:500]}")
            for row, item in zip(part, response.json()["items"], strict=True):
                outcome[row.row] = _result(item)
                if item["status"] in (200, 201):
                    tonnes += row.tonnes
            sent += len(part)
            bar.update(len(part), part[-1])


def _result(item: dict[str, Any]) -> tuple[str, str, str]:
    if item["status"] in (200, 201):
        return ("created" if item["status"] == 201 else "done"), item["tokenization"]["id"], ""
    error = item["error"] or {}
    conflicting = (error.get("conflicting_lock") or {}).get("tokenization_id") or error.get("tokenization_id")
    field = f" [{error['field']}]" if error.get("field") else ""
    return "refused", conflicting or "", f"{item['status']}{field} {error.get('message', '')}"


def _write(path: Path, rows: list[ExportRow], outcome: dict[int, tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(RESULT_COLUMNS)
        for r in rows:
            status, tokenization_id, error = outcome.get(r.row, ("not_sent", "", ""))
            writer.writerow([r.row, r.serial, status, tokenization_id, error])
