"""A payment provider simulator speaking Systempay/PayZen v2 and PayFiP, for the local run and
the tests.

Run it with ``python -m devstack.payments`` (http://localhost:8100; ``make run`` starts it).
It does what the real payment page does, over the wire:

- ``POST /vads-payment/`` takes the form the portal's browser posts, refuses it unless its
  ``signature`` is the HMAC-SHA-256 of its ``vads_*`` fields with the shop's key, and shows a
  payment page (French) with three choices: pay, refuse, abandon;
- the choice sends a signed notification (IPN) server to server to ``vads_url_check``, as
  Systempay does (``vads_trans_status``, ``vads_result``, ``vads_auth_result``,
  ``vads_url_check_src=PAY``...), then sends the browser back to ``vads_url_return``.

PayFiP (the DGFiP's régie web service), as the portal's SOAP client calls it:

- ``POST /payfip/ws``: ``creerPaiementSecurise`` (returns an ``idOp``) and
  ``recupererDetailPaiementSecurise`` (the result: ``resultrans`` P, V, R, Z or A, or the
  faults P5, result not known yet, and P1, unknown idOp);
- ``GET /payfip/paiementws.web?idop=...``: the payment page (card paid or refused, direct
  debit paid or refused, abandon); the choice sends the unsigned notification (``idOp``
  only) to ``urlnotif`` and the browser back to ``urlredirect``.

Switches (``POST /_test/switches`` with JSON, read back with ``GET``), for the tests and to try
the portal's defences by hand:

- ``ipn``: ``before`` the browser return (default), ``after`` it (sent ``delay`` seconds
  later, in the background), or ``missing`` (never sent);
- ``copies``: how many times the same IPN is sent (duplicates; default 1);
- ``tamper_amount``: the IPN's amount is changed after signing (the signature no longer holds);
- ``paid_amount_cents``: the provider reports another amount, correctly signed;
- ``bad_signature``: the IPN is signed with another key;
- ``fault``: PayFiP answers every status request with this fault (``P5``, ``P1``).

``POST /_test/resend`` with ``{"order_id": ..., "status": "CANCELLED"}`` plays a back-office
resend (``vads_url_check_src=BO``) of the last IPN of that order with another status;
``GET /_test/notifications`` lists every IPN sent and the HTTP status the portal answered.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlencode
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import requests
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template_string,
    request,
)

from devstack.serving import serve

log = logging.getLogger("devstack.payments")

DEFAULT_PORT = 8100
DEVELOPMENT_SITE_ID = "12345678"
DEVELOPMENT_KEY = "cle-de-test-du-simulateur-de-paiement"
"""The shop of the local run; the billing service's development defaults are the same."""

OUTCOMES = {
    "pay": {"vads_trans_status": "AUTHORISED", "vads_result": "00", "vads_auth_result": "00"},
    "refuse": {"vads_trans_status": "REFUSED", "vads_result": "05", "vads_auth_result": "05"},
    "abandon": {"vads_trans_status": "ABANDONED", "vads_result": "17", "vads_auth_result": ""},
}
RESULTS_BY_STATUS = {
    "AUTHORISED": ("00", "00"),
    "CAPTURED": ("00", "00"),
    "REFUSED": ("05", "05"),
    "ABANDONED": ("17", ""),
    "CANCELLED": ("17", ""),
    "EXPIRED": ("17", ""),
}
DEFAULT_SWITCHES = {
    "ipn": "before",
    "delay": 1.0,
    "copies": 1,
    "tamper_amount": False,
    "paid_amount_cents": None,
    "bad_signature": False,
    "fault": None,
}
ECHOED = (
    "vads_site_id",
    "vads_ctx_mode",
    "vads_trans_id",
    "vads_trans_date",
    "vads_amount",
    "vads_currency",
    "vads_order_id",
    "vads_order_info",
    "vads_cust_email",
    "vads_payment_config",
    "vads_page_action",
    "vads_action_mode",
    "vads_version",
    "vads_ext_info_eopayment_trans_id",
)

bp = Blueprint("payments", __name__)


def signature(fields: dict[str, str], key: str) -> str:
    """Systempay's HMAC-SHA-256: ``vads_*`` values sorted by name, ``+``, the key appended."""
    values = [fields[name] for name in sorted(fields) if name.startswith("vads_")]
    message = "+".join([*values, key]).encode()
    return base64.b64encode(hmac.new(key.encode(), message, hashlib.sha256).digest()).decode()


