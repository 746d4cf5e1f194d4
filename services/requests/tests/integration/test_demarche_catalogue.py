"""Livret de famille and arrêté de stationnement through the real service, database and
broker: submitted, refused by their rules, processed along the shared workflow by the agents
of their role only. One service and one database for the module."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from PIL import Image

from chassis.testing.services import EventQueue, call, service_config
from chassis.types import utcnow
from contracts import demarche_file
from contracts.demarche_requests import ATTACHMENT_MAX_BYTES
from contracts.demarche_rules import OUTSIDE_ZONE
from contracts.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from contracts.fields_fr import BAD_PLATE
from requests_service import limits
from requests_service.attachments import NOT_ACCEPTED
from requests_service.demarche_domain import paris_day
from requests_service.service import RequestsService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
CITIZEN = {"account_id": None, "roles": [], "family_id": None}
ETAT_CIVIL = {"account_id": "agent-ec", "roles": ["agent_etat_civil"], "family_id": None}
VIE_PRATIQUE = {"account_id": "agent-vp", "roles": ["agent_vie_pratique"], "family_id": None}
LIVRET = {
    "motif": "perte",
    "titulaire_1": "Camille Martin",
    "demandeur": "Camille Martin",
    "adresse": "12 rue de la République",
    "code_postal": "69300",
    "commune": "Caluire-et-Cuire",
    "email": "camille.martin@example.org",
}


def move(first_day_in: int, days: int = 2) -> dict:
    """An arrêté asked ``first_day_in`` Paris days ahead, for ``days`` days."""
    start = paris_day(utcnow()) + timedelta(days=first_day_in)
    return {
        "adresse": "3 place Jules Ferry",
        "date_debut": start.isoformat(),
        "date_fin": (start + timedelta(days=days - 1)).isoformat(),
        "longueur": "12",
        "vehicule": "camion",
        "demandeur": "Dominique Durand",
        "email": "dominique.durand@example.org",
    }


@pytest.fixture(scope="module")
def events(amqp_uri):
    with EventQueue(amqp_uri, "requests") as queue:
        yield queue


@pytest.fixture(scope="module")
def container(amqp_uri, postgres_database, events):
    database_url = postgres_database("requests", ALEMBIC_INI)
    container = ServiceContainer(RequestsService, service_config(amqp_uri, database_url))
    container.start()
    yield container
    container.stop()


def submit(container, demarche: str, fields: dict) -> dict:
    return call(container, "submit_demarche", CITIZEN, {"demarche": demarche, "fields": fields})


def event_about(events, event_type: str, tracking_number: str) -> dict:
    while True:
        payload = events.next_of(event_type)
        if payload["tracking_number"] == tracking_number:
            return payload


def change(container, agent, request, status, comment=""):
    payload = {"status": status, "comment": comment}
    return call(container, "change_demarche_status", agent, request["id"], payload)


def test_livret_de_famille_depose_puis_delivre_et_clos(container, events):
    request = submit(container, "livret_famille", LIVRET)
    assert (request["tracking_number"][:4], request["status_label"]) == ("LVF-", "Déposée")
    submitted = event_about(events, "demarche_submitted", request["tracking_number"])
    assert (submitted["status"], submitted["notify"]) == ("deposee", True)
    change(container, ETAT_CIVIL, request, "recue")
    received = event_about(events, "demarche_status_changed", request["tracking_number"])
    assert (received["status"], received["notify"]) == ("recue", False)
    change(container, ETAT_CIVIL, request, "en_cours")
    sent = change(container, ETAT_CIVIL, request, "delivree", "Envoyé ce jour.")
    assert (sent["status_label"], sent["next_statuses"]) == (
        "Livret envoyé par courrier",
        ["close"],
    )
    closed = change(container, ETAT_CIVIL, request, "close")
    assert [step["status"] for step in closed["history"]] == [
        "deposee",
        "recue",
        "en_cours",
        "delivree",
        "close",
    ]
    with pytest.raises(Conflict):
        change(container, ETAT_CIVIL, request, "en_cours")


def test_attente_du_demandeur_exige_de_dire_ce_qui_manque(container, events):
    request = submit(container, "livret_famille", {**LIVRET, "motif": "separation"})
    with pytest.raises(Invalid) as refused:
        change(container, ETAT_CIVIL, request, "en_attente")
    assert list(refused.value.fields) == ["comment"]
    waiting = change(container, ETAT_CIVIL, request, "en_attente", "Joignez le jugement.")
    assert waiting["status_label"] == "En attente de votre réponse"
    asked = event_about(events, "demarche_status_changed", request["tracking_number"])
    assert (asked["comment"], asked["notify"]) == ("Joignez le jugement.", True)


def test_arrete_refuse_a_moins_de_dix_jours_de_paris(container):
    with pytest.raises(Invalid) as refused:
        submit(container, "arrete_stationnement", move(first_day_in=9))
    earliest = (paris_day(utcnow()) + timedelta(days=10)).strftime("%d/%m/%Y")
    assert refused.value.fields == {
        "date_debut": [
            "Demandez l'arrêté au moins 10 jours avant le déménagement : "
            f"premier jour possible le {earliest}."
        ]
    }
    with pytest.raises(Invalid) as too_long:
        submit(container, "arrete_stationnement", move(first_day_in=12, days=4))
    assert too_long.value.fields == {"date_fin": ["Un arrêté couvre 3 jours au plus."]}


def test_arrete_traite_par_la_vie_pratique_seulement(container, events):
    request = submit(container, "arrete_stationnement", move(first_day_in=10))
    assert (request["tracking_number"][:4], request["fields"]["longueur"]) == ("STA-", 12)
    event_about(events, "demarche_submitted", request["tracking_number"])
    with pytest.raises(Forbidden):
        call(container, "get_demarche_request", ETAT_CIVIL, request["id"])
    with pytest.raises(Forbidden):
        call(container, "list_demarche_requests", ETAT_CIVIL, "arrete_stationnement")
    with pytest.raises(Forbidden):
        change(container, ETAT_CIVIL, request, "en_cours")
    listed = call(container, "list_demarche_requests", VIE_PRATIQUE, "arrete_stationnement")
    assert [item["id"] for item in listed["items"]] == [request["id"]]
    delivered = change(container, VIE_PRATIQUE, request, "en_cours")
    delivered = change(container, VIE_PRATIQUE, request, "delivree", "Arrêté n° 2026-451 joint.")
    assert delivered["status_label"] == "Arrêté délivré"
    announced = event_about(events, "demarche_status_changed", request["tracking_number"])
    assert announced["status"] == "en_cours"
    announced = event_about(events, "demarche_status_changed", request["tracking_number"])
    assert (announced["status"], announced["notify"]) == ("delivree", True)


def test_trop_de_demandes_refusees_avec_un_message_pour_les_demarches(container):
    flood = {**LIVRET, "email": "inondee@example.org"}
    for n in range(20):
        call(
            container,
            "submit_demarche",
            CITIZEN,
            {"demarche": "livret_famille", "fields": flood, "client_ip": f"198.51.100.{n}"},
        )
    with pytest.raises(TooManyRequests) as refused:
        submit(container, "livret_famille", flood)
    assert refused.value.message == limits.TOO_MANY_DEMARCHES
    assert "démarches" in refused.value.message and refused.value.retry_after == 3600


def vignette(**changes) -> dict:
    year = paris_day(utcnow()).year
    fields = {
        "adresse": "14 montée des Forts",
        "immatriculation": "ab 123 cd",
        "annee": str(year),
        "demandeur": "Dominique Durand",
        "email": "dominique.durand@example.org",
    }
    return {**fields, **changes}


def proof(content: bytes, filename: str) -> dict:
    return {"justificatif": {"filename": filename, "data": base64.b64encode(content).decode()}}


def send_vignette(container, files: dict, **changes) -> dict:
    payload = {"demarche": "vignette_resident", "fields": vignette(**changes), "files": files}
    return call(container, "submit_demarche", CITIZEN, payload)


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (45.0, 47.0, 40.0)}  # GPSInfo
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_vignette_avec_justificatif_pdf_vu_par_l_agent(container):
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    request = send_vignette(container, proof(pdf, "facture EDF.pdf"))
    assert request["tracking_number"][:4] == "VRE-"
    assert (request["fields"]["immatriculation"], request["fields"]["justificatif"]) == (
        "AB-123-CD",
        "facture EDF.pdf",
    )
    seen = call(container, "get_demarche_request", VIE_PRATIQUE, request["id"])
    [attachment] = seen["attachments"]
    assert (attachment["content_type"], attachment["size"]) == ("application/pdf", len(pdf))
    file = call(container, "get_demarche_attachment", VIE_PRATIQUE, request["id"], attachment["id"])
    assert base64.b64decode(file["data"]) == pdf
    with pytest.raises(Forbidden):
        call(container, "get_demarche_attachment", ETAT_CIVIL, request["id"], attachment["id"])
    with pytest.raises(NotFound):
        call(
            container, "get_demarche_attachment", VIE_PRATIQUE, request["id"], attachment["id"] + 1
        )


def test_vignette_photo_du_justificatif_sans_position_gps(container):
    request = send_vignette(container, proof(photo_with_gps(), "quittance.jpeg"))
    [attachment] = call(container, "get_demarche_request", VIE_PRATIQUE, request["id"])[
        "attachments"
    ]
    assert (attachment["filename"], attachment["content_type"]) == ("quittance.jpg", "image/jpeg")
    file = call(container, "get_demarche_attachment", VIE_PRATIQUE, request["id"], attachment["id"])
    stored = Image.open(io.BytesIO(base64.b64decode(file["data"])))
    assert not stored.getexif()


def test_vignette_refusee_avec_des_messages_par_champ(container):
    with pytest.raises(Invalid) as missing:
        send_vignette(container, {}, adresse="1 rue Inconnue", immatriculation="A-12")
    assert missing.value.fields == {
        "justificatif": ["Ce champ est obligatoire."],
        "immatriculation": [BAD_PLATE],
    }
    with pytest.raises(Invalid) as outside:
        send_vignette(
            container, proof(b"%PDF-1.4", "f.pdf"), adresse="1 rue Inconnue", annee="2001"
        )
    year = paris_day(utcnow()).year
    assert outside.value.fields == {
        "adresse": [OUTSIDE_ZONE],
        "annee": [f"Choisissez {year} ou {year + 1}."],
    }
    with pytest.raises(Invalid) as not_a_document:
        send_vignette(container, proof(b"MZ\x90\x00 not a pdf", "facture.pdf"))
    assert not_a_document.value.fields == {"justificatif": [NOT_ACCEPTED]}
    with pytest.raises(Invalid) as too_big:
        send_vignette(container, proof(b"%PDF-" + b"0" * ATTACHMENT_MAX_BYTES, "f.pdf"))
    assert too_big.value.fields == {"justificatif": ["Le fichier dépasse 5 Mo."]}


def test_le_demandeur_repond_a_ce_que_l_agent_demande(container, events):
    request = submit(container, "livret_famille", {**LIVRET, "motif": "vol"})
    number, key = request["tracking_number"], request["tracking_key"]
    asked = {
        "status": "en_attente",
        "comment": "Joignez le récépissé de plainte.",
        "internal_note": "Vérifier auprès du commissariat.",
    }
    call(container, "change_demarche_status", ETAT_CIVIL, request["id"], asked)
    with pytest.raises(NotFound):
        call(container, "answer_demarche", CITIZEN, number, "mauvaise-cle", {"message": "x"})
    pdf = b"%PDF-1.4 recepisse"
    answer = {
        "message": "Voici le récépissé.",
        "files": [{"filename": "recepisse.pdf", "data": base64.b64encode(pdf).decode()}],
    }
    followed = call(container, "answer_demarche", CITIZEN, number, key, answer)
    assert followed["status"] == "en_cours"
    assert followed["history"][-1] == {
        "status": "en_cours",
        "status_label": "En cours de traitement",
        "comment": "Voici le récépissé.",
        "changed_at": followed["history"][-1]["changed_at"],
        "by_requester": True,
    }
    assert "internal_note" not in followed["history"][-2]
    event = event_about(events, "demarche_status_changed", number)
    while event["status"] != "en_cours":
        event = event_about(events, "demarche_status_changed", number)
    assert (event["by_requester"], event["notify"], event["previous_status"]) == (
        True,
        False,
        "en_attente",
    )
    seen = call(container, "get_demarche_request", ETAT_CIVIL, request["id"])
    assert [(s["changed_by"], s["internal_note"]) for s in seen["history"][1:]] == [
        ("agent-ec", "Vérifier auprès du commissariat."),
        (None, ""),
    ]
    [file] = seen["attachments"]
    assert (file["field"], file["filename"]) == ("reponse", "recepisse.pdf")
    with pytest.raises(Conflict):
        call(container, "answer_demarche", CITIZEN, number, key, answer)


EXAMPLE_FILE = Path(__file__).resolve().parents[4] / "deploy" / "demarches.example.json"
ACCUEIL = {
    "hebergeant": "Camille Martin",
    "adresse": "12 rue de la République",
    "visiteur": "Ana Pereira",
    "date_naissance": "1958-03-02",
    "nationalite": "Brésilienne",
    "passeport": "FZ123456",
    "arrivee": "2027-04-10",
    "duree": "21",
    "lien": "famille",
    "email": "camille.martin@example.org",
}


@pytest.fixture
def town_demarches():
    """The démarches of the example file, added as ``DEMARCHES_FILE`` adds them at start."""
    added = demarche_file.load(EXAMPLE_FILE)
    demarche_file.install(added)
    yield added
    demarche_file.uninstall(added)


def test_demarche_du_fichier_de_la_ville_deposee_et_traitee(container, events, town_demarches):
    with pytest.raises(Invalid) as refused:
        submit(container, "attestation_accueil", {**ACCUEIL, "duree": "120", "lien": "voisin"})
    assert refused.value.fields == {
        "duree": ["Nombre entre 1 et 90 attendu."],
        "lien": ["Choix inconnu."],
    }
    request = submit(container, "attestation_accueil", ACCUEIL)
    assert (request["tracking_number"][:4], request["status"]) == ("ACC-", "deposee")
    assert event_about(events, "demarche_submitted", request["tracking_number"])["notify"]
    with pytest.raises(Forbidden):
        change(container, VIE_PRATIQUE, request, "en_cours")
    change(container, ETAT_CIVIL, request, "en_cours")
    done = change(container, ETAT_CIVIL, request, "delivree")
    assert (done["status_label"], done["fields"]["duree"]) == ("Attestation validée", 21)
    queue = call(container, "search_demarche_requests", ETAT_CIVIL,
                 {"demarche": "attestation_accueil"})  # fmt: skip
    assert [item["tracking_number"] for item in queue["items"]] == [request["tracking_number"]]
