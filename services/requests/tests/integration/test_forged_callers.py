"""Broker credentials alone act as no one: requests believes only callers the gateway signed."""

from __future__ import annotations

from chassis.testing.forgery import forged_callers, try_forgeries

CALLER = {"account_id": "intrus", "roles": ["agent_espace_public"], "family_id": None}


def test_requests_refuse_les_appelants_non_signes_ou_falsifies(container, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "requests", "list_reports", CALLER)
    assert refused == set(forged_callers("requests", "list_reports", CALLER))
    assert answer["items"] == []
