"""The load fixture of ``rush.py``: open canteen days, parents with a session and a family,
the day's places. Written straight into the stack's databases, as a town's existing data."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from accounts.models import Account, LoginSession
from accounts.tokens import new_token, token_hash
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from chassis.types import utcnow
from contracts.dates_fr import paris_today
from family.activities import ACTIVITIES
from family.models import Adult, Child, Family, FamilyLink

CANTEEN = ACTIVITIES["restauration_scolaire"]
SCHOOL = "École élémentaire Jean Moulin"


def open_days(count: int) -> list[date]:
    """The first ``count`` canteen days whose deadline is still open."""
    now, day, found = utcnow(), paris_today(), []
    while len(found) < count and day < paris_today() + timedelta(days=120):
        if CANTEEN.runs_on(day) and CANTEEN.deadline.is_open(day, now):
            found.append(day)
        day += timedelta(days=1)
    if len(found) < count:
        raise SystemExit("No open canteen day in the coming four months (summer holidays?).")
    return found


def store_parents(stack, parents: int) -> list[dict]:
    """Accounts with a session, each linked to a family of one child at the canteen's school."""
    now, made = utcnow(), []
    accounts_engine = create_engine(stack.database_urls["accounts"])
    family_engine = create_engine(stack.database_urls["family"])
    with Session(accounts_engine) as accounts, Session(family_engine) as families:
        for number in range(parents):
            account_id, token = str(uuid.uuid4()), new_token()
            accounts.add(_account(account_id, number, now))
            accounts.add(_session(account_id, token, now))
            family = _family(str(70000 + number), now)
            families.add(family)
            families.flush()
            families.add(FamilyLink(family_id=family.id, account_id=account_id, linked_at=now))
            made.append(
                {"token": token, "family": family.identifier, "child": family.children[0].id}
            )
        accounts.commit()
        families.commit()
    accounts_engine.dispose()
    family_engine.dispose()
    return made


def _account(account_id: str, number: int, now) -> Account:
    return Account(
        id=account_id,
        kind="citizen",
        email=f"parent{number}@rush.example.org",
        email_verified=True,
        password_hash=None,
        given_name="Parent",
        family_name=f"Rush{number}",
        street="",
        postal_code="69300",
        city="Caluire-et-Cuire",
        phone="",
        email_notifications=False,
        roles=[],
        created_at=now,
    )


def _session(account_id: str, token: str, now) -> LoginSession:
    return LoginSession(
        account_id=account_id,
        token_hash=token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=2),
        via_franceconnect=False,
        client_ip="127.0.0.1",
    )


def _family(identifier: str, now) -> Family:
    adult = Adult(
        position=1,
        first_name="Parent",
        last_name="Rush",
        kinship="mere",
        email="",
        phone="",
    )
    child = Child(
        first_name="Enfant",
        last_name="Rush",
        birth_date=date(2018, 1, 1),
        school=SCHOOL,
        class_name="CE2",
    )
    return Family(
        identifier=identifier,
        name="Rush",
        address="Caluire-et-Cuire",
        created_at=now,
        adults=[adult],
        children=[child],
    )


def set_capacity(url: str, day: date, places: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "insert into activity_slots (activity, place, day, capacity, booked) "
                "values (:activity, :place, :day, :places, 0)"
            ),
            {"activity": CANTEEN.code, "place": SCHOOL, "day": day, "places": places},
        )
    engine.dispose()
