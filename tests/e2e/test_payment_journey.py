"""Paying an invoice online through the gateway and the payment simulator (Systempay v2).

The family and its invoice are stored as the SimpliCité import and the invoicing run store
them (``family.demo``, ``billing.demo``, under an identifier of their own); everything else
goes through the portal's pages, the simulator's payment page and its server-to-server
notifications.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from datetime import date

import pytest
import requests
from billing import certificates, invoicing
from billing.demo import add_demo_invoice
from billing.invoicing_repository import Attendance
from billing.models import Base, Payment
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from chassis import tables
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from family.demo import add_demo_family

# Family identifiers of this module: each e2e module counts in a range of its own, since
# they all share one running portal (31001 family space, 33001 dossier, 34001 activities,
# 35001 régie; 38001 childcare certificates).
IDENTIFIERS = itertools.count(36001)
TIMEOUT = 30
CHOICE_FORM = re.compile(r'<form method="post" action="([^"]+)">')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def store(stack, database: str, add) -> None:
    engine = create_engine(stack.database_urls[database])
    with Session(engine) as session, session.begin():
        add(session)
    engine.dispose()


@pytest.fixture
def parent(portal, stack, helpers, new_email):
    """A parent who activated the space of a family that has an invoice of 94,40 €."""
    family_id = str(next(IDENTIFIERS))
    store(stack, "family", lambda session: add_demo_family(session, family_id))
    store(stack, "billing", lambda session: add_demo_invoice(session, utcnow(), family_id))
    session, email, invoice_id = activated(portal, stack, helpers, new_email, family_id)
    return session, email, invoice_id, family_id


def activated(portal, stack, helpers, new_email, family_id: str) -> tuple:
    """A new parent who activated the family's space: (session, e-mail, first invoice id)."""
    email, password = new_account(portal, helpers, new_email)
    session = portal.citizen_session(email, password)
    fields = {"family_id": family_id, "family_name": "Müller", "adult_first_name": "Hélène"}
    assert portal.post_form(session, "/famille/activation", fields).status_code == 303
    invoice_id = helpers.poll(lambda: invoice_link(portal, session), TIMEOUT, "invoice listed")
    stack.set_payment_switches()
    return session, email, invoice_id


def invoice_link(portal, session) -> str | None:
    found = re.search(
        r'href="/famille/factures/([0-9a-f]{32})"', portal.get("/famille/factures", session).text
    )
    return found.group(1) if found else None


def pay(portal, session, invoice_id: str, choice: str) -> requests.Response:
    """Pay as a browser: our page's form to the simulator, its page's choice, back to us."""
    page = f"/famille/factures/{invoice_id}"
    start = portal.post_form(session, f"{page}/payer", {}, form_page=page)
    assert start.status_code == 200, start.text[:300]
    action = re.search(r'<form method="post" action="(http[^"]+)">', start.text).group(1)
    assert (
        f"form-action 'self' {action.rsplit('/vads-payment', 1)[0]}"
        in (start.headers["Content-Security-Policy"])
    )
    provider = requests.post(action, data=dict(HIDDEN.findall(start.text)), timeout=TIMEOUT)
    assert provider.status_code == 200, provider.text[:300]
    choose = requests.compat.urljoin(action, CHOICE_FORM.search(provider.text).group(1))
    back = requests.post(choose, data={"choice": choice}, allow_redirects=False, timeout=TIMEOUT)
    assert back.status_code == 303
    return session.get(back.headers["Location"], timeout=TIMEOUT)


def reference(portal, session, invoice_id: str) -> str:
    page = portal.get(f"/famille/factures/{invoice_id}", session).text
    return re.search(r"Facture (PERI-\d+-\d{6}-\d+)", page).group(1)


def payments_booked(stack, invoice_family: str) -> int:
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session:
        count = session.scalar(
            select(func.count()).select_from(Payment).where(Payment.family_id == invoice_family)
        )
    engine.dispose()
    return count


