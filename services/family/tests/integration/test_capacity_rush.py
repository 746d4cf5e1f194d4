"""300 families ask at the same moment for the last 20 places of a Caluire Juniors week:
exactly 20 are enrolled, 280 wait in arrival order, and no day is ever overbooked.

Two replicas of the service share the database, as in production; each request is a whole
week (all or nothing) for a child of the 6-11 age group.
"""

from __future__ import annotations

import uuid
from datetime import date

import eventlet
import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import text
from sqlalchemy.orm import Session

from chassis.testing.services import call, service_config
from family.demo import demo_family
from family.repository import Families
from family.service import FamilyService

REQUESTS, PLACES_LEFT, CAPACITY = 300, 20, 40
WEEK = [date(2027, 2, day) for day in range(15, 20)]  # vacances d'hiver, zone A
AGE_GROUP = "6-11 ans"


@pytest.fixture(scope="module")
def replicas(activity_service, amqp_uri, activity_database):
    """A second replica beside the module's service."""
    other = ServiceContainer(FamilyService, service_config(amqp_uri, activity_database))
    other.start()
    yield [activity_service, other]
    other.stop()


@pytest.fixture(scope="module")
def parents(activity_engine):
    """300 families of one child (born in 2019), each linked to its parent's account."""
    made = []
    with Session(activity_engine) as session, session.begin():
        families = Families(session)
        for number in range(REQUESTS):
            family = demo_family(str(60000 + number))
            family.children = family.children[:1]
            family.children[0].birth_date = date(2019, 5, 1)
            families.add(family)
            account_id = str(uuid.uuid4())
            families.add_link(family, account_id, family.created_at)
            caller = {"account_id": account_id, "roles": [], "family_ids": [family.identifier]}
            made.append((caller, family.identifier, family.children[0].id))
        for day in WEEK:
            session.execute(
                text(
                    "insert into activity_slots (activity, place, day, capacity, booked) "
                    "values ('centre_loisirs', :place, :day, :capacity, :booked)"
                ),
                {"place": AGE_GROUP, "day": day, "capacity": CAPACITY, "booked": CAPACITY - 20},
            )
    return made


def test_300_demandes_pour_les_20_dernieres_places_d_une_semaine(
    replicas, parents, activity_engine, activity_events
):
    def ask(index: int):
        caller, family_id, child_id = parents[index]
        payload = {
            "family_id": family_id,
            "child_id": child_id,
            "activity": "centre_loisirs",
            "weekdays": [0, 1, 2, 3, 4],
            "start": WEEK[0].isoformat(),
            "end": WEEK[-1].isoformat(),
            "whole_weeks": True,
        }
        return child_id, call(replicas[index % 2], "enrol_child", caller, payload, timeout=120)

    pool = eventlet.GreenPool(REQUESTS)
    answers = dict(pool.imap(ask, range(REQUESTS)))

    week = [day.isoformat() for day in WEEK]
    enrolled = {child for child, answer in answers.items() if answer["added"] == week}
    waiting = {child: answer for child, answer in answers.items() if answer["waiting"] == week}
    assert len(enrolled) == PLACES_LEFT and len(waiting) == REQUESTS - PLACES_LEFT
    positions = {child: answer["waiting_positions"] for child, answer in waiting.items()}
    assert sorted(p for [p] in positions.values()) == list(range(1, len(waiting) + 1))

    with activity_engine.connect() as connection:
        booked = connection.execute(
            text("select day, booked from activity_slots where activity = 'centre_loisirs'")
        ).all()
        bookings = connection.execute(text("select child_id from bookings")).scalars().all()
        queue = (
            connection.execute(
                text("select child_id from waiting_entries where status = 'waiting' order by id")
            )
            .scalars()
            .all()
        )
    assert {day: count for day, count in booked} == dict.fromkeys(WEEK, CAPACITY)
    assert sorted(bookings) == sorted(child for child in enrolled for _ in WEEK)
    # arrival order: the ids taken under the places' lock rank the waiting list
    assert [positions[child] for child in queue] == [[n] for n in range(1, len(queue) + 1)]

    announced = {int(activity_events.next_of("attendance_changed")["child_id"]) for _ in enrolled}
    assert announced == enrolled
