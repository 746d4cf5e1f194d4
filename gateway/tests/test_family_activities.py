"""A child's activities: each day's deadline and the late-change rule before the click, the
form sending the days added and removed, the planning by day, the private .ics address."""

from __future__ import annotations

import base64
import io

import pytest

from contracts.base import example
from contracts.errors import Conflict, Invalid, NotFound

from .conftest import agent_identity, caller_of, citizen_identity, log_in

CALLER = {**caller_of(citizen_identity()), "family_ids": ["4217"]}
CHILD = "/famille/4217/enfants/31"
RULE = "J-2 à 23:59, week-ends et jours fériés non comptés"


def day(date: str, status: str, open_: bool, label: str) -> dict:
    return {
        "date": date,
        "status": status,
        "deadline": "2027-01-05T22:59:00+00:00",
        "deadline_label": label,
        "open": open_,
        "places_left": 3,
    }


OFFER = {
    "family_id": "4217",
    "child_id": 31,
    "child_first_name": "Léa",
    "activities": [
        {
            "activity": "restauration_scolaire",
            "label": "Restauration scolaire",
            "hours": "11:30 – 13:20",
            "place": "École élémentaire Jean Moulin",
            "rule": RULE,
            "after_deadline": "Après la date limite, le repas réservé reste facturé.",
            "by_week": False,
            "days": [
                day("2099-01-05", "reserve", False, "jeudi 31 décembre 2098 à 23:59"),
                day("2099-01-07", "reserve", True, "mardi 5 janvier 2099 à 23:59"),
                day("2099-01-08", "libre", True, "mercredi 6 janvier 2099 à 23:59"),
            ],
        }
    ],
}
RESULT = {
    "added": ["2099-01-08"],
    "removed": ["2099-01-07"],
    "absent": [],
    "waiting": [],
    "waiting_positions": [],
    "past_deadline": [],
}


@pytest.fixture
def rpc(rpc):
    rpc.answer("list_child_activities", OFFER)
    rpc.answer("change_attendance", RESULT)
    rpc.answer("enrol_child", RESULT)
    rpc.answer("list_linked_families", [example("linked_family")])
    return rpc


@pytest.mark.parametrize("path", ["/famille/activites", f"{CHILD}/activites", f"{CHILD}/planning"])
def test_les_pages_demandent_une_connexion(client, path):
    assert client.get(path).status_code == 302


def test_chaque_jour_montre_sa_date_limite_et_la_penalite_avant_le_clic(citizen_client, rpc):
    html = citizen_client.get(f"{CHILD}/activites").get_data(as_text=True)
    assert RULE in html and "le repas réservé reste facturé" in html
    assert "Modifiable jusqu'au mardi 5 janvier 2099 à 23:59" in html
    assert "Date limite passée (jeudi 31 décembre 2098 à 23:59)" in html
    assert "Signaler une absence le lundi 5 janvier 2099" in html
    assert rpc.last("list_child_activities")["args"] == (CALLER, "4217", 31)


def test_les_cases_cochees_deviennent_les_jours_ajoutes_et_retires(citizen_client, rpc):
    form = {
        "shown": ["2099-01-07", "2099-01-08"],
        "booked": ["2099-01-07"],
        "days": ["2099-01-08"],
    }
    response = citizen_client.post(f"{CHILD}/jours/restauration_scolaire", data=form)
    assert response.status_code == 303
    payload = rpc.last("change_attendance")["args"][1]
    assert (payload["add"], payload["remove"], payload["absent"]) == (
        ["2099-01-08"],
        ["2099-01-07"],
        [],
    )
    page = citizen_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 jour(s) réservé(s), 1 jour(s) annulé(s)" in page


def test_le_planning_groupe_les_jours(citizen_client, rpc):
    rpc.answer(
        "get_planning",
        {
            "child_id": 31,
            "child_first_name": "Léa",
            "start": "2099-01-01",
            "end": "2099-01-31",
            "days": [
                {
                    "date": "2099-01-07",
                    "activity": "restauration_scolaire",
                    "label": "Restauration scolaire",
                    "starts": "11:30",
                    "ends": "13:20",
                    "status": "reserve",
                    "deadline": "2099-01-05T22:59:00+00:00",
                    "open": True,
                }
            ],
        },
    )
    html = citizen_client.get(f"{CHILD}/planning?mois=2099-01").get_data(as_text=True)
    assert "janvier 2099" in html and "Restauration scolaire, 11:30 – 13:20 : réservé" in html
    assert rpc.last("get_planning")["args"][3:] == ("2099-01-01", "2099-01-31")


