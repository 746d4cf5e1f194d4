"""Tables of passport and identity-card appointments: the appointments themselves and the
slots or days agents block (closures). Imported by :mod:`requests_service.models`, so the
service's metadata and migrations hold them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chassis.types import UtcDateTime
from requests_service.models import Base

ACTIVE_CONDITION = "status IN ('reservee', 'presente', 'absente', 'retenue')"
"""The statuses that hold a slot (``appointments_domain.ACTIVE``)."""


class Appointment(Base):
    """One appointment on one desk. Two appointments holding their slot never overlap on a
    desk: the exclusion constraint refuses the second, whatever the timing. A move changes
    the row in place (``sequence`` counts the changes, for the calendar file)."""

    __tablename__ = "appointments"
    __table_args__ = (
        ExcludeConstraint(
            ("desk", "="),
            (func.tstzrange(text("starts_at"), text("ends_at")), "&&"),
            name="appointments_no_overlap",
            using="gist",
            where=text(ACTIVE_CONDITION),
        ),
        Index("ix_appointments_email_kind", "email", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    desk: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    ants_number: Mapped[str] = mapped_column(String(10))
    manage_key: Mapped[str] = mapped_column(String(64))
    booked_by: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    hold_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    """Set on a slot held for someone of the waiting list (status ``retenue``)."""


class AppointmentBlock(Base):
    """A stretch no one may book: one desk's slot, or every desk (``desk`` None) for a
    closure day entered by an agent."""

    __tablename__ = "appointment_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    desk: Mapped[str | None] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WaitingListEntry(Base):
    """Someone who wants an appointment of a type in a week with no free slot left; served
    first come, first served when a slot of that week is freed (``appointment_id``: the slot
    held for them)."""

    __tablename__ = "appointment_waiting_list"
    __table_args__ = (Index("ix_appointment_waiting_list_week", "kind", "week_start", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    week_start: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    appointment_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
