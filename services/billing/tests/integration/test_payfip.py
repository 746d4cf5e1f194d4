"""PayFiP through its SOAP web service (the simulator, run as its own process): the unsigned
notification is never believed, the status is fetched; paid, refused, abandoned, P5 and P1."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import requests
from billing.models import PaymentAttempt
from billing.service import BillingService
from nameko.containers import ServiceContainer
from sqlalchemy.orm import Session

from chassis.testing.fixtures import free_port, wait_until
from chassis.testing.services import call, service_config
from contracts.errors import Conflict
from contracts.identity import ANONYMOUS

EMAIL = "helene.muller@example.org"


@pytest.fixture(scope="module")
def simulator() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-P", "-m", "devstack.payments", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{url}/_test/switches", timeout=1).ok
        except requests.ConnectionError:
            return False

    wait_until(answers, message="payment simulator")
    requests.post(f"{url}/_test/switches", json={"ipn": "missing"}, timeout=5)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def payfip(amqp_uri, database_url, events, simulator) -> Iterator[ServiceContainer]:
    """A billing service configured for PayFiP (the module's other tests use Systempay)."""
    settings = {
        "PAYMENT_PROVIDER": "payfip",
        "PAYMENT_PAYFIP_NUMCLI": "123456",
        "PAYMENT_PAYFIP_SAISIE": "T",
        "PAYMENT_PAYFIP_WS_URL": f"{simulator}/payfip/ws",
        "PAYMENT_PAYFIP_PAGE_URL": f"{simulator}/payfip/paiementws.web",
        "GATEWAY_PUBLIC_URL": "http://portail.test",
    }
    started = ServiceContainer(BillingService, service_config(amqp_uri, database_url, **settings))
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def parent(payfip, link):
    account_id = str(uuid.uuid4())
    link("4400", account_id)
    return {"account_id": account_id, "roles": [], "family_id": None}


@pytest.fixture
def invoice(payfip, parent, issue_invoice):
    invoice_id = issue_invoice("4400")
    wait_until(
        lambda: any(
            i["id"] == invoice_id for i in call(payfip, "list_invoices", parent)["invoices"]
        ),
        message="link projected",
    )
    return invoice_id


def start(payfip, parent, invoice_id: str) -> dict:
    return call(payfip, "start_payment", parent, invoice_id, EMAIL)


def choose(simulator: str, idop: str, result: str) -> None:
    page = requests.get(f"{simulator}/payfip/paiementws.web", params={"idop": idop}, timeout=10)
    assert page.status_code == 200 and "94,40 €" in page.text
    url = f"{simulator}/payfip/paiementws.web/{idop}"
    answer = requests.post(url, data={"resultrans": result}, allow_redirects=False, timeout=10)
    assert answer.headers["Location"] == f"http://portail.test/payments/payfip/return?idop={idop}"


def notify(payfip, idop: str) -> dict:
    payload = {"body": f"idOp={idop}", "content_type": "application/x-www-form-urlencoded"}
    return call(payfip, "record_notification", ANONYMOUS, "payfip", payload)


def state(db, attempt_id: str) -> str:
    with Session(db) as session:
        return session.get(PaymentAttempt, attempt_id).state


def switches(simulator: str, **values) -> None:
    requests.post(f"{simulator}/_test/switches", json={"ipn": "missing", **values}, timeout=5)


def test_paiement_par_carte_via_payfip(payfip, parent, invoice, simulator, db):
    started = start(payfip, parent, invoice)
    assert (started["method"], started["url"]) == ("GET", f"{simulator}/payfip/paiementws.web")
    idop = started["form"]["idop"]
    assert notify(payfip, idop)["body"] == "en attente du résultat"  # P5: not paid yet
    choose(simulator, idop, "P")
    assert notify(payfip, idop)["body"] == "paiement accepté"
    assert notify(payfip, idop)["body"] == "paiement déjà enregistré"
    seen = call(payfip, "get_invoice", parent, invoice)
    assert (seen["status"], seen["balance_cents"]) == ("payee", 0)
    assert state(db, started["attempt_id"]) == "paid"


@pytest.mark.parametrize(("result", "expected"), [("R", "refused"), ("Z", "refused")])
def test_refus_carte_ou_prelevement(payfip, parent, invoice, simulator, db, result, expected):
    started = start(payfip, parent, invoice)
    choose(simulator, started["form"]["idop"], result)
    notify(payfip, started["form"]["idop"])
    assert state(db, started["attempt_id"]) == expected
    assert call(payfip, "get_invoice", parent, invoice)["payable_online"]


def test_un_abandon_attend_puis_le_rapprochement_le_clot(payfip, parent, invoice, simulator, db):
    started = start(payfip, parent, invoice)
    choose(simulator, started["form"]["idop"], "A")
    notify(payfip, started["form"]["idop"])
    assert state(db, started["attempt_id"]) == "waiting"
    with pytest.raises(Conflict, match="vérification"):
        start(payfip, parent, invoice)
    with Session(db) as session, session.begin():
        attempt = session.get(PaymentAttempt, started["attempt_id"])
        attempt.created_at = attempt.created_at.replace(year=attempt.created_at.year - 1)
    call(payfip, "reconcile_pending_attempts")
    assert state(db, started["attempt_id"]) == "cancelled"


def test_p1_idop_inconnu_expire_et_un_montant_different_va_en_verification(
    payfip, parent, invoice, simulator, db
):
    started = start(payfip, parent, invoice)
    switches(simulator, fault="P1")
    notify(payfip, started["form"]["idop"])
    assert state(db, started["attempt_id"]) == "expired"
    switches(simulator)
    other = start(payfip, parent, invoice)
    choose(simulator, other["form"]["idop"], "P")
    switches(simulator, paid_amount_cents=100)
    notify(payfip, other["form"]["idop"])
    switches(simulator)
    assert state(db, other["attempt_id"]) == "review"


def test_une_notification_pour_un_idop_d_ailleurs_ne_touche_a_rien(payfip):
    assert notify(payfip, uuid.uuid4().hex)["body"] == "paiement inconnu"
