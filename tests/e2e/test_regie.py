"""The régie's back office through the gateway: an agent finds a family's invoice, takes a
cheque at the counter, the family sees it paid; the CSV export lists it; nobody else gets in;
a payment held for review is allocated; cancelling a salle des fêtes fee cancels the booking."""

from __future__ import annotations

import csv
import io
import itertools
import re
import uuid
from datetime import UTC, datetime, time, timedelta

from billing.demo import add_demo_invoice, add_demo_review
from billing.models import Invoice
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from chassis import tables
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from contracts import hall
from contracts.dates_fr import paris_today
from requests_service import hall_domain
from requests_service.hall_models import HallBooking
from requests_service.models import Base as RequestsBase

IDENTIFIERS = itertools.count(35001)


def store_invoice(stack) -> str:
    family_id = str(next(IDENTIFIERS))
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session, session.begin():
        add_demo_invoice(session, utcnow(), family_id)
    engine.dispose()
    return family_id


def test_la_regie_encaisse_un_cheque_et_l_exporte(portal, stack):
    family_id = store_invoice(stack)
    agent = portal.agent_session(stack.regie_login)
    home = portal.get("/agents/regie", agent)
    assert home.status_code == 200 and "Paiements en ligne à vérifier" in home.text
    search = portal.get(f"/agents/regie?q={family_id}", agent)
    invoice_path = re.search(r'href="(/agents/regie/factures/[0-9a-f]{32})"', search.text).group(1)
    assert f"PERI-{family_id}-" in search.text

    refused = portal.post_form(
        agent,
        f"{invoice_path}/encaissement",
        {"amount": "quatre", "method": "cheque"},
        invoice_path,
    )
    assert refused.status_code == 422 and "Montant en euros attendu" in refused.text
    taken = portal.post_form(
        agent, f"{invoice_path}/encaissement", {"amount": "94,40", "method": "cheque"}, invoice_path
    )
    assert taken.status_code == 303
    page = portal.get(invoice_path, agent).text
    assert "Paiement enregistré." in page and 'id="etat-facture">Payée<' in page

    today = paris_today().isoformat()
    export = portal.get(f"/agents/regie/export?du={today}&au={today}", agent)
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [(row[3], row[4]) for row in rows[1:] if row[2] == family_id] == [("Chèque", "94,40")]


def test_un_autre_agent_n_entre_pas_a_la_regie(portal):
    other = portal.agent_session()
    assert portal.get("/agents/regie", other).status_code == 403


def test_la_regie_annule_le_reste_a_payer_avec_un_motif(portal, stack):
    family_id = store_invoice(stack)
    agent = portal.agent_session(stack.regie_login)
    search = portal.get(f"/agents/regie?q={family_id}", agent)
    invoice_path = re.search(r'href="(/agents/regie/factures/[0-9a-f]{32})"', search.text).group(1)
    empty = portal.post_form(agent, f"{invoice_path}/annulation", {"reason": " "}, invoice_path)
    assert empty.status_code == 422 and "Ce champ est obligatoire." in empty.text
    done = portal.post_form(
        agent, f"{invoice_path}/annulation", {"reason": "Absence justifiée"}, invoice_path
    )
    assert done.status_code == 303
    page = portal.get(invoice_path, agent).text
    assert 'id="etat-facture">Annulée<' in page and "un avoir a été établi" in page
    assert "Enregistrer le paiement" not in page


REVIEW_FAMILIES = itertools.count(38501)