class Simulator:
    """Payments in progress, IPNs sent, and the switches; shared by the server's threads."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.lock = threading.Lock()
        self.pending: dict[str, dict[str, str]] = {}
        self.last_ipn: dict[str, dict[str, str]] = {}
        self.sent: list[dict] = []
        self.switches = dict(DEFAULT_SWITCHES)
        self.operations: dict[str, dict[str, str]] = {}  # PayFiP, by idOp

    def ipn(self, request_fields: dict[str, str], outcome: dict[str, str], source: str) -> dict:
        now = datetime.now(UTC)
        fields = {name: request_fields[name] for name in ECHOED if name in request_fields}
        fields.update(outcome)
        fields.update(
            vads_url_check_src=source,
            vads_operation_type="DEBIT",
            vads_effective_amount=fields["vads_amount"],
            vads_effective_creation_date=now.strftime("%Y%m%d%H%M%S"),
            vads_auth_number=secrets.token_hex(3) if outcome["vads_result"] == "00" else "",
            vads_hash=secrets.token_hex(32),
        )
        switches = self.switches
        if switches["paid_amount_cents"] is not None:
            fields["vads_amount"] = str(switches["paid_amount_cents"])
            fields["vads_effective_amount"] = fields["vads_amount"]
        key = "autre-cle" if switches["bad_signature"] else self.key
        fields["signature"] = signature(fields, key)
        if switches["tamper_amount"]:
            fields["vads_amount"] = str(int(fields["vads_amount"]) + 100)
        return fields

    def send(self, url: str, fields: dict[str, str], copies: int = 1) -> None:
        """Systempay's IPN, ``copies`` times at once."""
        summary = {
            "order_id": fields.get("vads_order_id"),
            "trans_status": fields["vads_trans_status"],
            "source": fields["vads_url_check_src"],
        }
        self._post(url, fields, summary, copies)

    def send_payfip(self, url: str, fields: dict[str, str], copies: int = 1) -> None:
        """PayFiP's notification: ``idOp`` only, unsigned."""
        self._post(
            url,
            fields,
            {"order_id": fields["idOp"], "trans_status": "", "source": "PAYFIP"},
            copies,
        )

    def _post(self, url: str, fields: dict[str, str], summary: dict, copies: int) -> None:
        def post_one() -> None:
            try:
                answer = requests.post(url, data=fields, timeout=30)
                status, text = answer.status_code, answer.text[:200]
            except requests.RequestException as error:
                status, text = None, str(error)
            with self.lock:
                self.sent.append({**summary, "status": status, "answer": text})

        threads = [threading.Thread(target=post_one) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _simulator() -> Simulator:
    return current_app.extensions["payment_simulator"]


PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paiement sécurisé (simulateur)</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:1rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1rem}</style></head>
<body><main>
<h1>Paiement sécurisé (simulateur Systempay)</h1>
<p>Montant : <strong>{{ amount }}</strong></p>
<p>Commande : {{ order_id }}</p>
<form method="post" action="{{ url_for('payments.decide', token=token) }}">
<button name="choice" value="pay">Payer</button>
<button name="choice" value="refuse">Refuser le paiement</button>
<button name="choice" value="abandon">Abandonner et revenir au portail</button>
</form></main></body></html>
"""


@bp.post("/vads-payment/")
def payment_page():
    simulator = _simulator()
    fields = request.form.to_dict()
    if len(request.form) != len(request.form.to_dict(flat=False)) or not hmac.compare_digest(
        fields.get("signature", ""), signature(fields, simulator.key)
    ):
        abort(400, "Signature de la requête invalide.")
    token = secrets.token_urlsafe(16)
    with simulator.lock:
        simulator.pending[token] = fields
    cents = int(fields["vads_amount"])
    amount = f"{cents // 100},{cents % 100:02d} €"
    order_id = fields.get("vads_order_id", "")
    return render_template_string(PAGE, amount=amount, order_id=order_id, token=token)


@bp.post("/vads-payment/<token>")
def decide(token: str):
    simulator = _simulator()
    with simulator.lock:
        fields = simulator.pending.pop(token, None)
        switches = dict(simulator.switches)
    choice = request.form.get("choice")
    if fields is None or choice not in OUTCOMES:
        abort(400, "Paiement inconnu ou déjà traité.")
    ipn = simulator.ipn(fields, OUTCOMES[choice], "PAY")
    with simulator.lock:
        simulator.last_ipn[fields.get("vads_order_id", "")] = fields
    url = fields.get("vads_url_check")
    if url and switches["ipn"] == "before":
        simulator.send(url, ipn, switches["copies"])
    elif url and switches["ipn"] == "after":

        def later() -> None:
            time.sleep(float(switches["delay"]))
            simulator.send(url, ipn, switches["copies"])

        threading.Thread(target=later, daemon=True).start()
    back = {
        "vads_order_id": fields.get("vads_order_id", ""),
        "vads_trans_status": ipn["vads_trans_status"],
    }
    return redirect(f"{fields['vads_url_return']}?{urlencode(back)}", code=303)


hooks = Blueprint("payments_test", __name__, url_prefix="/_test")


@hooks.route("/switches", methods=["GET", "POST"])
def switches():
    simulator = _simulator()
    if request.method == "POST":
        changes = request.get_json(force=True) or {}
        unknown = set(changes) - set(DEFAULT_SWITCHES)
        if unknown:
            abort(400, f"Réglages inconnus : {', '.join(sorted(unknown))}")
        with simulator.lock:
            simulator.switches = {**DEFAULT_SWITCHES, **changes}
    return jsonify(simulator.switches)


@hooks.post("/resend")
def resend():
    simulator = _simulator()
    data = request.get_json(force=True) or {}
    status = data.get("status", "")
    with simulator.lock:
        fields = simulator.last_ipn.get(data.get("order_id", ""))
    if fields is None or status not in RESULTS_BY_STATUS:
        abort(400, "Commande ou statut inconnu.")
    result, auth = RESULTS_BY_STATUS[status]
    outcome = {"vads_trans_status": status, "vads_result": result, "vads_auth_result": auth}
    simulator.send(fields["vads_url_check"], simulator.ipn(fields, outcome, "BO"))
    return jsonify(simulator.sent[-1])


@hooks.get("/notifications")
def notifications():
    simulator = _simulator()
    with simulator.lock:
        return jsonify(list(simulator.sent))


# -- PayFiP
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
PAYFIP_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
PAYFIP_CHOICES = {
    "P": "Payer par carte bancaire",
    "V": "Payer par prélèvement",
    "R": "Carte refusée",
    "Z": "Prélèvement refusé",
    "A": "Abandonner et revenir au portail",
}
PAYFIP_FAULTS = {"P1": "IdOp incorrect.", "P5": "Résultat de la transaction non connu."}
CREATE_FIELDS = ("numcli", "exer", "refdet", "montant", "mel", "objet", "saisie")
DETAIL_FIELDS = (
    "dattrans", "exer", "heurtrans", "idOp", "mel", "montant",
    "numauto", "numcli", "objet", "refdet", "resultrans", "saisie",
)  # fmt: skip
PAYFIP_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PayFiP (simulateur)</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:1rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1rem}</style></head>
<body><main>
<h1>Paiement PayFiP (simulateur)</h1>
<p>Montant : <strong>{{ amount }}</strong></p>
<p>Référence : {{ refdet }}</p>
<form method="post" action="{{ url_for('payments.payfip_decide', idop=idop) }}">
{% for code, label in choices.items() %}<button name="resultrans" value="{{ code }}">{{ label }}</button>
{% endfor %}</form></main></body></html>
"""


