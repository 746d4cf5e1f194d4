"""Activation of the family space: right names link the account, wrong ones lock out for a while."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from chassis.testing.services import call
from contracts.errors import Forbidden, Invalid, TooManyRequests
from family import domain, limits


def citizen() -> dict:
    return {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}


def activate(container, caller, family_id="4217", family_name="muller", first_name="HELENE"):
    payload = {"family_id": family_id, "family_name": family_name, "adult_first_name": first_name}
    return call(container, "activate_family", caller, payload)


def test_activation_lie_le_compte_et_l_annonce(container, demo, events, engine):
    parent = citizen()
    assert activate(container, parent, family_name=" MÜLLER ") == {
        "family_id": "4217",
        "name": "Müller",
    }
    event_type, payload = events.next()
    assert (event_type, payload["family_id"], payload["account_id"]) == (
        "family_space_activated",
        "4217",
        parent["account_id"],
    )
    assert call(container, "list_linked_families", parent) == [
        {"family_id": "4217", "name": "Müller"}
    ]
    activate(container, parent)
    with engine.connect() as connection:
        assert connection.scalar(text("select count(*) from family_links")) == 1
        assert connection.scalar(text("select count(*) from outbox_events")) == 1


def test_les_deux_parents_lient_chacun_leur_compte(container, demo):
    mother, father = citizen(), citizen()
    activate(container, mother, first_name="hélène")
    activate(container, father, first_name="jean pierre")
    for parent in (mother, father):
        claim = {**parent, "family_ids": ["4217"]}
        assert call(container, "get_family", claim, "4217")["name"] == "Müller"


@pytest.mark.parametrize(
    ("family_id", "family_name", "first_name"),
    [("4218", "Müller", "Hélène"), ("4217", "Martin", "Hélène"), ("4217", "Müller", "Léa")],
)
def test_un_refus_ne_dit_pas_quelle_partie_est_fausse(
    container, demo, family_id, family_name, first_name
):
    with pytest.raises(Invalid) as refused:
        activate(container, citizen(), family_id, family_name, first_name)
    assert refused.value.message == domain.ACTIVATION_REFUSED


def test_cinq_echecs_bloquent_le_compte_meme_avec_les_bons_noms(container, demo):
    parent = citizen()
    for _ in range(limits.PER_ACCOUNT.attempts):
        with pytest.raises(Invalid):
            activate(container, parent, family_name="Martin")
    with pytest.raises(TooManyRequests) as locked:
        activate(container, parent)
    assert locked.value.retry_after == limits.PER_ACCOUNT.retry_after
    assert call(container, "list_linked_families", parent) == []


def test_dix_echecs_sur_une_famille_la_bloquent_pour_tous(container, demo):
    for _ in range(limits.PER_FAMILY.attempts // limits.PER_ACCOUNT.attempts):
        intruder = citizen()
        for _ in range(limits.PER_ACCOUNT.attempts):
            with pytest.raises(Invalid):
                activate(container, intruder, first_name="Paul")
    with pytest.raises(TooManyRequests):
        activate(container, citizen())


def test_activation_demande_un_compte(container, demo):
    anonymous = {"account_id": None, "roles": [], "family_id": None}
    with pytest.raises(Forbidden):
        activate(container, anonymous)


def test_un_numero_mal_forme_est_signale_en_francais(container):
    with pytest.raises(Invalid) as refused:
        activate(container, citizen(), family_id="12a")
    assert refused.value.fields == {"family_id": ["De 3 à 5 chiffres."]}
