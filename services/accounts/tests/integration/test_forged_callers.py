"""Broker credentials alone act as no one: accounts believes only callers the gateway signed."""

from __future__ import annotations

import pytest

from chassis.testing.forgery import forged_callers, try_forgeries
from contracts.base import example
from contracts.identity import ANONYMOUS

ADMIN = {"account_id": "intrus", "roles": ["admin"], "family_id": None}
AGENT = {"email": "dsi@ville.fr", "given_name": "Dominique", "family_name": "M", "roles": ["admin"]}


def test_accounts_refuse_les_appelants_non_signes_ou_falsifies(container, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "accounts", "list_agents", ADMIN)
    assert refused == set(forged_callers("accounts", "list_agents", ADMIN))
    assert answer["items"] == []


@pytest.mark.parametrize(
    ("method", "caller", "payload"),
    [
        ("create_agent", ADMIN, AGENT),
        ("franceconnect_login", ANONYMOUS, example("franceconnect_login")),
    ],
)
def test_creer_un_agent_ou_ouvrir_une_session_exige_la_signature_de_la_passerelle(
    container, amqp_uri, events, method, caller, payload
):
    refused, answer = try_forgeries(amqp_uri, "accounts", method, caller, payload)
    assert refused == set(forged_callers("accounts", method, caller))
    assert answer  # the genuinely signed call went through
