"""The salle des fêtes through the real service, PostgreSQL and RabbitMQ: a request with its
insurance certificate, availability, acceptance publishing ``fee_due`` exactly as billing
expects, refusal with a reason, and never two accepted bookings on the same time, even when
two agents accept at once; billing's ``invoice_paid`` marking a booking paid, and the
requester withdrawing a request not answered yet; billing's ``invoice_cancelled`` cancelling an
accepted booking."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import date, datetime, timedelta

import eventlet
import pytest
from nameko.containers import ServiceContainer
from PIL import Image

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call, service_config
from contracts import hall
from contracts.base import example
from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from requests_service import hall_domain, hall_insurance
from requests_service.service import RequestsService

HOLDER = {"account_id": "acc-salle", "roles": [], "family_id": None}
OTHER = {"account_id": "acc-autre", "roles": [], "family_id": None}
AGENT = {"account_id": "agent-vp", "roles": ["agent_vie_pratique"], "family_id": None}
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n").decode()


@pytest.fixture(scope="module")
def container(amqp_uri, module_database_url, module_events):
    started = ServiceContainer(
        RequestsService, service_config(amqp_uri, module_database_url, max_workers=10)
    )
    started.start()
    yield started
    started.stop()


def a_saturday(weeks: int) -> date:
    day = paris_today() + timedelta(days=20 + 7 * weeks)
    return day + timedelta(days=(5 - day.weekday()) % 7)


def request_payload(day: date, **changes) -> dict:
    return {
        "day": day.isoformat(),
        "period": "journee",
        "event_kind": "mariage",
        "guests": 120,
        "resident": True,
        "requester": "Camille Martin",
        "email": "camille.martin@example.org",
        "insurance": {"filename": "attestation.pdf", "data": PDF},
        **changes,
    }


def test_demande_acceptee_publie_fee_due_et_bloque_la_date(container, module_events):
    day = a_saturday(0)
    with pytest.raises(Forbidden):
        call(container, "request_hall", {"account_id": None, "roles": []}, request_payload(day))
    sent = call(container, "request_hall", HOLDER, request_payload(day))
    assert (sent["status"], sent["amount_cents"], sent["deposit_cents"]) == (
        "demandee",
        45000,
        100000,
    )
    assert call(container, "get_hall_booking", HOLDER, sent["reference"])["guests"] == 120
    with pytest.raises(Exception, match="n'existe pas"):
        call(container, "get_hall_booking", OTHER, sent["reference"])
    month = call(container, "hall_availability", HOLDER, f"{day:%Y-%m}")
    [shown] = [d for d in month["days"] if d["day"] == day.isoformat()]
    assert shown["free"] == ["matin", "apres_midi", "journee"]  # a request blocks nothing yet

    [listed] = [
        b
        for b in call(container, "list_hall_bookings", AGENT, "demandee")
        if b["reference"] == sent["reference"]
    ]
    insurance = call(container, "get_hall_insurance", AGENT, listed["id"])
    assert base64.b64decode(insurance["data"]).startswith(b"%PDF-")
    accepted = call(container, "decide_hall_booking", AGENT, listed["id"], {"decision": "acceptee"})
    assert accepted["status"] == "acceptee"
    fee = module_events.next_of("fee_due")
    assert set(fee) == set(example("fee_due"))
    assert hall.FeeDue().validate(fee) == {}
    assert (fee["reference"], fee["account_id"], fee["amount_cents"]) == (
        sent["reference"],
        "acc-salle",
        45000,
    )
    assert fee["label"] == f"Location de la salle des fêtes le {day:%d/%m/%Y}"
    assert date.fromisoformat(fee["due_date"]) <= day - timedelta(days=14)
    month = call(container, "hall_availability", HOLDER, f"{day:%Y-%m}")
    [shown] = [d for d in month["days"] if d["day"] == day.isoformat()]
    assert shown["free"] == []
    with pytest.raises(Conflict, match="déjà reçu une réponse"):
        call(
            container,
            "decide_hall_booking",
            AGENT,
            listed["id"],
            {"decision": "refusee", "reason": "x"},
        )


def test_deux_acceptations_simultanees_sur_la_meme_date_une_seule_passe(container):
    day = a_saturday(2)
    morning = call(container, "request_hall", HOLDER, request_payload(day, period="matin"))
    whole = call(container, "request_hall", OTHER, request_payload(day, resident=False))
    ids = [
        b["id"]
        for b in call(container, "list_hall_bookings", AGENT, "demandee")
        if b["reference"] in (morning["reference"], whole["reference"])
    ]

    def accept(booking_id):
        try:
            return call(
                container, "decide_hall_booking", AGENT, booking_id, {"decision": "acceptee"}
            )
        except Conflict as refused:
            return refused

    outcomes = list(eventlet.GreenPool(2).imap(accept, ids))
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "dict"]
    assert str(next(o for o in outcomes if isinstance(o, Conflict))) == hall_domain.HALL_TAKEN


def test_refus_avec_motif_obligatoire(container, module_events):
    day = a_saturday(4)
    sent = call(container, "request_hall", HOLDER, request_payload(day, period="apres_midi"))
    [listed] = [
        b
        for b in call(container, "list_hall_bookings", AGENT)
        if b["reference"] == sent["reference"]
    ]
    with pytest.raises(Invalid) as refused:
        call(container, "decide_hall_booking", AGENT, listed["id"], {"decision": "refusee"})
    assert refused.value.fields == {"reason": [hall_domain.REASON_REQUIRED]}
    call(
        container,
        "decide_hall_booking",
        AGENT,
        listed["id"],
        {"decision": "refusee", "reason": "Travaux."},
    )
    event = module_events.next_of("hall_booking_refused")
    assert (event["reference"], event["reason"]) == (sent["reference"], "Travaux.")


def test_attestation_reconnue_a_son_contenu_et_plafonnee(container):
    day = a_saturday(6)
    renamed = base64.b64encode(b"MZ\x90\x00 not a pdf").decode()
    for upload, message in (
        ({"filename": "attestation.pdf", "data": renamed}, hall_insurance.NOT_ACCEPTED),
        (
            {
                "filename": "a.pdf",
                "data": base64.b64encode(b"%PDF-" + b"0" * hall_insurance.MAX_BYTES).decode(),
            },
            hall_insurance.TOO_BIG,
        ),
        (None, hall_insurance.MISSING),
    ):
        with pytest.raises(Invalid) as refused:
            call(container, "request_hall", HOLDER, request_payload(day, insurance=upload))
        assert refused.value.fields == {"insurance": [message]}
    photo = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(photo, "PNG")
    upload = {"filename": "attestation.png", "data": base64.b64encode(photo.getvalue()).decode()}
    sent = call(container, "request_hall", HOLDER, request_payload(day, insurance=upload))
    [listed] = [
        b
        for b in call(container, "list_hall_bookings", AGENT)
        if b["reference"] == sent["reference"]
    ]
    assert listed["insurance_filename"] == "attestation.jpg"


def test_date_trop_proche_ou_trop_de_personnes(container):
    soon = paris_today() + timedelta(days=3)
    with pytest.raises(Invalid) as refused:
        call(container, "request_hall", HOLDER, request_payload(soon, guests=500))
    assert refused.value.fields == {
        "day": [hall_domain.TOO_EARLY],
        "guests": [hall_domain.TOO_MANY],
    }


def accepted_request(container, day: date, **changes) -> dict:
    sent = call(container, "request_hall", HOLDER, request_payload(day, **changes))
    [listed] = [
        b
        for b in call(container, "list_hall_bookings", AGENT, "demandee")
        if b["reference"] == sent["reference"]
    ]
    call(container, "decide_hall_booking", AGENT, listed["id"], {"decision": "acceptee"})
    return sent


def invoice_paid(reference: str | None) -> dict:
    return {**example("invoice_paid"), "event_id": str(uuid.uuid4()), "reference": reference}


def test_facture_payee_marque_la_location_payee_une_fois(container, dispatch):
    sent = accepted_request(container, a_saturday(8))
    waiting = call(container, "request_hall", HOLDER, request_payload(a_saturday(10)))
    family_invoice = invoice_paid(None)
    paid = invoice_paid(sent["reference"])
    for event in (
        family_invoice,
        invoice_paid("SDF-2020-999999"),
        invoice_paid(waiting["reference"]),
        paid,
        paid,
    ):
        dispatch("billing", "invoice_paid", event)
    wait_until(
        lambda: call(container, "get_hall_booking", HOLDER, sent["reference"])["paid_at"],
        message="the booking marked paid",
    )
    shown = call(container, "get_hall_booking", HOLDER, sent["reference"])
    assert (shown["status"], shown["status_label"]) == ("acceptee", hall_domain.PAID_LABEL)
    assert datetime.fromisoformat(shown["paid_at"]) == datetime.fromisoformat(paid["occurred_at"])
    [listed] = [
        b
        for b in call(container, "list_hall_bookings", AGENT)
        if b["reference"] == sent["reference"]
    ]
    assert listed["paid_at"] == shown["paid_at"]
    unanswered = call(container, "get_hall_booking", HOLDER, waiting["reference"])
    assert (unanswered["status"], unanswered["paid_at"]) == ("demandee", None)


def test_le_demandeur_annule_sa_demande_tant_qu_elle_attend(container):
    day = a_saturday(12)
    sent = call(container, "request_hall", HOLDER, request_payload(day))
    with pytest.raises(NotFound):
        call(container, "cancel_hall_booking", OTHER, sent["reference"])
    with pytest.raises(NotFound):
        call(container, "cancel_hall_booking", AGENT, sent["reference"])
    cancelled = call(container, "cancel_hall_booking", HOLDER, sent["reference"])
    assert (cancelled["status"], cancelled["status_label"]) == (
        "annulee",
        "Annulée par le demandeur",
    )
    with pytest.raises(Conflict, match="attend la réponse"):
        call(container, "cancel_hall_booking", HOLDER, sent["reference"])
    [listed] = [
        b
        for b in call(container, "list_hall_bookings", AGENT)
        if b["reference"] == sent["reference"]
    ]
    with pytest.raises(Conflict, match="déjà reçu une réponse"):
        call(container, "decide_hall_booking", AGENT, listed["id"], {"decision": "acceptee"})

    accepted = accepted_request(container, day + timedelta(days=7))
    with pytest.raises(Conflict, match="contactez le service vie pratique"):
        call(container, "cancel_hall_booking", HOLDER, accepted["reference"])
    assert (
        call(container, "get_hall_booking", HOLDER, accepted["reference"])["status"] == "acceptee"
    )


def test_la_regie_annule_la_facture_et_la_location_acceptee_est_annulee(container, dispatch):
    day = a_saturday(14)
    sent = accepted_request(container, day)
    other = {**example("invoice_cancelled"), "event_id": str(uuid.uuid4()), "reference": None}
    cancelled = {**other, "event_id": str(uuid.uuid4()), "reference": sent["reference"]}
    for event in (other, cancelled, cancelled):
        dispatch("billing", "invoice_cancelled", event)
    wait_until(
        lambda: (
            call(container, "get_hall_booking", HOLDER, sent["reference"])["status"]
            == "annulee_mairie"
        ),
        message="the booking cancelled by the town",
    )
    shown = call(container, "get_hall_booking", HOLDER, sent["reference"])
    assert (shown["status_label"], shown["paid_at"]) == ("Annulée par la mairie", None)
    again = accepted_request(container, day)  # the date is free again
    assert call(container, "get_hall_booking", HOLDER, again["reference"])["status"] == "acceptee"
