"""`carbon-bridge`: serve the API (with sender and listener), migrate, manage keys, reconcile, audit."""

from __future__ import annotations

import logging
import sys
import threading

import click

from bridge.catalog import Registry
from bridge.config import get_settings
from bridge.db.session import make_engine, make_session_factory


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
def send() -> None:
    """Run only the outbox sender."""
    from bridge.chain.contracts import Chain
    from bridge.workers import make_sender

    settings = get_settings()
    chain = Chain.from_settings(settings)
    chain.check_network()
    _run_until_interrupted(make_sender(settings, _sessions(), chain).run)


@main.group()
def keys() -> None:
    """Operator API keys."""


@keys.command("create")
@click.option("--operator", required=True, help="Operator name (created if new).")
@click.option("--registries", required=True, help="Comma-separated, e.g. verra,gold_standard.")
def keys_create(operator: str, registries: str) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    from bridge.schemas import parse_registry
    from bridge.services.operators import create_key

    try:
        scope: list[Registry] = [parse_registry(r) for r in registries.split(",") if r.strip()]
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--registries") from err
    with _sessions()() as session:
        key, secret = create_key(session, operator, scope)
    click.echo(f"operator:   {operator}")
    click.echo(f"registries: {', '.join(r.name.lower() for r in scope)}")
    click.echo(f"prefix:     {key.prefix}")
    click.echo(f"api key:    {secret}")


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
    """List keys (never the secrets)."""
    from bridge.services.operators import list_keys

    with _sessions()() as session:
        for key in list_keys(session):
            state = "revoked" if key.revoked_at else "active"
            names = ",".join(Registry(r).name.lower() for r in sorted(key.registry_ids))
            click.echo(f"{key.prefix}  {key.operator.name:20} {state:8} {names}")


@main.command()
def reconcile() -> None:
    """Compare locked tonnes with on-chain supply per vintage, at one block.

    Exit 0 when balanced, 1 on any mismatch (or a supply on a vintage the bridge does not know), 2 when
    the chain cannot be read.
    """
    from bridge.chain.contracts import Chain
    from bridge.services import reserves

    def t(wei: int | None) -> str:
        return "unreadable" if wei is None else f"{wei / 10**18:g}"

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    with _sessions()() as session:
        result = reserves.compute(session, chain)
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
    click.echo(f"{mismatches} mismatches")
    if result.status == "unknown":
        click.echo(f"reserves unknown: the chain cannot be read ({result.chain_error})")
        sys.exit(2)
    sys.exit(1 if mismatches else 0)


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


if __name__ == "__main__":
    main()
