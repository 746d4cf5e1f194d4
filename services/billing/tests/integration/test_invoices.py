"""Invoices through the service: who sees them, their numbers, their PDF and the ledger."""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from billing.models import FamilyQuotient, Invoice
from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts import accounts, family_dossier, hall
from contracts.base import example
from contracts.errors import NotFound


def parent(account_id: str) -> dict:
    return {"account_id": account_id, "roles": [], "family_id": None}


def sees(container, account_id: str, invoice_id: str) -> bool:
    ledger = call(container, "list_invoices", parent(account_id))
    return invoice_id in {invoice["id"] for invoice in ledger["invoices"]}


@pytest.fixture(scope="module")
def family_4217(container, issue_invoice, link):
    """An invoice of family 4217 and a parent whose account was linked to that family."""
    account_id = str(uuid.uuid4())
    invoice_id = issue_invoice("4217")
    link("4217", account_id)
    wait_until(lambda: sees(container, account_id, invoice_id), message="link projected")
    return account_id, invoice_id


def test_un_parent_lie_voit_la_facture_de_sa_famille(container, family_4217):
    account_id, invoice_id = family_4217
    invoice = call(container, "get_invoice", parent(account_id), invoice_id)
    assert invoice["reference"].startswith("PERI-4217-")
    assert invoice["total_cents"] == sum(line["amount_cents"] for line in invoice["lines"])
    assert invoice["total_cents"] == 9440
    assert (invoice["status"], invoice["payable_online"]) == ("a_payer", True)


def test_un_inconnu_ne_voit_ni_la_facture_ni_son_existence(container, family_4217):
    _, invoice_id = family_4217
    stranger = parent(str(uuid.uuid4()))
    with pytest.raises(NotFound) as other:
        call(container, "get_invoice", stranger, invoice_id)
    with pytest.raises(NotFound) as unknown:
        call(container, "get_invoice", stranger, uuid.uuid4().hex)
    assert str(other.value) == str(unknown.value)
    assert call(container, "list_invoices", stranger)["invoices"] == []


def test_la_facture_se_telecharge_en_pdf(container, family_4217):
    account_id, invoice_id = family_4217
    document = call(container, "invoice_pdf", parent(account_id), invoice_id)
    content = base64.b64decode(document["content_base64"])
    assert content.startswith(b"%PDF-")
    assert document["filename"].startswith("facture-PERI-4217-")


def test_une_facture_de_frais_appartient_au_compte(container, issue_invoice):
    account_id = str(uuid.uuid4())
    invoice_id = issue_invoice(
        None, account_id=account_id, regie="DIV", email="x@exemple.fr", fee_reference="SDF-1"
    )
    invoice = call(container, "get_invoice", parent(account_id), invoice_id)
    assert invoice["reference"].startswith("DIV-0-")
    with pytest.raises(NotFound):
        call(container, "get_invoice", parent(str(uuid.uuid4())), invoice_id)


def test_numeros_sans_trou_par_regie_et_annee_meme_emis_ensemble(db, issue_invoice):
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: issue_invoice("5001", regie="TEST"), range(40)))
    with Session(db) as session:
        numbers = session.scalars(select(Invoice.number).where(Invoice.id.in_(made))).all()
    assert sorted(numbers) == list(range(1, 41))


def test_un_compte_ferme_ne_voit_plus_les_factures(container, issue_invoice, link, dispatch):
    account_id = str(uuid.uuid4())
    invoice_id = issue_invoice("4218")
    link("4218", account_id)
    wait_until(lambda: sees(container, account_id, invoice_id), message="link projected")
    closed = {"event_id": str(uuid.uuid4()), "occurred_at": "2026-12-02T10:00:00+00:00"}
    closed.update(account_id=account_id, email="ancien@exemple.fr")
    dispatch(accounts.SERVICE, accounts.ACCOUNT_CLOSED, closed)
    wait_until(lambda: not sees(container, account_id, invoice_id), message="link removed")


def test_le_quotient_familial_le_plus_recent_est_garde(container, db, dispatch, handled):
    newer = {**example("quotient_changed"), "event_id": str(uuid.uuid4()), "family_id": "4219"}
    newer.update(quotient_familial=430, changed_at="2027-01-10T09:00:00+00:00")
    older = {**newer, "event_id": str(uuid.uuid4()), "quotient_familial": 1200}
    older["changed_at"] = "2027-01-05T09:00:00+00:00"
    dispatch(family_dossier.SERVICE, family_dossier.QUOTIENT_CHANGED, newer)
    dispatch(family_dossier.SERVICE, family_dossier.QUOTIENT_CHANGED, older)

    wait_until(lambda: handled(newer, older), message="both announcements handled")
    with Session(db) as session:
        found = session.get(FamilyQuotient, "4219")
        assert (found.quotient_familial, found.resident) == (430, True)


def test_des_frais_dus_deviennent_une_facture_du_compte_une_seule_fois(
    container, dispatch, events, handled
):
    account_id = str(uuid.uuid4())
    fee = {**example("fee_due"), "event_id": str(uuid.uuid4()), "account_id": account_id}
    fee["reference"] = f"SDF-2027-{uuid.uuid4().int % 1_000_000:06d}"
    again = {**fee, "event_id": str(uuid.uuid4())}
    dispatch(hall.SERVICE, hall.FEE_DUE, fee)
    dispatch(hall.SERVICE, hall.FEE_DUE, again)
    wait_until(lambda: handled(fee, again), message="both fee events handled")
    issued = events.next_of("invoice_issued")
    while issued["account_id"] != account_id:
        issued = events.next_of("invoice_issued")
    assert (issued["reference"], issued["email"]) == (fee["reference"], fee["email"])
    ledger = call(container, "list_invoices", parent(account_id))
    (invoice,) = ledger["invoices"]
    assert invoice["reference"].startswith("DIV-0-")
    assert (invoice["total_cents"], invoice["label"]) == (fee["amount_cents"], fee["label"])
    assert invoice["due_date"] == fee["due_date"] and invoice["payable_online"]
