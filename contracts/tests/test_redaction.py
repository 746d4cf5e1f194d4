"""Every event says which of its fields its producer's stored copy loses once published."""

from __future__ import annotations

import pytest

from contracts import (
    accounts,
    appointments,
    billing,
    demarche_requests,
    family,
    family_activities,
    family_dossier,
    family_preregistration,
    hall,
    notifications,
    requests,
)
from contracts.base import Event
from contracts.catalogue import EVENTS, redacted_once_published

PERSONAL_OR_SECRET = ("email", "token", "key", "description", "comment", "address", "recipient")
PERSONAL_OR_SECRET += ("subject", "given_name", "family_name", "phone", "street")
NOT_PERSONAL = {"email_notifications"}  # a yes/no preference


def declared_events() -> list[type[Event]]:
    modules = (accounts, appointments, demarche_requests, family, family_activities)
    modules += (family_dossier, family_preregistration, hall, notifications, requests)
    modules += (billing,)
    found = [getattr(module, name) for module in modules for name in dir(module)]
    return [item for item in found if isinstance(item, type) and issubclass(item, Event)]


def test_every_event_schema_has_an_event_type():
    assert set(declared_events()) - {Event} == set(EVENTS.values())


@pytest.mark.parametrize("event_type", sorted(EVENTS))
def test_redacted_fields_exist_and_cover_personal_data_and_secrets(event_type):
    schema = EVENTS[event_type]()
    redacted = set(redacted_once_published(event_type))
    assert redacted <= set(schema.fields), f"{event_type}: unknown fields {redacted}"
    sensitive = {
        name
        for name in schema.fields
        if name not in NOT_PERSONAL and any(word in name for word in PERSONAL_OR_SECRET)
    }
    assert sensitive <= redacted, f"{event_type} keeps {sensitive - redacted} once published"


def test_unknown_event_type_redacts_nothing():
    assert redacted_once_published("evenement_inconnu") == ()
