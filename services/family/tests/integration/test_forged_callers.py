"""Broker credentials alone act as no one: family believes only callers the gateway signed."""

from __future__ import annotations

from chassis.testing.forgery import forged_callers, try_forgeries

CALLER = {"account_id": "intrus", "roles": [], "family_id": None}


def test_family_refuse_les_appelants_non_signes_ou_falsifies(container, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "family", "list_linked_families", CALLER)
    assert refused == set(forged_callers("family", "list_linked_families", CALLER))
    assert answer == []
