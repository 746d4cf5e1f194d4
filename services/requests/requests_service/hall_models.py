"""Table of salle des fêtes requests; imported by :mod:`requests_service.models`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, LargeBinary, String, Text, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chassis.types import UtcDateTime
from requests_service.models import Base


class HallBooking(Base):
    """A request to rent the salle des fêtes. Two accepted requests never overlap: the
    exclusion constraint refuses the second acceptance, whatever the timing."""

    __tablename__ = "hall_bookings"
    __table_args__ = (
        ExcludeConstraint(
            (func.tstzrange(text("starts_at"), text("ends_at")), "&&"),
            name="hall_bookings_no_overlap",
            using="gist",
            where=text("status = 'acceptee'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(254))
    requester: Mapped[str] = mapped_column(String(200))
    event_kind: Mapped[str] = mapped_column(String(30))
    guests: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resident: Mapped[bool] = mapped_column(Boolean)
    amount_cents: Mapped[int] = mapped_column(Integer)
    deposit_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    insurance_filename: Mapped[str] = mapped_column(String(255))
    insurance_content_type: Mapped[str] = mapped_column(String(100))
    insurance_size: Mapped[int] = mapped_column(Integer)
    insurance_data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
