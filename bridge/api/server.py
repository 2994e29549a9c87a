"""Serving the API as one process or as several behind one port (`carbon-bridge serve --processes N`).

Several processes are uvicorn's own workers: one socket bound by the parent, N children accepting on
it, each building its app with `app_factory` from the same `BRIDGE_*` environment. They share nothing
but the database, so they need one that several processes can write at once (PostgreSQL; SQLite
serialises writers inside one process only, see `bridge.db.session`), and they run no sender or
listener: N senders under one name would fight over one lease, N listeners over one cursor. Those run
as their own processes (`carbon-bridge send`, `carbon-bridge listen`).
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from fastapi import FastAPI

from bridge.api.main import create_app
from bridge.chain.contracts import Chain
from bridge.config import Settings
from bridge.db.session import make_engine, make_session_factory

#: What `app_factory` is imported as in each worker process.
APP_FACTORY = "bridge.api.server:app_factory"
#: Seconds a worker may take to answer the parent's health ping before it is killed and replaced.
#: uvicorn's default of 5 s killed busy workers mid-request on a loaded 2-core machine (make bench).
WORKER_HEALTHCHECK_SECONDS = 60


class ServeError(ValueError):
    """`serve` was asked for a layout that cannot work; the message names the setting to change."""


def app_factory() -> FastAPI:
    """The app of one API process, from the environment: settings, its own engine, the chain."""
    settings = Settings()
    chain = Chain.from_settings(settings, with_signer=settings.run_workers)
    chain.check_network()
    return create_app(settings, make_session_factory(make_engine(settings.database_url)), chain)


def check_layout(settings: Settings, processes: int) -> None:
    """Refuses what N API processes cannot do, before any socket is bound."""
    if processes < 1:
        raise ServeError(f"--processes must be at least 1, not {processes}")
    if processes == 1:
        return
    if settings.database_url.startswith("sqlite"):
        raise ServeError(
            f"--processes {processes} needs PostgreSQL: SQLite takes one writer at a time and only one "
            "process queues its writers (BRIDGE_DATABASE_URL is a sqlite URL); serve SQLite as one process"
        )
    if settings.run_workers:
        raise ServeError(
            f"--processes {processes} runs the API only: pass --no-workers and run `carbon-bridge send` "
            "and `carbon-bridge listen` as their own processes (N senders and listeners would share one "
            "lease and one cursor)"
        )


def run(settings: Settings, *, host: str, port: int, processes: int = 1, log_level: str = "info") -> None:
    """Serves the API on `host:port` with `processes` processes (1: this one, with `settings` as given).

    With more, every worker reads its settings from the environment, as this process did: `settings`
    may differ from it only in `run_workers` (what `--no-workers` changes), which is passed on.
    """
    check_layout(settings, processes)
    if processes == 1:
        chain = Chain.from_settings(settings, with_signer=settings.run_workers)
        chain.check_network()
        app = create_app(settings, make_session_factory(make_engine(settings.database_url)), chain)
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    os.environ["BRIDGE_RUN_WORKERS"] = "true" if settings.run_workers else "false"
    if Settings() != settings:
        raise ServeError(
            "--processes > 1 takes its settings from BRIDGE_* environment variables only, and these "
            "settings differ from them"
        )
    # Fail here, once, rather than in each worker: the deployment record and the chain must agree.
    Chain.from_settings(settings, with_signer=False).check_network()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=processes,
        log_level=log_level,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def main() -> None:
    """`python -m bridge.api.server`: the API only (no sender, no listener), from the environment."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default=None, help="Default: BRIDGE_API_HOST.")
    parser.add_argument("--port", type=int, default=None, help="Default: BRIDGE_API_PORT.")
    parser.add_argument("--processes", type=int, default=1, help="API processes behind the one port.")
    args = parser.parse_args()
    settings = Settings().model_copy(update={"run_workers": False})
    try:
        run(
            settings,
            host=args.host or settings.api_host,
            port=args.port or settings.api_port,
            processes=args.processes,
        )
    except ServeError as err:
        parser.exit(2, f"error: {err}\n")


if __name__ == "__main__":
    main()
