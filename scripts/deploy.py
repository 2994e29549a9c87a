"""Deploy the bridge contracts: `ape run deploy --network <ecosystem:network:provider> --account <alias>`.

Writes `deployments/<ecosystem>-<network>.json`. If that file names a set that exists on the connected
chain, nothing is deployed unless `--force` is given.

Off a local Anvil (Ape's local network on chain 31337; an Anvil on another chain id counts as live) every
role holder must be named, and no address may hold two of minter, registrar, guardian and admin.
"""

from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option

from bridge.deployment import (
    LIVE_ADMIN_DELAY,
    LIVE_TIMELOCK_DELAY,
    LIVE_VINTAGE_DELAY,
    LOCAL_ADMIN_DELAY,
    LOCAL_MINT_LIMITS,
    LOCAL_TIMELOCK_DELAY,
    LOCAL_VINTAGE_DELAY,
    MINIMUM_RETIREMENT,
    ROLE_HOLDERS,
    build_hash,
    deploy_all,
    deployment_path,
    is_current,
    is_live,
    is_local_chain,
    load_record,
    parse_minimum_retirement,
    shared_holders,
    write_record,
)


def _mint_limits(ctx, param, value):
    if value is None:
        return LOCAL_MINT_LIMITS
    try:
        total, per_vintage, window = (int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("expected TOTAL,PER_VINTAGE,WINDOW (whole tonnes, seconds)") from None
    if not (0 <= total < 2**48 and 0 <= per_vintage < 2**48 and 0 < window < 2**32):
        raise click.BadParameter("tonnes must fit 48 bits and the window 32 bits (at least 1 s)")
    return total, per_vintage, window


def _minimum_retirement(ctx, param, value):
    if value is None:
        return MINIMUM_RETIREMENT
    try:
        return parse_minimum_retirement(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--minter", help="Mints and creates vintages: the bridge service's account.")
@click.option("--registrar", help="Confirms registry retirements on certificates.")
@click.option("--guardian", help="Pauses minting, vintage creation and vintage tokens.")
@click.option("--admin", help="Proposes and executes the timelock's admin actions (e.g. a multisig).")
@click.option(
    "--timelock-delay",
    type=click.IntRange(min=0),
    help="Seconds admin actions wait in the timelock. Default: 0 on a local Anvil, else 2 days.",
)
@click.option(
    "--vintage-delay",
    type=click.IntRange(0, 2**32 - 1),
    help="Seconds a new vintage waits before its first mint. Default: 0 on a local Anvil, else 1 h.",
)
@click.option(
    "--mint-limits",
    metavar="TOTAL,PER_VINTAGE,WINDOW",
    callback=_mint_limits,
    help="Tonnes mintable overall and per vintage per WINDOW seconds. Default: 500000,250000,86400.",
)
@click.option(
    "--minimum-retirement",
    metavar="TONNES",
    callback=_minimum_retirement,
    help="The smallest retirement, 0 to 1 t; smaller ones revert. Default: 0.001.",
)
@click.option("--admin-delay", type=int, help="Seconds before an admin transfer takes effect.")
@click.option("--force", is_flag=True, help="Deploy a new set even if the recorded one exists.")
def cli(
    ecosystem,
    network,
    provider,
    account,
    minter,
    registrar,
    guardian,
    admin,
    timelock_delay,
    vintage_delay,
    mint_limits,
    minimum_retirement,
    admin_delay,
    force,
):
    """Deploys the contracts. Role holders default to the deployer on a local Anvil; elsewhere each is
    required, and no address may hold two of them."""
    local = is_local_chain(network.is_local, provider.chain_id)
    given = {"minter": minter, "registrar": registrar, "guardian": guardian, "admin": admin}
    holders = _holders(given, account.address, local, provider.chain_id)
    path = deployment_path(ecosystem.name, network.name)
    shown = _relative(path)
    record = load_record(path)
    build = build_hash(project)
    live = bool(record) and is_live(record, provider.chain_id, provider.get_code)
    if live and not is_current(record, build) and not force:
        if not local:
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

    if timelock_delay is None:
        timelock_delay = LOCAL_TIMELOCK_DELAY if local else LIVE_TIMELOCK_DELAY
    if vintage_delay is None:
        vintage_delay = LOCAL_VINTAGE_DELAY if local else LIVE_VINTAGE_DELAY
    if admin_delay is None:
        admin_delay = LOCAL_ADMIN_DELAY if local else LIVE_ADMIN_DELAY
    deployment = deploy_all(
        project,
        account,
        **holders,
        timelock_delay=timelock_delay,
        admin_delay=admin_delay,
        vintage_delay=vintage_delay,
        mint_limits=mint_limits,
        minimum_retirement=minimum_retirement,
    )
    record = write_record(
        path,
        deployment,
        ecosystem=ecosystem.name,
        network=network.name,
        chain_id=provider.chain_id,
        block=chain.blocks.head.number,
        deployer=account.address,
        build=build,
    )
    click.echo(f"Deployed on {ecosystem.name}:{network.name} (chain {record['chainId']}); wrote {shown}.")
    click.echo(f"  {record['deployTransactions']} transactions, {record['deployGas']:,} gas")
    _show(record)


def _holders(given, deployer, local, chain_id):
    """Each role's account: the deployer by default on a local Anvil; separate ones elsewhere."""
    missing = [f"--{name}" for name in ROLE_HOLDERS if not given[name]]
    if missing and not local:
        raise click.UsageError(f"{', '.join(missing)} required on chain {chain_id} (not a local Anvil)")
    holders = {name: given[name] or deployer for name in ROLE_HOLDERS}
    shared = shared_holders(holders)
    if shared and not local:
        first, second = shared[0]
        raise click.ClickException(
            f"{first} and {second} are both {holders[first]}: on chain {chain_id} (not a local Anvil) "
            "each of minter, registrar, guardian and admin needs an address of its own"
        )
    return holders


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _show(record):
    contracts = record["contracts"]
    for name in ("Timelock", "VintageFactory", "RetirementCertificate", "VintageTokenImplementation"):
        if name in contracts:
            click.echo(f"  {name:28} {contracts[name]}")
    for symbol, address in contracts["pools"].items():
        click.echo(f"  {'CommodityPool ' + symbol:28} {address}")
    roles = record.get("roles", {})
    for name in ROLE_HOLDERS:
        if name in roles:
            click.echo(f"  {name:28} {roles[name]}")
    if roles.get("timelock"):
        click.echo(f"  admin actions wait {record['timelockDelay']} s in the timelock")
