"""Broker credentials alone act as no one: notifications believes only callers the gateway signed."""

from __future__ import annotations

from chassis.testing.forgery import forged_callers, try_forgeries

CALLER = {"account_id": "intrus", "roles": ["admin"], "family_id": None}


def test_notifications_refuse_les_appelants_non_signes_ou_falsifies(container, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "notifications", "list_messages", CALLER)
    assert refused == set(forged_callers("notifications", "list_messages", CALLER))
    assert answer["items"] == []
