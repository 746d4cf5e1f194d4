"""Appointment pages with a fake requests service: the day's times, the booking form and its
refusals, the manage page."""

from __future__ import annotations

from contracts.errors import Conflict, Invalid

TYPES = [
    {"code": "passeport", "label": "Passeport", "minutes": 20, "needs_pre_application": True},
    {
        "code": "retrait",
        "label": "Retrait d'un titre",
        "minutes": 10,
        "needs_pre_application": False,
    },
]
SLOT = {
    "desk": "station-1",
    "desk_label": "Station biométrique 1",
    "starts_at": "2027-03-02T07:30:00+00:00",
    "ends_at": "2027-03-02T07:50:00+00:00",
}
DAY = {
    "type": "passeport",
    "day": "2027-03-02",
    "first_day": "2027-03-02",
    "last_day": "2027-06-01",
    "closed_reason": None,
    "slots": [SLOT, {**SLOT, "desk": "station-2", "desk_label": "Station biométrique 2"}],
}
MANAGED = {
    "reference": "RDV-2027-000001",
    "manage_key": "cle-secrete",
    "manage_path": "/rendez-vous/gerer/RDV-2027-000001?cle=cle-secrete",
    "type": "passeport",
    "type_label": "Passeport",
    "desk": "station-1",
    "desk_label": "Station biométrique 1",
    "starts_at": SLOT["starts_at"],
    "ends_at": SLOT["ends_at"],
    "status": "reservee",
    "status_label": "Réservé",
    "first_name": "Camille",
    "last_name": "Martin",
    "ants_number": "AB12CD34EF",
}
BOOK = "/rendez-vous/passeport/reserver?poste=station-1&debut=2027-03-02T07:30:00%2B00:00"


def answer_appointments(rpc):
    rpc.answer("list_appointment_types", TYPES)
    rpc.answer("list_free_slots", DAY)
    rpc.answer("book_appointment", MANAGED)
    rpc.answer("get_managed_appointment", MANAGED)


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_la_journee_propose_chaque_horaire_une_fois(client, rpc):
    answer_appointments(rpc)
    page = client.get("/rendez-vous/passeport?jour=2027-03-02")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count(">8 h 30</a>") == 1
    assert rpc.last("list_free_slots")["args"][1:] == ("passeport", "2027-03-02")


def test_reservation_envoyee_puis_confirmation(client, rpc):
    answer_appointments(rpc)
    form = client.get(BOOK).get_data(as_text=True)
    assert "Le <strong>02/03/2027 à 8 h 30</strong>" in form
    sent = client.post(
        BOOK,
        data={
            "csrf_token": csrf_of(form),
            "poste": "station-1",
            "debut": SLOT["starts_at"],
            "last_name": "Martin",
            "first_name": "Camille",
            "email": "camille@example.org",
            "ants_number": "ab12cd34ef",
        },
    )
    assert sent.status_code == 303
    assert sent.headers["Location"].startswith("/rendez-vous/gerer/RDV-2027-000001?cle=cle-secrete")
    payload = rpc.last("book_appointment")["args"][1]
    assert (payload["type"], payload["desk"], payload["ants_number"]) == (
        "passeport",
        "station-1",
        "ab12cd34ef",
    )
    confirmation = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Votre rendez-vous est confirmé" in confirmation


def test_creneau_pris_entre_temps_ou_numero_ants_refuse(client, rpc):
    answer_appointments(rpc)
    token = csrf_of(client.get(BOOK).get_data(as_text=True))
    rpc.answer("book_appointment", Conflict("Ce créneau vient d'être réservé."))
    taken = client.post(BOOK, data={"csrf_token": token, "last_name": "M"})
    assert taken.status_code == 409 and "vient d&#39;être réservé" in taken.get_data(as_text=True)
    rpc.answer("book_appointment", Invalid("Erreurs", {"ants_number": ["10 caractères."]}))
    refused = client.post(BOOK, data={"csrf_token": token, "last_name": "Martin"})
    assert refused.status_code == 422
    assert 'value="Martin"' in refused.get_data(as_text=True)


def test_page_de_gestion_avec_deplacer_et_annuler(client, rpc):
    answer_appointments(rpc)
    page = client.get("/rendez-vous/gerer/RDV-2027-000001?cle=cle-secrete")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Déplacer le rendez-vous" in text and "Annuler le rendez-vous" in text
    move = client.get("/rendez-vous/gerer/RDV-2027-000001/deplacer?cle=cle-secrete&jour=2027-03-02")
    assert move.status_code == 200
    assert 'name="debut" value="2027-03-02T07:30:00+00:00"' in move.get_data(as_text=True)


AGENT_DAY = {
    "day": "2027-03-02",
    "desk": None,
    "appointments": [
        {**MANAGED, "id": 7, "email": "camille@example.org", "booked_by": "citoyen"},
    ],
}


def agent_of_etat_civil(client, rpc):
    from .conftest import agent_identity, log_in

    return log_in(client, rpc, agent_identity("agent_etat_civil"))