def _envelope(body: str) -> Response:
    xml = f'<S:Envelope xmlns:S="{SOAP}"><S:Body>{body}</S:Body></S:Envelope>'
    return Response(xml, 200, content_type="text/xml; charset=utf-8")


def _fault(code: str) -> Response:
    detail = (
        f'<ns2:FonctionnelleErreur xmlns:ns2="{PAYFIP_NS}"><code>{code}</code>'
        f"<descriptif>{escape(PAYFIP_FAULTS[code])}</descriptif>"
        f"<libelle>{escape(PAYFIP_FAULTS[code])}</libelle><severite>2</severite>"
        "</ns2:FonctionnelleErreur>"
    )
    fault = (
        "<S:Fault><faultcode>S:Server</faultcode><faultstring>"
        "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>"
        f"<detail>{detail}</detail></S:Fault>"
    )
    xml = f'<S:Envelope xmlns:S="{SOAP}"><S:Body>{fault}</S:Body></S:Envelope>'
    return Response(xml, 500, content_type="text/xml; charset=utf-8")


def _arguments(operation: ET.Element) -> dict[str, str]:
    arg0 = next(iter(operation), None)
    if arg0 is None:
        return {}
    return {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in arg0}


def _response(name: str, fields: dict[str, str]) -> Response:
    inner = "".join(f"<{key}>{escape(value)}</{key}>" for key, value in fields.items())
    return _envelope(f'<ns2:{name} xmlns:ns2="{PAYFIP_NS}"><return>{inner}</return></ns2:{name}>')


