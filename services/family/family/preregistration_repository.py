"""Queries of the pre-registrations, in one session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from family.models import Family
from family.preregistration_models import Preregistration, PreregistrationStep


class Preregistrations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Preregistration, family: Family, account_id: str, now: datetime) -> None:
        """Store ``row`` as submitted (``deposee``) by ``account_id`` for ``family``."""
        row.family_id, row.status = family.id, "deposee"
        row.submitted_by, row.submitted_at = account_id, now
        row.steps = [PreregistrationStep(status="deposee", comment="", changed_by=account_id,
                                         changed_at=now)]  # fmt: skip
        self.session.add(row)
        self.session.flush()

    def add_step(self, row: Preregistration, comment: str, agent_id: str, now: datetime) -> None:
        step = PreregistrationStep(
            status=row.status, comment=comment, changed_by=agent_id, changed_at=now
        )
        row.steps.append(step)
        self.session.flush()

    def of_family(self, family: Family) -> list[Preregistration]:
        query = (
            select(Preregistration)
            .where(Preregistration.family_id == family.id)
            .order_by(Preregistration.id.desc())
        )
        return list(self.session.scalars(query))

    def all(self, kind: str | None, status: str | None) -> list[tuple[Preregistration, str]]:
        """Every pre-registration, oldest first, with its family's identifier."""
        query = select(Preregistration, Family.identifier).join(Family).order_by(Preregistration.id)
        if kind is not None:
            query = query.where(Preregistration.kind == kind)
        if status is not None:
            query = query.where(Preregistration.status == status)
        return [(row, identifier) for row, identifier in self.session.execute(query)]

    def lock(self, preregistration_id: object) -> Preregistration | None:
        if not isinstance(preregistration_id, int):
            return None
        query = select(Preregistration).where(Preregistration.id == preregistration_id)
        return self.session.scalars(query.with_for_update()).one_or_none()

    def family_identifier(self, row: Preregistration) -> str:
        return self.session.get(Family, row.family_id).identifier
