"""The Dossier Unique through the family service's RPCs, on PostgreSQL and RabbitMQ.

A family changes its dossier: most sections apply at once, adults (custody) and the quotient
familial wait for an agent, who validates or refuses them with a reason; every change is in
the history, and a validated quotient is announced as ``quotient_changed`` for billing.
"""

from __future__ import annotations

import base64
import io
import uuid
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import text

from chassis.testing.services import EventQueue, call
from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from family import dossier_models  # noqa: F401  (its tables join Base.metadata)

AGENT = {"account_id": "agent-simplicite-7", "roles": ["agent_simplicite"], "family_id": None}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class Inbox:
    """The events of ``family.events``, taken by type and family in any order they came."""

    def __init__(self, queue: EventQueue) -> None:
        self.queue, self.received = queue, []

    def take(self, event_type: str, family_id: str) -> dict:
        while True:
            for index, (found, payload) in enumerate(self.received):
                if found == event_type and payload["family_id"] == family_id:
                    return self.received.pop(index)[1]
            self.received.append(self.queue.next())


@pytest.fixture(scope="module")
def events(module_events):
    return Inbox(module_events)


@pytest.fixture(scope="module")
def container(module_container):
    return module_container


@pytest.fixture(scope="module")
def engine(module_engine):
    return module_engine


def citizen() -> dict:
    return {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}


def new_family(container, **changes) -> tuple[str, dict]:
    """A family created by an agent, and a parent account linked to it."""
    name = f"Durand-{uuid.uuid4().hex[:6]}"
    payload = {**example("create_family"), "name": name, "quotient_familial": None, **changes}
    created = call(container, "create_family", AGENT, payload)
    parent = citizen()
    activation = {
        "family_id": created["family_id"],
        "family_name": name,
        "adult_first_name": "Sophie",
    }
    call(container, "activate_family", parent, activation)
    return created["family_id"], {**parent, "family_ids": [created["family_id"]]}


def certificate(content: bytes, filename: str) -> dict:
    return {"filename": filename, "data": base64.b64encode(content).decode("ascii")}


def test_les_sections_libres_s_appliquent_et_restent_dans_l_historique(container, events):
    family_id, parent = new_family(container)
    lea = call(container, "get_dossier", parent, family_id)["children"][0]
    update = {
        "address": "5 montée des Forts, 69300 Caluire-et-Cuire",
        "children": [{"id": lea["id"], "school": "École Jean Moulin", "class_name": "CE2"}],
        "health": [{"child_id": lea["id"], "allergies": "Kiwi", "pai": True, "doctor": "Dr B"}],
        "pickup": example("update_dossier")["pickup"],
        "emergency": example("update_dossier")["emergency"],
        "consents": {"photos": True, "outings": False},
    }
    outcome = call(container, "update_dossier", parent, family_id, update)
    assert outcome == {"applied": list(update), "pending": []}

    dossier = call(container, "get_dossier", parent, family_id)
    assert dossier["address"] == update["address"]
    assert dossier["children"][0]["class_name"] == "CE2"
    assert dossier["children"][0]["health"] == {"allergies": "Kiwi", "pai": True, "doctor": "Dr B"}
    assert dossier["pickup"][0]["relationship"] == "Grand-mère"
    assert dossier["consents"] == {"photos": True, "outings": False}
    event = events.take("dossier_changed", family_id)
    assert (event["account_id"], event["changed_by"]) == (parent["account_id"], "famille")
    assert event["applied"] == list(update) and event["pending"] == []

    history = call(container, "list_dossier_history", parent, family_id)
    assert {entry["section"] for entry in history} == set(update)
    assert {(e["status"], e["requested_as"]) for e in history} == {("appliquee", "famille")}
    health = next(entry for entry in history if entry["section"] == "health")
    assert health["proposed"] == {"children": [lea["id"]]} and "Kiwi" not in str(history)
    address = next(entry for entry in history if entry["section"] == "address")
    assert address["previous"] == {"address": example("create_family")["address"]}


