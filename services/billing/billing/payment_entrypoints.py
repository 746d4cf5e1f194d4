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

from billing import books, domain, payments
from billing.models import PaymentAttempt
from billing.providers import Unverified
from billing.repository import Access, Attempts, Invoices, Notifications
from chassis import identity
from chassis.types import utcnow
from contracts import billing
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, NotFound

ABANDONED_AFTER = timedelta(hours=2)
"""An attempt still redirected this long after it began was abandoned at the payment page; a
paid answer arriving later still reaches the books, through the review queue."""


class PaymentEntrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def start_payment(self, caller, invoice_id):
        """Prepare the online payment of an invoice's balance (contracts.billing.PaymentStart)."""
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
            start = provider.start(attempt.id, amount, invoice.email, invoice.label)
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
            return billing.NotificationAnswer().dump(
                {"status": 400, "content_type": "text/plain", "body": str(refused)}
            )
        outcome = self._apply(provider.name, verdict, row_id)
        return billing.NotificationAnswer().dump(provider.answer(outcome))

    def _apply(self, provider_name: str, verdict: payments.Verdict, row_id: int) -> str:
        now = utcnow()
        with self.db.session() as session:
            attempt = Attempts(session).lock(verdict.attempt_id)
            if attempt is None or attempt.provider != provider_name:
                Notifications(session).record_outcome(row_id, None, "paiement inconnu")
                return "paiement inconnu"
            decision = payments.decide(attempt.state, attempt.amount_cents, verdict)
            for event_type, schema, data in books.apply(session, attempt, verdict, decision, now):
                self.outbox.add(session, event_type, schema, data)
            Notifications(session).record_outcome(row_id, attempt.id, decision.reason)
        return decision.reason

    @timer(interval=300)
    def expire_abandoned_attempts(self):
        """Attempts left at the payment page end as expired (a later paid answer: review)."""
        now = utcnow()
        with self.db.session() as session:
            for attempt in Attempts(session).left_since(now - ABANDONED_AFTER):
                verdict = payments.Verdict(attempt.id, "expired", None, None, None)
                decision = payments.decide(attempt.state, attempt.amount_cents, verdict)
                for event_type, schema, data in books.apply(
                    session, attempt, verdict, decision, now
                ):
                    self.outbox.add(session, event_type, schema, data)
