"""Provider notifications leave the books right: only a verified paid status books money, once.

The notifications are built and signed by the payment simulator (``devstack.payments``), an
implementation of Systempay's side written apart from the service's.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import eventlet
import pytest
from billing.models import Allocation, Payment, PaymentAttempt, ProviderNotificationRow
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.errors import Conflict
from contracts.identity import ANONYMOUS
from devstack.payments import DEFAULT_SWITCHES, OUTCOMES, Simulator

SHOP_URL = "http://simulateur.test/vads-payment/"
KEY = "cle-des-tests-d-integration"
"""The shop's page and key in the service's test configuration (conftest.SYSTEMPAY)."""


@pytest.fixture(scope="module")
def parent(container, issue_invoice, link):
    """A parent linked to family 4300, which the tests give invoices to."""
    account_id = str(uuid.uuid4())
    link("4300", account_id)
    caller = {"account_id": account_id, "roles": [], "family_id": None}
    probe = issue_invoice("4300")
    wait_until(
        lambda: call(container, "list_invoices", caller)["invoices"], message="link projected"
    )
    return caller, probe


@pytest.fixture
def invoice(parent, issue_invoice):
    return issue_invoice("4300")


def start(container, parent, invoice_id: str) -> dict:
    return call(container, "start_payment", parent[0], invoice_id)


def ipn(form: dict, choice: str = "pay", source: str = "PAY", **switches) -> str:
    simulator = Simulator(KEY)
    simulator.switches = {**DEFAULT_SWITCHES, **switches}
    return urlencode(simulator.ipn(form, OUTCOMES[choice], source))


def notify(container, body: str) -> dict:
    payload = {"body": body, "content_type": "application/x-www-form-urlencoded"}
    return call(container, "record_notification", ANONYMOUS, "systempay", payload)


def event_about(events, event_type: str, invoice_id: str) -> dict:
    """The next ``event_type`` event about ``invoice_id`` (others of the module are skipped)."""
    while True:
        event = events.next_of(event_type)
        if event["invoice_id"] == invoice_id:
            return event


def books(db, attempt_id: str) -> tuple[str, int, int]:
    """(attempt state, payments booked for it, cents allocated from them)."""
    with Session(db) as session:
        state = session.get(PaymentAttempt, attempt_id).state
        payments = session.scalar(
            select(func.count()).select_from(Payment).where(Payment.attempt_id == attempt_id)
        )
        allocated = session.scalar(
            select(func.coalesce(func.sum(Allocation.amount_cents), 0))
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(Payment.attempt_id == attempt_id)
        )
    return state, payments, allocated


def test_le_formulaire_de_paiement_est_signe_pour_le_solde(container, parent, invoice):
    started = start(container, parent, invoice)
    form = started["form"]
    assert (started["method"], started["url"]) == ("POST", SHOP_URL)
    assert (form["vads_amount"], form["vads_currency"]) == ("9440", "978")
    assert form["vads_order_id"] == started["attempt_id"]
    assert form["vads_url_check"] == "http://portail.test/payments/systempay/notify"
    assert form["vads_url_return"] == "http://portail.test/payments/systempay/return"


def test_un_paiement_accepte_solde_la_facture_une_seule_fois(
    container, parent, invoice, db, events
):
    started = start(container, parent, invoice)
    body = ipn(started["form"])
    assert notify(container, body)["status"] == 200
    assert notify(container, body)["body"] == "paiement déjà enregistré"
    assert books(db, started["attempt_id"]) == ("paid", 1, 9440)
    seen = call(container, "get_invoice", parent[0], invoice)
    assert (seen["status"], seen["balance_cents"], seen["payable_online"]) == ("payee", 0, False)
    assert event_about(events, "payment_succeeded", invoice)["balance_cents"] == 0
    assert event_about(events, "invoice_paid", invoice)["payment_id"] == seen["payments"][0]["id"]
    receipt = call(container, "receipt_pdf", parent[0], seen["payments"][0]["id"])
    assert receipt["filename"].startswith("recu-PERI-4300-")
    with pytest.raises(Conflict, match="déjà payée"):
        start(container, parent, invoice)


@pytest.mark.parametrize(
    "forgery", [{"bad_signature": True}, {"tamper_amount": True}], ids=["signature", "montant"]
)
def test_une_notification_forgee_est_gardee_mais_ne_paie_rien(
    container, parent, invoice, db, forgery
):
    started = start(container, parent, invoice)
    body = ipn(started["form"], **forgery)
    answer = notify(container, body)
    assert answer["status"] == 400
    assert books(db, started["attempt_id"]) == ("redirected", 0, 0)
    with Session(db) as session:
        stored = session.scalars(
            select(ProviderNotificationRow).where(ProviderNotificationRow.body == body)
        ).one()
    assert stored.outcome == "refusée : signature invalide"


def test_un_montant_signe_different_part_en_verification(container, parent, invoice, db, events):
    started = start(container, parent, invoice)
    notify(container, ipn(started["form"], paid_amount_cents=100))
    assert books(db, started["attempt_id"]) == ("review", 0, 0)
    event = event_about(events, "payment_under_review", invoice)
    assert event["reason"] == "montant reçu 100 au lieu de 9440 centimes"
    seen = call(container, "get_invoice", parent[0], invoice)
    assert (seen["status"], seen["payable_online"]) == ("a_payer", False)
    assert "vérification" in seen["not_payable_reason"]


def test_une_commande_inconnue_ne_touche_a_rien(container, parent, invoice):
    started = start(container, parent, invoice)
    form = {**started["form"], "vads_order_id": uuid.uuid4().hex}
    assert notify(container, ipn(form))["body"] == "paiement inconnu"


def test_un_refus_puis_un_renvoi_paye_par_le_back_office_va_en_verification(
    container, parent, invoice, db
):
    started = start(container, parent, invoice)
    notify(container, ipn(started["form"], "refuse"))
    assert books(db, started["attempt_id"]) == ("refused", 0, 0)
    assert call(container, "get_invoice", parent[0], invoice)["payable_online"]
    notify(container, ipn(started["form"], "pay", source="BO"))
    assert books(db, started["attempt_id"]) == ("review", 0, 0)


def test_un_renvoi_annule_apres_paiement_ne_recule_pas(container, parent, invoice, db):
    started = start(container, parent, invoice)
    notify(container, ipn(started["form"]))
    notify(container, ipn(started["form"], "abandon", source="BO"))
    assert books(db, started["attempt_id"]) == ("paid", 1, 9440)


def test_deux_cents_notifications_simultanees_un_seul_paiement(container, parent, invoice, db):
    started = start(container, parent, invoice)
    body = ipn(started["form"])
    pool = eventlet.GreenPool(200)
    answers = list(pool.imap(lambda _: notify(container, body), range(200)))
    assert {answer["status"] for answer in answers} == {200}
    assert sorted({answer["body"] for answer in answers}) == [
        "paiement accepté",
        "paiement déjà enregistré",
    ]
    assert books(db, started["attempt_id"]) == ("paid", 1, 9440)
    with Session(db) as session:
        stored = session.scalars(
            select(ProviderNotificationRow).where(ProviderNotificationRow.body == body)
        ).one()
    assert stored.received_count == 200


def test_un_double_paiement_devient_un_avoir_qui_regle_la_facture_suivante(
    container, parent, invoice, issue_invoice
):
    first, second = start(container, parent, invoice), start(container, parent, invoice)
    notify(container, ipn(first["form"]))
    notify(container, ipn(second["form"]))
    ledger = call(container, "list_invoices", parent[0])
    assert ledger["credit_cents"] == 9440
    following = issue_invoice("4300")
    seen = call(container, "get_invoice", parent[0], following)
    assert (seen["status"], seen["paid_cents"]) == ("payee", 9440)
    assert call(container, "list_invoices", parent[0])["credit_cents"] == 0
