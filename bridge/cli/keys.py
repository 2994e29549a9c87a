"""`carbon-bridge keys`: operator API keys and their limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bridge.catalog import Registry
from bridge.cli.common import sessions

if TYPE_CHECKING:
    from bridge.db.models import ApiKey

#: `operators.SCOPES`, spelled out so that `--help` imports no database code.
KEY_SCOPES = ("tokenize", "approve")

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def keys() -> None:
    """Operator API keys."""


def _expiry_options(command: F) -> F:
    command = click.option(
        "--expires-at", help="When the key stops working: ISO 8601, UTC unless it names a zone."
    )(command)
    return click.option(
        "--expires-in-days", type=click.IntRange(min=1), help="The key stops working after N days."
    )(command)


def _limit_options(command: F) -> F:
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
    with sessions()() as session:
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
    with sessions()() as session:
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

    with sessions()() as session:
        try:
            key = revoke_key(session, prefix)
        except NotFound as err:
            raise click.ClickException(err.message) from err
        click.echo(f"revoked {key.prefix} at {key.revoked_at:%Y-%m-%d %H:%M:%S}")


@keys.command("list")
def keys_list() -> None:
    """List keys (never the secrets) with their limits."""
    from bridge.services.operators import is_expired, list_keys

    with sessions()() as session:
        for key in list_keys(session):
            state = "revoked" if key.revoked_at else "expired" if is_expired(key) else "active"
            names = ",".join(Registry(r).name.lower() for r in sorted(key.registry_ids))
            click.echo(f"{key.prefix}  {key.operator.name:20} {state:8} {names}  {_limits(key)}")
