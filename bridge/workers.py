"""Starts the sender and the listener as threads of one process."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from bridge.chain.contracts import Chain
from bridge.chain.sender import Sender
from bridge.config import Settings
from bridge.listener.listener import Listener


def make_sender(settings: Settings, sessions: sessionmaker[Session], chain: Chain) -> Sender:
    return Sender(
        sessions,
        chain,
        name=settings.sender_name,
        confirmations=settings.confirmations,
        poll_interval=min(settings.poll_interval, 0.5),
        receipt_timeout=settings.receipt_timeout,
        lease_seconds=settings.lease_seconds,
        mint_batch=settings.mint_batch,
        pipeline=settings.sender_pipeline,
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
    for thread in threads:
        thread.start()
    return threads
