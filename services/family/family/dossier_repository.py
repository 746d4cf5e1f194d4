"""Queries of the Dossier Unique, its history and the agents' search, in one session."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, cast, delete, func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from family.dossier_models import DossierChange, FamilyContact, QuotientCertificate
from family.models import Adult, Base, Child, ChildHealth, Family
from family.preregistration_models import Preregistration

ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿœ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyo"
SEARCH_LIMIT = 50


def plain(column: Any) -> Any:
    """``column`` lowercased without accents, the way :func:`family.domain.normalized_name`
    compares names (hyphens and apostrophes become spaces)."""
    return func.translate(func.lower(column), ACCENTED + "-'’", PLAIN + "   ")


class Dossiers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def flush(self) -> None:
        self.session.flush()

    def lock_family(self, identifier: str) -> Family | None:
        """The family, its row locked until the end of the transaction (one change at a time)."""
        query = (
            select(Family)
            .where(Family.identifier == identifier)
            .options(selectinload(Family.adults), selectinload(Family.children))
            .with_for_update(of=Family)
        )
        return self.session.scalars(query).one_or_none()

    def contacts(self, family: Family, kind: str) -> list[FamilyContact]:
        query = (
            select(FamilyContact)
            .where(FamilyContact.family_id == family.id, FamilyContact.kind == kind)
            .order_by(FamilyContact.position)
        )
        return list(self.session.scalars(query))

    def replace_contacts(self, family: Family, kind: str, people: list[dict]) -> None:
        for old in self.contacts(family, kind):
            self.session.delete(old)
        self.session.flush()
        for position, person in enumerate(people, start=1):
            self.session.add(
                FamilyContact(family_id=family.id, kind=kind, position=position, **person)
            )

    def replace_adults(self, family: Family, adults: list[dict]) -> None:
        """Positions 1 and 2 updated in place (``adults``: column values); extras removed."""
        for position, values in enumerate(adults, start=1):
            current = next((a for a in family.adults if a.position == position), None)
            if current is None:
                family.adults.append(Adult(position=position, **values))
                continue
            for name, value in values.items():
                setattr(current, name, value)
        for extra in [a for a in family.adults if a.position > len(adults)]:
            family.adults.remove(extra)
        self.session.flush()

    def set_health(self, item: dict) -> None:
        row = self.session.get(ChildHealth, item["child_id"])
        if row is None:
            row = ChildHealth(child_id=item["child_id"])
            self.session.add(row)
        row.allergies, row.pai, row.doctor = item["allergies"], item["pai"], item["doctor"]

    def add_change(self, family: Family, *, now: datetime, **values: Any) -> DossierChange:
        change = DossierChange(family_id=family.id, requested_at=now, **values)
        self.session.add(change)
        self.session.flush()
        return change

    def replace_pending(self, family: Family, section: str, latest: DossierChange) -> None:
        """Earlier proposals of the same section are replaced by ``latest``."""
        self.session.execute(
            update(DossierChange)
            .where(
                DossierChange.family_id == family.id,
                DossierChange.section == section,
                DossierChange.status == "en_attente",
                DossierChange.id != latest.id,
            )
            .values(status="remplacee")
        )

    def add_child(self, family: Family, first_name: str, last_name: str, born: date) -> Child:
        child = Child(first_name=first_name, last_name=last_name, birth_date=born)
        family.children.append(child)
        self.session.flush()
        return child

    def link_preregistration(self, preregistration_id: int, child: Child) -> None:
        """The crèche pre-registration of the expected child now names the child born."""
        self.session.execute(
            update(Preregistration)
            .where(Preregistration.id == preregistration_id)
            .values(
                child_id=child.id,
                child_first_name=child.first_name,
                birth_date=child.birth_date,
            )
        )

    def creche_preregistration(self, family: Family, reference: str) -> Preregistration | None:
        """The family's crèche pre-registration of that reference (``CRE-2027-000012``)."""
        prefix, _, number = reference.strip().rpartition("-")
        if not prefix.startswith("CRE-") or not number.isdigit() or int(number) >= 2**31:
            return None
        row = self.session.get(Preregistration, int(number))
        if row is None or row.family_id != family.id or row.kind != "creche":
            return None
        return row

    def add_certificate(self, family: Family, clean: Any, now: datetime) -> QuotientCertificate:
        row = QuotientCertificate(
            family_id=family.id,
            filename=clean.filename,
            content_type=clean.content_type,
            data=clean.data,
            uploaded_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def certificate_of(self, change: DossierChange) -> QuotientCertificate | None:
        if change.certificate_id is None:
            return None
        return self.session.get(QuotientCertificate, change.certificate_id)

    def pending_of(self, family: Family) -> list[DossierChange]:
        query = (
            select(DossierChange)
            .where(DossierChange.family_id == family.id, DossierChange.status == "en_attente")
            .order_by(DossierChange.id)
        )
        return list(self.session.scalars(query))

    def history_of(self, family: Family) -> list[DossierChange]:
        query = (
            select(DossierChange)
            .where(DossierChange.family_id == family.id)
            .order_by(DossierChange.id.desc())
        )
        return list(self.session.scalars(query))

    def all_pending(self) -> list[tuple[DossierChange, str]]:
        query = (
            select(DossierChange, Family.identifier)
            .join(Family, Family.id == DossierChange.family_id)
            .where(DossierChange.status == "en_attente")
            .order_by(DossierChange.id)
        )
        return [(change, identifier) for change, identifier in self.session.execute(query)]

    def lock_change(self, change_id: int) -> DossierChange | None:
        query = select(DossierChange).where(DossierChange.id == change_id).with_for_update()
        return self.session.scalars(query).one_or_none()

    def family_of(self, change: DossierChange) -> Family:
        query = (
            select(Family)
            .where(Family.id == change.family_id)
            .options(selectinload(Family.adults), selectinload(Family.children))
            .with_for_update(of=Family)
        )
        return self.session.scalars(query).one()

    def search(self, words: str) -> list[Family]:
        """Families whose identifier starts with ``words`` (digits), or whose name, an adult's
        or a child's name contains it, accents and case ignored; at most ``SEARCH_LIMIT``."""
        query = select(Family).options(selectinload(Family.adults), selectinload(Family.children))
        if words.isdigit():
            query = query.where(Family.identifier.startswith(words))
        else:
            pattern = f"%{words}%"
            people = [
                plain(Family.name),
                plain(Adult.first_name + " " + Adult.last_name),
                plain(Child.first_name + " " + Child.last_name),
            ]
            query = (
                query.outerjoin(Adult, Adult.family_id == Family.id)
                .outerjoin(Child, Child.family_id == Family.id)
                .where(or_(*(column.like(pattern) for column in people)))
                .distinct()
            )
        return list(
            self.session.scalars(query.order_by(Family.name, Family.id).limit(SEARCH_LIMIT))
        )

    def next_identifier(self) -> str:
        """The next free identifier (after the highest one), under a lock held to commit."""
        self.session.execute(text("select pg_advisory_xact_lock(hashtext('family-identifier'))"))
        highest = self.session.scalar(select(func.max(cast(Family.identifier, Integer))))
        return str(max(highest or 0, 999) + 1)

    def erase(self, family: Family) -> None:
        """Delete the family and every row about it or its children, in every table.

        Tables are found from the schema (a ``family_id`` pointing at ``families`` or a
        ``child_id`` pointing at ``children``), dependents first, so a table added later is
        erased too without being listed here.
        """
        children = select(Child.id).where(Child.family_id == family.id).scalar_subquery()
        for table in reversed(Base.metadata.sorted_tables):
            for column in table.columns:
                targets = {key.column.table.name for key in column.foreign_keys}
                if column.name == "family_id" and "families" in targets:
                    self.session.execute(delete(table).where(column == family.id))
                elif column.name == "child_id" and "children" in targets:
                    self.session.execute(delete(table).where(column.in_(children)))
        self.session.execute(delete(Family).where(Family.id == family.id))
        self.session.expunge(family)
