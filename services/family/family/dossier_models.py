"""Tables of the Dossier Unique beyond the first slice: contacts, the history of changes
(with the ones waiting for an agent) and the quotient familial certificates.

A change is one row of ``dossier_changes`` per section of the Dossier Unique it touches; the
same rows are the history (who, when, what) and the queue of changes an agent must decide.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, exists, not_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chassis import retention
from chassis.types import UtcDateTime
from family.models import Base


class FamilyContact(Base):
    """A person allowed to pick the children up (``pickup``) or to call (``emergency``)."""

    __tablename__ = "family_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # contracts.family_dossier.CONTACT_KINDS
    position: Mapped[int] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30))
    relationship: Mapped[str] = mapped_column(String(60))


class QuotientCertificate(Base):
    """The attestation (CAF or tax notice) sent with a quotient familial, PDF or JPEG.

    Kept ``CERTIFICATES_KEPT`` after it was sent, unless its change still waits; the history
    then says a certificate was sent no longer (``certificate_id`` becomes NULL).
    """

    __tablename__ = "quotient_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DossierChange(Base):
    """One section of the Dossier Unique changed, or proposed for an agent's validation.

    ``status``: ``appliquee`` (applied at once), ``en_attente`` (waits for an agent),
    ``validee``, ``refusee`` (with ``reason``) or ``remplacee`` (a later proposal of the same
    section replaced it). ``proposed`` and ``previous`` hold the section's values; for health
    information they name the child only (the values are restricted data, not history).
    """

    __tablename__ = "dossier_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    section: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    proposed: Mapped[dict] = mapped_column(JSONB)
    previous: Mapped[dict] = mapped_column(JSONB)
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("quotient_certificates.id", ondelete="SET NULL")
    )
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_as: Mapped[str] = mapped_column(String(10))  # famille | agent
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)


CERTIFICATES_KEPT = timedelta(days=400)
"""A quotient is renewed every year: the certificate that proved it is not needed after."""


def _not_waiting(table, now: datetime):
    waiting = select(DossierChange.id).where(
        DossierChange.certificate_id == table.c.id, DossierChange.status == "en_attente"
    )
    return not_(exists(waiting))


CERTIFICATES_RULE = retention.older_than(
    "quotient_certificates", "uploaded_at", CERTIFICATES_KEPT, _not_waiting
)
