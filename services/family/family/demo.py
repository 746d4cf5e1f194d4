"""The demo family of the local run, so that a newcomer can activate a family space.

``make run`` adds it when the ``family`` database has none (``python -m family.demo``) and
prints what to type in "Mon compte famille": identifier ``DEMO_IDENTIFIER``, family name
``Müller``, first name ``Hélène`` or ``Jean-Pierre``. Tests use the same family.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

from sqlalchemy.orm import Session

from chassis import config
from chassis.database import make_engine
from chassis.types import utcnow
from family.models import Adult, Child, ChildHealth, Family
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


def main() -> int:
    engine = make_engine(config.database_url("family"))
    with Session(engine) as session, session.begin():
        add_demo_family(session)
    engine.dispose()
    names = " ou ".join(DEMO_FIRST_NAMES)
    print(f"Famille de démonstration : n° {DEMO_IDENTIFIER}, nom {DEMO_NAME}, prénom {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