def test_liste_du_jour_imprimable_avec_presence(client, rpc):
    agent = agent_of_etat_civil(client, rpc)
    rpc.answer("list_day_appointments", AGENT_DAY)
    rpc.answer("mark_appointment", {})
    page = agent.get("/agents/rendez-vous?jour=2027-03-02")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and ">8 h 30</time>" in text
    assert 'href="/agents/rendez-vous"' in text  # the agent menu
    marked = agent.post(
        "/agents/rendez-vous/7/presence",
        data={"csrf_token": csrf_of(text), "statut": "absente", "jour": "2027-03-02"},
    )
    assert marked.status_code == 303
    assert rpc.last("mark_appointment")["args"][1:] == (7, "absente")


def test_fermer_une_journee_entiere(client, rpc):
    agent = agent_of_etat_civil(client, rpc)
    rpc.answer("block_appointment_slots", [])
    form = agent.get("/agents/rendez-vous/fermer?jour=2027-03-02").get_data(as_text=True)
    closed = agent.post(
        "/agents/rendez-vous/fermer",
        data={"csrf_token": csrf_of(form), "jour": "2027-03-02", "reason": "Formation"},
    )
    assert closed.status_code == 303
    payload = rpc.last("block_appointment_slots")["args"][1]
    assert payload == {
        "desk": None,
        "starts_at": "2027-03-02T00:00:00+01:00",
        "ends_at": "2027-03-03T00:00:00+01:00",
        "reason": "Formation",
    }


def test_reserver_au_guichet_et_statistiques(client, rpc):
    agent = agent_of_etat_civil(client, rpc)
    answer_appointments(rpc)
    rpc.answer("book_appointment_at_counter", MANAGED)
    rpc.answer(
        "no_show_statistics",
        [{"month": "2027-03", "booked": 10, "present": 6, "absent": 2, "cancelled": 2}],
    )
    form = agent.get("/agents/rendez-vous/guichet?type=passeport&jour=2027-03-02")
    text = form.get_data(as_text=True)
    assert "Station biométrique 2" in text
    booked = agent.post(
        "/agents/rendez-vous/guichet?type=passeport&jour=2027-03-02",
        data={
            "csrf_token": csrf_of(text),
            "creneau": f"station-2|{SLOT['starts_at']}",
            "last_name": "Martin",
            "first_name": "Camille",
            "email": "camille@example.org",
            "ants_number": "AB12CD34EF",
        },
    )
    assert booked.status_code == 303
    payload = rpc.last("book_appointment_at_counter")["args"][1]
    assert (payload["desk"], payload["starts_at"]) == ("station-2", SLOT["starts_at"])
    figures = agent.get("/agents/rendez-vous/statistiques?annee=2027").get_data(as_text=True)
    assert "25 %" in figures


def test_inscription_sur_la_liste_d_attente_de_la_semaine(client, rpc):
    answer_appointments(rpc)
    rpc.answer(
        "join_waiting_list", {"type": "passeport", "week_start": "2027-03-01", "status": "attente"}
    )
    page = client.get("/rendez-vous/passeport?jour=2027-03-02").get_data(as_text=True)
    joined = client.post(
        "/rendez-vous/passeport/liste-d-attente",
        data={
            "csrf_token": csrf_of(page),
            "jour": "2027-03-02",
            "last_name": "Petit",
            "first_name": "Dominique",
            "email": "dominique@example.org",
        },
    )
    assert joined.status_code == 200
    assert "Vous êtes sur la liste d'attente" in joined.get_data(as_text=True)
    assert rpc.last("join_waiting_list")["args"][1]["day"] == "2027-03-02"
    rpc.answer("join_waiting_list", Conflict("Vous êtes déjà sur la liste d'attente."))
    again = client.post(
        "/rendez-vous/passeport/liste-d-attente",
        data={"csrf_token": csrf_of(page), "jour": "2027-03-02", "email": "d@example.org"},
    )
    assert again.status_code == 409


def test_creneau_retenu_confirme_avec_le_numero_ants(client, rpc):
    answer_appointments(rpc)
    held = {**MANAGED, "status": "retenue", "status_label": "Retenu pour vous, à confirmer",
            "hold_expires_at": "2027-03-01T12:30:00+00:00", "ants_number": ""}  # fmt: skip
    rpc.answer("get_managed_appointment", held)
    rpc.answer("confirm_held_appointment", MANAGED)
    page = client.get("/rendez-vous/gerer/RDV-2027-000001?cle=cle-secrete").get_data(as_text=True)
    assert "vous est réservé jusqu'au <strong>1er mars 2027 à 13 h 30</strong>" in page
    confirmed = client.post(
        "/rendez-vous/gerer/RDV-2027-000001/confirmer",
        data={"csrf_token": csrf_of(page), "cle": "cle-secrete", "ants_number": "AB12CD34EF"},
    )
    assert confirmed.status_code == 303
    assert rpc.last("confirm_held_appointment")["args"][1:] == (
        "RDV-2027-000001",
        "cle-secrete",
        "AB12CD34EF",
    )