def test_un_parent_paie_sa_facture_et_telecharge_le_recu(portal, stack, parent):
    session, email, invoice_id, family_id = parent
    number = reference(portal, session, invoice_id)
    status = pay(portal, session, invoice_id, "pay")
    assert status.status_code == 200 and "Paiement accepté" in status.text
    page = portal.get(f"/famille/factures/{invoice_id}", session).text
    assert "Payée" in page and "Payer 94,40" not in page
    receipt = re.search(r'href="(/famille/factures/paiements/[0-9a-f]{32}/recu)"', page).group(1)
    pdf = portal.get(receipt, session)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    mail = stack.wait_for_message(email, f"Facture {number} payée")
    assert receipt in mail["text"]
    assert payments_booked(stack, family_id) == 1


def test_un_paiement_refuse_laisse_la_facture_a_payer(portal, stack, parent):
    session, email, invoice_id, family_id = parent
    number = reference(portal, session, invoice_id)
    status = pay(portal, session, invoice_id, "refuse")
    assert "Paiement refusé" in status.text
    page = portal.get(f"/famille/factures/{invoice_id}", session).text
    assert "À payer" in page and "Payer 94,40" in page
    stack.wait_for_message(email, f"Paiement refusé pour la facture {number}")
    assert payments_booked(stack, family_id) == 0


def test_le_navigateur_revient_avant_la_notification(portal, stack, parent, helpers):
    session, _, invoice_id, family_id = parent
    stack.set_payment_switches(ipn="after", delay=2)
    status = pay(portal, session, invoice_id, "pay")
    assert "En attente du paiement" in status.text and "etat-paiement" in status.text
    helpers.poll(
        lambda: "Paiement accepté" in session.get(status.url, timeout=TIMEOUT).text,
        TIMEOUT,
        "the notification arrived after the browser",
    )
    assert payments_booked(stack, family_id) == 1


def test_deux_cents_notifications_en_double_font_un_seul_paiement(portal, stack, parent):
    session, _, invoice_id, family_id = parent
    stack.set_payment_switches(copies=200)
    assert "Paiement accepté" in pay(portal, session, invoice_id, "pay").text
    assert callbacks_counted(stack, "duplicate") >= 199
    mine = [n for n in stack.payment_notifications() if n["trans_status"] == "AUTHORISED"]
    answers = [n["status"] for n in mine[-200:]]
    assert answers == [200] * 200
    assert payments_booked(stack, family_id) == 1


def test_une_notification_forgee_ou_inconnue_ne_paie_rien(portal, stack, parent):
    _, _, _, family_id = parent
    forged = {"vads_order_id": "0" * 32, "vads_amount": "9440", "vads_trans_status": "AUTHORISED"}
    forged.update(vads_ctx_mode="TEST", vads_auth_result="00", vads_result="00", signature="x")
    answer = requests.post(portal.url("/payments/systempay/notify"), data=forged, timeout=TIMEOUT)
    assert answer.status_code == 400
    unknown = requests.post(portal.url("/payments/inconnu/notify"), data=forged, timeout=TIMEOUT)
    assert unknown.status_code == 404
    assert payments_booked(stack, family_id) == 0
    assert callbacks_counted(stack, "refused_signature") >= 1


def callbacks_counted(stack, outcome: str) -> float:
    """``portail_payment_callbacks_total`` of Systempay with ``outcome``, on the gateway."""
    text = requests.get(stack.metrics_urls["gateway"], timeout=TIMEOUT).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "portail_payment_callbacks_total"
        and sample.labels == {"provider": "systempay", "outcome": outcome}
    )


@pytest.fixture
def payfip(stack):
    """Billing restarted with PayFiP for one test, then with Systempay again."""
    stack.use_payment_provider("payfip")
    yield
    stack.use_payment_provider("systempay")


