"""Queries of appointments and blocked slots, behind ``appointments_domain.Appointments``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from requests_service.appointments_calendar import Interval
from requests_service.appointments_domain import ACTIVE, BOOKED, HELD, SlotTaken
from requests_service.appointments_models import Appointment, AppointmentBlock, WaitingListEntry

EXCLUSION_VIOLATION = "23P01"


class Appointments:
    """Appointments of one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **fields: Any) -> Appointment:
        appointment = Appointment(**fields)
        self.session.add(appointment)
        self.save(appointment)
        return appointment

    def save(self, appointment: Appointment) -> None:
        """Write pending changes now; :class:`SlotTaken` when another appointment holds an
        overlapping slot on the desk (the exclusion constraint, after the other commits)."""
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError as refused:
            if getattr(refused.orig, "pgcode", None) == EXCLUSION_VIOLATION:
                raise SlotTaken() from None
            raise

    def lock_person(self, email: str, kind: str) -> None:
        """Serialize bookings of one person and type until commit, so that two at once cannot
        both find no upcoming appointment."""
        key = f"appointment:{email}:{kind}"
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def upcoming_for(self, email: str, kind: str, now: datetime) -> Appointment | None:
        query = select(Appointment).where(
            Appointment.email == email,
            Appointment.kind == kind,
            Appointment.status == BOOKED,
            Appointment.starts_at > now,
        )
        return self.session.scalars(query.limit(1)).first()

    def get(self, appointment_id: int, for_change: bool = False) -> Appointment | None:
        query = select(Appointment).where(Appointment.id == appointment_id)
        if for_change:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def taken_between(self, starts_at: datetime, ends_at: datetime) -> list[Interval]:
        """The slots held by appointments overlapping ``[starts_at, ends_at)``."""
        query = select(Appointment.desk, Appointment.starts_at, Appointment.ends_at).where(
            Appointment.status.in_(ACTIVE),
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
        )
        return [Interval(*row) for row in self.session.execute(query)]

    def blocks_between(self, starts_at: datetime, ends_at: datetime) -> list[Interval]:
        query = select(AppointmentBlock.desk, AppointmentBlock.starts_at, AppointmentBlock.ends_at)
        query = query.where(
            AppointmentBlock.starts_at < ends_at, AppointmentBlock.ends_at > starts_at
        )
        return [Interval(*row) for row in self.session.execute(query)]

    def add_block(self, **fields: Any) -> AppointmentBlock:
        block = AppointmentBlock(**fields)
        self.session.add(block)
        self.session.flush()
        return block

    def on_day(self, starts_at: datetime, ends_at: datetime, desk: str | None) -> list[Appointment]:
        """The appointments (cancelled ones included) of a day, by time then desk."""
        query = select(Appointment).where(
            Appointment.starts_at >= starts_at, Appointment.starts_at < ends_at
        )
        if desk is not None:
            query = query.where(Appointment.desk == desk)
        return list(self.session.scalars(query.order_by(Appointment.starts_at, Appointment.desk)))

    def month_counts(self, year: int) -> list[tuple[str, str, int]]:
        """(``YYYY-MM`` in Paris, status, count) of the appointments of ``year``."""
        month = func.to_char(func.timezone("Europe/Paris", Appointment.starts_at), "YYYY-MM")
        query = (
            select(month, Appointment.status, func.count())
            .where(month.like(f"{year:04d}-%"))
            .group_by(month, Appointment.status)
        )
        return [tuple(row) for row in self.session.execute(query)]

    def list_by_account(self, account_id: str) -> list[Appointment]:
        query = select(Appointment).where(Appointment.account_id == account_id)
        return list(self.session.scalars(query))

    def claim_reminders(self, starts_at: datetime, ends_at: datetime, now: datetime) -> list:
        """Mark the booked appointments of ``[starts_at, ends_at)`` not reminded yet as
        reminded, and return them. One statement: rows another transaction is claiming are
        skipped (``SKIP LOCKED``), and a row already marked is not selected again, so two
        schedulers never remind anyone twice."""
        due = (
            select(Appointment.id)
            .where(
                Appointment.status == BOOKED,
                Appointment.reminder_sent_at.is_(None),
                Appointment.email != "",
                Appointment.starts_at >= starts_at,
                Appointment.starts_at < ends_at,
            )
            .with_for_update(skip_locked=True)
        )
        claimed = (
            update(Appointment)
            .where(Appointment.id.in_(due.scalar_subquery()))
            .values(reminder_sent_at=now)
            .returning(Appointment)
        )
        return list(self.session.scalars(claimed, execution_options={"synchronize_session": False}))

    def add_entry(self, **fields: Any) -> WaitingListEntry:
        entry = WaitingListEntry(**fields)
        self.session.add(entry)
        self.session.flush()
        return entry

    def waiting(self, email: str, kind: str, week) -> WaitingListEntry | None:
        query = select(WaitingListEntry).where(
            WaitingListEntry.email == email,
            WaitingListEntry.kind == kind,
            WaitingListEntry.week_start == week,
            WaitingListEntry.status.in_(("attente", "offerte")),
        )
        return self.session.scalars(query.limit(1)).first()

    def first_waiting(self, kind: str, week) -> WaitingListEntry | None:
        """The oldest person still waiting, locked (others offering at once skip it)."""
        query = (
            select(WaitingListEntry)
            .where(
                WaitingListEntry.kind == kind,
                WaitingListEntry.week_start == week,
                WaitingListEntry.status == "attente",
            )
            .order_by(WaitingListEntry.created_at, WaitingListEntry.id)
            .with_for_update(skip_locked=True)
        )
        return self.session.scalars(query.limit(1)).first()

    def entry_of(self, appointment_id: int) -> WaitingListEntry | None:
        query = select(WaitingListEntry).where(WaitingListEntry.appointment_id == appointment_id)
        return self.session.scalars(query).first()

    def lapsed_holds(self, now: datetime) -> list[Appointment]:
        """Holds past their time, locked; those another replica handles are skipped."""
        query = (
            select(Appointment)
            .where(Appointment.status == HELD, Appointment.hold_expires_at <= now)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(query))

    def forget_account(self, account_id: str) -> set[str]:
        """Detach a closed account's appointments and drop their address (no reminder goes
        to it any more); returns the addresses forgotten."""
        found = self.list_by_account(account_id)
        addresses = {appointment.email for appointment in found if appointment.email}
        for appointment in found:
            appointment.account_id, appointment.email = None, ""
        return addresses