def test_quotient_et_garde_attendent_l_agent_qui_valide_ou_refuse(container, events):
    family_id, parent = new_family(container)
    adults = [
        {**example("update_dossier")["adults"][0], "first_name": "Sophie", "custody": "alternee"}
    ]
    update = {
        "adults": adults,
        "quotient": {"quotient_familial": 850, "certificate": certificate(PDF, "caf.pdf")},
        "consents": {"photos": True, "outings": True},
    }
    outcome = call(container, "update_dossier", parent, family_id, update)
    assert outcome == {"applied": ["consents"], "pending": ["adults", "quotient"]}
    dossier = call(container, "get_dossier", parent, family_id)
    assert dossier["quotient"]["quotient_familial"] is None
    assert dossier["adults"][0]["custody"] == "exercee"
    assert [change["section"] for change in dossier["pending"]] == ["adults", "quotient"]

    waiting = {
        c["section"]: c
        for c in call(container, "list_pending_changes", AGENT)
        if c["family_id"] == family_id
    }
    quotient, custody = waiting["quotient"], waiting["adults"]
    sent = call(container, "get_quotient_certificate", AGENT, quotient["id"])
    assert (sent["content_type"], base64.b64decode(sent["data"])) == ("application/pdf", PDF)

    decided = call(container, "decide_change", AGENT, quotient["id"], {"decision": "validee"})
    assert decided["status"] == "validee"
    today = call(container, "get_dossier", parent, family_id)["quotient"]
    assert today["quotient_familial"] == 850
    announced = events.take("quotient_changed", family_id)
    assert {k: announced[k] for k in ("quotient_familial", "resident", "valid_from")} == {
        "quotient_familial": 850,
        "resident": True,
        "valid_from": today["valid_from"],
    }
    assert date.fromisoformat(announced["valid_from"]) and announced["changed_at"]
    validated = events.take("dossier_change_decided", family_id)
    assert (validated["account_id"], validated["decision"]) == (parent["account_id"], "validee")

    with pytest.raises(Invalid) as no_reason:
        call(container, "decide_change", AGENT, custody["id"], {"decision": "refusee"})
    assert no_reason.value.fields == {"reason": ["Indiquez le motif du refus à la famille."]}
    refusal = {"decision": "refusee", "reason": "Jugement de garde à fournir."}
    call(container, "decide_change", AGENT, custody["id"], refusal)
    assert call(container, "get_dossier", parent, family_id)["adults"][0]["custody"] == "exercee"
    refused = events.take("dossier_change_decided", family_id)
    assert (refused["section"], refused["reason"]) == ("adults", "Jugement de garde à fournir.")
    with pytest.raises(Conflict):
        call(container, "decide_change", AGENT, custody["id"], {"decision": "validee"})

    history = call(container, "list_dossier_history", parent, family_id)
    assert [(e["section"], e["status"]) for e in history] == [
        ("quotient", "validee"),
        ("consents", "appliquee"),
        ("adults", "refusee"),
    ]
    assert history[2]["reason"] == "Jugement de garde à fournir."


def test_une_nouvelle_proposition_remplace_celle_en_attente(container):
    family_id, parent = new_family(container)
    for value in (700, 720):
        quotient = {"quotient_familial": value, "certificate": certificate(PDF, "caf.pdf")}
        call(container, "update_dossier", parent, family_id, {"quotient": quotient})
    pending = call(container, "get_dossier", parent, family_id)["pending"]
    assert [change["proposed"] for change in pending] == [{"quotient_familial": 720}]
    statuses = [e["status"] for e in call(container, "list_dossier_history", parent, family_id)]
    assert statuses == ["en_attente", "remplacee"]