def pay_with_payfip(portal, session, invoice_id: str, result: str) -> requests.Response:
    """Our page's form to PayFiP's page (GET with the idOp), its choice, back to us."""
    page = f"/famille/factures/{invoice_id}"
    start = portal.post_form(session, f"{page}/payer", {}, form_page=page)
    assert start.status_code == 200, start.text[:300]
    action = re.search(r'<form method="get" action="(http[^"]+)">', start.text).group(1)
    provider = requests.get(action, params=dict(HIDDEN.findall(start.text)), timeout=TIMEOUT)
    assert provider.status_code == 200 and "94,40 €" in provider.text
    choose = requests.compat.urljoin(action, CHOICE_FORM.search(provider.text).group(1))
    back = requests.post(
        choose, data={"resultrans": result}, allow_redirects=False, timeout=TIMEOUT
    )
    assert back.status_code == 303 and "/payments/payfip/return?idop=" in back.headers["Location"]
    return session.get(back.headers["Location"], timeout=TIMEOUT)


def test_un_parent_paie_par_payfip(portal, stack, parent, payfip):
    session, email, invoice_id, family_id = parent
    number = reference(portal, session, invoice_id)
    status = pay_with_payfip(portal, session, invoice_id, "P")
    assert status.status_code == 200 and "Paiement accepté" in status.text
    assert "Payée" in portal.get(f"/famille/factures/{invoice_id}", session).text
    stack.wait_for_message(email, f"Facture {number} payée")
    assert payments_booked(stack, family_id) == 1


def test_un_prelevement_refuse_par_payfip_laisse_la_facture_a_payer(portal, stack, parent, payfip):
    session, email, invoice_id, family_id = parent
    number = reference(portal, session, invoice_id)
    assert "Paiement refusé" in pay_with_payfip(portal, session, invoice_id, "Z").text
    assert "Payer 94,40" in portal.get(f"/famille/factures/{invoice_id}", session).text
    stack.wait_for_message(email, f"Paiement refusé pour la facture {number}")
    assert payments_booked(stack, family_id) == 0


CERTIFICATE_FAMILIES = itertools.count(38001)


def childcare_month(session, family_id: str, year: int) -> None:
    """November of ``year`` as the family service announces it, then invoiced as the monthly
    run invoices it: a child of 3 at the garderie and the canteen."""
    month = f"{year}-11"
    now = utcnow()
    event = {
        "family_id": family_id,
        "child_id": f"e{family_id}",
        "child_first_name": "Léa",
        "child_birth_date": date(year - 3, 4, 2),
        "activity": "garderie_soir",
        "activity_label": "Garderie du soir",
        "added": [date(year, 11, 3), date(year, 11, 5)],
        "removed": [],
        "absences": [],
        "unbooked_presences": [],
        "changed_at": now,
    }
    meals = {**event, "activity": "restauration_scolaire", "activity_label": "Restauration"}
    for found in (event, meals):
        Attendance(session).record(found)
        certificates.Certificates(session).record_child(found)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    invoicing.invoice_family(session, outbox, family_id, month, now, invoicing.Summary(month))


def test_un_parent_telecharge_son_attestation_de_frais_de_garde(portal, stack, helpers, new_email):
    """November invoiced and paid online, the certificates command run by the régie: the
    parent is told by e-mail and downloads the attestation from the invoices page."""
    family_id, year = str(next(CERTIFICATE_FAMILIES)), utcnow().year
    store(stack, "family", lambda session: add_demo_family(session, family_id))
    store(stack, "billing", lambda session: childcare_month(session, family_id, year))
    session, email, invoice_id = activated(portal, stack, helpers, new_email, family_id)
    assert "Paiement accepté" in pay(portal, session, invoice_id, "pay").text

    env = {**os.environ, "BILLING_DATABASE_URL": stack.database_urls["billing"]}
    command = [sys.executable, "-m", "billing.certificates", str(year), "--sans-barre"]
    subprocess.run(command, env=env, check=True, timeout=120, capture_output=True)

    page = portal.get("/famille/factures", session).text
    link = f"/famille/factures/attestations/{family_id}/{year}"
    assert "Attestations de frais de garde" in page and f'href="{link}"' in page
    pdf = portal.get(link, session)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    mail = stack.wait_for_message(email, f"Votre attestation de frais de garde {year}")
    assert "/famille/factures" in mail["text"]
    stranger = portal.citizen_session(*new_account(portal, helpers, new_email))
    assert portal.get(link, stranger).status_code == 404


def new_account(portal, helpers, new_email) -> tuple[str, str]:
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    return email, password
