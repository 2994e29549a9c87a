"""`carbon-bridge`: serve the API (with sender and listener), migrate, manage keys, reconcile, audit,
and import a registry's export (`import`)."""

from __future__ import annotations

import logging

import click

from bridge.admin import admin
from bridge.cli import ops, run
from bridge.cli.imports import import_export
from bridge.cli.keys import keys


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """Carbon credit bridge service."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for command in [*run.COMMANDS, keys, *ops.COMMANDS, import_export, admin]:
    main.add_command(command)


if __name__ == "__main__":
    main()
