"""The régie's back office: find invoices, take a payment at the counter, the review queue,
the CSV export of payments; nobody but a régie agent may do any of it."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from billing.models import Base, Invoice
from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import tables
from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Forbidden, Invalid
from contracts.identity import ANONYMOUS
from devstack.payments import DEFAULT_SWITCHES, OUTCOMES, Simulator

REGIE = {"account_id": "agent-regie-1", "roles": ["agent_regie"], "family_id": None}
OTHER_AGENT = {"account_id": "agent-2", "roles": ["agent_simplicite"], "family_id": None}
KEY = "cle-des-tests-d-integration"


def linked_invoice(container, issue_invoice, link, family_id: str) -> tuple[dict, str]:
    """A parent linked to ``family_id``, and an invoice of that family the parent sees."""
    account_id = str(uuid.uuid4())
    link(family_id, account_id)
    parent = {"account_id": account_id, "roles": [], "family_id": None}
    invoice_id = issue_invoice(family_id)
    wait_until(lambda: call(container, "list_invoices", parent)["invoices"], message="linked")
    return parent, invoice_id


def test_seule_la_regie_accede_au_back_office(container):
    citizen = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
    for caller in (citizen, OTHER_AGENT):
        with pytest.raises(Forbidden):
            call(container, "find_invoices", caller, "4217")
        with pytest.raises(Forbidden):
            call(container, "list_review_queue", caller)


def test_encaissement_au_guichet_partiel_puis_solde(container, issue_invoice, events):
    invoice_id = issue_invoice("4500")
    found = call(container, "find_invoices", REGIE, "4500")
    assert [invoice["id"] for invoice in found] == [invoice_id]
    reference = found[0]["reference"]
    assert [i["id"] for i in call(container, "find_invoices", REGIE, reference)] == [invoice_id]
    partial = call(
        container,
        "record_counter_payment",
        REGIE,
        invoice_id,
        {"amount_cents": 4000, "method": "cheque"},
    )
    assert (partial["status"], partial["balance_cents"]) == ("partiellement_payee", 5440)
    paid = call(
        container,
        "record_counter_payment",
        REGIE,
        invoice_id,
        {"amount_cents": 5440, "method": "especes"},
    )
    assert (paid["status"], len(paid["payments"])) == ("payee", 2)
    while (event := events.next_of("invoice_paid"))["invoice_id"] != invoice_id:
        pass
    assert event["payment_id"] in {payment["id"] for payment in paid["payments"]}


def test_un_montant_au_guichet_invalide_est_refuse_en_francais(container, issue_invoice):
    invoice_id = issue_invoice("4501")
    with pytest.raises(Invalid) as refused:
        call(
            container,
            "record_counter_payment",
            REGIE,
            invoice_id,
            {"amount_cents": 0, "method": "bitcoin"},
        )
    assert refused.value.fields == {
        "amount_cents": ["Montant entre 0,01 € et 100 000 €."],
        "method": ["Choix inconnu."],
    }


def test_file_de_verification_et_export_comptable(container, issue_invoice, link):
    parent, invoice_id = linked_invoice(container, issue_invoice, link, "4502")
    started = call(container, "start_payment", parent, invoice_id)
    simulator = Simulator(KEY)
    simulator.switches = {**DEFAULT_SWITCHES, "paid_amount_cents": 100}
    body = urlencode(simulator.ipn(started["form"], OUTCOMES["pay"], "PAY"))
    call(container, "record_notification", ANONYMOUS, "systempay", {"body": body})
    queue = call(container, "list_review_queue", REGIE)
    held = [item for item in queue if item["attempt_id"] == started["attempt_id"]]
    assert held and held[0]["reason"] == "montant reçu 100 au lieu de 9440 centimes"

    call(
        container,
        "record_counter_payment",
        REGIE,
        invoice_id,
        {"amount_cents": 9440, "method": "cesu"},
    )
    today = paris_today().isoformat()
    export = call(container, "export_payments", REGIE, today, today)
    assert export["filename"] == f"paiements-{today}-{today}.csv"
    text = base64.b64decode(export["content_base64"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Date", "Référence facture", "Famille", "Moyen", "Montant", "Reçu n°"]
    mine = [row for row in rows[1:] if row[2] == "4502"]
    assert [(row[3], row[4]) for row in mine] == [("CESU", "94,40")]
    with pytest.raises(Invalid):
        call(container, "export_payments", REGIE, today, "2020-01-01")


def test_annuler_le_reste_a_payer_par_un_avoir(container, issue_invoice, link, events):
    parent, invoice_id = linked_invoice(container, issue_invoice, link, "4503")
    with pytest.raises(Forbidden):
        call(container, "cancel_invoice", parent, invoice_id, {"reason": "Je ne veux pas payer"})
    with pytest.raises(Invalid) as empty:
        call(container, "cancel_invoice", REGIE, invoice_id, {"reason": "  "})
    assert empty.value.fields == {"reason": ["Ce champ est obligatoire."]}
    payment = {"amount_cents": 1440, "method": "especes"}
    call(container, "record_counter_payment", REGIE, invoice_id, payment)
    cancelled = call(
        container, "cancel_invoice", REGIE, invoice_id, {"reason": "Absence justifiée"}
    )
    assert (cancelled["status"], cancelled["balance_cents"]) == ("annulee", 0)
    seen = call(container, "get_invoice", parent, invoice_id)
    assert (seen["status_label"], seen["payable_online"]) == ("Annulée", False)
    assert seen["not_payable_reason"] == "Cette facture a été annulée par la régie."
    assert [p["amount_cents"] for p in seen["payments"]] == [1440]
    told = events.next_of("invoice_cancelled")
    while told["invoice_id"] != invoice_id:
        told = events.next_of("invoice_cancelled")
    assert (told["amount_cents"], told["reason"]) == (9440 - 1440, "Absence justifiée")
    assert told["account_ids"] == [parent["account_id"]] and told["credit_note_id"]
    with pytest.raises(Conflict, match="rien à annuler"):
        call(container, "cancel_invoice", REGIE, invoice_id, {"reason": "Encore"})


def test_un_seul_rappel_par_facture_impayee_apres_l_echeance(container, issue_invoice, db, events):
    past = paris_today() - timedelta(days=3)
    unpaid = issue_invoice("4504", due_date=past)
    cancelled = issue_invoice("4504", due_date=past)
    call(container, "cancel_invoice", REGIE, cancelled, {"reason": "Erreur de facturation"})
    call(container, "remind_overdue_invoices")
    call(container, "remind_overdue_invoices")
    event = events.next_of("invoice_overdue")
    assert (event["invoice_id"], event["amount_cents"]) == (unpaid, 9440)
    outbox = tables.table(Base.metadata, tables.OUTBOX)
    with Session(db) as session:
        reminders = session.scalars(
            select(outbox.c.payload["invoice_id"].as_string()).where(
                outbox.c.event_type == "invoice_overdue"
            )
        ).all()
        marked = session.scalars(
            select(Invoice.reminded_at).where(Invoice.id.in_([unpaid, cancelled]))
        ).all()
    assert reminders == [unpaid]
    assert all(marked)


def held_for_review(container, issue_invoice, link, family_id: str, paid_cents: int) -> tuple:
    """A parent's online payment of ``paid_cents`` for an invoice of 94,40 €, held for review."""
    parent, invoice_id = linked_invoice(container, issue_invoice, link, family_id)
    started = call(container, "start_payment", parent, invoice_id)
    simulator = Simulator(KEY)
    simulator.switches = {**DEFAULT_SWITCHES, "paid_amount_cents": paid_cents}
    body = urlencode(simulator.ipn(started["form"], OUTCOMES["pay"], "PAY"))
    call(container, "record_notification", ANONYMOUS, "systempay", {"body": body})
    return parent, invoice_id, started["attempt_id"]


