"""Statements of the attendance path, built once with bound parameters.

Every parent's change of a day runs them (thousands at once when places open, bench/rush.py).
Building a SQLAlchemy statement and computing its cache key again on each call was a visible
share of the family service's CPU; a statement built at import is immutable, keeps its cache
key, and is executed with the values of the call::

    session.scalars(queries.BOOKED_DAYS, {"child_id": 12, "activity": "restauration_scolaire"})
"""

from __future__ import annotations

from sqlalchemy import ARRAY, Date, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert

from family.models import (
    ActivitySlot,
    Booking,
    Child,
    ClosureDay,
    Family,
    FamilyLink,
    SchoolYearOpening,
    WaitingEntry,
)

WAITING = "waiting"

_ACCOUNTS = (
    select(func.array_agg(aggregate_order_by(FamilyLink.account_id, FamilyLink.linked_at)))
    .where(FamilyLink.family_id == Family.id)
    .scalar_subquery()
)
_UNPUBLISHED = (
    select(func.array_agg(SchoolYearOpening.school_year))
    .where(SchoolYearOpening.published_at.is_(None))
    .scalar_subquery()
)
CHILD_ACCESS = (
    select(Family, Child, _ACCOUNTS, _UNPUBLISHED)
    .outerjoin(Child, and_(Child.family_id == Family.id, Child.id == bindparam("child_id")))
    .where(Family.identifier == bindparam("identifier"))
)
"""The family by ``identifier``, its child ``child_id`` (or None), the accounts linked to
it (oldest link first) and the school years not published yet."""

BOOKED_DAYS = select(Booking).where(
    Booking.child_id == bindparam("child_id"), Booking.activity == bindparam("activity")
)

WAITING_OF_CHILD = (
    select(WaitingEntry)
    .where(
        WaitingEntry.child_id == bindparam("child_id"),
        WaitingEntry.activity == bindparam("activity"),
        WaitingEntry.status == WAITING,
    )
    .order_by(WaitingEntry.id)
)

CLOSED_DAYS = select(ClosureDay).where(
    ClosureDay.day >= bindparam("start"), ClosureDay.day <= bindparam("end")
)

LOCK_SLOTS = (
    select(ActivitySlot)
    .where(
        ActivitySlot.activity == bindparam("activity"),
        tuple_(ActivitySlot.place, ActivitySlot.day).in_(bindparam("pairs", expanding=True)),
    )
    .order_by(ActivitySlot.day, ActivitySlot.place)  # rows are locked in this order
    .with_for_update()
)
"""The counters of ``pairs`` of (place, day), locked in date order."""

_WAITING = WaitingEntry.__table__
_NEW = {  # not named as the columns: an insert keeps those names for its own parameters
    "child_id": bindparam("entry_child_id"),
    "activity": bindparam("entry_activity"),
    "place": bindparam("entry_place"),
    "days": bindparam("entry_days", type_=ARRAY(Date)),
    "requested_at": bindparam("entry_requested_at"),
}
_AHEAD = (
    select(func.count())
    .select_from(_WAITING)
    .where(
        _WAITING.c.activity == _NEW["activity"],
        _WAITING.c.place == _NEW["place"],
        _WAITING.c.status == WAITING,
        _WAITING.c.days.overlap(_NEW["days"]),
    )
    .scalar_subquery()
)
ADD_WAITING = insert(_WAITING).values(status=WAITING, **_NEW).returning(_AHEAD + 1)
"""A waiting entry (parameters ``entry_child_id``, ``entry_activity``, ``entry_place``,
``entry_days``, ``entry_requested_at``), returning its position: 1 + the entries already
waiting for any of its days at that place (a statement does not see the row it inserts)."""
