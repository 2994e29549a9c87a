"""`carbon-bridge import` against the running bridge: real rows of each registry's export, retired
rows refused, malformed rows reported with their column, and a re-run that mints nothing twice."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge.catalog import Registry
from bridge.db.models import OutboxItem, Tokenization
from bridge.db.session import make_engine, make_session_factory
from bridge.imports.verra import KINDS as VERRA_KINDS
from bridge.services import operators
from tests.support.payloads import ALICE_ADDRESS
from tests.support.service import BridgeUnderTest, cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "registry-samples"


@pytest.fixture(scope="module")
def sessions(bridge: BridgeUnderTest) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(bridge.env["BRIDGE_DATABASE_URL"])
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def api_key(sessions: sessionmaker[Session]) -> str:
    registries = [Registry.VERRA, Registry.GOLD_STANDARD, Registry.CDM, Registry.ACR, Registry.CAR]
    with sessions() as session:
        _, secret = operators.create_key(session, "Import desk", registries, actor="test")
    return secret


def run_import(
    bridge: BridgeUnderTest, key: str, export: Path, registry: str, *extra: str
) -> tuple[int, list[dict[str, str]], str]:
    results = export.with_suffix(".out.csv")
    env = {**bridge.env, "BRIDGE_API_URL": bridge.url, "BRIDGE_API_KEY": key}
    done = cli(
        "import", str(export), "--registry", registry, "--beneficiary", ALICE_ADDRESS,
        "--results", str(results), "--chunk", "40", *extra, env=env,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    with results.open(newline="") as f:
        return done.returncode, list(csv.DictReader(f)), done.stdout + done.stderr


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def minted_once(sessions: sessionmaker[Session], ids: list[str]) -> None:
    """Each tokenization has one mint queued, and the same serials are never held twice."""
    with sessions() as session:
        mints = Counter(
            session.scalars(select(OutboxItem.tokenization_id).where(OutboxItem.tokenization_id.in_(ids)))
        )
        serials = Counter(session.scalars(select(Tokenization.serial).where(Tokenization.id.in_(ids))))
    assert set(mints) == set(ids) and set(mints.values()) == {1}
    assert set(serials.values()) == {1}


def test_gold_standard_issuances_import_and_a_rerun_mints_nothing_twice(
    bridge: BridgeUnderTest, api_key: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    columns, rows = rows_of(SAMPLES / "gold-standard" / "issuances.csv")
    half = write(tmp_path / "half.csv", columns, rows[:50])
    whole = write(tmp_path / "issuances.csv", columns, rows)
    project = tmp_path / "project.json"
    project.write_text(json.dumps({"category": "other"}))  # for the rows of type "Other"

    code, first, _ = run_import(bridge, api_key, half, "gold_standard", "--project-json", str(project))
    assert code == 0, first
    assert Counter(r["status"] for r in first) == {"created": 50}

    # The whole file after the first half (as after a crash): the half comes back as done.
    code, second, output = run_import(bridge, api_key, whole, "gold_standard", "--project-json", str(project))
    assert code == 0, output
    assert [r["status"] for r in second] == ["done"] * 50 + ["created"] * 50
    assert [r["tokenization_id"] for r in second[:50]] == [r["tokenization_id"] for r in first]
    assert "bridging" in output and "100 rows: 50 created, 50 done" in output
    ids = [r["tokenization_id"] for r in second]
    minted_once(sessions, ids)
    # The CDM CERs Gold Standard labels keep their registry.
    registries = Counter(bridge.get(f"/tokenizations/{i}", key=api_key).json()["registry"] for i in ids)
    assert registries == {"gold_standard": 97, "cdm": 3}
    # Not waited for mined: the sample's 1.7 Mt are above the deployment's 24-hour mint limit.
    last = bridge.get(f"/tokenizations/{ids[-1]}", key=api_key).json()
    assert last["quantity"] == int(rows[-1]["Quantity"])


def test_verra_rows_retired_are_refused_and_the_others_bridge(
    bridge: BridgeUnderTest, api_key: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    columns, rows = rows_of(SAMPLES / "verra" / "transactions.csv")
    export = write(tmp_path / "verra.csv", columns, rows[70:130])  # retired and issued rows
    code, results, _ = run_import(bridge, api_key, export, "verra")
    assert code == 1  # some rows were not bridged
    for row, result in zip(rows[70:130], results, strict=True):
        if row["Retirement/Cancellation Date"]:
            assert result["status"] == "refused"
            assert result["error"].startswith("Retirement/Cancellation Date:")
        elif row["Project Type"] in VERRA_KINDS:
            assert result["status"] == "created", result
        else:  # AFOLU, energy industries: no one category; nothing guessed
            assert result["status"] == "malformed" and result["error"].startswith("Project Type:"), result
    created = [r["tokenization_id"] for r in results if r["status"] == "created"]
    assert created
    minted_once(sessions, created)

    project = tmp_path / "project.json"
    project.write_text(json.dumps({"category": "renewable_energy"}))
    code, again, _ = run_import(bridge, api_key, export, "verra", "--project-json", str(project))
    statuses = Counter(r["status"] for r in again)
    assert statuses["done"] == len(created) and statuses["malformed"] == 0


@pytest.mark.parametrize(
    "folder, registry, retirement_columns",
    [
        (
            "american-carbon-registry",
            "acr",
            ["Retired on Behalf of", "Retirement Reason", "Purpose of Retirement"],
        ),
        (
            "climate-action-reserve",
            "car",
            ["Account Holder", "Retirement Reason", "Retirement Reason Details"],
        ),
    ],
)
def test_acr_and_car_exports_map_their_columns_and_refuse_retirements(
    bridge: BridgeUnderTest,
    api_key: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    folder: str,
    registry: str,
    retirement_columns: list[str],
) -> None:
    # The real retirements export: every row refused, naming the column that makes it one.
    code, refused, _ = run_import(bridge, api_key, SAMPLES / folder / "retirements.csv", registry)
    assert code == 1 and {r["status"] for r in refused} == {"refused"}
    assert all(r["error"].startswith("Retirement Reason:") for r in refused)
    cancelled = SAMPLES / folder / "cancellations.csv"
    code, refused, _ = run_import(bridge, api_key, cancelled, registry)
    assert {r["status"] for r in refused} == {"refused"}

    # Issuance-shaped: the same real rows without the retirement columns.
    columns, rows = rows_of(SAMPLES / folder / "retirements.csv")
    issued = [c for c in columns if c not in retirement_columns]
    project = tmp_path / "project.json"
    project.write_text(json.dumps({"category": "other", "sectoral_scope": 3}))
    # Eight rows: the ninth of the Reserve's is CCP-approved in a vintage bridged without the label.
    export = write(tmp_path / f"{registry}-issuances.csv", issued, rows[:8])
    code, results, output = run_import(bridge, api_key, export, registry, "--project-json", str(project))
    assert code == 0, results
    ids = [r["tokenization_id"] for r in results]
    minted_once(sessions, ids)
    first = bridge.get(f"/tokenizations/{ids[0]}", key=api_key).json()
    quantity = "Quantity of Credits" if registry == "acr" else "Quantity of Offset Credits"
    assert first["quantity"] == int(rows[0][quantity])
    assert first["vintage"]["project_name"] == rows[0]["Project Name"]
    assert first["vintage"]["category"] in ("industrial_gases", "mine_methane", "other")


def test_malformed_rows_are_reported_with_their_column_and_skipped(
    bridge: BridgeUnderTest, api_key: str, tmp_path: Path
) -> None:
    columns, rows = rows_of(SAMPLES / "gold-standard" / "issuances.csv")
    good = rows[1]
    bad: list[dict[str, Any]] = [
        {**rows[2], "Quantity": "lots"},
        {**rows[3], "Quantity": str(int(rows[3]["Quantity"]) + 1)},  # not what the serial holds
        {**rows[4], "Serial Number": ""},
        {**rows[5], "Serial Number": "GS1-1-XX-nonsense"},
        {**rows[6], "Project Type": "Something new"},
        {**rows[7], "Quantity": "12.5"},
    ]
    export = write(tmp_path / "bad.csv", columns, [good, *bad])
    code, results, _ = run_import(bridge, api_key, export, "gold_standard")
    assert code == 1
    assert results[0]["status"] in ("created", "done")
    assert [r["status"] for r in results[1:]] == ["malformed"] * 6
    prefixes = [r["error"].split(":")[0] for r in results[1:]]
    assert prefixes == ["Quantity", "Quantity", "Serial Number", "Serial Number", "Project Type", "Quantity"]

    # A file of another format is refused before anything is sent.
    other = cli(
        "import", str(export), "--registry", "verra", "--beneficiary", ALICE_ADDRESS,
        env={**bridge.env, "BRIDGE_API_URL": bridge.url, "BRIDGE_API_KEY": api_key},
    )  # fmt: skip
    assert other.returncode != 0 and "not a Verra VCU export" in other.stderr
