"""The Dossier Unique through the gateway: a parent changes it, the SimpliCité office decides.

The family is stored as the office's import stores it (``family.demo``, under an identifier
of its own); everything else goes through the portal's pages, and the e-mails through the
SMTP sink.
"""

from __future__ import annotations

import itertools
import json
import re

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from contracts.dates_fr import paris_today
from family.demo import add_demo_family

IDENTIFIERS = itertools.count(33001)
BIRTH_IDENTIFIERS = itertools.count(37501)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def store_family(stack, identifiers=IDENTIFIERS) -> str:
    identifier = str(next(identifiers))
    engine = create_engine(stack.database_urls["family"])
    with Session(engine) as session, session.begin():
        add_demo_family(session, identifier)
    engine.dispose()
    return identifier


def linked_parent(portal, helpers, email: str, family_id: str):
    password = helpers.new_password()
    portal.register_and_confirm(email, password)
    parent = portal.citizen_session(email, password)
    fields = {"family_id": family_id, "family_name": "Müller", "adult_first_name": "Hélène"}
    assert portal.post_form(parent, "/famille/activation", fields).status_code == 303
    return parent


def send_quotient(portal, session, family_id: str, value: str):
    path = f"/famille/dossier/quotient-familial?famille={family_id}"
    token = portal.csrf(session, path)
    return session.post(
        portal.url(path),
        data={"quotient-quotient_familial": value, "csrf_token": token},
        files={"quotient-certificate": ("attestation caf.pdf", PDF, "application/pdf")},
        allow_redirects=False,
        timeout=30,
    )


def test_un_parent_modifie_son_dossier_et_le_guichet_valide_le_quotient(
    portal, stack, helpers, new_email
):
    family_id, email = store_family(stack), new_email("dossier")
    parent = linked_parent(portal, helpers, email, family_id)
    path = f"/famille/dossier/personnes-autorisees?famille={family_id}"
    person = {"first_name": "Odile", "last_name": "Martin", "relationship": "Grand-mère"}
    fields = {f"pickup-0-{name}": value for name, value in person.items()}
    saved = portal.post_form(parent, path, {**fields, "pickup-0-phone": "06 11 22 33 44"})
    assert saved.status_code == 303
    page = portal.get(saved.headers["Location"], parent).text
    assert "Modification enregistrée." in page and "Odile Martin (Grand-mère)" in page
    applied = stack.wait_for_message(email, "Votre dossier unique a été mis à jour")
    assert "- Personnes autorisées à venir chercher les enfants" in applied["text"]

    assert send_quotient(portal, parent, family_id, "850").status_code == 303
    page = portal.get(f"/famille/dossier?famille={family_id}", parent).text
    assert "Non communiqué" in page and "Modification en attente de validation" in page
    stack.wait_for_message(email, "Dossier unique : demande de modification enregistrée")

    agent = portal.agent_session(stack.simplicite_login)
    found = portal.get("/agents/familles?q=muller", agent).text
    assert f'href="/agents/familles/{family_id}"' in found
    waiting = portal.get("/agents/familles/demandes", agent).text
    change_id = re.search(
        rf"n° {family_id}</a>.*?/agents/familles/demandes/(\d+)/justificatif", waiting, re.S
    ).group(1)
    certificate = portal.get(f"/agents/familles/demandes/{change_id}/justificatif", agent)
    assert certificate.content == PDF and certificate.headers["Content-Type"] == "application/pdf"
    decided = portal.post_form(
        agent,
        f"/agents/familles/demandes/{change_id}",
        {"decision": "validee", "reason": ""},
        "/agents/familles/demandes",
    )
    assert decided.status_code == 303
    stack.wait_for_message(email, "Modification validée : Quotient familial")
    page = portal.get(f"/famille/dossier?famille={family_id}", parent).text
    assert "850, pris en compte depuis le" in page
    published = "event_type = 'quotient_changed' AND payload->>'family_id' = :family_id"
    assert stack.count_rows("family", "outbox_events", published, family_id=family_id) == 1

    history = portal.get(f"/famille/historique?famille={family_id}", parent).text
    assert history.count("par la famille") == 2 and "Validée" in history
    export = json.loads(portal.get("/compte/donnees.json", parent).text)
    [family] = export["families"]
    assert family["family_id"] == family_id and family["quotient"]["quotient_familial"] == 850
    assert family["children"][0]["health"]["allergies"] == "Arachide"
    assert {entry["section"] for entry in family["history"]} == {"pickup", "quotient"}


