"""One page of a query: ``fetch_page(session, query, page, size) -> (rows, total)``.

    rows, total = fetch_page(session, select(Report).order_by(Report.id.desc()), page, size)

The query must be ordered (a stable order makes pages that do not overlap); ``total`` counts
every row the query matches, so the caller can say how many pages there are.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def fetch_page(session: Session, query: Select, page: int, size: int) -> tuple[list, int]:
    """Rows ``(page - 1) * size`` to ``page * size`` of ``query``, and how many it matches."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.execute(counted).scalar_one()
    rows = list(session.scalars(query.limit(size).offset((page - 1) * size)))
    return rows, total
