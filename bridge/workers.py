"""Starts the sender and the listener as threads of one process."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from bridge.chain.contracts import Chain
from bridge.chain.sender import Sender
from bridge.config import Settings
from bridge.listener.listener import Listener


def start_workers(
    settings: Settings, sessions: sessionmaker[Session], chain: Chain, stop: threading.Event
) -> list[threading.Thread]:
    sender = Sender(sessions, chain, receipt_timeout=settings.receipt_timeout)
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
