"""Running the bridge: migrate, serve, and its workers as their own processes (listen, guard, send)."""

from __future__ import annotations

import logging

import click

from bridge.cli.common import run_until_interrupted, sessions
from bridge.config import get_settings


@click.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    # Before the import: Alembic logs its plugins at INFO as it loads.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bridge.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    click.echo(f"migrated {settings.database_url.split('@')[-1]}")


@click.command()
@click.option("--host", default=None, help="Default: BRIDGE_API_HOST.")
@click.option("--port", type=int, default=None, help="Default: BRIDGE_API_PORT.")
@click.option("--no-workers", is_flag=True, help="API only: run no sender or listener here.")
@click.option(
    "--processes",
    type=click.IntRange(1),
    default=1,
    help="API processes behind the one port (PostgreSQL and --no-workers only).",
)
def serve(host: str | None, port: int | None, no_workers: bool, processes: int) -> None:
    """Run the HTTP API, with the outbox sender and event listener unless --no-workers."""
    from bridge.api.server import ServeError, run

    settings = get_settings()
    if no_workers:
        settings = settings.model_copy(update={"run_workers": False})
    try:
        run(settings, host=host or settings.api_host, port=port or settings.api_port, processes=processes)
    except ServeError as err:
        raise click.ClickException(str(err)) from err


@click.command()
def listen() -> None:
    """Run only the event listener (one per database)."""
    from bridge.chain.contracts import Chain
    from bridge.listener.listener import Listener

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    listener = Listener(
        sessions(),
        chain,
        confirmations=settings.confirmations,
        block_batch=settings.block_batch,
        poll_interval=settings.poll_interval,
    )
    run_until_interrupted(listener.run)


@click.command()
def guard() -> None:
    """Run only the guardian: pause minting on-chain when an alert is stored (BRIDGE_GUARDIAN_KEY)."""
    from bridge.chain.contracts import Chain
    from bridge.workers import make_guardian

    settings = get_settings()
    chain = Chain.from_settings(settings, with_signer=False)
    chain.check_network()
    guardian = make_guardian(settings, sessions(), chain)
    if guardian is None:
        raise click.UsageError("BRIDGE_GUARDIAN_KEY is not set")
    run_until_interrupted(guardian.run)


@click.command()
def send() -> None:
    """Run only the outbox senders (the minter's, and the registrar's when BRIDGE_REGISTRAR_KEY is set)."""
    from bridge.chain.contracts import Chain
    from bridge.workers import run_senders

    settings = get_settings()
    chain = Chain.from_settings(settings)
    chain.check_network()
    run_until_interrupted(run_senders(settings, sessions(), chain))


COMMANDS = [migrate, serve, listen, guard, send]
