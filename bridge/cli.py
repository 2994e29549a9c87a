"""`carbon-bridge`: serve the API (with sender and listener), migrate, manage keys, reconcile, audit."""

from __future__ import annotations

import logging
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from bridge.admin import admin
from bridge.catalog import Registry
from bridge.config import get_settings
from bridge.db.session import make_engine, make_session_factory

if TYPE_CHECKING:
    from bridge.db.models import ApiKey

#: `operators.SCOPES`, spelled out so that `--help` imports no database code.
KEY_SCOPES = ("tokenize", "approve")


def _sessions():  # type: ignore[no-untyped-def]
    return make_session_factory(make_engine(get_settings().database_url))


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """Carbon credit bridge service."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    # Before the import: Alembic logs its plugins at INFO as it loads.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bridge.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    click.echo(f"migrated {settings.database_url.split('@')[-1]}")


@main.command()
@click.option("--host", default=None, help="Default: BRIDGE_API_HOST.")
@click.option("--port", type=int, default=None, help="Default: BRIDGE_API_PORT.")
@click.option("--no-workers", is_flag=True, help="API only: run no sender or listener here.")
def serve(host: str | None, port: int | None, no_workers: bool) -> None:
    """Run the HTTP API, with the outbox sender and event listener unless --no-workers."""
    import uvicorn

    from bridge.api.main import create_app
    from bridge.chain.contracts import Chain

    settings = get_settings()
    if no_workers:
        settings = settings.model_copy(update={"run_workers": False})
    chain = Chain.from_settings(settings, with_signer=settings.run_workers)
    chain.check_network()
    app = create_app(settings, _sessions(), chain)
    uvicorn.run(app, host=host or settings.api_host, port=port or settings.api_port, log_level="info")


@main.command()
def listen() -> None:
    """Run only the event listener (one per database)."""
    from bridge.chain.contracts import Chain
    from bridge.listener.listener import Listener

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    listener = Listener(
        _sessions(),
        chain,
        confirmations=settings.confirmations,
        block_batch=settings.block_batch,
        poll_interval=settings.poll_interval,
    )
    _run_until_interrupted(listener.run)


@main.command()
def guard() -> None:
    """Run only the guardian: pause minting on-chain when an alert is stored (BRIDGE_GUARDIAN_KEY)."""
    from bridge.chain.contracts import Chain
    from bridge.workers import make_guardian

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    chain.check_network()
    guardian = make_guardian(settings, _sessions(), chain)
    if guardian is None:
        raise click.UsageError("BRIDGE_GUARDIAN_KEY is not set")
    _run_until_interrupted(guardian.run)


@main.command()
def send() -> None:
    """Run only the outbox senders (the minter's, and the registrar's when BRIDGE_REGISTRAR_KEY is set)."""
    from bridge.chain.contracts import Chain
    from bridge.workers import run_senders

    settings = get_settings()
    chain = Chain.from_settings(settings)
    chain.check_network()
    _run_until_interrupted(run_senders(settings, _sessions(), chain))


@main.group()
def keys() -> None:
    """Operator API keys."""


def _expiry_options(command):  # type: ignore[no-untyped-def]
    command = click.option(
        "--expires-at", help="When the key stops working: ISO 8601, UTC unless it names a zone."
    )(command)
    return click.option(
        "--expires-in-days", type=click.IntRange(min=1), help="The key stops working after N days."
    )(command)


def _limit_options(command):  # type: ignore[no-untyped-def]
    command = click.option(
        "--scope",
        "scopes",
        multiple=True,
        type=click.Choice(KEY_SCOPES),
        help="What the key may do (repeatable): tokenize (the default), approve another key's requests.",
    )(command)
    command = click.option(
        "--approval-above",
        type=click.IntRange(min=0),
        help="A request above this many tonnes waits for another key with the approve scope.",
    )(command)
    command = click.option(
        "--daily-quota", type=click.IntRange(min=1), help="Tonnes the key may ask for in any 24 hours."
    )(command)
    return _expiry_options(command)


def _expiry(days: int | None, at: str | None) -> datetime | None:
    if days is not None and at is not None:
        raise click.UsageError("give --expires-in-days or --expires-at, not both")
    if days is not None:
        return datetime.now(UTC) + timedelta(days=days)
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError as err:
        raise click.BadParameter(f"{at!r} is not an ISO 8601 time", param_hint="--expires-at") from err
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _change(value: object, remove: bool, unchanged: object) -> Any:
    """A `set_limits` argument: None removes the limit, `unchanged` leaves it as it is."""
    return None if remove else unchanged if value is None else value


def _limits(key: ApiKey) -> str:
    from bridge.services.operators import as_utc

    expires = "never" if key.expires_at is None else f"{as_utc(key.expires_at):%Y-%m-%dT%H:%M:%SZ}"
    quota = "none" if key.daily_quota_tonnes is None else f"{key.daily_quota_tonnes} t/24h"
    above = "none" if key.approval_above_tonnes is None else f"above {key.approval_above_tonnes} t"
    return f"scopes={key.scopes} expires={expires} quota={quota} approval={above}"


@keys.command("create")
@click.option("--operator", required=True, help="Operator name (created if new).")
@click.option("--registries", required=True, help="Comma-separated, e.g. verra,gold_standard.")
@_limit_options
def keys_create(
    operator: str,
    registries: str,
    expires_in_days: int | None,
    expires_at: str | None,
    daily_quota: int | None,
    approval_above: int | None,
    scopes: tuple[str, ...],
) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    from bridge.schemas import parse_registry
    from bridge.services.operators import create_key

    try:
        scope: list[Registry] = [parse_registry(r) for r in registries.split(",") if r.strip()]
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--registries") from err
    expiry = _expiry(expires_in_days, expires_at)
    with _sessions()() as session:
        key, secret = create_key(
            session,
            operator,
            scope,
            scopes=scopes or ("tokenize",),
            expires_at=expiry,
            daily_quota_tonnes=daily_quota,
            approval_above_tonnes=approval_above,
        )
    click.echo(f"operator:   {operator}")
    click.echo(f"registries: {', '.join(r.name.lower() for r in scope)}")
    click.echo(f"limits:     {_limits(key)}")
    click.echo(f"prefix:     {key.prefix}")
    click.echo(f"api key:    {secret}")  # last: scripts read the key as the rest of the output


@keys.command("limit")
@click.argument("prefix")
@_limit_options
@click.option("--no-expiry", is_flag=True, help="Remove the expiry.")
@click.option("--no-daily-quota", is_flag=True, help="Remove the daily quota.")
@click.option("--no-approval-above", is_flag=True, help="Remove the approval limit.")
def keys_limit(
    prefix: str,
    expires_in_days: int | None,
    expires_at: str | None,
    daily_quota: int | None,
    approval_above: int | None,
    scopes: tuple[str, ...],
    no_expiry: bool,
    no_daily_quota: bool,
    no_approval_above: bool,
) -> None:
    """Change the limits of the key with this prefix (only those given); audited."""
    from bridge.services.errors import NotFound
    from bridge.services.operators import UNCHANGED, set_limits

    for flag, value, name in [
        (no_expiry, expires_in_days or expires_at, "--no-expiry"),
        (no_daily_quota, daily_quota, "--no-daily-quota"),
        (no_approval_above, approval_above, "--no-approval-above"),
    ]:
        if flag and value is not None:
            raise click.UsageError(f"{name} contradicts the limit given with it")
    expiry = _expiry(expires_in_days, expires_at)
    with _sessions()() as session:
        try:
            key = set_limits(
                session,
                prefix,
                scopes=scopes or None,
                expires_at=_change(expiry, no_expiry, UNCHANGED),
                daily_quota_tonnes=_change(daily_quota, no_daily_quota, UNCHANGED),
                approval_above_tonnes=_change(approval_above, no_approval_above, UNCHANGED),
            )
        except NotFound as err:
            raise click.ClickException(err.message) from err
        except ValueError as err:
            raise click.UsageError(str(err)) from err
        click.echo(f"{key.prefix}  {_limits(key)}")


@keys.command("revoke")
@click.argument("prefix")
def keys_revoke(prefix: str) -> None:
    """Revoke the key with this prefix."""
    from bridge.services.errors import NotFound
    from bridge.services.operators import revoke_key

    with _sessions()() as session:
        try:
            key = revoke_key(session, prefix)
        except NotFound as err:
            raise click.ClickException(err.message) from err
        click.echo(f"revoked {key.prefix} at {key.revoked_at:%Y-%m-%d %H:%M:%S}")


@keys.command("list")
def keys_list() -> None:
    """List keys (never the secrets) with their limits."""
    from bridge.services.operators import is_expired, list_keys

    with _sessions()() as session:
        for key in list_keys(session):
            state = "revoked" if key.revoked_at else "expired" if is_expired(key) else "active"
            names = ",".join(Registry(r).name.lower() for r in sorted(key.registry_ids))
            click.echo(f"{key.prefix}  {key.operator.name:20} {state:8} {names}  {_limits(key)}")


@main.group()
def alerts() -> None:
    """What the bridge noticed on-chain that none of its records explains."""


@alerts.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only alerts not acknowledged yet.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
def alerts_list(open_only: bool, limit: int) -> None:
    """Newest first."""
    from bridge.services import alerts as service

    with _sessions()() as session:
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
    with _sessions()() as session:
        try:
            done = service.acknowledge(session, list(alert_ids), by=by, note=note)
        except BridgeError as err:
            raise click.ClickException(err.message) from err
    for a in done:
        click.echo(f"acknowledged alert {a.id} ({a.kind}) as {by}")


@main.command()
def reconcile() -> None:
    """Compare locked tonnes with on-chain supply per vintage, at one block, and list open alerts.

    Exit 0 when balanced with no open alert, 1 on any mismatch (or a supply on a vintage the bridge does
    not know) or open alert, 2 when the chain cannot be read (and nothing else is wrong).
    """
    from bridge.chain.contracts import Chain
    from bridge.services import alerts as alert_service
    from bridge.services import reserves

    def t(wei: int | None) -> str:
        return "unreadable" if wei is None else f"{wei / 10**18:g}"

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    with _sessions()() as session:
        result = reserves.compute(session, chain)
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


@main.command("audit-duplicates")
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


def _run_until_interrupted(target) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(timeout=0.5)
    except KeyboardInterrupt:
        stop.set()
        thread.join(timeout=10)


main.add_command(admin)


if __name__ == "__main__":
    main()
