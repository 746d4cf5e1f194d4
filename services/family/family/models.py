"""Tables of the ``family`` database: families, their adults and children, and account links.

Health information sits in its own table, ``child_health``, so that it is read only where it
is asked for (restricted data); agent reads of it are recorded in ``health_reads``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables
from chassis.throttle import ThrottleColumns
from chassis.types import UtcDateTime


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class Family(Base):
    """A household known to SimpliCité, by the identifier printed on its invoices."""

    __tablename__ = "families"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    quotient_familial: Mapped[int | None] = mapped_column(Integer)
    quotient_valid_from: Mapped[date | None] = mapped_column(Date)
    resident: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    consent_photos: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    consent_outings: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    adults: Mapped[list[Adult]] = relationship(
        back_populates="family", order_by="Adult.position", cascade="all, delete-orphan"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="family",
        order_by="(Child.birth_date, Child.id)",
        cascade="all, delete-orphan",
    )


class Adult(Base):
    """A responsible adult; a family has one or two (``position`` 1 or 2)."""

    __tablename__ = "adults"
    __table_args__ = (UniqueConstraint("family_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    kinship: Mapped[str] = mapped_column(String(20))  # contracts.family.RELATIONSHIPS
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30))
    custody: Mapped[str] = mapped_column(  # contracts.family_dossier.CUSTODY
        String(20), default="exercee", server_default="exercee"
    )

    family: Mapped[Family] = relationship(back_populates="adults")


class Child(Base):
    """A child of the family; ``school`` and ``class_name`` are set once schooled."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    school: Mapped[str | None] = mapped_column(String(100))
    class_name: Mapped[str | None] = mapped_column(String(20))

    family: Mapped[Family] = relationship(back_populates="children")


class ChildHealth(Base):
    """Restricted: a child's allergies, PAI (projet d'accueil individualisé) and doctor."""

    __tablename__ = "child_health"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    allergies: Mapped[str] = mapped_column(Text)
    pai: Mapped[bool] = mapped_column(Boolean)
    doctor: Mapped[str] = mapped_column(String(200))


class HealthRead(Base):
    """One read of a family's health information by an agent (who, when)."""

    __tablename__ = "health_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    agent_account_id: Mapped[str] = mapped_column(String(64))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FamilyLink(Base):
    """An account allowed into a family's space (both parents may link; a parent two families)."""

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("family_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())

    family: Mapped[Family] = relationship()


class Throttle(ThrottleColumns, Base):
    """Activation attempts counted per account and per family (``family.limits``)."""

    __tablename__ = "throttles"


class ActivitySlot(Base):
    """Places of an activity at a place (a school, an age group) on a day: the capacity counter.

    ``booked`` only moves under this row's lock, and the database refuses ``booked`` above
    ``capacity``: no overbooking, whatever the code above does.
    """

    __tablename__ = "activity_slots"
    __table_args__ = (
        UniqueConstraint("activity", "place", "day"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="places_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(30))
    place: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class ChildActivityDay:
    """Columns of a row about one child at one activity, place and day (once per day)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    activity: Mapped[str] = mapped_column(String(30))
    place: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)


class Booking(ChildActivityDay, Base):
    """A day of an activity booked for a child."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("child_id", "activity", "day"),)

    booked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WaitingEntry(Base):
    """A request that found no place: one day, or a whole week at the centre de loisirs.

    Its ``id`` is taken while the places are locked, so ids order the requests of a full
    slot in the order they reached it (arrival order). ``status``: waiting, promoted,
    withdrawn.
    """

    __tablename__ = "waiting_entries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    activity: Mapped[str] = mapped_column(String(30))
    place: Mapped[str] = mapped_column(String(100))
    days: Mapped[list[date]] = mapped_column(ARRAY(Date))
    status: Mapped[str] = mapped_column(String(10), index=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Absence(Base):
    """A booked day the child will miss, declared after its deadline (still billed unless
    ``justified``, by a medical certificate an agent saw)."""

    __tablename__ = "absences"
    __table_args__ = (UniqueConstraint("child_id", "activity", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    activity: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)
    justified: Mapped[bool] = mapped_column(Boolean)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))
    """Why an agent justified it (``justified`` by an agent only)."""
    justified_by: Mapped[str | None] = mapped_column(String(64))
    justified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    certificate_name: Mapped[str | None] = mapped_column(String(255))
    certificate_type: Mapped[str | None] = mapped_column(String(50))
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The medical certificate as the agent received it (a PDF, or an image re-encoded)."""


class ClosureDay(Base):
    """A day the town closes every activity (a "pont", a strike): nothing is booked on it."""

    __tablename__ = "closure_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    closed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SchoolYearOpening(Base):
    """A school year the office opened (the rollover) and, later, published to families."""

    __tablename__ = "school_year_openings"

    school_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CalendarFeed(Base):
    """The secret of a child's private ``.ics`` feed; a new secret revokes the previous one."""

    __tablename__ = "calendar_feeds"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UnbookedPresence(ChildActivityDay, Base):
    """A child an agent saw at an activity on a day it was not booked for (billed as such)."""

    __tablename__ = "unbooked_presences"
    __table_args__ = (UniqueConstraint("child_id", "activity", "day"),)

    agent_account_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
