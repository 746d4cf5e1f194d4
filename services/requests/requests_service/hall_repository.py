"""Queries of salle des fêtes requests, behind ``hall_domain.HallBookings``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from requests_service.appointments_repository import EXCLUSION_VIOLATION
from requests_service.hall_domain import ACCEPTED, HallTaken
from requests_service.hall_models import HallBooking


class HallBookings:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **fields: Any) -> HallBooking:
        booking = HallBooking(decided_by=None, **fields)
        self.session.add(booking)
        self.session.flush()
        return booking

    def save(self, booking: HallBooking) -> None:
        """Write pending changes; :class:`HallTaken` when an accepted booking overlaps."""
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError as refused:
            if getattr(refused.orig, "pgcode", None) == EXCLUSION_VIOLATION:
                raise HallTaken() from None
            raise

    def get(self, booking_id: int, for_change: bool = False) -> HallBooking | None:
        query = select(HallBooking).where(HallBooking.id == booking_id)
        if for_change:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def accepted_between(self, starts_at: datetime, ends_at: datetime) -> list[HallBooking]:
        query = select(HallBooking).where(
            HallBooking.status == ACCEPTED,
            HallBooking.starts_at < ends_at,
            HallBooking.ends_at > starts_at,
        )
        return list(self.session.scalars(query))

    def listing(self, status: str | None) -> list[HallBooking]:
        query = select(HallBooking).order_by(HallBooking.day, HallBooking.starts_at)
        if status is not None:
            query = query.where(HallBooking.status == status)
        return list(self.session.scalars(query.limit(200)))

    def list_by_account(self, account_id: str) -> list[HallBooking]:
        return list(
            self.session.scalars(select(HallBooking).where(HallBooking.account_id == account_id))
        )

    def forget_account(self, account_id: str) -> set[str]:
        """Detach a closed account's requests and drop their address; the addresses."""
        found = self.list_by_account(account_id)
        addresses = {booking.email for booking in found if booking.email}
        for booking in found:
            booking.account_id, booking.email = None, ""
        return addresses
