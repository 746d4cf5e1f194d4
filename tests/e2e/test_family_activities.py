"""A child's days through the gateway: a parent's change reaches both e-mail and planning; a
stranger guessing a family's or a child's ids in the addresses gets nothing.

The family is stored as the import will store it; the canteen day is the next one still open
on the real calendar (any date in a school term of the known school years).
"""

from __future__ import annotations

import itertools
import time
from datetime import timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from chassis.types import utcnow
from contracts.dates_fr import french_date, paris_today
from family.activities import ACTIVITIES
from family.demo import add_demo_family

IDENTIFIERS = itertools.count(34001)
AGENT_IDENTIFIERS = itertools.count(37001)
"""Families of the agents' journeys (closures, justified absences)."""
CLOSED_DAY, JUSTIFIED_DAY = "2028-06-15", "2028-06-16"
"""School days no other module books: a closure reaches every family booked on its day."""
CANTEEN = ACTIVITIES["restauration_scolaire"]


def store_family(stack, identifiers=IDENTIFIERS) -> tuple[str, int]:
    """A demo family under a new identifier, and the id of its schooled child, Léa."""
    identifier = str(next(identifiers))
    engine = create_engine(stack.database_urls["family"])
    with Session(engine) as session, session.begin():
        child_id = add_demo_family(session, identifier).children[0].id
    engine.dispose()
    return identifier, child_id


def next_open_day() -> str:
    now, today = utcnow(), paris_today()
    days = (today + timedelta(days=n) for n in range(1, 120))
    day = next(d for d in days if CANTEEN.runs_on(d) and CANTEEN.deadline.is_open(d, now))
    return day.isoformat()


def linked_parent(portal, helpers, email: str, identifier: str):
    password = helpers.new_password()
    portal.register_and_confirm(email, password)
    parent = portal.citizen_session(email, password)
    fields = {"family_id": identifier, "family_name": "Müller", "adult_first_name": "Hélène"}
    assert portal.post_form(parent, "/famille/activation", fields).status_code == 303
    return parent


def test_un_jour_reserve_par_la_page_est_confirme_par_e_mail_et_au_planning(
    portal, stack, helpers, new_email
):
    identifier, child_id = store_family(stack)
    email = new_email()
    parent = linked_parent(portal, helpers, email, identifier)
    child = f"/famille/{identifier}/enfants/{child_id}"
    day = next_open_day()
    fields = {"shown": day, "days": day}
    answer = portal.post_form(
        parent, f"{child}/jours/restauration_scolaire", fields, f"{child}/activites"
    )
    assert answer.status_code == 303
    mail = stack.wait_for_message(
        email, "Restauration scolaire de Léa : vos changements sont enregistrés"
    )
    assert f"Jours réservés :\n- {french_date(day)}" in mail["text"]
    planning = portal.get(f"{child}/planning?semaine={day}", parent)
    assert "Restauration scolaire, 11:30 – 13:20 : réservé" in planning.text


def test_un_inconnu_ne_voit_ni_ne_change_les_jours_d_un_enfant_en_devinant(
    portal, stack, helpers, new_email
):
    target, target_child = store_family(stack)
    own, own_child = store_family(stack)
    stranger = linked_parent(portal, helpers, new_email("intrus"), own)
    guesses = [(target, target_child), (own, target_child), (target, own_child), ("99999", 1)]
    for family_id, child_id in guesses:
        child = f"/famille/{family_id}/enfants/{child_id}"
        # a family the session does not carry is refused (403); a child of another family
        # inside its own family is not found (404)
        refusal = 404 if family_id == own else 403
        for path in ("activites", "planning", "calendrier"):
            assert portal.get(f"{child}/{path}", stranger).status_code == refusal, (child, path)
        day = next_open_day()
        changed = portal.post_form(
            stranger,
            f"{child}/jours/restauration_scolaire",
            {"shown": day, "days": day},
            f"/famille/{own}/enfants/{own_child}/activites",
        )
        assert changed.status_code == refusal, child
    assert portal.get("/famille/calendrier/devine-devine-devine-devine.ics").status_code == 404
    engine = create_engine(stack.database_urls["family"])
    with engine.connect() as connection:
        booked = connection.scalar(
            text("select count(*) from bookings where child_id = :child"), {"child": target_child}
        )
    engine.dispose()
    assert booked == 0


def billing_status(stack, child_id: int, day: str) -> str | None:
    """The day's status in billing's attendance projection (what the monthly run prices)."""
    engine = create_engine(stack.database_urls["billing"])
    with engine.connect() as connection:
        status = connection.scalar(
            text(
                "select status from attendance_days where child_id = :child "
                "and activity = 'restauration_scolaire' and day = :day"
            ),
            {"child": str(child_id), "day": day},
        )
    engine.dispose()
    return status


def wait_for_status(stack, child_id: int, day: str, wanted: str) -> None:
    deadline = time.monotonic() + 30
    while billing_status(stack, child_id, day) != wanted:
        assert time.monotonic() < deadline, f"billing never saw {day} as {wanted}"
        time.sleep(0.2)


def test_l_agent_ferme_un_jour_et_justifie_une_absence_rien_n_est_facture(
    portal, stack, helpers, new_email
):
    identifier, child_id = store_family(stack, AGENT_IDENTIFIERS)
    email = new_email("fermeture")
    parent = linked_parent(portal, helpers, email, identifier)
    child = f"/famille/{identifier}/enfants/{child_id}"
    for day in (CLOSED_DAY, JUSTIFIED_DAY):
        fields = {"shown": day, "days": day}
        answer = portal.post_form(
            parent, f"{child}/jours/restauration_scolaire", fields, f"{child}/activites"
        )
        assert answer.status_code == 303
        wait_for_status(stack, child_id, day, "booked")
    agent = portal.agent_session(stack.simplicite_login)
    closing = {"day": CLOSED_DAY, "reason": "Grève", "school_year": "2027-2028"}
    answer = portal.post_form(
        agent, "/agents/famille/fermeture", closing, "/agents/famille/calendrier?annee=2027-2028"
    )
    assert answer.status_code == 303
    calendar = portal.get("/agents/famille/calendrier?annee=2027-2028", agent)
    assert "jeudi 15 juin 2028 : Fermeture : Grève" in calendar.text
    wait_for_status(stack, child_id, CLOSED_DAY, "removed")
    mails = stack.wait_for_messages(4, to=email)  # activation, two bookings, the closure
    assert any("La Ville ferme ce jour-là (Grève)" in mail["text"] for mail in mails)
    planning = portal.get(f"{child}/planning?semaine=2028-06-12", parent)
    assert "jeudi 15 juin 2028" not in planning.text and "vendredi 16 juin 2028" in planning.text
    attendance = f"/agents/famille/presences?activite=restauration_scolaire&jour={JUSTIFIED_DAY}"
    justified = {
        "child": f"{identifier}:{child_id}",
        "activity": "restauration_scolaire",
        "day": JUSTIFIED_DAY,
        "reason": "Varicelle",
    }
    answer = portal.post_form(agent, "/agents/famille/absence-justifiee", justified, attendance)
    assert answer.status_code == 303
    wait_for_status(stack, child_id, JUSTIFIED_DAY, "absent_justified")
    assert "<td>justifiée</td>" in portal.get(attendance, agent).text
