"""The demo family of the local run, so that a newcomer can activate a family space.

``make run`` adds it when the ``family`` database has none (``python -m family.demo``) and
prints what to type in "Mon compte famille": identifier ``DEMO_IDENTIFIER``, family name
``Müller``, first name ``Hélène`` or ``Jean-Pierre``. Tests use the same family. Léa is
booked at the canteen and the garderie for the coming weeks, so her planning is not empty.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from chassis import config, tables
from chassis.database import make_engine
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from contracts.dates_fr import paris_today
from contracts.family_activities import ATTENDANCE_CHANGED, AttendanceChanged
from family import enrolment, enrolment_views
from family.activities import ACTIVITIES
from family.enrolment_repository import Enrolments
from family.models import Adult, Base, Child, ChildHealth, Family
from family.repository import Families

DEMO_IDENTIFIER = "4217"
DEMO_NAME = "Müller"
DEMO_FIRST_NAMES = ("Hélène", "Jean-Pierre")


def demo_family(identifier: str = DEMO_IDENTIFIER, now: datetime | None = None) -> Family:
    """A family of two parents and two children, one of them with a PAI."""
    lea = Child(
        first_name="Léa",
        last_name="Müller",
        birth_date=date(2018, 4, 2),
        school="École élémentaire Jean Moulin",
        class_name="CE2",
    )
    return Family(
        identifier=identifier,
        name=DEMO_NAME,
        address="12 rue Jean Moulin, 69300 Caluire-et-Cuire",
        created_at=now or utcnow(),
        adults=[
            Adult(
                position=1,
                first_name="Hélène",
                last_name="Müller",
                kinship="mere",
                email="helene.muller@example.org",
                phone="06 12 34 56 78",
            ),
            Adult(
                position=2,
                first_name="Jean-Pierre",
                last_name="Müller",
                kinship="pere",
                email="jean-pierre.muller@example.org",
                phone="06 87 65 43 21",
            ),
        ],
        children=[
            lea,
            Child(first_name="Noé", last_name="Müller", birth_date=date(2022, 9, 15), school=None),
        ],
    )


def add_demo_family(session: Session, identifier: str = DEMO_IDENTIFIER) -> Family:
    """Store the demo family (with Léa's health information) unless that identifier exists."""
    families = Families(session)
    found = families.by_identifier(identifier)
    if found is not None:
        return found
    family = families.add(demo_family(identifier))
    session.add(
        ChildHealth(
            child_id=family.children[0].id,
            allergies="Arachide",
            pai=True,
            doctor="Dr Claire Lambert, Caluire-et-Cuire",
        )
    )
    session.flush()
    return family


DEMO_WEEKS = {"restauration_scolaire": [0, 1, 3, 4], "garderie_soir": [1, 3]}
"""Léa's typical week in the local run: the canteen four days, the garderie two evenings."""


def add_demo_enrolments(session: Session, family: Family, weeks: int = 4) -> None:
    """Book Léa's typical week for the coming weeks (days already booked are kept)."""
    lea, now = family.children[0], utcnow()
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    start = paris_today(now)
    for code, weekdays in DEMO_WEEKS.items():
        activity = ACTIVITIES[code]
        units = enrolment.typical_week(
            activity, weekdays, start, start + timedelta(weeks=weeks), whole_weeks=False
        )
        outcome = enrolment.enrol(Enrolments(session), lea, activity, units, now)
        if outcome.changed:  # billing learns of the demo days as of any other
            event = enrolment_views.attendance_event(
                family, lea, activity, outcome, "agent", [], now
            )
            outbox.add(session, ATTENDANCE_CHANGED, AttendanceChanged(), event)


def main() -> int:
    engine = make_engine(config.database_url("family"))
    with Session(engine) as session, session.begin():
        add_demo_enrolments(session, add_demo_family(session))
    engine.dispose()
    names = " ou ".join(DEMO_FIRST_NAMES)
    print(f"Famille de démonstration : n° {DEMO_IDENTIFIER}, nom {DEMO_NAME}, prénom {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
