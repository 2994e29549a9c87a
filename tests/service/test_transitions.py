"""Each state machine refuses a move it does not allow and changes nothing; the database refuses a
state no machine has, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bridge.db import transitions
from bridge.db.migrate import upgrade
from bridge.db.models import (
    AuditEvent,
    Operator,
    OutboxItem,
    Project,
    Redemption,
    Retirement,
    SerialRange,
    Tokenization,
    Vintage,
)
from bridge.db.transitions import IllegalTransition
from bridge.states import OutboxStatus, RangeState, RedemptionStatus, RetirementStatus, TokenizationStatus
from tests.support.postgres import fresh_database


def _rows(session: Session) -> dict[str, Any]:
    """One row of every entity with a state, each in its first state."""
    operator = Operator(name="desk")
    project = Project(registry_id=1, project_id="1340", category=1)
    vintage = Vintage(
        project=project, vintage_start=date(2020, 1, 1), vintage_end=date(2020, 12, 31), key="0xk"
    )
    session.add_all([operator, vintage])
    session.flush()
    tokenization = Tokenization(
        id="tok-1", operator_id=operator.id, idempotency_key="k", request_hash="h", registry_id=1,
        serial="s", issuance="i", block_start=1, block_end=2, quantity=2, vintage=vintage,
        beneficiary="0x00", lock_id="0xlock", serial_hash="0xhash",
    )  # fmt: skip
    session.add(tokenization)
    session.flush()
    held = SerialRange(
        registry_id=1, space="VCU", issuance="i", block_start=1, block_end=2, serial="s",
        state=RangeState.PENDING, vintage_pk=vintage.id, tokenization_id=tokenization.id,
    )  # fmt: skip
    burn = {
        "tx_hash": "0xtx",
        "block_number": 10,
        "block_hash": "0xb",
        "holder": "0xh",
        "vintage_pk": vintage.id,
    }
    retirement = Retirement(
        chain_key="0xtx:0", log_index=0, beneficiary="0xb", beneficiary_name="B", reason=0, reason_text="",
        amount_wei=0, certificate_id=1, **burn,
    )  # fmt: skip
    redemption = Redemption(chain_key="0xtx:1", log_index=1, amount_wei=0, registry_account="a", **burn)
    item = OutboxItem(kind="mint", payload="{}", tokenization_id=tokenization.id)
    session.add_all([held, retirement, redemption, item])
    session.commit()
    return {
        "tokenization": tokenization,
        "range": held,
        "retirement": retirement,
        "redemption": redemption,
        "outbox": item,
    }


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'transitions.db'}"
    upgrade(url)
    engine = create_engine(url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


Move = Callable[[Session, Any], None]

#: (entity, how it gets to a state, the illegal move from there, the state it must keep)
ILLEGAL: list[tuple[str, list[Move], Move, str]] = [
    (
        "tokenization",
        [],
        lambda s, t: transitions.move_tokenization(
            s, t, TokenizationStatus.AWAITING_APPROVAL, actor="t", action="x"
        ),
        TokenizationStatus.PENDING,
    ),
    (
        "tokenization",
        [lambda s, t: transitions.move_tokenization(s, t, TokenizationStatus.MINTED, actor="t", action="x")],
        lambda s, t: transitions.move_tokenization(s, t, TokenizationStatus.CANCELLED, actor="t", action="x"),
        TokenizationStatus.MINTED,
    ),
    (
        "range",
        [],
        lambda s, r: transitions.move_range(s, r, RangeState.RETIRED, actor="t"),  # never minted
        RangeState.PENDING,
    ),
    (
        "range",
        [
            lambda s, r: transitions.move_range(s, r, RangeState.LOCKED, actor="t"),
            lambda s, r: transitions.move_range(s, r, RangeState.RETIRED, actor="t"),
        ],
        lambda s, r: transitions.move_range(s, r, RangeState.LOCKED, actor="t"),
        RangeState.RETIRED,
    ),
    (
        "retirement",
        [],
        # confirmed without confirming first
        lambda s, r: transitions.move_retirement(s, r, RetirementStatus.CONFIRMED, actor="t"),
        RetirementStatus.PENDING_REGISTRY,
    ),
    (
        "redemption",
        [lambda s, r: transitions.move_redemption(s, r, RedemptionStatus.RELEASED, actor="t")],
        lambda s, r: transitions.move_redemption(s, r, RedemptionStatus.PENDING_TRANSFER, actor="t"),
        RedemptionStatus.RELEASED,
    ),
    (
        "outbox",
        [],
        lambda s, i: transitions.move_outbox(s, i, OutboxStatus.MINED, actor="t"),  # never sent
        OutboxStatus.QUEUED,
    ),
    (
        "outbox",
        [lambda s, i: transitions.move_outbox(s, i, OutboxStatus.FAILED, actor="t", last_error="e")],
        lambda s, i: transitions.move_outbox(s, i, OutboxStatus.QUEUED, actor="t", last_error="again"),
        OutboxStatus.FAILED,
    ),
]


@pytest.mark.parametrize(
    ("entity", "before", "illegal", "kept"), ILLEGAL, ids=[f"{e}-{kept}" for e, _, _, kept in ILLEGAL]
)
def test_each_machine_refuses_a_move_it_does_not_allow_and_changes_nothing(
    sessions: sessionmaker[Session], entity: str, before: list[Move], illegal: Move, kept: str
) -> None:
    with sessions() as session:
        row = _rows(session)[entity]
        for move in before:
            move(session, row)
        session.commit()
        audited = _audit_count(session)
        fields = {c.key: getattr(row, c.key) for c in row.__table__.columns}
        with pytest.raises(IllegalTransition, match=f"{kept} -> "):
            illegal(session, row)
        assert {c.key: getattr(row, c.key) for c in row.__table__.columns} == fields
        assert _audit_count(session) == audited
        session.commit()
        session.expire_all()
        assert getattr(row, "state" if entity == "range" else "status") == kept


def test_every_state_of_every_machine_has_its_moves_and_finished_states_have_none() -> None:
    for moves, states in [
        (transitions.OUTBOX_MOVES, OutboxStatus),
        (transitions.TOKENIZATION_MOVES, TokenizationStatus),
        (transitions.RANGE_MOVES, RangeState),
        (transitions.RETIREMENT_MOVES, RetirementStatus),
        (transitions.REDEMPTION_MOVES, RedemptionStatus),
    ]:
        assert set(moves) == set(states), states
        assert all(target in states for targets in moves.values() for target in targets)
    for finished in (TokenizationStatus.MINTED, TokenizationStatus.FAILED, TokenizationStatus.CANCELLED):
        assert not transitions.TOKENIZATION_MOVES[finished]


def test_a_move_writes_its_audit_row_under_the_name_the_caller_gives(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        rows = _rows(session)
        transitions.move_retirement(
            session,
            rows["retirement"],
            RetirementStatus.CONFIRMING,
            actor="Verra desk",
            action="retirement.confirmed",
            registry_reference="VCS-1",
        )
        transitions.move_range(session, rows["range"], RangeState.LOCKED, actor="sender")
        session.commit()
        events = {e.action: e for e in session.scalars(select(AuditEvent))}
    assert set(events) == {"retirement.confirmed", "range.locked"}
    assert events["retirement.confirmed"].actor == "Verra desk"
    assert '"previous_status": "pending_registry"' in events["retirement.confirmed"].detail
    assert '"registry_reference": "VCS-1"' in events["retirement.confirmed"].detail


def _assert_the_database_refuses_a_state_no_machine_has(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        rows = _rows(session)
    for entity, row in rows.items():
        column = "state" if entity == "range" else "status"
        with sessions() as session:
            session.add(row)
            setattr(row, column, "settled")  # past every transition: only the database can refuse it
            with pytest.raises(IntegrityError, match=f"ck_{row.__tablename__}_{column}"):
                session.commit()


def test_sqlite_refuses_a_state_no_machine_has(sessions: sessionmaker[Session]) -> None:
    _assert_the_database_refuses_a_state_no_machine_has(sessions)


def test_postgresql_refuses_a_state_no_machine_has() -> None:
    with fresh_database("bridge_transitions") as url:
        upgrade(url)
        engine = create_engine(url)
        try:
            _assert_the_database_refuses_a_state_no_machine_has(sessionmaker(engine, expire_on_commit=False))
        finally:
            engine.dispose()
