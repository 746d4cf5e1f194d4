"""Mon compte famille through the gateway: a parent links a family, a stranger sees nothing.

The family itself is stored as the SimpliCité office's import will store it (``family.demo``,
under an identifier of its own); everything else goes through the portal's pages.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from family.demo import add_demo_family

IDENTIFIERS = itertools.count(31001)
REFUSED = "Ces informations ne correspondent à aucune famille."
ACTIVATED = "Votre espace famille est activé"


def store_family(stack) -> str:
    """A family with two parents (Hélène and Jean-Pierre Müller) under a new identifier."""
    identifier = str(next(IDENTIFIERS))
    engine = create_engine(stack.database_urls["family"])
    with Session(engine) as session, session.begin():
        add_demo_family(session, identifier)
    engine.dispose()
    return identifier


@pytest.fixture
def family_id(stack) -> str:
    return store_family(stack)


def citizen(portal, helpers, email: str):
    password = helpers.new_password()
    portal.register_and_confirm(email, password)
    return portal.citizen_session(email, password)


def activate(portal, session, family_id: str, family_name: str, first_name: str):
    fields = {"family_id": family_id, "family_name": family_name, "adult_first_name": first_name}
    return portal.post_form(session, "/famille/activation", fields)


def test_un_parent_active_son_espace_famille_et_voit_le_dossier_unique(
    portal, stack, helpers, new_email, family_id
):
    email = new_email()
    parent = citizen(portal, helpers, email)
    first = portal.get("/famille", parent, allow_redirects=False)
    assert (first.status_code, first.headers["Location"]) == (302, "/famille/activation")

    refused = activate(portal, parent, family_id, "Martin", "Hélène")
    assert refused.status_code == 422 and REFUSED in refused.text

    linked = activate(portal, parent, f" {family_id} ", "MULLER", "jean pierre")
    assert linked.status_code == 303
    assert linked.headers["Location"] == f"/famille?famille={family_id}"
    page = portal.get(linked.headers["Location"], parent)
    assert page.status_code == 200
    assert "Famille Müller" in page.text and "Léa Müller" in page.text
    assert "Arachide" in page.text, "a linked parent sees the health information"
    notice = stack.wait_for_message(email, ACTIVATED)
    assert family_id in notice["text"]


def test_un_compte_non_lie_ne_voit_rien_de_la_famille_meme_en_devinant(
    portal, helpers, new_email, family_id, stack
):
    target = family_id
    own = store_family(stack)
    stranger = citizen(portal, helpers, new_email("intrus"))
    assert activate(portal, stranger, own, "Müller", "Hélène").status_code == 303
    for guess in (target, "999", "99999", "abc", f"{target}%20"):
        answer = portal.get(f"/famille?famille={guess}", stranger, allow_redirects=False)
        assert answer.status_code == 403, guess
        assert "pas rattachée à votre session" in answer.text
        assert "Arachide" not in answer.text and target not in answer.text
