"""Starts the sender, the listener and (with a guardian key) the guardian as threads of one process.

With `BRIDGE_REGISTRAR_KEY` (another key than the signer's) a second sender signs the registry
confirmations with it, from its own account and nonces, and the minter's sender takes only mints and
vintage creations: the key that mints cannot rewrite certificates, and the other way round.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from eth_account import Account
from sqlalchemy.orm import Session, sessionmaker

from bridge.chain.contracts import Chain
from bridge.config import Settings
from bridge.guardian import Guardian
from bridge.listener.listener import Listener
from bridge.outbox.sender import Sender, no_failpoint

#: What the minter's key signs when the registrar has a sender of its own.
MINTER_KINDS = ("mint", "create_vintage")
REGISTRAR_KINDS = ("confirm_retirement",)


def failpoint_hook(settings: Settings) -> Callable[[str], None]:
    """The sender's failpoint hook: a no-op, unless `BRIDGE_FAILPOINTS` is set (the crash tests);
    only then is `bridge.testing` imported."""
    if not settings.failpoints:
        return no_failpoint
    from bridge.testing.failpoints import Failpoints

    return Failpoints(settings.failpoints)


def _sender(
    settings: Settings,
    sessions: sessionmaker[Session],
    chain: Chain,
    name: str,
    kinds: tuple[str, ...] | None,
) -> Sender:
    return Sender(
        sessions,
        chain,
        name=name,
        confirmations=settings.confirmations,
        poll_interval=min(settings.poll_interval, 0.5),
        receipt_timeout=settings.receipt_timeout,
        lease_seconds=settings.lease_seconds,
        mint_batch=settings.mint_batch,
        pipeline=settings.sender_pipeline,
        kinds=kinds,
        block_batch=settings.block_batch,
        max_fee_per_gas_gwei=settings.max_fee_per_gas_gwei,
        hold_max_seconds=settings.hold_max_seconds,
        failpoint=failpoint_hook(settings),
    )


def registrar_key(settings: Settings, chain: Chain) -> str | None:
    """`BRIDGE_REGISTRAR_KEY`, unless unset or the signer's own key (then one sender does every kind)."""
    if settings.registrar_key is None:
        return None
    key = settings.registrar_key.get_secret_value()
    if chain.account is not None and Account.from_key(key).address == chain.account.address:
        return None
    return key


def make_sender(settings: Settings, sessions: sessionmaker[Session], chain: Chain) -> Sender:
    """The minter's sender: every kind, or only mints and vintage creations beside a registrar's."""
    kinds = MINTER_KINDS if registrar_key(settings, chain) is not None else None
    return _sender(settings, sessions, chain, settings.sender_name, kinds)


def make_registrar_sender(settings: Settings, sessions: sessionmaker[Session], chain: Chain) -> Sender | None:
    """The sender of registry confirmations, signing with the registrar's key; None without one."""
    key = registrar_key(settings, chain)
    if key is None:
        return None
    name = f"{settings.sender_name}-registrar"
    return _sender(settings, sessions, chain.signing_with(key), name, REGISTRAR_KINDS)


def run_senders(
    settings: Settings, sessions: sessionmaker[Session], chain: Chain
) -> Callable[[threading.Event], None]:
    """`carbon-bridge send`'s loop: the minter's sender, and the registrar's beside it in a thread."""
    sender = make_sender(settings, sessions, chain)
    registrar = make_registrar_sender(settings, sessions, chain)

    def run(stop: threading.Event) -> None:
        if registrar is not None:
            threading.Thread(target=registrar.run, args=(stop,), name="registrar", daemon=True).start()
        sender.run(stop)

    return run


def make_guardian(settings: Settings, sessions: sessionmaker[Session], chain: Chain) -> Guardian | None:
    """The guardian, when `BRIDGE_GUARDIAN_KEY` is set (it refuses the signer's own key)."""
    if settings.guardian_key is None:
        return None
    return Guardian(
        sessions,
        chain,
        settings.guardian_key.get_secret_value(),
        poll_interval=settings.poll_interval,
        receipt_timeout=settings.receipt_timeout,
    )


def start_workers(
    settings: Settings, sessions: sessionmaker[Session], chain: Chain, stop: threading.Event
) -> list[threading.Thread]:
    sender = make_sender(settings, sessions, chain)
    listener = Listener(
        sessions,
        chain,
        confirmations=settings.confirmations,
        block_batch=settings.block_batch,
        poll_interval=settings.poll_interval,
    )
    threads = [
        threading.Thread(target=sender.run, args=(stop,), name="sender", daemon=True),
        threading.Thread(target=listener.run, args=(stop,), name="listener", daemon=True),
    ]
    registrar = make_registrar_sender(settings, sessions, chain)
    if registrar is not None:
        threads.append(threading.Thread(target=registrar.run, args=(stop,), name="registrar", daemon=True))
    guardian = make_guardian(settings, sessions, chain)
    if guardian is not None:
        threads.append(threading.Thread(target=guardian.run, args=(stop,), name="guardian", daemon=True))
    for thread in threads:
        thread.start()
    return threads
