"""What the commands share: the database session factory, and running a worker until Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bridge.config import get_settings
from bridge.db.session import make_engine, make_session_factory


def sessions() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().database_url))


def run_until_interrupted(target: Callable[[threading.Event], object]) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(timeout=0.5)
    except KeyboardInterrupt:
        stop.set()
        thread.join(timeout=10)