def test_le_justificatif_est_exige_verifie_et_nettoye(container, engine):
    family_id, parent = new_family(container)

    def send(upload):
        quotient = {"quotient_familial": 500, "certificate": upload}
        return call(container, "update_dossier", parent, family_id, {"quotient": quotient})

    for upload, message in [
        (None, "Joignez l'attestation de quotient familial (CAF ou avis d'imposition)."),
        (certificate(b"<html>pas un pdf</html>", "caf.pdf"), "Le justificatif doit être un PDF"),
        (
            certificate(b"%PDF" + b"0" * (5 * 1024 * 1024), "gros.pdf"),
            "Le justificatif dépasse 5 Mo.",
        ),
    ]:
        with pytest.raises(Invalid) as refused:
            send(upload)
        assert refused.value.fields["quotient.certificate"][0].startswith(message)

    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (45.0, 47.0, 0.0)}  # GPSInfo: latitude
    Image.new("RGB", (3000, 4000), "white").save(photo, "JPEG", exif=exif.tobytes())
    send(certificate(photo.getvalue(), "scan.jpeg"))
    with engine.connect() as connection:
        stored = connection.execute(
            text("select filename, content_type, data from quotient_certificates")
        ).all()[-1]
    assert (stored.filename, stored.content_type) == ("scan.jpg", "image/jpeg")
    cleaned = Image.open(io.BytesIO(stored.data))
    assert max(cleaned.size) == 2480 and not cleaned.getexif()


def test_un_compte_non_lie_ne_voit_ni_ne_modifie_rien(container):
    family_id, parent = new_family(container)
    other_id, other_parent = new_family(container)
    stranger = citizen()
    stale = {**stranger, "family_ids": [family_id, "99999"]}
    for caller, target, refusal in [
        (stranger, family_id, Forbidden),
        (other_parent, family_id, Forbidden),
        (parent, "99999", Forbidden),
        (stale, family_id, NotFound),
        (stale, "99999", NotFound),
    ]:
        for method, args in [
            ("get_dossier", ()),
            ("list_dossier_history", ()),
            ("update_dossier", ({"address": "1 rue du Vol"},)),
        ]:
            with pytest.raises(refusal):
                call(container, method, caller, target, *args)
    for method, args in [
        ("list_pending_changes", ()),
        ("search_families", ("Durand",)),
        ("decide_change", (1, {"decision": "validee"})),
        ("get_quotient_certificate", (1,)),
        ("create_family", (example("create_family"),)),
    ]:
        with pytest.raises(Forbidden):
            call(container, method, parent, *args)
    other_child = call(container, "get_dossier", other_parent, other_id)["children"][0]["id"]
    health = [{"child_id": other_child, "allergies": "x", "pai": False, "doctor": ""}]
    with pytest.raises(Invalid) as refused:
        call(container, "update_dossier", parent, family_id, {"health": health})
    assert refused.value.fields == {
        "health.0.child_id": ["Cet enfant ne fait pas partie de la famille."]
    }


def test_l_agent_cherche_et_cree_des_familles(container, events):
    created = call(
        container, "create_family", AGENT, {**example("create_family"), "name": "Lefèvre-Noël"}
    )
    family_id = created["family_id"]
    assert created["adults"] == ["Sophie Durand"] and created["children"] == ["Jules Durand"]
    announced = events.take("quotient_changed", family_id)
    assert (announced["quotient_familial"], announced["resident"]) == (620, True)
    for query in ("lefevre noel", "LEFÈVRE", family_id[:3], "jules dur"):
        found = call(container, "search_families", AGENT, query)
        assert family_id in [f["family_id"] for f in found], query
    with pytest.raises(Invalid):
        call(container, "search_families", AGENT, " a ")
    with pytest.raises(Conflict):
        call(
            container, "create_family", AGENT, {**example("create_family"), "family_id": family_id}
        )
    given = call(
        container, "create_family", AGENT, {**example("create_family"), "family_id": "123"}
    )
    assert given["family_id"] == "123"
    later = call(container, "create_family", AGENT, example("create_family"))
    assert int(later["family_id"]) == int(family_id) + 1 or int(later["family_id"]) > int(family_id)


