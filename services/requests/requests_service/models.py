"""Tables of the ``requests`` database: the requests of every démarche (public-space reports
included), their history, attachments and number counters; the photos and followers of
reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    case,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables
from chassis.throttle import ThrottleColumns
from chassis.types import UtcDateTime
from contracts.demarches import ESPACE_PUBLIC


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class Throttle(ThrottleColumns, Base):
    """Reports counted per client address and per e-mail address (``requests_service.limits``)."""

    __tablename__ = "throttles"


class DemarcheRequest(Base):
    """A request of a démarche defined in ``contracts.demarches``: its fields as JSON, validated
    by the definition before they are stored. A public-space report is a :class:`Report`, whose
    fields have columns of their own (its ``payload`` stays empty).

    The town adds démarches without code, so ``demarche`` itself cannot be the polymorphic
    identity: every code but ``espace_public`` loads as a plain ``DemarcheRequest``.
    """

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

    __mapper_args__ = {
        "polymorphic_on": case((demarche == ESPACE_PUBLIC.code, ESPACE_PUBLIC.code), else_=""),
        "polymorphic_identity": "",
    }


class Report(DemarcheRequest):
    """A problem in a public space, reported by a citizen: a request of the démarche
    ``espace_public`` whose own fields (category, place, description) have columns of their own
    in ``reports`` (joined-table inheritance: ``reports.id`` is its ``demarche_requests.id``);
    its number, key, author, status, dates, assignment and history are those of every request.

    ``account_id`` is set when the citizen was logged in. Once that account is closed, the
    report keeps no trace of its author: ``email`` is empty and ``account_id`` None.
    """

    __tablename__ = "reports"
    __mapper_args__ = {"polymorphic_identity": ESPACE_PUBLIC.code, "polymorphic_load": "selectin"}

    id: Mapped[int] = mapped_column(ForeignKey("demarche_requests.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)

    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report",
        order_by=lambda: (ReportPhoto.position, ReportPhoto.id),
        cascade="all, delete-orphan",
    )
    followers: Mapped[list[ReportFollower]] = relationship(
        back_populates="report", order_by=lambda: ReportFollower.id, cascade="all, delete-orphan"
    )

    def __init__(self, **fields: Any) -> None:
        # The discriminator is an expression (see DemarcheRequest): it is not set by itself.
        super().__init__(demarche=ESPACE_PUBLIC.code, payload={}, **fields)


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
