"""Tables of the ``family`` database: families, their adults and children, and account links.

Health information sits in its own table, ``child_health``, so that it is read only where it
is asked for (restricted data); agent reads of it are recorded in ``health_reads``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
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
