"""Tables of the crèche and school pre-registrations and the steps of their status."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chassis.types import UtcDateTime
from family.models import Base


class Preregistration(Base):
    """A child pre-registered in a crèche (ranked choices) or in the sector school.

    Its reference (``CRE-2027-000012``) is made of its kind, year and id
    (:func:`family.preregistration.reference`)."""

    __tablename__ = "preregistrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # creche | ecole
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    child_first_name: Mapped[str] = mapped_column(String(100))
    child_last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    expected_birth_date: Mapped[date | None] = mapped_column(Date)
    desired_start: Mapped[date | None] = mapped_column(Date)
    days_per_week: Mapped[int | None] = mapped_column(Integer)
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    creches: Mapped[list] = mapped_column(JSONB, default=list)
    school: Mapped[str | None] = mapped_column(String(60))
    level: Mapped[str | None] = mapped_column(String(5))
    school_year: Mapped[str | None] = mapped_column(String(9))
    status: Mapped[str] = mapped_column(String(20), index=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())

    steps: Mapped[list[PreregistrationStep]] = relationship(
        order_by="PreregistrationStep.id", cascade="all, delete-orphan"
    )


class PreregistrationStep(Base):
    """One status a pre-registration went through, with the agent's comment to the family."""

    __tablename__ = "preregistration_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    preregistration_id: Mapped[int] = mapped_column(
        ForeignKey("preregistrations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
