"""`carbon-bridge admin`: the admin's powers, which run only through the timelock.

Each command schedules one timelock operation signed with the admin's key (`BRIDGE_ADMIN_KEY`; Anvil's
key #0 on a local Anvil) and, when the timelock's delay has passed (at once with the local delay of 0),
executes it. With a delay, run the same command again with `--execute SALT` once the delay is over:
the first run prints the salt and when the operation becomes ready.
"""

from __future__ import annotations

import os
import time
from typing import Any

import click
from eth_account import Account
from web3 import Web3

from bridge.chain.contracts import Chain, abi, decode_revert, load_deployment
from bridge.config import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, get_settings
from bridge.deployment import parse_minimum_retirement
from bridge.units import to_hex

NO_PREDECESSOR = b"\0" * 32


def _admin_key(chain_id: int) -> str:
    key = os.environ.get("BRIDGE_ADMIN_KEY")
    if key:
        return key
    if chain_id == ANVIL_CHAIN_ID:
        return ANVIL_DEV_KEYS[0]
    raise click.ClickException(f"BRIDGE_ADMIN_KEY is required on chain {chain_id}")


def _run(chain: Chain, action: str, target: Any, calldata: str, execute: str | None) -> None:
    w3 = chain.w3
    address = chain.deployment["contracts"].get("Timelock")
    if not address:
        raise click.ClickException("this deployment has no timelock: the admin acts directly")
    timelock = w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi("BridgeTimelock"))
    admin = Account.from_key(_admin_key(chain.chain_id))
    salt = bytes.fromhex(execute[2:]) if execute else os.urandom(32)
    operation = (target.address, 0, bytes.fromhex(calldata[2:]), NO_PREDECESSOR, salt)

    def send(call: Any) -> None:
        try:
            tx = call.build_transaction(
                {"from": admin.address, "nonce": w3.eth.get_transaction_count(admin.address)}
            )
        except Exception as err:  # a revert while estimating: show our custom error by name
            data = getattr(err, "data", None)
            raise click.ClickException(f"{action}: {decode_revert(data) or err}") from err
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(admin.sign_transaction(tx).raw_transaction)
        )
        if receipt["status"] != 1:
            raise click.ClickException(f"{action}: transaction {to_hex(receipt['transactionHash'])} reverted")

    if execute is None:
        delay = int(timelock.functions.getMinDelay().call())
        send(timelock.functions.schedule(*operation, delay))
        click.echo(f"scheduled: {action} (salt {to_hex(salt)}, ready in {delay} s)")
        if delay > 0:
            ready = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() + delay))
            click.echo(f"run again with --execute {to_hex(salt)} after {ready}")
            return
    send(timelock.functions.execute(*operation))
    click.echo(f"executed: {action}")


def _chain() -> Chain:
    settings = get_settings()
    return Chain(settings.rpc_url, load_deployment(settings.deployment_file))


EXECUTE = click.option("--execute", metavar="SALT", help="Execute the operation scheduled with this salt.")


@click.group()
def admin() -> None:
    """The admin's actions, through the timelock (after an investigation)."""


@admin.command("unpause")
@EXECUTE
def unpause(execute: str | None) -> None:
    """Resume minting and vintage creation (the guardian paused them)."""
    chain = _chain()
    factory = chain.factory
    _run(chain, "unpause the factory", factory, factory.encode_abi("unpause", []), execute)


@admin.command("revoke-minter")
@click.argument("account")
@EXECUTE
def revoke_minter(account: str, execute: str | None) -> None:
    """Take the minter role from ACCOUNT (a stolen key)."""
    chain = _chain()
    factory = chain.factory
    role = factory.functions.MINTER_ROLE().call()
    calldata = factory.encode_abi("revokeRole", [role, Web3.to_checksum_address(account)])
    _run(chain, f"revoke MINTER_ROLE from {account}", factory, calldata, execute)


@admin.command("grant-minter")
@click.argument("account")
@EXECUTE
def grant_minter(account: str, execute: str | None) -> None:
    """Give the minter role to ACCOUNT (the bridge's new key)."""
    chain = _chain()
    factory = chain.factory
    role = factory.functions.MINTER_ROLE().call()
    calldata = factory.encode_abi("grantRole", [role, Web3.to_checksum_address(account)])
    _run(chain, f"grant MINTER_ROLE to {account}", factory, calldata, execute)


@admin.command("minimum-retirement")
@click.argument("tonnes")
@EXECUTE
def minimum_retirement(tonnes: str, execute: str | None) -> None:
    """Set the smallest retirement to TONNES (0 to 1, e.g. 0.001); smaller ones revert on-chain."""
    try:
        amount = parse_minimum_retirement(tonnes)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="TONNES") from None
    chain = _chain()
    certificate = chain.certificate
    calldata = certificate.encode_abi("setMinimumRetirement", [amount])
    _run(chain, f"set the minimum retirement to {tonnes} t", certificate, calldata, execute)
