"""Tables of the ``requests`` database: reports, their history, photos and number counters;
the requests of the other démarches, their history and counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables
from chassis.throttle import ThrottleColumns
from chassis.types import UtcDateTime


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class Report(Base):
    """A problem in a public space, reported by a citizen.

    ``account_id`` is set when the citizen was logged in. Once that account is closed, the
    report keeps no trace of its author: ``email`` is empty and ``account_id`` None.
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    tracking_key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    history: Mapped[list[ReportStatusChange]] = relationship(
        back_populates="report",
        order_by=lambda: (ReportStatusChange.changed_at, ReportStatusChange.id),
        cascade="all, delete-orphan",
    )
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report",
        order_by=lambda: (ReportPhoto.position, ReportPhoto.id),
        cascade="all, delete-orphan",
    )
    followers: Mapped[list[ReportFollower]] = relationship(
        back_populates="report", order_by=lambda: ReportFollower.id, cascade="all, delete-orphan"
    )


class ReportFollower(Base):
    """Someone who chose to follow an open report instead of making the same one again: they
    get its status e-mails. ``account_id`` is set when they were logged in; closing that
    account removes the row."""

    __tablename__ = "report_followers"
    __table_args__ = (UniqueConstraint("report_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    followed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unsubscribe_key: Mapped[str | None] = mapped_column(String(64))
    """The private key of the link in each of the follower's e-mails to stop following."""

    report: Mapped[Report] = relationship(back_populates="followers")


class ReportStatusChange(Base):
    """One step of a report's life, with the comment shown to its author."""

    __tablename__ = "report_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())

    report: Mapped[Report] = relationship(back_populates="history")


class ReportPhoto(Base):
    """One re-encoded JPEG of a report (up to ``contracts.requests.MAX_PHOTOS``, numbered from 1
    by ``position``); its bytes load only when asked for."""

    __tablename__ = "report_photos"
    __table_args__ = (UniqueConstraint("report_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, server_default="1")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    report: Mapped[Report] = relationship(back_populates="photos")


class TrackingCounter(Base):
    """The last tracking number given in a year (``ESP-<year>-<sequence>``)."""

    __tablename__ = "tracking_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Throttle(ThrottleColumns, Base):
    """Reports counted per client address and per e-mail address (``requests_service.limits``)."""

    __tablename__ = "throttles"


class DemarcheRequest(Base):
    """A request of a démarche defined in ``contracts.demarches`` (all but public-space
    reports): its fields as JSON, validated by the definition before they are stored."""

    __tablename__ = "demarche_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    demarche: Mapped[str] = mapped_column(String(40), index=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    tracking_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONB)
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    assigned_to: Mapped[str | None] = mapped_column(String(64), index=True)
    assigned_name: Mapped[str] = mapped_column(String(200), default="", server_default="")

    history: Mapped[list[DemarcheStatusChange]] = relationship(
        back_populates="request",
        order_by=lambda: (DemarcheStatusChange.changed_at, DemarcheStatusChange.id),
        cascade="all, delete-orphan",
    )
    attachments: Mapped[list[DemarcheAttachment]] = relationship(
        back_populates="request",
        order_by=lambda: DemarcheAttachment.id,
        cascade="all, delete-orphan",
    )


class DemarcheStatusChange(Base):
    """One step of a démarche request: who, when, the public comment (a refusal's reason, or
    the requester's answer when ``by_requester``) and the agents' internal note."""

    __tablename__ = "demarche_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("demarche_requests.id"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    internal_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    by_requester: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    request: Mapped[DemarcheRequest] = relationship(back_populates="history")


class DemarcheAttachment(Base):
    """A file joined to a démarche request (``requests_service.attachments``); its bytes load
    only when an agent opens it."""

    __tablename__ = "demarche_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("demarche_requests.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    request: Mapped[DemarcheRequest] = relationship(back_populates="attachments")


class DemarcheView(Base):
    """An agent opened a request of a démarche whose views are logged (état civil)."""

    __tablename__ = "demarche_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("demarche_requests.id"), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)

    request: Mapped[DemarcheRequest] = relationship()


class DemarcheCounter(Base):
    """The last tracking number given per démarche and year (``<prefix>-<year>-<sequence>``)."""

    __tablename__ = "demarche_counters"

    demarche: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


# Appointments and the salle des fêtes live in modules of their own; importing them here puts
# their tables in the metadata.
from requests_service import appointments_models, hall_models, open311_models  # noqa: E402, F401
