"""Queries of the ``family`` database, one session (one transaction) each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from family.models import Child, ChildHealth, Family, FamilyLink, HealthRead


class Families:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_identifier(self, identifier: str) -> Family | None:
        query = (
            select(Family)
            .where(Family.identifier == identifier)
            .options(selectinload(Family.adults), selectinload(Family.children))
        )
        return self.session.scalars(query).one_or_none()

    def add(self, family: Family) -> Family:
        self.session.add(family)
        self.session.flush()
        return family

    def is_linked(self, family: Family, account_id: str) -> bool:
        query = select(FamilyLink.id).where(
            FamilyLink.family_id == family.id, FamilyLink.account_id == account_id
        )
        return self.session.scalar(query) is not None

    def add_link(self, family: Family, account_id: str, now: datetime) -> None:
        self.session.add(FamilyLink(family_id=family.id, account_id=account_id, linked_at=now))
        self.session.flush()

    def linked_to(self, account_id: str) -> list[Family]:
        query = (
            select(Family)
            .join(FamilyLink, FamilyLink.family_id == Family.id)
            .where(FamilyLink.account_id == account_id)
            .order_by(FamilyLink.linked_at, Family.id)
        )
        return list(self.session.scalars(query))

    def unlink_account(self, account_id: str) -> None:
        self.session.execute(delete(FamilyLink).where(FamilyLink.account_id == account_id))

    def health_of(self, family: Family) -> dict[int, ChildHealth]:
        """The health rows of the family's children, by child id (restricted data)."""
        query = (
            select(ChildHealth)
            .join(Child, Child.id == ChildHealth.child_id)
            .where(Child.family_id == family.id)
        )
        return {row.child_id: row for row in self.session.scalars(query)}

    def record_health_read(self, family: Family, agent_account_id: str, now: datetime) -> None:
        self.session.add(
            HealthRead(family_id=family.id, agent_account_id=agent_account_id, read_at=now)
        )
