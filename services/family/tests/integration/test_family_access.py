"""The Dossier Unique and its health information go only to linked accounts and agents."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from chassis.types import utcnow
from contracts.errors import Forbidden, NotFound
from family.demo import demo_family
from family.domain import NOT_IN_SESSION
from family.repository import Families

AGENT = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"], "family_id": None}


def citizen(**fields) -> dict:
    return {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None, **fields}


def linked_parent(container) -> dict:
    """An account linked to the demo family, its caller carrying the family as the gateway's
    does after the activation."""
    parent = citizen()
    payload = {"family_id": "4217", "family_name": "Müller", "adult_first_name": "Hélène"}
    call(container, "activate_family", parent, payload)
    return {**parent, "family_ids": ["4217"]}


def test_le_parent_lie_voit_le_dossier_unique_avec_la_sante(container, demo):
    family = call(container, "get_family", linked_parent(container), "4217")
    assert [adult["first_name"] for adult in family["adults"]] == ["Hélène", "Jean-Pierre"]
    lea, noe = family["children"]
    assert (lea["first_name"], lea["class_name"], lea["birth_date"]) == ("Léa", "CE2", "2018-04-02")
    assert lea["health"]["allergies"] == "Arachide" and lea["health"]["pai"] is True
    assert noe["health"] is None


GUESSES = ["4217", "4216", "4218", "100", "99999", "0", "abc", None, 4217]


@pytest.mark.parametrize(
    "caller",
    [
        citizen(),
        citizen(family_id="4217"),
        citizen(family_ids=["10523"]),
        {"account_id": None, "roles": [], "family_id": "4217", "family_ids": ["4217"]},
        citizen(roles=["agent_espace_public", "agent_etat_civil", "agent_regie", "admin"]),
    ],
    ids=["autre-compte", "family-id-seul", "autres-familles", "anonyme", "autres-agents"],
)
def test_un_appelant_sans_la_famille_dans_son_jeton_est_refuse(container, demo, caller):
    linked_parent(container)
    answers = {}
    for guess in GUESSES:
        with pytest.raises(Forbidden) as refused:
            call(container, "get_family", caller, guess)
        answers[refused.value.message] = guess
    assert list(answers) == [NOT_IN_SESSION]
    assert call(container, "list_linked_families", caller) == []


def test_un_compte_non_lie_n_obtient_rien_meme_avec_la_famille_dans_son_jeton(container, demo):
    """The link table stays the authority: a claim outliving its link (an account closed, a
    family erased since the login) is refused as a stranger is, whatever was guessed."""
    linked_parent(container)
    answers = {}
    for guess in ["4217", "4216", "99999"]:
        with pytest.raises(NotFound) as refused:
            call(container, "get_family", citizen(family_ids=[guess]), guess)
        answers[refused.value.message] = guess
    assert list(answers) == ["Famille introuvable."]


def test_un_parent_de_deux_familles_passe_de_l_une_a_l_autre(container, demo, engine):
    parent = linked_parent(container)
    with Session(engine) as session, session.begin():
        other = demo_family("10523")
        other.name = "Martin"
        Families(session).add(other)
        Families(session).add_link(other, parent["account_id"], utcnow())
    linked = call(container, "list_linked_families", parent)
    assert [found["family_id"] for found in linked] == ["4217", "10523"]
    both = {**parent, "family_ids": [found["family_id"] for found in linked]}
    assert call(container, "get_family", both, "10523")["name"] == "Martin"
    assert call(container, "get_family", both, "4217")["name"] == "Müller"
    with pytest.raises(Forbidden):
        call(container, "get_family", parent, "10523")


def test_chaque_lecture_d_un_agent_est_enregistree(container, demo, engine):
    family = call(container, "get_family", AGENT, "4217")
    assert family["children"][0]["health"]["doctor"].startswith("Dr")
    call(container, "get_family", linked_parent(container), "4217")
    with engine.connect() as connection:
        reads = connection.execute(text("select agent_account_id from health_reads")).all()
    assert [read.agent_account_id for read in reads] == [AGENT["account_id"]]


def test_un_compte_ferme_n_est_plus_lie(container, demo, dispatch, engine):
    parent = linked_parent(container)
    event = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": "2026-12-02T08:00:00+00:00",
        "account_id": parent["account_id"],
        "email": "helene.muller@example.org",
    }
    dispatch("accounts", "account_closed", event)

    def unlinked():
        with engine.connect() as connection:
            return connection.scalar(text("select count(*) from family_links")) == 0

    wait_until(unlinked, message="the closed account unlinked")
    with pytest.raises(NotFound):
        call(container, "get_family", parent, "4217")
