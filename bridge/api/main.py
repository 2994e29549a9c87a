"""The FastAPI application; `serve` also runs the sender and listener threads in it."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from requests import RequestException
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from web3.exceptions import Web3Exception

from bridge.api.routes import (
    alerts,
    balances,
    bulk,
    burns,
    catalogue,
    network,
    pools,
    reserves,
    tokenizations,
    web,
)
from bridge.chain.contracts import Chain
from bridge.config import Settings
from bridge.services.errors import BridgeError, ChainUnavailable

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
    app.state.settings = settings
    app.state.chain = chain

    @app.exception_handler(BridgeError)
    async def bridge_error(_: Request, err: BridgeError) -> JSONResponse:
        return JSONResponse(status_code=err.status_code, content={"detail": err.body()})

    @app.exception_handler(Web3Exception)
    @app.exception_handler(RequestException)
    async def chain_error(request: Request, err: Exception) -> JSONResponse:
        # A chain read no service turned into `ChainUnavailable` (the RPC down, a timeout): the chain's
        # fault, not the request's nor ours, so 503 like `ChainUnavailable`, not a bare 500.
        logger.warning("%s %s: the chain cannot be read: %r", request.method, request.url.path, err)
        unavailable = ChainUnavailable(f"the chain cannot be read: {type(err).__name__}: {err}")
        return JSONResponse(status_code=unavailable.status_code, content={"detail": unavailable.body()})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, err: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer, but the input it echoes back must be writable as JSON.
        return JSONResponse(status_code=422, content={"detail": _writable(jsonable_encoder(err.errors()))})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        if err.status_code == 400:  # FastAPI could not read the body (not JSON, not UTF-8)
            body = {"error": "bad_request", "message": str(err.detail), "field": "body"}
            return JSONResponse(status_code=400, content={"detail": body})
        if err.status_code == 405:
            # Starlette's Allow names the methods of the first route on the path only: name them all.
            # A literal path (`/tokenizations/bulk`) is its own resource, not a value of a template
            # beside it (`/tokenizations/{tokenization_id}`): only its methods then.
            paths = app.openapi()["paths"]
            matching = [p for p in paths if p == request.url.path] or [
                p for p in paths if compile_path(p)[0].match(request.url.path)
            ]
            methods = {method.upper() for path in matching for method in paths[path]}
            if methods:
                err.headers = {**(err.headers or {}), "Allow": ", ".join(sorted(methods))}
        return await http_exception_handler(request, err)

    for router in (
        bulk.router,  # before tokenizations: `/tokenizations/bulk` is not a tokenization id
        tokenizations.router,
        catalogue.router,
        burns.router,
        balances.router,
        pools.router,
        reserves.router,
        alerts.router,
        network.router,
        web.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    return app


def _writable(value: Any) -> Any:
    """`value` with what a request may hold but a JSON response cannot, spelled out: a lone surrogate
    (`"\\ud800"` parses, but is not UTF-8) and the `NaN` and `Infinity` Python's JSON reader accepts."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_writable(v) for v in value]
    if isinstance(value, dict):
        return {_writable(k): _writable(v) for k, v in value.items()}
    return value
