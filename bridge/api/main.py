"""The FastAPI application; `serve` also runs the sender and listener threads in it."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from bridge.api.routes import balances, burns, catalogue, reserves, tokenizations
from bridge.chain.contracts import Chain
from bridge.config import Settings
from bridge.services.errors import BridgeError

logger = logging.getLogger(__name__)


def create_app(settings: Settings, sessions: sessionmaker[Session], chain: Chain | None) -> FastAPI:
    stop = threading.Event()
    threads: list[threading.Thread] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.run_workers and chain is not None and chain.account is not None:
            from bridge.workers import start_workers

            threads.extend(start_workers(settings, sessions, chain, stop))
        yield
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    app = FastAPI(
        title="Carbon credit bridge",
        version="0.1.0",
        description="Lock registry serials off-chain, mint vintage tokens on-chain, and follow their burns.",
        lifespan=lifespan,
    )
    app.state.sessions = sessions
    app.state.chain = chain

    @app.exception_handler(BridgeError)
    async def bridge_error(_: Request, err: BridgeError) -> JSONResponse:
        return JSONResponse(status_code=err.status_code, content={"detail": err.body()})

    for router in (tokenizations.router, catalogue.router, burns.router, balances.router, reserves.router):
        app.include_router(router)
    return app
