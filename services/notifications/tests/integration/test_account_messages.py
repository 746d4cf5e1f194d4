"""The "Messages" page of an account reads the e-mails written to its address since it holds
it, through the real service, database and broker."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from chassis.types import utcnow
from contracts.base import example
from contracts.errors import Forbidden
from notifications.domain import LINK_WITHHELD


def messages_to(engine, address: str) -> int:
    query = text("SELECT count(*) FROM outgoing_messages WHERE recipient = :address")
    with engine.connect() as connection:
        return connection.execute(query, {"address": address}).scalar_one()


def test_messages_du_compte_depuis_qu_il_a_son_adresse(container, engine, dispatch):
    address = "camille.martin@example.org"
    earlier = {**example("demarche_status_changed"), "event_id": str(uuid.uuid4())}
    earlier["account_id"] = None  # written to the address before the account had it
    dispatch("demarche_status_changed", earlier)
    wait_until(lambda: messages_to(engine, address) == 1, message="the earlier e-mail")
    account_id = str(uuid.uuid4())
    registered = {**example("account_registered"), "event_id": str(uuid.uuid4())}
    registered.update(account_id=account_id, occurred_at=utcnow().isoformat())
    dispatch("account_registered", registered, source="accounts")
    wait_until(lambda: messages_to(engine, address) == 2, message="the confirmation e-mail")
    caller = {"account_id": account_id, "roles": [], "family_id": None}
    found = call(container, "list_account_messages", caller)
    assert [item["subject"] for item in found["items"]] == ["Confirmez votre adresse e-mail"]
    body = found["items"][0]["text_body"]
    assert "Votre compte sur le portail citoyen" in body
    assert registered["verification_token"] not in body and LINK_WITHHELD in body
    assert "recipient" not in found["items"][0]
    stranger = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
    assert call(container, "list_account_messages", stranger)["items"] == []
    with pytest.raises(Forbidden):
        call(container, "list_account_messages", example("caller") | {"account_id": None})
