"""Deploy the bridge contracts: `ape run deploy --network <ecosystem:network:provider> --account <alias>`.

Writes `deployments/<ecosystem>-<network>.json`. If that file names a set that exists on the connected
chain, nothing is deployed unless `--force` is given.
"""

from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option

from bridge.deployment import (
    LIVE_ADMIN_DELAY,
    LOCAL_ADMIN_DELAY,
    build_hash,
    deploy_all,
    deployment_path,
    is_current,
    is_live,
    load_record,
    write_record,
)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--bridge", help="Account of the bridge service (mints, confirms). Default: deployer.")
@click.option("--pauser", help="Account allowed to pause vintage tokens. Default: deployer.")
@click.option("--admin-delay", type=int, help="Seconds before an admin transfer takes effect.")
@click.option("--force", is_flag=True, help="Deploy a new set even if the recorded one exists.")
def cli(ecosystem, network, provider, account, bridge, pauser, admin_delay, force):
    path = deployment_path(ecosystem.name, network.name)
    shown = _relative(path)
    record = load_record(path)
    build = build_hash(project)
    live = bool(record) and is_live(record, provider.chain_id, provider.get_code)
    if live and not is_current(record, build) and not force:
        if not network.is_local:
            raise click.ClickException(
                f"{shown} names live contracts built from other sources; pass --force to deploy a new set."
            )
        click.echo(f"{shown} names contracts built from other sources: deploying a new set.")
    elif live and not force:
        click.echo(f"Already deployed on {ecosystem.name}:{network.name} (chain {record['chainId']}),")
        click.echo(f"at block {record['block']} by {record['deployer']}; see {shown}.")
        click.echo("Nothing deployed. Pass --force to deploy a second set.")
        _show(record)
        return
    elif record and not force:
        click.echo(f"{shown} names contracts that are not on this chain: deploying a new set.")

    bridge = bridge or account.address
    pauser = pauser or account.address
    if admin_delay is None:
        admin_delay = LOCAL_ADMIN_DELAY if network.is_local else LIVE_ADMIN_DELAY
    deployment = deploy_all(project, account, bridge=bridge, pauser=pauser, admin_delay=admin_delay)
    record = write_record(
        path,
        deployment,
        ecosystem=ecosystem.name,
        network=network.name,
        chain_id=provider.chain_id,
        block=chain.blocks.head.number,
        deployer=account.address,
        bridge=bridge,
        pauser=pauser,
        build=build,
    )
    click.echo(f"Deployed on {ecosystem.name}:{network.name} (chain {record['chainId']}); wrote {shown}.")
    _show(record)


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _show(record):
    contracts = record["contracts"]
    for name in ("VintageFactory", "RetirementCertificate", "VintageTokenImplementation"):
        click.echo(f"  {name:28} {contracts[name]}")
    for symbol, address in contracts["pools"].items():
        click.echo(f"  {'CommodityPool ' + symbol:28} {address}")
