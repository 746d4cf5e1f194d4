"""Broker credentials alone act as no one: accounts believes only callers the gateway signed."""

from __future__ import annotations

from chassis.testing.forgery import forged_callers, try_forgeries

CALLER = {"account_id": "intrus", "roles": ["admin"], "family_id": None}


def test_accounts_refuse_les_appelants_non_signes_ou_falsifies(container, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "accounts", "list_agents", CALLER)
    assert refused == set(forged_callers("accounts", "list_agents", CALLER))
    assert answer == []