def test_le_flux_ics_est_public_mais_secret(client, rpc):
    rpc.answer("calendar_feed", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    response = client.get("/famille/calendrier/" + "s" * 43 + ".ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    rpc.answer("calendar_feed", NotFound("Ce calendrier n'existe pas ou a été renouvelé."))
    assert client.get("/famille/calendrier/ancien.ics").status_code == 404


ATTENDANCE = {
    "activity": "restauration_scolaire",
    "label": "Restauration scolaire",
    "day": "2099-01-07",
    "places": [
        {
            "place": "École élémentaire Jean Moulin",
            "capacity": 150,
            "booked": 2,
            "children": [
                {
                    "family_id": "4217",
                    "first_name": "Léa",
                    "last_name": "Müller",
                    "class_name": "CE2",
                    "child_id": 31,
                    "absent": False,
                },
                {
                    "family_id": "5101",
                    "first_name": "Noé",
                    "last_name": "Durand",
                    "class_name": None,
                    "child_id": 77,
                    "absent": True,
                    "justified": True,
                },
            ],
        }
    ],
}


@pytest.fixture
def simplicite_client(client, rpc):
    return log_in(client, rpc, agent_identity("agent_simplicite"))


def test_la_liste_des_presences_s_imprime_et_se_telecharge(simplicite_client, rpc):
    rpc.answer("list_attendance", ATTENDANCE)
    path = "/agents/famille/presences?activite=restauration_scolaire&jour=2099-01-07"
    html = simplicite_client.get(path).get_data(as_text=True)
    assert "Présences : Restauration scolaire, mercredi 7 janvier 2099" in html
    assert "2 réservation(s) sur 150 places" in html and "<td>Müller</td>" in html
    assert rpc.last("list_attendance")["args"][1:] == ("restauration_scolaire", "2099-01-07")
    response = simplicite_client.get(path + "&format=csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).splitlines() == [
        "\ufeffLieu;Nom;Prénom;Classe;N° famille;Absence signalée;Réservé",
        "École élémentaire Jean Moulin;Müller;Léa;CE2;4217;non;oui",
        "École élémentaire Jean Moulin;Durand;Noé;;5101;oui (justifiée);oui",
    ]


def test_l_agent_modifie_la_capacite_d_un_jour(simplicite_client, rpc):
    rpc.answer("list_attendance", ATTENDANCE)
    rpc.answer("set_capacity", {"capacity": 160})
    form = {
        "activity": "restauration_scolaire",
        "place": "École élémentaire Jean Moulin",
        "day": "2099-01-07",
        "capacity": "160",
    }
    response = simplicite_client.post("/agents/famille/capacite", data=form)
    assert response.status_code == 303
    assert rpc.last("set_capacity")["args"][1] == form
    refused = "Déjà 2 place(s) réservée(s) ce jour : pas moins de places."
    rpc.answer("set_capacity", Invalid(refused, {"capacity": [refused]}))
    response = simplicite_client.post("/agents/famille/capacite", data=form | {"capacity": "1"})
    assert response.status_code == 422 and refused in response.get_data(as_text=True)


def test_l_agent_note_une_presence_sans_reservation(simplicite_client, rpc):
    rpc.answer("list_attendance", ATTENDANCE)
    rpc.answer("record_unbooked_presence", RESULT | {"unbooked_presences": ["2099-01-07"]})
    form = {
        "family_id": " 4217 ",
        "child_first_name": "Lea",
        "activity": "restauration_scolaire",
        "day": "2099-01-07",
    }
    response = simplicite_client.post("/agents/famille/presence-sans-reservation", data=form)
    assert response.status_code == 303
    assert rpc.last("record_unbooked_presence")["args"][1]["family_id"] == "4217"
    rpc.answer("record_unbooked_presence", NotFound("Enfant introuvable."))
    response = simplicite_client.post("/agents/famille/presence-sans-reservation", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enfant introuvable." in html and 'value="Lea"' in html


def test_l_agent_telecharge_le_certificat_d_une_absence_justifiee(simplicite_client, rpc):
    noe = ATTENDANCE["places"][0]["children"][1]
    place = {**ATTENDANCE["places"][0], "children": [{**noe, "has_certificate": True}]}
    rpc.answer("list_attendance", {**ATTENDANCE, "places": [place]})
    path = "/agents/famille/presences?activite=restauration_scolaire&jour=2099-01-07"
    html = simplicite_client.get(path).get_data(as_text=True)
    link = (
        "/agents/famille/presences/certificat?famille=5101&amp;enfant=77"
        "&amp;activite=restauration_scolaire&amp;jour=2099-01-07"
    )
    assert f'justifiée (<a href="{link}">certificat' in html
    pdf = b"%PDF-1.4 certificat %%EOF"
    sent = {"filename": "certificat du Dr.pdf", "content_type": "application/pdf",
            "data": base64.b64encode(pdf).decode()}  # fmt: skip
    rpc.answer("get_absence_certificate", sent)
    response = simplicite_client.get(link.replace("&amp;", "&"))
    assert response.data == pdf and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="certificatduDr.pdf"'
    assert rpc.last("get_absence_certificate")["args"][1:] == (
        "5101", "77", "restauration_scolaire", "2099-01-07",
    )  # fmt: skip


def test_l_agent_justifie_une_absence_avec_un_certificat(simplicite_client, rpc):
    rpc.answer("list_attendance", ATTENDANCE)
    path = "/agents/famille/presences?activite=restauration_scolaire&jour=2099-01-07"
    html = simplicite_client.get(path).get_data(as_text=True)
    assert "<td>justifiée</td>" in html
    assert '<option value="5101:77">Durand Noé (famille 5101), déjà justifiée</option>' in html
    rpc.answer("justify_absence", {"has_certificate": True})
    form = {
        "child": "4217:31",
        "activity": "restauration_scolaire",
        "day": "2099-01-07",
        "reason": "Varicelle",
        "certificate": (io.BytesIO(b"%PDF-1.4 certificat %%EOF"), "certificat.pdf"),
    }
    response = simplicite_client.post("/agents/famille/absence-justifiee", data=form)
    assert response.status_code == 303
    sent = rpc.last("justify_absence")["args"][1]
    assert (sent["family_id"], sent["child_id"], sent["reason"]) == ("4217", "31", "Varicelle")
    assert base64.b64decode(sent["certificate"]["data"]) == b"%PDF-1.4 certificat %%EOF"
    refused = "Le justificatif doit être un PDF ou une image (JPEG, PNG, WebP)."
    rpc.answer("justify_absence", Invalid("Refusé.", {"certificate": [refused]}))
    response = simplicite_client.post(
        "/agents/famille/absence-justifiee",
        data=form | {"certificate": (io.BytesIO(b"x"), "x.pdf")},
    )
    assert response.status_code == 422
    assert "Certificat médical : Le justificatif doit" in response.get_data(as_text=True)


CALENDAR = {
    "school_year": "2026-2027",
    "school_years": ["2026-2027", "2027-2028"],
    "days": [
        {"date": "2027-02-03", "kind": "loisirs", "label": "Mercredi : centre de loisirs"},
        {"date": "2027-02-04", "kind": "fermeture", "label": "Fermeture : Grève"},
        {"date": "2027-02-06", "kind": "week-end", "label": "Week-end"},
        {"date": "2027-05-07", "kind": "pont", "label": "Pont (pas de classe)"},
    ],
}


def test_l_agent_voit_le_calendrier_et_ferme_puis_rouvre_un_jour(simplicite_client, rpc):
    rpc.answer("get_school_calendar", CALENDAR)
    html = simplicite_client.get("/agents/famille/calendrier?annee=2026-2027").get_data(
        as_text=True
    )
    assert rpc.last("get_school_calendar")["args"][1] == "2026-2027"
    assert "Février 2027" in html and "Mai 2027" in html
    assert "jeudi 4 février 2027 : Fermeture : Grève" in html
    assert "Week-end" not in html and "Rouvrir le jeudi 4 février 2027" in html
    rpc.answer("close_day", {"day": "2027-02-11", "removed": 12, "withdrawn": 0})
    form = {"day": "2027-02-11", "reason": " Pont ", "school_year": "2026-2027"}
    response = simplicite_client.post("/agents/famille/fermeture", data=form)
    assert response.status_code == 303
    assert rpc.last("close_day")["args"][1] == {"day": "2027-02-11", "reason": "Pont"}
    page = simplicite_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 réservation(s) annulée(s)" in page
    rpc.answer("close_day", Conflict("Ce jour est déjà fermé."))
    response = simplicite_client.post("/agents/famille/fermeture", data=form)
    assert response.status_code == 422 and "Ce jour est déjà fermé." in response.get_data(
        as_text=True
    )
    rpc.answer("reopen_day", {"day": "2027-02-04"})
    response = simplicite_client.post(
        "/agents/famille/reouverture", data={"day": "2027-02-04", "school_year": "2026-2027"}
    )
    assert response.status_code == 303 and rpc.last("reopen_day")["args"][1] == "2027-02-04"
    page = simplicite_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Les réservations annulées ne sont pas rétablies" in page
    assert "Rouvrir un jour ne rétablit pas les réservations annulées" in page


def test_fermer_un_jour_sans_le_saisir_montre_l_erreur_sous_chaque_champ(simplicite_client, rpc):
    rpc.answer("get_school_calendar", CALENDAR)
    rpc.answer(
        "close_day",
        Invalid(
            "Formulaire invalide.",
            {"day": ["Ce champ est obligatoire."], "reason": ["Ce champ est obligatoire."]},
        ),
    )
    form = {"day": "", "reason": "", "school_year": "2026-2027"}
    response = simplicite_client.post("/agents/famille/fermeture", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        rpc.last("close_day")["args"][1] == {}
    )  # blank is not sent: the service says "obligatoire"
    assert '<a href="#field-day">Jour : Ce champ est obligatoire.</a>' in html
    assert 'id="field-day-error"' in html and 'id="field-reason-error"' in html


def test_l_agent_ouvre_puis_publie_l_annee_scolaire(simplicite_client, rpc):
    rpc.answer("get_school_calendar", {**CALENDAR, "school_year": "2027-2028", "can_open": True})
    html = simplicite_client.get("/agents/famille/calendrier?annee=2027-2028").get_data(
        as_text=True
    )
    assert "Ouvrir l'année 2027-2028" in html
    rpc.answer(
        "open_school_year",
        {
            "school_year": "2027-2028",
            "moved": 410,
            "left": 52,
            "unknown": [{"family_id": "4217", "first_name": "Noé", "class_name": "ULIS"}],
        },
    )
    form = {"school_year": "2027-2028", "step": "ouvrir"}
    response = simplicite_client.post("/agents/famille/annee-scolaire", data=form)
    assert response.status_code == 303 and rpc.last("open_school_year")["args"][1] == "2027-2028"
    page = simplicite_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "410 enfant(s) passent dans la classe suivante, 52 quittent" in page
    assert "Noé (famille 4217, ULIS)" in page
    rpc.answer(
        "get_school_calendar",
        {**CALENDAR, "school_year": "2027-2028", "opened_at": "2027-07-01T08:00:00+00:00"},
    )
    html = simplicite_client.get("/agents/famille/calendrier?annee=2027-2028").get_data(
        as_text=True
    )
    assert "Publier les inscriptions aux familles" in html
    rpc.answer("publish_school_year", {"school_year": "2027-2028", "families": 1200})
    response = simplicite_client.post(
        "/agents/famille/annee-scolaire", data={**form, "step": "publier"}
    )
    page = simplicite_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1200 famille(s) prévenue(s) par e-mail" in page
    rpc.answer("publish_school_year", Conflict("Cette année scolaire est déjà publiée."))
    response = simplicite_client.post(
        "/agents/famille/annee-scolaire", data={**form, "step": "publier"}
    )
    assert response.status_code == 422
