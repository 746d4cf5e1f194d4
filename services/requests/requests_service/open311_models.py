"""Table of the keys issued to Open311 partner systems; imported by
:mod:`requests_service.models`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from chassis.types import UtcDateTime
from requests_service.models import Base


class Open311Key(Base):
    """A key an administrator issued to a partner system (a FixMyStreet app, the town's GIS)
    to send reports through Open311. Only the SHA-256 of the token is kept; ``token_hint``
    (its first characters) lets the administrator tell keys apart. A revoked key stays, for
    the records, and opens nothing."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
