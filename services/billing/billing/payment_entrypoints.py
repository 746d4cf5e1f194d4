"""Online payment entrypoints, mixed into :class:`billing.service.BillingService`.

A provider's notification follows the rules of the payment callbacks: stored raw first (its
own transaction, so even a refused one is kept), then verified (:mod:`billing.providers`),
then applied to the attempt locked ``FOR UPDATE`` (:mod:`billing.payments` decides, the
books are written with their events in one transaction). Duplicates, replays and late
answers find the attempt already moved and change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from nameko.rpc import rpc
from nameko.timer import timer

from billing import books, domain, payfip, payments
from billing.models import PaymentAttempt
from billing.payments import StatusUnavailable, Unverified
from billing.repository import Access, Attempts, Invoices, Notifications
from chassis import identity
from chassis.types import utcnow
from contracts import billing
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Conflict, NotFound

ABANDONED_AFTER = timedelta(hours=2)
"""An attempt still redirected this long after it began was abandoned at the payment page; a
paid answer arriving later still reaches the books, through the review queue."""
SETTLE_AFTER = payfip.SETTLE_AFTER
"""A PayFiP attempt is asked for its status again this long after it began, then settled."""
UNREACHABLE = "Le service de paiement ne répond pas. Réessayez dans quelques minutes."
CALLBACK_OUTCOMES = {
    "ignore": "duplicate",
    "review": "refused_amount",
    "unknown": "refused_unknown",
}
"""``contracts.billing.CALLBACK_OUTCOMES`` of the decisions that are not plainly accepted."""


class PaymentEntrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def start_payment(self, caller, invoice_id, email=None):
        """Prepare the online payment of an invoice's balance (contracts.billing.PaymentStart).

        ``email`` is the payer's address the provider sends its receipt to (PayFiP requires
        one); a fee invoice's own address comes first.
        """
        account_id = identity.load(caller)["account_id"]
        now = utcnow()
        provider = self.providers.current
        with self.db.session() as session:
            invoices = Invoices(session)
            invoice = domain.visible(
                invoices.lock(str(invoice_id)), Access(session).debtor(account_id)
            )
            blocked = invoices.has_blocking_attempt(invoice.id)
            amount = domain.check_payable(invoice, domain.paris_today(now), blocked)
            attempt = Attempts(session).add(
                PaymentAttempt(
                    id=domain.new_id(),
                    invoice_id=invoice.id,
                    provider=provider.name,
                    amount_cents=amount,
                    currency=payments.CURRENCY_EUR,
                    state="redirected",
                    created_at=now,
                    updated_at=now,
                )
            )
            refdet = invoice.reference.replace("-", "")
            try:
                start = provider.start(
                    attempt.id, amount, invoice.email or email, invoice.label, refdet
                )
            except Unverified as refused:
                raise Conflict(str(refused)) from None
            except payfip.PayFiPError:
                raise Conflict(UNREACHABLE) from None
            attempt.provider_reference = start.pop("provider_reference")
        return billing.PaymentStart().dump({"attempt_id": attempt.id, **start})

    @rpc(expected_exceptions=EXPECTED)
    def get_payment_attempt(self, caller, attempt_id):
        """Where an attempt stands, for the page the browser comes back to."""
        account_id = identity.load(caller)["account_id"]
        with self.db.session() as session:
            attempts = Attempts(session)
            attempt = attempts.get(str(attempt_id))
            invoice = None if attempt is None else Invoices(session).get(attempt.invoice_id)
            if not Access(session).debtor(account_id).sees(invoice):
                raise NotFound("Paiement introuvable.")
            payment = attempts.payment_of(attempt.id)
            view = {
                "id": attempt.id,
                "invoice_id": invoice.id,
                "invoice_reference": invoice.reference,
                "provider": attempt.provider,
                "amount_cents": attempt.amount_cents,
                "state": attempt.state,
                "state_label": billing.ATTEMPT_STATES[attempt.state],
                "payment_id": payment.id if payment else None,
                "final": attempt.state not in payments.OPEN_STATES,
            }
        return billing.PaymentAttempt().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def record_notification(self, caller, provider_name, payload):
        """A provider's server-to-server call (contracts.billing.ProviderNotification).

        ``caller`` is the gateway's anonymous identity: the provider is believed only from
        its own signature or from our status fetch.
        """
        identity.load(caller)
        data = load_or_invalid(billing.ProviderNotification(), payload)
        provider = self.providers.get(provider_name)
        now = utcnow()
        with self.db.session() as session:
            row_id, _ = Notifications(session).store(provider.name, data["body"], now)
        try:
            verdict = provider.verify(data["body"])
        except Unverified as refused:
            with self.db.session() as session:
                Notifications(session).record_outcome(row_id, None, f"refusée : {refused}")
            answer = {"status": 400, "content_type": "text/plain", "body": str(refused)}
            outcome = "error" if isinstance(refused, StatusUnavailable) else "refused_signature"
            return billing.NotificationAnswer().dump({**answer, "outcome": outcome})
        action, reason = self._apply(provider.name, verdict, row_id)
        outcome = CALLBACK_OUTCOMES.get(action, "accepted")
        return billing.NotificationAnswer().dump({**provider.answer(reason), "outcome": outcome})

    def _apply(
        self, provider_name: str, verdict: payments.Verdict, row_id: int | None
    ) -> tuple[str, str]:
        """Apply a verified verdict to its attempt, locked; ``row_id`` is the notification's."""
        now = utcnow()
        with self.db.session() as session:
            attempts = Attempts(session)
            if verdict.attempt_id:
                attempt = attempts.lock(verdict.attempt_id)
            else:
                attempt = attempts.lock_by_reference(provider_name, verdict.provider_reference)
            if attempt is None or attempt.provider != provider_name:
                if row_id is not None:
                    Notifications(session).record_outcome(row_id, None, "paiement inconnu")
                return "unknown", "paiement inconnu"
            decision = payments.decide(attempt.state, attempt.amount_cents, verdict)
            for event_type, schema, data in books.apply(session, attempt, verdict, decision, now):
                self.outbox.add(session, event_type, schema, data)
            if row_id is not None:
                Notifications(session).record_outcome(row_id, attempt.id, decision.reason)
        return decision.action, decision.reason

    @timer(interval=300)
    def reconcile_pending_attempts(self):
        """Settle attempts the provider never concluded: PayFiP is asked again (``A`` and
        ``P5`` become final once the idOp is dead); an attempt still at Systempay's page
        after two hours has expired (a paid answer after that goes to review)."""
        now = utcnow()
        provider = self.providers.current
        with self.db.session() as session:
            pending = Attempts(session).left_since(now - SETTLE_AFTER, provider.name)
            references = [(a.id, a.provider_reference, a.created_at) for a in pending]
        for attempt_id, reference, created_at in references:
            try:
                verdict = provider.status(reference, settle=True) if reference else None
            except (Unverified, payfip.PayFiPError):
                continue
            if verdict is None and created_at >= now - ABANDONED_AFTER:
                continue
            found = verdict or payments.Verdict(attempt_id, "expired", None, None, None)
            self._apply(provider.name, _with_attempt(found, attempt_id), None)


def _with_attempt(verdict: payments.Verdict, attempt_id: str) -> payments.Verdict:
    return payments.Verdict(
        attempt_id,
        verdict.state,
        verdict.amount_cents,
        verdict.currency,
        verdict.provider_reference,
    )
