"""One way to page a list: the window every list endpoint takes (`limit`, `offset`, same defaults and
bounds everywhere) and the query that returns a window of rows with the total they were cut from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Rows per page unless a request asks for another number, and the most it may ask for.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Window:
    """Which rows of a list: `limit` of them from the `offset`-th (0-based)."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0


def paginate(session: Session, query: Select[T], window: Window, *order_by: Any) -> tuple[list[T], int]:
    """The rows of `query` in `window`, sorted by `order_by` (give a unique key last, so that pages
    neither repeat nor skip a row), and how many rows the query has in all."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(*order_by).offset(window.offset).limit(window.limit))
    return list(rows), total
