"""A family put on the waiting list while another is giving its place back is not forgotten.

The removal reads the waiting list once before it locks the day's counter (to lock every
counter involved in one ordered batch); a family whose transaction committed its waiting
entry between that read and the lock must still get the place freed. The test puts the
second family on the list exactly there, from another transaction, on real PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from family import enrolment
from family.activities import ACTIVITIES
from family.demo import demo_family
from family.enrolment_repository import Enrolments
from family.repository import Families

CANTEEN = ACTIVITIES["restauration_scolaire"]
DAY = date(2027, 1, 28)  # a Thursday, its deadline still open at NOW
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
PLACE = "École élémentaire Jean Moulin"


def _child(engine, identifier: str) -> int:
    with Session(engine) as session, session.begin():
        family = demo_family(identifier)
        family.children = family.children[:1]
        Families(session).add(family)
        session.flush()
        return family.children[0].id


def _change(session: Session, child_id: int, **days) -> enrolment.Outcome:
    repo = Enrolments(session)
    requested = {"add": [], "remove": [], "absent": [], **days}
    return enrolment.change(repo, repo.child(child_id), CANTEEN, requested, NOW)


def test_une_famille_inscrite_en_attente_pendant_un_retrait_recoit_la_place(activity_engine):
    leaving, waiting = _child(activity_engine, "5701"), _child(activity_engine, "5702")
    with activity_engine.begin() as connection:
        connection.execute(
            text(
                "insert into activity_slots (activity, place, day, capacity, booked)"
                " values (:activity, :place, :day, 1, 0)"
            ),
            {"activity": CANTEEN.code, "place": PLACE, "day": DAY},
        )
    with Session(activity_engine) as session, session.begin():
        assert _change(session, leaving, add=[DAY]).added == [DAY]

    outcome_of_waiter = []

    class Interleaved(Enrolments):
        def lock_slots(self, activity, needs, capacity):
            if not outcome_of_waiter:  # another family's transaction commits just now
                with Session(activity_engine) as other, other.begin():
                    outcome_of_waiter.append(_change(other, waiting, add=[DAY]))
            return super().lock_slots(activity, needs, capacity)

    with Session(activity_engine) as session, session.begin():
        repo = Interleaved(session)
        requested = {"add": [], "remove": [DAY], "absent": []}
        outcome = enrolment.change(repo, repo.child(leaving), CANTEEN, requested, NOW)
        promoted = [entry.child_id for entry in outcome.promoted]

    assert outcome_of_waiter[0].waiting == [DAY]  # the day was full when it asked
    assert outcome.removed == [DAY]
    assert promoted == [waiting]
    with activity_engine.connect() as connection:
        booked = connection.scalar(
            text("select booked from activity_slots where activity = :a and day = :d"),
            {"a": CANTEEN.code, "d": DAY},
        )
        children = connection.scalars(
            text("select child_id from bookings where activity = :a and day = :d"),
            {"a": CANTEEN.code, "d": DAY},
        ).all()
    assert booked == 1 and children == [waiting]
