"""Passport and identity-card appointments through the real service, PostgreSQL and RabbitMQ:
booking, moving and cancelling from the manage link, 50 simultaneous attempts on one slot,
and the reminder announced once with two schedulers running."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from queue import Empty

import eventlet
import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine, text

from chassis.testing.services import call, service_config
from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from requests_service import appointments_domain as domain
from requests_service.appointments_calendar import PARIS
from requests_service.service import RequestsService

CITIZEN = example("caller")
ANONYMOUS = {"account_id": None, "roles": [], "family_id": None}


@pytest.fixture(scope="module")
def containers(amqp_uri, module_database_url, module_events):
    """Two replicas of the service on one database, as two pods would be."""
    started = []
    for _ in range(2):
        container = ServiceContainer(
            RequestsService, service_config(amqp_uri, module_database_url, max_workers=20)
        )
        container.start()
        started.append(container)
    yield started
    for container in started:
        container.stop()


@pytest.fixture(scope="module")
def container(containers):
    return containers[0]


@pytest.fixture(scope="module")
def engine(module_database_url):
    engine = create_engine(module_database_url)
    yield engine
    engine.dispose()


def free_day(container, kind="passeport", after: date | None = None) -> dict:
    """The first day with free slots of ``kind`` in the booking window (after ``after``)."""
    day = domain.booking_window(datetime.now(UTC))[0]
    while after is not None and day <= after:
        day += timedelta(days=1)
    for _ in range(30):
        found = call(container, "list_free_slots", ANONYMOUS, kind, day.isoformat())
        if found["slots"]:
            return found
        day += timedelta(days=1)
    raise AssertionError("no open day in a month")


def booking(slot: dict, **changes) -> dict:
    return {
        "type": "passeport",
        "desk": slot["desk"],
        "starts_at": slot["starts_at"],
        "email": "camille.martin@example.org",
        "first_name": "Camille",
        "last_name": "Martin",
        "ants_number": "AB12CD34EF",
        **changes,
    }


def test_reserver_deplacer_puis_annuler_depuis_le_lien(container, module_events):
    day = free_day(container)
    slot = day["slots"][0]
    booked = call(container, "book_appointment", CITIZEN, booking(slot))
    assert (booked["status"], booked["type_label"]) == ("reservee", "Passeport")
    event = module_events.next_of("appointment_booked")
    assert (event["reference"], event["email"]) == (
        booked["reference"],
        "camille.martin@example.org",
    )
    assert event["account_id"] == CITIZEN["account_id"]
    after = call(container, "list_free_slots", ANONYMOUS, "passeport", day["day"])
    assert (slot["desk"], slot["starts_at"]) not in {
        (s["desk"], s["starts_at"]) for s in after["slots"]
    }

    ref, key = booked["reference"], booked["manage_key"]
    with pytest.raises(Conflict, match="déjà un rendez-vous « Passeport » à venir"):
        call(container, "book_appointment", ANONYMOUS, booking(after["slots"][-1]))
    target = free_day(container, after=date.fromisoformat(day["day"]))["slots"][-1]
    moved = call(
        container,
        "move_appointment",
        ANONYMOUS,
        ref,
        key,
        {"desk": target["desk"], "starts_at": target["starts_at"]},
    )
    assert (moved["reference"], moved["starts_at"]) == (ref, target["starts_at"])
    event = module_events.next_of("appointment_moved")
    assert (event["sequence"], event["previous_starts_at"]) == (1, slot["starts_at"])
    again = call(container, "list_free_slots", ANONYMOUS, "passeport", day["day"])
    assert slot in again["slots"]  # the old slot is free again

    with pytest.raises(NotFound):
        call(container, "cancel_appointment", ANONYMOUS, ref, "mauvaise-cle")
    cancelled = call(container, "cancel_appointment", ANONYMOUS, ref, key)
    assert cancelled["status"] == "annulee"
    assert module_events.next_of("appointment_cancelled")["sequence"] == 2
    with pytest.raises(Conflict, match="ne peut plus être modifié"):
        call(container, "cancel_appointment", ANONYMOUS, ref, key)


def test_cinquante_tentatives_simultanees_sur_un_creneau_une_seule_reservation(container, engine):
    slot = free_day(container, kind="cni")["slots"][-1]
    attempts = [
        booking(slot, type="cni", email=f"personne{n}@example.org", first_name=f"P{n}")
        for n in range(50)
    ]

    def attempt(payload):
        try:
            return call(container, "book_appointment", ANONYMOUS, payload)
        except Conflict as refused:
            return refused

    outcomes = list(eventlet.GreenPool(50).imap(attempt, attempts))
    booked = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(booked), len(refused)) == (1, 49)
    assert {str(r) for r in refused} == {domain.SLOT_TAKEN}
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM appointments WHERE desk = :desk AND starts_at = :at"),
            {"desk": slot["desk"], "at": slot["starts_at"]},
        ).scalar_one()
    assert count == 1


def test_numero_ants_mal_forme_refuse_en_francais(container):
    slot = free_day(container, kind="cni_passeport")["slots"][0]
    with pytest.raises(Invalid) as refused:
        call(
            container,
            "book_appointment",
            ANONYMOUS,
            booking(slot, type="cni_passeport", ants_number="12-34"),
        )
    assert refused.value.fields == {"ants_number": [domain.ANTS_FORMAT]}


def test_rappel_la_veille_annonce_une_seule_fois_avec_deux_planificateurs(
    containers, engine, module_events
):
    tomorrow = datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=1)
    starts_at = datetime.combine(tomorrow, time(10, 30), tzinfo=PARIS).astimezone(UTC)
    with engine.begin() as connection:
        appointment_id = connection.execute(
            text(
                "INSERT INTO appointments (kind, desk, starts_at, ends_at, status, email,"
                " first_name, last_name, ants_number, manage_key, booked_by, sequence,"
                " created_at, updated_at) VALUES ('retrait', 'station-2', :start, :end,"
                " 'reservee', 'rappel@example.org', 'Rémi', 'Rappel', '', 'cle', 'agent', 0,"
                " now(), now()) RETURNING id"
            ),
            {"start": starts_at, "end": starts_at + timedelta(minutes=10)},
        ).scalar_one()

    def remind(container):
        return call(container, "remind_tomorrows_appointments")

    with engine.connect() as connection:
        due = connection.execute(
            text(
                "SELECT count(*) FROM appointments WHERE status = 'reservee'"
                " AND starts_at >= :start AND starts_at < :end AND reminder_sent_at IS NULL"
            ),
            dict(zip(("start", "end"), domain.reminder_window(datetime.now(UTC)), strict=True)),
        ).scalar_one()
    claimed = list(eventlet.GreenPool(6).imap(remind, [*containers, *containers, *containers]))
    assert sum(claimed) == due
    reminded = []
    with pytest.raises(Empty):
        while True:
            reminded.append(module_events.next_of("appointment_reminder_due", timeout=3))
    assert len(reminded) == len({event["reference"] for event in reminded}) == due
    mine = [event for event in reminded if event["email"] == "rappel@example.org"]
    assert [event["type_label"] for event in mine] == ["Retrait d'un titre"]
    assert sum(call(container, "remind_tomorrows_appointments") for container in containers) == 0
    with engine.connect() as connection:
        sent = connection.execute(
            text("SELECT reminder_sent_at FROM appointments WHERE id = :id"), {"id": appointment_id}
        ).scalar_one()
    assert sent is not None


AGENT = {"account_id": "agent-ec", "roles": ["agent_etat_civil"], "family_id": None}


def insert_appointment(engine, starts_at: datetime, email: str) -> int:
    with engine.begin() as connection:
        return connection.execute(
            text(
                "INSERT INTO appointments (kind, desk, starts_at, ends_at, status, email,"
                " first_name, last_name, ants_number, manage_key, booked_by, sequence,"
                " created_at, updated_at, reminder_sent_at) VALUES ('retrait', 'station-1',"
                " :start, :end, 'reservee', :email, 'Ana', 'Absente', '', 'cle', 'agent', 0,"
                " now(), now(), now()) RETURNING id"
            ),
            {"start": starts_at, "end": starts_at + timedelta(minutes=10), "email": email},
        ).scalar_one()


def test_agent_note_l_absence_et_la_compte_dans_le_mois(container, engine):
    yesterday = datetime.now(UTC).astimezone(PARIS).date() - timedelta(days=1)
    starts_at = datetime.combine(yesterday, time(7, 0), tzinfo=PARIS).astimezone(UTC)
    appointment_id = insert_appointment(engine, starts_at, "absente@example.org")
    with pytest.raises(Forbidden):
        call(container, "list_day_appointments", CITIZEN, yesterday.isoformat())
    day = call(container, "list_day_appointments", AGENT, yesterday.isoformat(), "station-1")
    assert appointment_id in [item["id"] for item in day["appointments"]]
    marked = call(container, "mark_appointment", AGENT, appointment_id, "absente")
    assert marked["status_label"] == "Absent"
    [month] = [
        line
        for line in call(container, "no_show_statistics", AGENT, yesterday.year)
        if line["month"] == f"{yesterday:%Y-%m}"
    ]
    assert month["absent"] >= 1 and month["booked"] >= month["absent"]


def test_agent_ne_note_pas_la_presence_d_un_rendez_vous_a_venir(container):
    slot = free_day(container, kind="retrait")["slots"][0]
    booked = call(
        container,
        "book_appointment_at_counter",
        AGENT,
        booking(slot, type="retrait", ants_number="", email="guichet@example.org"),
    )
    day = call(container, "list_day_appointments", AGENT, slot["starts_at"][:10])
    [found] = [item for item in day["appointments"] if item["reference"] == booked["reference"]]
    assert (found["booked_by"], found["email"]) == ("agent", "guichet@example.org")
    with pytest.raises(Conflict, match="le jour du rendez-vous"):
        call(container, "mark_appointment", AGENT, found["id"], "presente")


def test_une_journee_fermee_par_un_agent_n_offre_plus_de_creneau(container):
    found = free_day(container, kind="cni")
    day = date.fromisoformat(found["day"])
    start, end = (
        datetime.combine(d, time(0), tzinfo=PARIS).astimezone(UTC)
        for d in (day, day + timedelta(days=1))
    )
    payload = {"desk": None, "starts_at": start.isoformat(), "ends_at": end.isoformat()}
    with pytest.raises(Forbidden):
        call(container, "block_appointment_slots", CITIZEN, {**payload, "reason": "Formation"})
    call(container, "block_appointment_slots", AGENT, {**payload, "reason": "Formation"})
    assert call(container, "list_free_slots", ANONYMOUS, "cni", found["day"])["slots"] == []
    with pytest.raises(Conflict, match="pas ouvert aux rendez-vous"):
        call(container, "book_appointment", ANONYMOUS, booking(found["slots"][0], type="cni"))


def test_le_rendez_vous_apparait_dans_mon_espace(container):
    holder = {"account_id": "acc-rdv", "roles": [], "family_id": None}
    slot = free_day(container, kind="retrait")["slots"][-1]
    booked = call(
        container, "book_appointment", holder, booking(slot, type="retrait", ants_number="")
    )
    entries = call(container, "list_account_requests", holder)
    [entry] = [e for e in entries if e["reference"] == booked["reference"]]
    assert (entry["kind"], entry["status_label"]) == ("rendez_vous", "Réservé")
    assert entry["title"].startswith("Rendez-vous Retrait d'un titre le ")
    assert entry["path"] == booked["manage_path"]


def test_creneau_libere_retenu_pour_la_liste_d_attente_puis_au_suivant(
    container, engine, module_events
):
    slot = free_day(container, kind="cni_passeport")["slots"][0]
    kind = {"type": "cni_passeport"}
    booked = call(
        container, "book_appointment", ANONYMOUS, booking(slot, **kind, email="a@example.org")
    )
    waiting = {**kind, "day": slot["starts_at"][:10], "first_name": "B", "last_name": "B"}
    for email in ("b@example.org", "c@example.org"):
        entry = call(container, "join_waiting_list", ANONYMOUS, {**waiting, "email": email})
        assert entry["status"] == "attente"
    with pytest.raises(Conflict, match="déjà sur la liste d'attente"):
        call(container, "join_waiting_list", ANONYMOUS, {**waiting, "email": "b@example.org"})

    call(container, "cancel_appointment", ANONYMOUS, booked["reference"], booked["manage_key"])
    offered = module_events.next_of("appointment_slot_offered")
    assert (offered["email"], offered["starts_at"]) == ("b@example.org", slot["starts_at"])
    day = call(container, "list_free_slots", ANONYMOUS, "cni_passeport", slot["starts_at"][:10])
    assert slot not in day["slots"]  # held for b, nobody else may take it
    with pytest.raises(Conflict, match="vient d'être réservé"):
        call(container, "book_appointment", ANONYMOUS, booking(slot, **kind, email="z@example.org"))

    with engine.begin() as connection:  # b lets the hold lapse
        connection.execute(
            text(
                "UPDATE appointments SET hold_expires_at = now() - interval '1 minute'"
                " WHERE status = 'retenue'"
            )
        )
    assert call(container, "release_lapsed_holds") == 1
    offered = module_events.next_of("appointment_slot_offered")
    assert offered["email"] == "c@example.org"
    ref, key = offered["reference"], offered["manage_key"]
    with pytest.raises(Invalid):
        call(container, "confirm_held_appointment", ANONYMOUS, ref, key, "")
    confirmed = call(container, "confirm_held_appointment", ANONYMOUS, ref, key, "ZZ12CD34EF")
    assert (confirmed["status"], confirmed["ants_number"]) == ("reservee", "ZZ12CD34EF")
    assert module_events.next_of("appointment_booked")["email"] == "c@example.org"


def test_rendez_vous_passes_depuis_deux_ans_purges(container, engine):
    old = datetime.now(UTC) - timedelta(days=800)
    recent = datetime.now(UTC) - timedelta(days=300)
    kept_id = insert_appointment(engine, recent, "recent@example.org")
    gone_id = insert_appointment(engine, old, "ancien@example.org")
    call(container, "purge_expired_data")
    with engine.connect() as connection:
        left = (
            connection.execute(
                text("SELECT id FROM appointments WHERE id IN (:a, :b)"),
                {"a": kept_id, "b": gone_id},
            )
            .scalars()
            .all()
        )
    assert left == [kept_id]
