"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _serialise_sqlite_writes(engine)
        return engine
    # Few connections per process: API, senders and listener all share one server.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _serialise_sqlite_writes(engine: Engine) -> None:
    """Every SQLite transaction takes the write lock at BEGIN (BEGIN IMMEDIATE).

    A deferred transaction that reads (the overlap check) and then writes fails with SQLITE_BUSY
    when another writer got in between; taking the lock first serialises use cases instead, which
    is what the embedded default needs. PostgreSQL uses row and advisory locks.

    Threads of one process queue on a mutex before BEGIN, and the mutex is released only once
    COMMIT or ROLLBACK has run. SQLite's own busy handler makes waiters sleep up to 100 ms between
    tries, so with many API threads the lock sat idle most of the time (profiled under `make bench`);
    the mutex hands it straight to the next thread. Other processes still wait in the busy handler.
    """
    writer = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writer.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        connection.info[_HOLDS_WRITER] = True

    # The commit and rollback events run before SQLAlchemy ends the transaction: end it here, so the
    # next thread finds SQLite's lock free (the driver's own commit is then a no-op).
    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        _end(connection, "COMMIT")

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        _end(connection, "ROLLBACK")

    # A connection that is closed or invalidated mid-transaction (the process's SQLite state is
    # rolled back by the driver) must not keep the mutex.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_HOLDS_WRITER, False):
            writer.release()

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        _on_checkin(None, record)

    def _end(connection: Connection, statement: str) -> None:
        try:
            if connection.connection.dbapi_connection is not None and _in_transaction(connection):
                connection.exec_driver_sql(statement)
        finally:
            if connection.info.pop(_HOLDS_WRITER, False):
                writer.release()


_HOLDS_WRITER = "bridge_holds_sqlite_writer"


def _in_transaction(connection: Connection) -> bool:
    return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]
