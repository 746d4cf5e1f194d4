"""Payment providers through eopayment, each answer checked by our own code as well.

    class BillingService:
        providers = PaymentProviders()

        start = self.providers.get("systempay").start(attempt_id, amount_cents, email, label)
        verdict = self.providers.get("systempay").verify(body)   # Verdict, or Unverified

Systempay/PayZen v2: eopayment builds the signed form; a notification (IPN) is believed only
when our own HMAC-SHA-256 over its ``vads_*`` fields equals its signature (constant-time
compare) *and* eopayment says ``signed``: eopayment alone reports a forged paid IPN as
``PAID`` with ``signed == False``. The status is read from ``vads_trans_status``, and
eopayment's result must agree that the payment is paid.

PayFiP is in :mod:`billing.payfip`. Only the configured provider is built, and its
notifications only are taken.

Settings (container config first, then the environment): ``PAYMENT_PROVIDER`` (``systempay``
or ``payfip``),
``PAYMENT_SYSTEMPAY_SITE_ID``, ``PAYMENT_SYSTEMPAY_KEY``, ``PAYMENT_SYSTEMPAY_MODE``
(``TEST`` or ``PRODUCTION``), ``PAYMENT_SYSTEMPAY_URL`` (the payment page; development: the
local simulator) and ``GATEWAY_PUBLIC_URL`` (where the provider calls back and returns).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from urllib.parse import parse_qs

import eopayment
from nameko.extensions import DependencyProvider

from billing.payfip import PayFiP
from billing.payments import Unverified, Verdict
from chassis import config
from contracts.errors import Invalid

SIMULATOR_URL = "http://localhost:8100"
DEVELOPMENT_SITE_ID = "12345678"
DEVELOPMENT_KEY = "cle-de-test-du-simulateur-de-paiement"
DEFAULT_PUBLIC_URL = "http://localhost:8000"
DEVELOPMENT_NUMCLI = "123456"

SYSTEMPAY_STATES = {
    "AUTHORISED": "paid",
    "CAPTURED": "paid",
    "ACCEPTED": "paid",
    "AUTHORISED_TO_VALIDATE": "paid",
    "WAITING_AUTHORISATION": "waiting",
    "WAITING_AUTHORISATION_TO_VALIDATE": "waiting",
    "UNDER_VERIFICATION": "waiting",
    "INITIAL": "waiting",
    "REFUSED": "refused",
    "ABANDONED": "cancelled",
    "CANCELLED": "cancelled",
    "NOT_CREATED": "cancelled",
    "EXPIRED": "expired",
    "CAPTURE_FAILED": "error",
    "ERROR": "error",
}


def systempay_signature(fields: dict[str, str], key: str) -> str:
    """base64(HMAC-SHA-256(key, values of the ``vads_*`` fields sorted by name, ``+``, key))."""
    values = [fields[name] for name in sorted(fields) if name.startswith("vads_")]
    message = "+".join([*values, key]).encode()
    return base64.b64encode(hmac.new(key.encode(), message, hashlib.sha256).digest()).decode()


class Systempay:
    name = "systempay"

    def __init__(self, site_id: str, key: str, mode: str, service_url: str, public_url: str):
        self.key = key
        base = public_url.rstrip("/")
        self.backend = eopayment.Payment(
            "systempayv2",
            {
                "vads_site_id": site_id,
                "vads_ctx_mode": mode,
                f"secret_{mode.lower()}": key,
                "signature_algo": "hmac_sha256",
                "service_url": service_url,
                "normal_return_url": f"{base}/payments/systempay/return",
                "automatic_return_url": f"{base}/payments/systempay/notify",
            },
        )

    def start(
        self, attempt_id: str, amount_cents: int, email: str | None, label: str, refdet: str
    ) -> dict:
        """The form the browser posts to the payment page (``refdet`` is PayFiP's only)."""
        _, kind, form = self.backend.request(
            Decimal(amount_cents) / 100,
            email=email,
            orderid=attempt_id,
            transaction_id=attempt_id,
            info1=label[:255],
        )
        assert kind == eopayment.FORM
        values = {field["name"]: field["value"] for field in form.fields}
        return {"method": "POST", "url": form.url, "form": values, "provider_reference": None}

    def status(self, provider_reference: str, settle: bool = False) -> Verdict | None:
        """Systempay is asked nothing: its notifications are signed and retried."""
        return None

    def verify(self, body: str) -> Verdict:
        parsed = parse_qs(body, keep_blank_values=True)
        if any(len(values) != 1 for values in parsed.values()):
            raise Unverified("champ répété")
        fields = {name: values[0] for name, values in parsed.items()}
        received = fields.get("signature", "")
        if not hmac.compare_digest(
            received.encode(), systempay_signature(fields, self.key).encode()
        ):
            raise Unverified("signature invalide")
        try:
            response = self.backend.response(body)
        except eopayment.ResponseError as error:
            raise Unverified(f"réponse illisible : {error}") from None
        if not response.signed:
            raise Unverified("signature refusée par eopayment")
        state = SYSTEMPAY_STATES.get(fields.get("vads_trans_status", ""), "error")
        if (state == "paid") != (response.result == eopayment.PAID):
            raise Unverified("statut et résultat contradictoires")
        amount = fields.get("vads_amount", "")
        return Verdict(
            attempt_id=fields.get("vads_order_id", ""),
            state=state,
            amount_cents=int(amount) if amount.isdigit() else None,
            currency=fields.get("vads_currency"),
            provider_reference=f"{fields.get('vads_trans_date', '')}_{fields.get('vads_trans_id', '')}",
        )

    def answer(self, outcome: str) -> dict:
        """Systempay wants a 200 to stop retrying; the text lands in its back office."""
        return {"status": 200, "content_type": "text/plain", "body": outcome}


class PaymentProviders(DependencyProvider):
    """The configured provider and every provider whose notifications the gateway passes on."""

    def setup(self) -> None:
        def read(name: str, default: str, required: bool = True) -> str:
            value = self.container.config.get(name) or config.setting(
                name, default, required_in_production=required
            )
            return str(value)

        self.configured = read("PAYMENT_PROVIDER", "systempay")
        simulator = read("PAYMENT_SIMULATOR_URL", SIMULATOR_URL, required=False).rstrip("/")
        public_url = read("GATEWAY_PUBLIC_URL", DEFAULT_PUBLIC_URL)
        if self.configured == "systempay":
            provider = Systempay(
                site_id=read("PAYMENT_SYSTEMPAY_SITE_ID", DEVELOPMENT_SITE_ID),
                key=read("PAYMENT_SYSTEMPAY_KEY", DEVELOPMENT_KEY),
                mode=read("PAYMENT_SYSTEMPAY_MODE", "TEST"),
                service_url=read("PAYMENT_SYSTEMPAY_URL", f"{simulator}/vads-payment/"),
                public_url=public_url,
            )
        elif self.configured == "payfip":
            provider = PayFiP(
                numcli=read("PAYMENT_PAYFIP_NUMCLI", DEVELOPMENT_NUMCLI),
                saisie=read("PAYMENT_PAYFIP_SAISIE", "T"),
                ws_url=read("PAYMENT_PAYFIP_WS_URL", f"{simulator}/payfip/ws"),
                page_url=read("PAYMENT_PAYFIP_PAGE_URL", f"{simulator}/payfip/paiementws.web"),
                public_url=public_url,
            )
        else:
            raise config.SettingError(f"PAYMENT_PROVIDER inconnu : {self.configured!r}")
        self.providers = {provider.name: provider}

    def get_dependency(self, worker_ctx) -> PaymentProviders:
        return self

    def get(self, name: str) -> Systempay | PayFiP:
        if name not in self.providers:
            raise Invalid("Prestataire de paiement inconnu.")
        return self.providers[name]

    @property
    def current(self) -> Systempay | PayFiP:
        return self.providers[self.configured]
