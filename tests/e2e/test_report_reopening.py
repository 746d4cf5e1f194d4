"""The author of a resolved report reopens it from the tracking page of the running portal;
the town sees why, and the author gets the progress e-mail."""

from __future__ import annotations

import re


def test_l_auteur_rouvre_son_signalement_resolu(stack, portal, helpers, new_email):
    email = new_email("rouvert")
    sent = portal.submit_form(helpers.report_fields(email))
    assert sent.status_code == 303, sent.text[:2000]
    tracking = sent.headers["Location"].replace("&nouveau=1", "")
    number = re.search(r"ESP-\d{4}-\d{6}", tracking).group(0)
    key = re.search(r"cle=([^&]+)", tracking).group(1)

    agent = portal.agent_session()
    listing = portal.get("/agents/signalements", agent)
    report_id = re.search(rf'signalements/(\d+)">{number}<', listing.text).group(1)
    detail = f"/agents/signalements/{report_id}"
    done = portal.post_form(agent, f"{detail}/statut", {"status": "resolu", "comment": ""}, detail)
    assert done.status_code == 303

    author = helpers.client()
    page = author.get(portal.url(tracking), timeout=30)
    assert "Vous pouvez rouvrir ce signalement" in page.text
    reopened = portal.post_form(
        author, f"/suivi/{number}/rouvrir", {"cle": key, "reason": "Le trou est revenu."}, tracking
    )
    assert reopened.status_code == 303, reopened.text[:2000]
    page = author.get(portal.url(tracking), timeout=30)
    assert "Signalement rouvert" in page.text and "Rouvert par l&#39;auteur" in page.text
    stack.wait_for_message(email, f"Votre signalement {number} : En cours")
    assert "Rouvert par l&#39;auteur : Le trou est revenu." in portal.get(detail, agent).text