def test_la_regie_affecte_ou_rembourse_un_paiement_en_verification(
    container, issue_invoice, link, events
):
    parent, invoice_id, attempt_id = held_for_review(container, issue_invoice, link, "4505", 9450)
    allocate = {"decision": "affecter", "amount_cents": 9450, "reason": ""}
    with pytest.raises(Forbidden):
        call(container, "settle_review", parent, attempt_id, allocate)
    with pytest.raises(Invalid) as bad:
        call(container, "settle_review", REGIE, attempt_id, {"decision": "rembourser"})
    assert set(bad.value.fields) == {"amount_cents"}
    no_reason = {"decision": "rembourser", "amount_cents": 9450}
    with pytest.raises(Invalid) as bad:
        call(container, "settle_review", REGIE, attempt_id, no_reason)
    assert bad.value.fields == {"reason": ["Indiquez pourquoi ce paiement sera remboursé."]}
    decided = call(container, "settle_review", REGIE, attempt_id, allocate)
    assert (decided["decision_label"], decided["decided_by"]) == (
        "Affecter à la facture",
        REGIE["account_id"],
    )
    seen = call(container, "get_invoice", parent, invoice_id)
    assert (seen["status"], seen["payments"][0]["amount_cents"]) == ("payee", 9450)
    assert call(container, "list_invoices", parent)["credit_cents"] == 10  # what exceeded
    paid = events.next_of("invoice_paid")
    while paid["invoice_id"] != invoice_id:
        paid = events.next_of("invoice_paid")
    assert paid["payment_id"] == decided["payment_id"]
    with pytest.raises(Conflict, match="déjà été prise"):
        call(container, "settle_review", REGIE, attempt_id, allocate)
    attempt = call(container, "get_payment_attempt", parent, attempt_id)
    assert (attempt["state"], attempt["final"]) == ("paid", True)

    other_parent, other_invoice, other_attempt = held_for_review(
        container, issue_invoice, link, "4506", 100
    )
    refund = {"decision": "rembourser", "amount_cents": 100, "reason": "Montant incomplet"}
    call(container, "settle_review", REGIE, other_attempt, refund)
    told = events.next_of("payment_to_refund")
    assert (told["attempt_id"], told["amount_cents"], told["reason"]) == (
        other_attempt,
        100,
        "Montant incomplet",
    )
    seen = call(container, "get_invoice", other_parent, other_invoice)
    assert (seen["status"], seen["payments"], seen["payable_online"]) == ("a_payer", [], True)
    assert (
        call(container, "get_payment_attempt", other_parent, other_attempt)["state"] == "to_refund"
    )
    queue = {item["attempt_id"] for item in call(container, "list_review_queue", REGIE)}
    assert not queue & {attempt_id, other_attempt}
    logged = call(container, "list_review_decisions", REGIE)
    assert [d["attempt_id"] for d in logged[:2]] == [other_attempt, attempt_id]