def test_un_compte_non_lie_ne_voit_ni_ne_modifie_le_dossier(portal, stack, helpers, new_email):
    family_id = store_family(stack)
    own = store_family(stack)
    stranger = linked_parent(portal, helpers, new_email("voisin"), own)
    for path in ("/famille/dossier", "/famille/historique", "/famille/dossier/adresse"):
        answer = portal.get(f"{path}?famille={family_id}", stranger, allow_redirects=False)
        assert answer.status_code == 403, path  # not in the session's signed families
        assert "Arachide" not in answer.text and "Jean Moulin" not in answer.text
    token = portal.csrf(stranger, f"/famille/dossier/adresse?famille={own}")
    forged = stranger.post(
        portal.url(f"/famille/dossier/adresse?famille={family_id}"),
        data={"address": "1 rue du Vol", "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 403
    assert stack.count_rows("family", "families", "address = '1 rue du Vol'") == 0
    assert portal.get("/agents/familles", stranger, allow_redirects=False).status_code == 302


def test_une_preinscription_en_creche_suit_la_commission_avec_un_e_mail_a_chaque_etape(
    portal, stack, helpers, new_email
):
    family_id, email = store_family(stack), new_email("creche")
    parent = linked_parent(portal, helpers, email, family_id)
    next_year = paris_today().year + 1
    form = {
        "born": "non",
        "child_last_name": "Müller",
        "expected_birth_date": f"{next_year}-03-14",
        "desired_start": f"{next_year}-09-01",
        "days_per_week": "4",
        "hours_per_week": "36",
        "creche_1": "vassieux",
    }
    sent = portal.post_form(parent, f"/famille/preinscriptions/creche?famille={family_id}", form)
    assert sent.status_code == 303
    listing = portal.get(sent.headers["Location"], parent).text
    reference = re.search(r"référence (CRE-\d{4}-\d{6})", listing).group(1)
    stack.wait_for_message(email, f"Préinscription en crèche enregistrée ({reference})")

    agent = portal.agent_session(stack.simplicite_login)
    page = "/agents/familles/preinscriptions?type=creche"
    number = int(reference.rsplit("-", 1)[1])
    for status, comment in (("en_commission", ""), ("place_proposee", "Place à Vassieux.")):
        moved = portal.post_form(
            agent,
            f"/agents/familles/preinscriptions/{number}",
            {"status": status, "comment": comment},
            page,
        )
        assert moved.status_code == 303
    proposal = stack.wait_for_message(
        email, f"Préinscription en crèche : place proposée ({reference})"
    )
    assert "Message du guichet SimpliCité : Place à Vassieux." in proposal["text"]
    stack.wait_for_message(email, f"Préinscription en crèche : en commission ({reference})")
    skipped = portal.post_form(
        agent, f"/agents/familles/preinscriptions/{number}", {"status": "en_commission"}, page
    )
    assert skipped.status_code == 409
    assert (
        "Place proposée" in portal.get(f"/famille/preinscriptions?famille={family_id}", parent).text
    )


def test_une_naissance_declaree_en_ligne_rejoint_le_dossier_une_fois_validee(
    portal, stack, helpers, new_email
):
    family_id, email = store_family(stack, BIRTH_IDENTIFIERS), new_email("naissance")
    parent = linked_parent(portal, helpers, email, family_id)
    next_year = paris_today().year + 1
    expected = {
        "born": "non",
        "child_last_name": "Müller",
        "expected_birth_date": f"{next_year}-03-14",
        "desired_start": f"{next_year}-09-01",
        "days_per_week": "4",
        "hours_per_week": "36",
        "creche_1": "vassieux",
    }
    sent = portal.post_form(
        parent, f"/famille/preinscriptions/creche?famille={family_id}", expected
    )
    listing = portal.get(sent.headers["Location"], parent).text
    reference = re.search(r"référence (CRE-\d{4}-\d{6})", listing).group(1)

    path = f"/famille/naissance?famille={family_id}"
    token = portal.csrf(parent, path)
    born = paris_today().isoformat()
    declared = parent.post(
        portal.url(path),
        data={
            "first_name": "Jade",
            "birth_date": born,
            "preregistration": reference,
            "csrf_token": token,
        },
        files={"certificate": ("acte de naissance.pdf", PDF, "application/pdf")},
        allow_redirects=False,
        timeout=30,
    )
    assert declared.status_code == 303
    page = portal.get(f"/famille/dossier?famille={family_id}", parent).text
    assert "Naissance déclarée : Jade" in page and "en attente de validation" in page

    agent = portal.agent_session(stack.simplicite_login)
    waiting = portal.get("/agents/familles/demandes", agent).text
    change_id = re.search(
        rf"n° {family_id}</a>.*?/agents/familles/demandes/(\d+)/justificatif", waiting, re.S
    ).group(1)
    assert portal.get(f"/agents/familles/demandes/{change_id}/justificatif", agent).content == PDF
    decided = portal.post_form(
        agent,
        f"/agents/familles/demandes/{change_id}",
        {"decision": "validee", "reason": ""},
        "/agents/familles/demandes",
    )
    assert decided.status_code == 303
    stack.wait_for_message(email, "Modification validée : Naissance d'un enfant")
    page = portal.get(f"/famille/dossier?famille={family_id}", parent).text
    assert "Jade Müller" in page and "Naissance déclarée" not in page
    listing = portal.get(f"/famille/preinscriptions?famille={family_id}", parent).text
    assert "Crèche : Jade Müller" in listing