def test_la_regie_affecte_un_paiement_en_verification(portal, stack):
    family_id = str(next(REVIEW_FAMILIES))
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session, session.begin():
        reason = "montant reçu 9450 au lieu de 9440 centimes"
        attempt_id = add_demo_review(session, utcnow(), family_id, reason)
    engine.dispose()
    agent = portal.agent_session(stack.regie_login)
    home = portal.get("/agents/regie", agent).text
    review_path = f"/agents/regie/verifications/{attempt_id}"
    assert f'href="{review_path}"' in home
    page = portal.get(review_path, agent)
    assert page.status_code == 200 and "montant reçu 9450 au lieu de 9440 centimes" in page.text

    refund = {"decision": "rembourser", "amount": "94,50", "reason": ""}
    refused = portal.post_form(agent, review_path, refund, review_path)
    assert refused.status_code == 422
    assert "Indiquez pourquoi ce paiement sera remboursé." in refused.text
    allocate = {"decision": "affecter", "amount": "94,50", "reason": ""}
    assert portal.post_form(agent, review_path, allocate, review_path).status_code == 303
    home = portal.get("/agents/regie", agent).text
    assert f'href="{review_path}"' not in home and "Décision enregistrée." in home
    assert "affecter à la facture, 94,50" in home
    search = portal.get(f"/agents/regie?q={family_id}", agent).text
    invoice_path = re.search(r'href="(/agents/regie/factures/[0-9a-f]{32})"', search).group(1)
    assert 'id="etat-facture">Payée<' in portal.get(invoice_path, agent).text
    assert portal.get(review_path, agent).status_code == 404


def accepted_hall_booking(stack, email: str) -> str:
    """An accepted salle des fêtes booking and its ``fee_due``, as the requests service
    writes them when an agent accepts (``hall_domain.decide``); the booking's reference."""
    now = utcnow()
    day = now.date() + timedelta(days=200 + uuid.uuid4().int % 150)
    engine = create_engine(stack.database_urls["requests"])
    with Session(engine) as session, session.begin():
        booking = HallBooking(
            account_id=str(uuid.uuid4()),
            email=email,
            requester="Camille Martin",
            event_kind="mariage",
            guests=80,
            day=day,
            period="journee",
            starts_at=datetime.combine(day, time(9), UTC),
            ends_at=datetime.combine(day, time(23), UTC),
            resident=True,
            amount_cents=45_000,
            deposit_cents=hall_domain.DEPOSIT_CENTS,
            status=hall_domain.ACCEPTED,
            reason="",
            insurance_filename="attestation.pdf",
            insurance_content_type="application/pdf",
            insurance_size=4,
            insurance_data=b"%PDF",
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
        session.flush()
        outbox = OutboxWriter(tables.table(RequestsBase.metadata, tables.OUTBOX))
        outbox.add(session, hall.FEE_DUE, hall.FeeDue(), hall_domain.fee_due_event(booking, now))
        reference = hall_domain.reference(booking)
    engine.dispose()
    return reference


def booking_status(stack, reference: str) -> str:
    engine = create_engine(stack.database_urls["requests"])
    with Session(engine) as session:
        booking = session.get(HallBooking, hall_domain.parse_reference(reference))
        status = booking.status
    engine.dispose()
    return status


def test_la_regie_annule_la_facture_d_une_location_et_la_location_est_annulee(
    portal, stack, helpers, new_email
):
    """An accepted booking's fee invoice cancelled at the régie: the booking is cancelled by
    the town (its date free again) and the requester gets the reason by e-mail."""
    email = new_email()
    reference = accepted_hall_booking(stack, email)

    def fee_invoice():
        engine = create_engine(stack.database_urls["billing"])
        with Session(engine) as session:
            found = session.scalars(select(Invoice).where(Invoice.fee_reference == reference))
            invoice = found.one_or_none()
            result = None if invoice is None else (invoice.id, invoice.reference)
        engine.dispose()
        return result

    invoice_id, invoice_reference = helpers.poll(fee_invoice, 30, "the fee's invoice")
    agent = portal.agent_session(stack.regie_login)
    invoice_path = f"/agents/regie/factures/{invoice_id}"
    reason = "La salle est réquisitionnée pour les élections."
    done = portal.post_form(agent, f"{invoice_path}/annulation", {"reason": reason}, invoice_path)
    assert done.status_code == 303
    helpers.poll(
        lambda: booking_status(stack, reference) == "annulee_mairie", 30, "booking cancelled"
    )
    mail = stack.wait_for_message(email, f"Facture {invoice_reference} annulée")
    assert reason in mail["text"] and "450,00 €" in mail["text"]
