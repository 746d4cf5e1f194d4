"""A citizen asks for a copy of a civil-status record, the town processes it, the citizen follows it.

Everything goes through the gateway's pages, as a browser would, on the running portal.
"""

from __future__ import annotations

import re

FORM = "/demarches/acte_etat_civil/nouvelle"
NUMBER = re.compile(r"ECV-\d{4}-\d{6}")


def request_fields(email: str, **overrides: str) -> dict[str, str]:
    fields = {
        "acte": "naissance",
        "copie": "integrale",
        "nom": "Martin",
        "prenoms": "Camille Louise",
        "date_acte": "1990-05-14",
        "lien": "titulaire",
        "demandeur": "Camille Martin",
        "adresse": "12 rue Jean Moulin",
        "code_postal": "69300",
        "commune": "Caluire-et-Cuire",
        "email": email,
    }
    return {**fields, **overrides}


def test_copie_integrale_refusee_sans_lien_puis_demande_traitee_jusqu_a_l_envoi(
    stack, portal, helpers, new_email
):
    email = new_email("acte")
    citizen = helpers.client()

    refused = portal.post_form(citizen, FORM, request_fields(email, lien="autre"))
    assert refused.status_code == 422
    page = helpers.Page(refused.text)
    assert "extrait sans filiation" in refused.text, "the error does not say what to ask instead"
    assert page.values["nom"] == "Martin" and page.values["email"] == email, "typed values lost"

    sent = portal.post_form(citizen, FORM, request_fields(email))
    assert sent.status_code == 303, sent.text[:2000]
    tracking = citizen.get(portal.url(sent.headers["Location"]), timeout=30)
    assert tracking.status_code == 200
    number = NUMBER.search(tracking.text).group(0)
    stack.wait_for_message(email, f"Votre demande {number} a bien été reçue")

    agent = portal.agent_session(stack.admin_login)
    listing = portal.get("/agents/demarches/acte_etat_civil", agent)
    assert listing.status_code == 200
    found = re.search(rf'href="/agents/demarches/demande/(\d+)">{number}<', listing.text)
    assert found, f"{number} is not in the agents' list"
    detail = f"/agents/demarches/demande/{found.group(1)}"
    for status, label in (
        ("en_cours", "En cours de traitement"),
        ("delivree", "Copie envoyée par courrier"),
    ):
        moved = portal.post_form(
            agent, f"{detail}/statut", {"status": status, "comment": ""}, detail
        )
        assert moved.status_code == 303, moved.text[:2000]
        stack.wait_for_message(email, f"Votre demande {number} : {label}")

    skipped_back = portal.post_form(agent, f"{detail}/statut", {"status": "deposee"}, detail)
    assert skipped_back.status_code in (409, 422), "a finished request moved backwards"
    followed = citizen.get(portal.url(sent.headers["Location"]), timeout=30)
    assert "Copie envoyée par courrier" in followed.text
