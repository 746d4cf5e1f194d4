"""A citizen books a passport appointment, receives the e-mail with its calendar file, moves
it, then cancels it from the private link: every step through the gateway's pages, on the
running portal, each e-mail's .ics read as a calendar application would."""

from __future__ import annotations

import html
import re
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import requests
from icalendar import Calendar

SLOT_LINK = re.compile(r'href="(/rendez-vous/passeport/reserver\?[^"]+)"')
MOVE_FORM = re.compile(
    r'name="poste" value="([^"]+)">\s*<input type="hidden" name="debut" value="([^"]+)"'
)
MANAGE = re.compile(r"/rendez-vous/gerer/(RDV-\d{4}-\d{6})\?cle=([^&\s\"]+)")


def calendar_of(stack, message: dict) -> Calendar:
    """The rendez-vous.ics attached to ``message``, from the raw e-mail the sink stored."""
    assert [a["filename"] for a in message["attachments"]] == ["rendez-vous.ics"]
    raw = requests.get(f"{stack.sink_url}/messages/{message['id']}.eml", timeout=10).content
    parsed = message_from_bytes(raw, policy=policy.default)
    [part] = [p for p in parsed.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def mail_matching(stack, helpers, email: str, subject: str) -> dict:
    """The one e-mail to ``email`` whose subject matches the regular expression ``subject``."""

    def found():
        matching = [m for m in stack.messages(email) if re.fullmatch(subject, m["subject"])]
        assert len(matching) <= 1, f"{len(matching)} e-mails {subject!r}"
        return matching

    return helpers.poll(found, 30, f"the e-mail {subject!r}")[0]


def hidden_slot(path: str) -> dict:
    query = parse_qs(urlsplit(path).query)
    return {"poste": query["poste"][0], "debut": query["debut"][0]}


def test_reserver_recevoir_l_ics_deplacer_puis_annuler(stack, portal, helpers, new_email):
    email = new_email("rdv")
    citizen = helpers.client()
    assert "Passeport" in portal.get("/rendez-vous", citizen).text
    day = portal.get("/rendez-vous/passeport", citizen)
    assert day.status_code == 200
    booking_path = html.unescape(SLOT_LINK.search(day.text).group(1))
    fields = {"last_name": "Martin", "first_name": "Camille", "email": email}

    form = booking_path.split("?")[0]
    refused = portal.post_form(
        citizen, form, {**fields, "ants_number": "12", **hidden_slot(booking_path)}, booking_path
    )
    assert refused.status_code == 422
    assert "10 lettres majuscules ou chiffres" in refused.text

    booked = portal.post_form(
        citizen,
        form,
        {**fields, "ants_number": "ab12cd34ef", **hidden_slot(booking_path)},
        booking_path,
    )
    assert booked.status_code == 303, booked.text[:2000]
    reference, key = MANAGE.search(booked.headers["Location"]).groups()
    confirmation = portal.get(booked.headers["Location"], citizen)
    assert "Votre rendez-vous est confirmé" in confirmation.text
    assert "AB12CD34EF" in confirmation.text

    confirmed = mail_matching(
        stack, helpers, email, r"Votre rendez-vous Passeport du .* est confirmé"
    )
    assert f"/rendez-vous/gerer/{reference}?cle={key}" in confirmed["text"]
    [entry] = calendar_of(stack, confirmed).walk("VEVENT")
    assert (entry["sequence"], str(entry["status"])) == (0, "CONFIRMED")
    first_start = entry.decoded("dtstart")

    move_page = f"/rendez-vous/gerer/{reference}/deplacer?cle={key}"
    page = portal.get(move_page, citizen)
    desk, starts_at = (html.unescape(v) for v in MOVE_FORM.findall(page.text)[-1])
    moved = portal.post_form(
        citizen,
        f"/rendez-vous/gerer/{reference}/deplacer",
        {"cle": key, "poste": desk, "debut": starts_at},
        move_page,
    )
    assert moved.status_code == 303, moved.text[:2000]
    moved_mail = mail_matching(
        stack, helpers, email, r"Votre rendez-vous Passeport est déplacé au .*"
    )
    [entry] = calendar_of(stack, moved_mail).walk("VEVENT")
    assert entry["sequence"] == 1 and entry.decoded("dtstart") != first_start
    assert str(entry["uid"]).startswith(f"{reference}@")

    manage = f"/rendez-vous/gerer/{reference}?cle={key}"
    cancelled = portal.post_form(
        citizen, f"/rendez-vous/gerer/{reference}/annuler", {"cle": key}, manage
    )
    assert cancelled.status_code == 303
    assert "Annulé" in portal.get(manage, citizen).text
    cancel_mail = mail_matching(
        stack, helpers, email, r"Votre rendez-vous Passeport du .* est annulé"
    )
    cancel_calendar = calendar_of(stack, cancel_mail)
    assert str(cancel_calendar["method"]) == "CANCEL"
    again = portal.post_form(
        citizen, f"/rendez-vous/gerer/{reference}/annuler", {"cle": key}, booking_path
    )
    assert again.status_code == 409