def test_effacer_une_famille_efface_sa_sante_et_tout_son_dossier(container, engine):
    family_id, parent = new_family(container)
    kept_id, kept_parent = new_family(container)
    for target, who in ((family_id, parent), (kept_id, kept_parent)):
        child = call(container, "get_dossier", who, target)["children"][0]["id"]
        update = {
            "health": [{"child_id": child, "allergies": "Gluten", "pai": True, "doctor": "Dr C"}],
            "pickup": example("update_dossier")["pickup"],
            "quotient": {"quotient_familial": 900, "certificate": certificate(PDF, "caf.pdf")},
        }
        call(container, "update_dossier", who, target, update)
    call(container, "get_dossier", AGENT, family_id)
    with pytest.raises(Forbidden):
        call(container, "erase_family", parent, family_id)

    assert call(container, "erase_family", AGENT, family_id) == {}
    with pytest.raises(NotFound):
        call(container, "get_dossier", AGENT, family_id)
    assert call(container, "list_linked_families", parent) == []
    with engine.connect() as connection:
        texts = connection.execute(
            text("select count(*) from child_health where allergies = 'Gluten'")
        ).scalar_one()
        families = (
            connection.execute(
                text("select identifier from families where identifier in (:a, :b)"),
                {"a": family_id, "b": kept_id},
            )
            .scalars()
            .all()
        )
    # The family row is gone, so no row still points at it (foreign keys), children included.
    assert (texts, families) == (1, [kept_id])
    assert call(container, "get_dossier", kept_parent, kept_id)["pickup"]


def test_la_modification_d_un_agent_s_applique_sans_validation(container, events):
    family_id, _ = new_family(container)
    adults = [{**example("update_dossier")["adults"][0], "custody": "sans"}]
    update = {"adults": adults, "quotient": {"quotient_familial": 430}}
    outcome = call(container, "update_dossier", AGENT, family_id, update)
    assert outcome == {"applied": ["adults", "quotient"], "pending": []}
    dossier = call(container, "get_dossier", AGENT, family_id)
    assert dossier["adults"][0]["custody"] == "sans" and dossier["pending"] == []
    assert dossier["quotient"]["quotient_familial"] == 430
    assert events.take("quotient_changed", family_id)["quotient_familial"] == 430
    changed = events.take("dossier_changed", family_id)
    assert (changed["changed_by"], changed["account_id"]) == ("agent", AGENT["account_id"])
    history = call(container, "list_dossier_history", AGENT, family_id)
    assert {(e["requested_as"], e["status"]) for e in history} == {("agent", "appliquee")}


def test_un_justificatif_ancien_est_efface_sauf_s_il_attend_encore(container, engine):
    sent = {}
    for name in ("decidee", "en_attente"):
        family_id, parent = new_family(container)
        quotient = {"quotient_familial": 610, "certificate": certificate(PDF, f"{name}.pdf")}
        call(container, "update_dossier", parent, family_id, {"quotient": quotient})
        [change] = call(container, "get_dossier", parent, family_id)["pending"]
        sent[name] = (family_id, parent, change["id"])
    call(container, "decide_change", AGENT, sent["decidee"][2], {"decision": "validee"})
    with engine.begin() as connection:
        connection.execute(
            text(
                "update quotient_certificates set uploaded_at = now() - interval '401 days'"
                " where filename in ('decidee.pdf', 'en_attente.pdf')"
            )
        )

    call(container, "purge_expired_data")
    with engine.connect() as connection:
        left = (
            connection.execute(
                text(
                    "select filename from quotient_certificates"
                    " where filename in ('decidee.pdf', 'en_attente.pdf')"
                )
            )
            .scalars()
            .all()
        )
    assert left == ["en_attente.pdf"]
    family_id, parent, change_id = sent["decidee"]
    [validated] = call(container, "list_dossier_history", parent, family_id)
    assert (validated["status"], validated["has_certificate"]) == ("validee", False)
    with pytest.raises(NotFound):
        call(container, "get_quotient_certificate", AGENT, change_id)
    assert call(container, "get_quotient_certificate", AGENT, sent["en_attente"][2])["data"]
