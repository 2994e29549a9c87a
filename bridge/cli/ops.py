"""Looking after the bridge: alerts, reconciling reserves, auditing duplicate locks."""

from __future__ import annotations

import sys

import click

from bridge.cli.common import sessions
from bridge.config import get_settings
from bridge.db.session import make_engine


@click.group()
def alerts() -> None:
    """What the bridge noticed on-chain that none of its records explains."""


@alerts.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only alerts not acknowledged yet.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
def alerts_list(open_only: bool, limit: int) -> None:
    """Newest first."""
    from bridge.services import alerts as service

    with sessions()() as session:
        only = True if open_only else None
        rows, total = service.list_alerts(session, open_only=only, kind=None, limit=limit, offset=0)
        for a in rows:
            state = "OPEN" if a.acknowledged_at is None else f"acked by {a.acknowledged_by}"
            paused = f" paused by {a.pause_tx_hash}" if a.pause_tx_hash else ""
            click.echo(f"{a.id:>6}  {a.created_at:%Y-%m-%d %H:%M:%S}  {a.kind:22} {state}{paused}")
            click.echo(f"        {a.message}")
    click.echo(f"{total} alerts" + (" open" if open_only else ""))


@alerts.command("ack")
@click.argument("alert_ids", nargs=-1, required=True, type=click.IntRange(1, 2**31 - 1))
@click.option("--note", required=True, help="What the investigation found (public at GET /alerts).")
@click.option("--by", "by", default=None, help="Who acknowledges (default: the login name); audited.")
def alerts_ack(alert_ids: tuple[int, ...], note: str, by: str | None) -> None:
    """Acknowledge alerts after an investigation; audited. Does not un-pause minting (the admin does)."""
    import getpass

    from bridge.services import alerts as service
    from bridge.services.errors import BridgeError

    if not note.strip():
        raise click.BadParameter("say what the investigation found", param_hint="--note")
    try:
        by = by or getpass.getuser()
    except (KeyError, OSError):
        by = "cli"
    with sessions()() as session:
        try:
            done = service.acknowledge(session, list(alert_ids), by=by, note=note)
        except BridgeError as err:
            raise click.ClickException(err.message) from err
    for a in done:
        click.echo(f"acknowledged alert {a.id} ({a.kind}) as {by}")


@click.command()
@click.option(
    "--at-block",
    type=click.IntRange(min=0),
    help="Report the reserves as they stood at this block (default: the latest the bridge vouches for).",
)
def reconcile(at_block: int | None) -> None:
    """Compare locked tonnes with on-chain supply per vintage, at one block, and list open alerts.

    Exit 0 when balanced with no open alert, 1 on any mismatch (or a supply on a vintage the bridge does
    not know) or open alert, 2 when the chain cannot be read (and nothing else is wrong) or the block
    asked for is later than the bridge has followed.
    """
    from bridge.chain.contracts import Chain
    from bridge.services import alerts as alert_service
    from bridge.services import reserves
    from bridge.services.errors import Conflict

    def t(wei: int | None) -> str:
        return "unreadable" if wei is None else f"{wei / 10**18:g}"

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    with sessions()() as session:
        try:
            result = reserves.compute(session, chain, at_block)
        except Conflict as err:
            raise click.BadParameter(err.message, param_hint="--at-block") from None
        open_alerts = alert_service.open_alerts(session)
    floor = "" if result.floor_block is None else f", floor {result.floor_block}"
    click.echo(
        f"at block {result.at_block} (listener {result.listener_block}{floor}): "
        f"{len(result.vintages)} vintages"
    )
    for v in result.vintages:
        mark = {"balanced": "ok", "unbalanced": "MISMATCH", "unknown": "unknown"}[v.status]
        click.echo(
            f"  {mark:8} {v.symbol:24} locked {v.locked_tonnes} t, pending {v.pending_tonnes} t, "
            f"retired {v.retired_tonnes} t, released {v.released_tonnes} t, "
            f"supply expected {t(v.expected_supply_wei)} t, ledger {t(v.ledger_supply_wei)} t, "
            f"on-chain {t(v.onchain_supply_wei)} t"
        )
    for u in result.unknown_vintages:
        mark = "unknown" if u.balanced else "MISMATCH"
        click.echo(
            f"  {mark:8} {u.token_address} is a factory vintage the bridge does not know: "
            f"on-chain {t(u.onchain_supply_wei)} t"
        )
    mismatches = len(result.mismatches()) + sum(not u.balanced for u in result.unknown_vintages)
    for reason in result.reasons():
        click.echo(f"  unbalanced: {reason}")
    click.echo(f"{mismatches} mismatches")
    for a in open_alerts:
        click.echo(f"  ALERT {a.id} ({a.kind}): {a.message}")
    click.echo(f"{len(open_alerts)} open alerts")
    if mismatches or open_alerts:
        sys.exit(1)
    if result.status == "unknown":
        click.echo(f"reserves unknown: the chain cannot be read ({result.chain_error})")
        sys.exit(2)
    sys.exit(0)


@click.command("audit-duplicates")
def audit_duplicates() -> None:
    """List pairs of held locks that share units under the serial identity keys; changes nothing.

    Reads the serials' text, so it also runs on a database from before those keys (which the
    migration to them refuses to upgrade while such pairs exist). Exit 1 when any pair is found.
    """
    from bridge.db.identity import duplicate_pairs

    engine = make_engine(get_settings().database_url)
    with engine.connect() as connection:
        pairs = duplicate_pairs(connection)
    engine.dispose()
    for pair in pairs:
        low, high = pair.shared
        click.echo(f"{pair.first.registry.name.lower()} {pair.first.space}: units {low}-{high} locked twice")
        for held in (pair.first, pair.second):
            click.echo(f"  range {held.range_id:<6} {held.state:<8} tokenization {held.tokenization_id}")
            click.echo(f"    {held.serial}")
    click.echo(f"{len(pairs)} duplicate pairs")
    sys.exit(1 if pairs else 0)


COMMANDS = [alerts, reconcile, audit_duplicates]
