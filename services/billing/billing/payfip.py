"""PayFiP, the DGFiP's régie web service, through eopayment's ``payfip_ws`` backend.

    start = PayFiP(...).start(attempt_id, 9440, "parent@exemple.fr", "Facture ...", "PERI42172026121")
    verdict = PayFiP(...).verify("idOp=...")   # fetches the status server to server

The notification PayFiP sends is unsigned (``idOp`` only): it proves nothing, so the status is
always fetched with ``recupererDetailPaiementSecurise``. A result for another client number
than the town's is refused. ``P`` and ``V`` are paid; ``R`` and ``Z`` refused; ``A``
(abandoned) and the fault ``P5`` (no result yet) leave the attempt waiting, since the citizen
may still pay while the idOp lives (15 minutes); ``P1`` (unknown idOp) means expired. The
reconciliation timer settles attempts still waiting after :data:`SETTLE_AFTER`.

Settings: ``PAYMENT_PAYFIP_NUMCLI``, ``PAYMENT_PAYFIP_SAISIE`` (``T`` test, ``X`` activation,
``W`` production), ``PAYMENT_PAYFIP_WS_URL`` (the web service; development: the simulator) and
``PAYMENT_PAYFIP_PAGE_URL`` (the payment page).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import eopayment
import zeep
from eopayment import payfip_ws

from billing.payments import CURRENCY_EUR, StatusUnavailable, Unverified, Verdict

OFFICIAL_PAGE_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"
PayFiPError = payfip_ws.PayFiPError
SETTLE_AFTER = timedelta(minutes=20)
"""eopayment's threshold: after it, ``A`` is an abandon and ``P5`` an expired idOp."""
RESULTS = {"P": "paid", "V": "paid", "R": "refused", "Z": "refused", "A": "waiting"}


class _PayFiPAt(payfip_ws.PayFiP):
    """eopayment's SOAP client, sent to ``address`` instead of the WSDL's (the simulator)."""

    def __init__(self, address: str | None) -> None:
        super().__init__()
        self.address = address

    @property
    def client(self):
        if not hasattr(self, "_client"):
            client = zeep.Client(self.wsdl_url)
            if self.address:
                binding = next(iter(client.wsdl.bindings))
                client._default_service = client.create_service(binding, self.address)
            self._client = client
        return self._client


class PayFiP:
    name = "payfip"

    def __init__(self, numcli: str, saisie: str, ws_url: str, page_url: str, public_url: str):
        base = public_url.rstrip("/")
        self.numcli = numcli
        self.page_url = page_url
        self.backend = eopayment.Payment(
            "payfip_ws",
            {
                "numcli": numcli,
                "saisie": saisie,
                "normal_return_url": f"{base}/payments/payfip/return",
                "automatic_return_url": f"{base}/payments/payfip/notify",
            },
        )
        official = ws_url == payfip_ws.WSDL_URL.split("?")[0]
        self.soap = _PayFiPAt(None if official else ws_url)
        self.backend.backend.payfip = self.soap

    def start(
        self, attempt_id: str, amount_cents: int, email: str | None, label: str, refdet: str
    ) -> dict:
        """The idOp PayFiP gives this payment, and the page the browser goes to with it."""
        if not email:
            raise Unverified("PayFiP demande l'adresse e-mail du payeur.")
        idop, _, _ = self.backend.request(
            Decimal(amount_cents) / 100, email=email, refdet=refdet, orderid=attempt_id
        )
        return {
            "method": "GET",
            "url": self.page_url,
            "form": {"idop": idop},
            "provider_reference": idop,
        }

    def verify(self, body: str) -> Verdict:
        idop = (parse_qs(body).get("idOp") or parse_qs(body).get("idop") or [""])[0]
        if not idop.isalnum():
            raise Unverified("idOp absent")
        return self.status(idop)

    def status(self, idop: str, settle: bool = False) -> Verdict:
        """The payment's state as PayFiP's web service tells it (never as the caller says).

        ``settle``: the idOp is past :data:`SETTLE_AFTER`, so an abandon (``A``) is final
        (cancelled) and a result still unknown (``P5``) will never come (expired).
        """
        try:
            detail = self.soap.get_info_paiement(idop)
        except payfip_ws.PayFiPError as error:
            if error.code == "P5":
                return Verdict("", "expired" if settle else "waiting", None, None, idop)
            if error.code == "P1":
                return Verdict("", "expired", None, None, idop)
            raise StatusUnavailable(f"PayFiP : {error.code}") from None
        if detail.numcli != self.numcli or detail.idOp != idop:
            raise Unverified("réponse pour un autre client ou une autre opération")
        state = RESULTS.get(detail.resultrans, "error")
        if settle and state == "waiting":
            state = "cancelled"
        eo = payfip_ws.Payment.payfip_response_to_eopayment_response(idop, detail)
        if (state == "paid") != (eo.result == eopayment.PAID):
            raise Unverified("statut et résultat contradictoires")
        amount = detail.montant or ""
        return Verdict("", state, int(amount) if amount.isdigit() else None, CURRENCY_EUR, idop)

    def answer(self, outcome: str) -> dict:
        return {"status": 200, "content_type": "text/plain", "body": outcome}