@bp.post("/payfip/ws")
def payfip_ws():
    simulator = _simulator()
    body = ET.fromstring(request.get_data()).find(f"{{{SOAP}}}Body")
    operation = next(iter(body))
    name = operation.tag.rsplit("}", 1)[-1]
    arguments = _arguments(operation)
    if name == "creerPaiementSecurise":
        idop = uuid.uuid4().hex
        with simulator.lock:
            simulator.operations[idop] = {**arguments, "resultrans": ""}
        return _response("creerPaiementSecuriseResponse", {"idOp": idop})
    if name == "recupererDetailPaiementSecurise":
        return _payfip_detail(simulator, arguments.get("idOp", ""))
    abort(400, f"Opération inconnue : {name}")


def _payfip_detail(simulator: Simulator, idop: str) -> Response:
    with simulator.lock:
        operation = dict(simulator.operations.get(idop) or {})
        switches = dict(simulator.switches)
    if switches["fault"]:
        return _fault(switches["fault"])
    if not operation:
        return _fault("P1")
    if not operation["resultrans"]:
        return _fault("P5")
    now = datetime.now(ZoneInfo("Europe/Paris"))
    known = {name: operation.get(name, "") for name in CREATE_FIELDS}
    if switches["paid_amount_cents"] is not None:
        known["montant"] = str(switches["paid_amount_cents"])
    known.update(
        idOp=idop,
        resultrans=operation["resultrans"],
        numauto=operation.get("numauto", ""),
        dattrans=now.strftime("%d%m%Y"),
        heurtrans=now.strftime("%H%M"),
    )
    fields = {name: known[name] for name in DETAIL_FIELDS}  # the schema's order
    return _response("recupererDetailPaiementSecuriseResponse", fields)


@bp.get("/payfip/paiementws.web")
def payfip_page():
    simulator = _simulator()
    idop = request.args.get("idop", "")
    with simulator.lock:
        operation = simulator.operations.get(idop)
    if operation is None or operation["resultrans"]:
        abort(400, "Opération inconnue ou déjà payée.")
    cents = int(operation["montant"])
    amount = f"{cents // 100},{cents % 100:02d} €"
    return render_template_string(
        PAYFIP_PAGE, amount=amount, refdet=operation["refdet"], idop=idop, choices=PAYFIP_CHOICES
    )


@bp.post("/payfip/paiementws.web/<idop>")
def payfip_decide(idop: str):
    simulator = _simulator()
    result = request.form.get("resultrans", "")
    with simulator.lock:
        operation = simulator.operations.get(idop)
        if operation is None or operation["resultrans"] or result not in PAYFIP_CHOICES:
            abort(400, "Opération inconnue ou déjà payée.")
        operation["resultrans"] = result
        operation["numauto"] = secrets.token_hex(3) if result in "PV" else ""
        switches = dict(simulator.switches)
    ping = {"idOp": idop}
    if switches["ipn"] == "before":
        simulator.send_payfip(operation["urlnotif"], ping, switches["copies"])
    elif switches["ipn"] == "after":

        def later() -> None:
            time.sleep(float(switches["delay"]))
            simulator.send_payfip(operation["urlnotif"], ping, switches["copies"])

        threading.Thread(target=later, daemon=True).start()
    return redirect(f"{operation['urlredirect']}?{urlencode({'idop': idop})}", code=303)


def create_app(key: str = DEVELOPMENT_KEY) -> Flask:
    app = Flask(__name__)
    app.extensions["payment_simulator"] = Simulator(key)
    app.register_blueprint(bp)
    app.register_blueprint(hooks)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simulateur de paiement (Systempay v2, PayFiP)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--key", default=DEVELOPMENT_KEY, help="clé de la boutique")
    args = parser.parse_args(argv)
    serve(create_app(args.key), args.host, args.port, "payment simulator")


if __name__ == "__main__":
    main()
