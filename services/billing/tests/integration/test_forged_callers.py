"""Broker credentials alone act as no one: billing believes only callers the gateway signed."""

from __future__ import annotations

from chassis.testing.forgery import forged_callers, try_forgeries

CALLER = {"account_id": "intrus", "roles": [], "family_id": None}


def test_billing_refuse_les_appelants_non_signes_ou_falsifies(container, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "billing", "list_invoices", CALLER)
    assert refused == set(forged_callers("billing", "list_invoices", CALLER))
    assert answer["invoices"] == []
