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
