"""A citizen reports a problem with a photo, an agent processes it, the citizen follows it."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from PIL import ExifTags, Image

PARIS = ZoneInfo("Europe/Paris")


def submit_report_page(portal, helpers, email: str, photo: bytes) -> tuple[str, str, str]:
    """The form, posted with its CSRF token and a photo; returns (number, key, page)."""
    form = helpers.Page(portal.get("/signalements/nouveau").text)
    assert "csrf_token" in form.values, "the form has no CSRF field"
    session = helpers.client()
    answer = portal.submit_form(
        helpers.report_fields(email), ("nid-de-poule.jpg", photo, "image/jpeg"), session
    )
    assert answer.status_code == 303, answer.text[:2000]
    page = session.get(portal.url(answer.headers["Location"]), timeout=30)
    assert page.status_code == 200
    number = helpers.TRACKING_NUMBER.search(page.text)
    assert number, "no tracking number on the confirmation"
    assert number.group(1) == str(datetime.now(PARIS).year)
    link = re.search(
        rf'href="({re.escape(portal.base)}/suivi/{number.group(0)}\?cle=([^"&]+))"', page.text
    )
    assert link, "no private tracking link on the confirmation"
    return number.group(0), link.group(2), link.group(1)


def agent_report_id(portal, agent: requests.Session, number: str) -> int:
    listing = portal.get("/agents/signalements", agent)
    assert listing.status_code == 200
    found = re.search(rf'href="/agents/signalements/(\d+)">{number}<', listing.text)
    assert found, f"{number} is not in the agents' list"
    return int(found.group(1))


def change_status(portal, agent: requests.Session, report_id: int, status: str, comment: str):
    path = f"/agents/signalements/{report_id}"
    token = portal.csrf(agent, path)
    answer = agent.post(
        portal.url(f"{path}/statut"),
        data={"status": status, "comment": comment, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text[:2000]
    detail = portal.get(path, agent)
    assert comment in detail.text


def assert_no_metadata(photo: requests.Response) -> None:
    assert photo.status_code == 200
    assert photo.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(photo.content))
    assert image.format == "JPEG"
    assert not image.getexif(), f"EXIF left in the photo: {dict(image.getexif())}"
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in photo.content and b"Appareil de test" not in photo.content


def test_signalement_complet_du_citoyen_a_l_agent(stack, portal, helpers, new_email, jpeg_with_gps):
    email = new_email()
    number, key, link = submit_report_page(portal, helpers, email, jpeg_with_gps)

    confirmation = stack.wait_for_message(email, f"Votre signalement {number} a bien été reçu")
    assert number in confirmation["text"] and link in confirmation["text"]

    agent = portal.agent_session()
    report_id = agent_report_id(portal, agent, number)
    change_status(portal, agent, report_id, "en_cours", "Une équipe passe cette semaine.")
    change_status(portal, agent, report_id, "resolu", "La chaussée a été rebouchée.")

    for label, comment in (
        ("En cours", "Une équipe passe cette semaine."),
        ("Résolu", "La chaussée a été rebouchée."),
    ):
        mail = stack.wait_for_message(email, f"Votre signalement {number} : {label}")
        assert label in mail["text"] and comment in mail["text"] and link in mail["text"]
    assert len(stack.messages(email)) == 3, [m["subject"] for m in stack.messages(email)]

    page = portal.get(f"/suivi/{number}", params={"cle": key})
    assert page.status_code == 200
    history = re.search(r'<ol class="history">(.*?)</ol>', page.text, re.S)
    assert history, "no history on the tracking page"
    steps = ["Nouveau", "En cours", "Une équipe passe", "Résolu", "La chaussée a été rebouchée."]
    positions = [history.group(1).find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), dict(
        zip(steps, positions, strict=True)
    )

    assert_no_metadata(portal.get(f"/suivi/{number}/photo", params={"cle": key}))
    assert_no_metadata(portal.get(f"/agents/signalements/{report_id}/photo", agent))


def test_suivi_refuse_une_mauvaise_cle(portal, helpers, new_email):
    answer = portal.submit_form(helpers.report_fields(new_email()))
    assert answer.status_code == 303
    number = helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0)
    wrong = portal.get(f"/suivi/{number}", params={"cle": "pas-la-bonne-cle"})
    assert wrong.status_code == 404
    assert "Nid-de-poule" not in wrong.text


def test_le_suiveur_arrete_de_suivre_par_le_lien_de_son_e_mail(stack, portal, helpers, new_email):
    author, follower = new_email("auteur"), new_email("suiveur")
    sent = portal.submit_form(helpers.report_fields(author))
    number = re.search(r"ESP-\d{4}-\d{6}", sent.headers["Location"]).group(0)
    session = requests.Session()
    follow = {"numero": number, "follow_email": follower}
    followed = portal.post_form(session, "/signalements/suivre", follow, "/signalements/nouveau")
    assert followed.status_code == 200 and "Vous suivez le signalement" in followed.text

    agent = portal.agent_session()
    report_id = agent_report_id(portal, agent, number)
    change_status(portal, agent, report_id, "en_cours", "Une équipe passe cette semaine.")
    mail = stack.wait_for_message(follower, f"Signalement suivi {number} : En cours")
    link = re.search(r"(https?://\S+/signalements/ne-plus-suivre/\S+)", mail["text"]).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = portal.get(f"/{path}", session)
    assert confirm.status_code == 200 and "Ne plus suivre ce signalement" in confirm.text
    key = re.search(r"cle=([^&\s]+)", link).group(1)
    done = portal.post_form(
        session, f"/signalements/ne-plus-suivre/{number}", {"cle": key}, f"/{path}"
    )
    assert done.status_code == 200 and "Vous ne suivez plus le signalement" in done.text

    change_status(portal, agent, report_id, "resolu", "La chaussée a été rebouchée.")
    stack.wait_for_message(author, f"Votre signalement {number} : Résolu")
    assert [m["subject"] for m in stack.messages(follower)] == [
        f"Signalement suivi {number} : En cours"
    ]
