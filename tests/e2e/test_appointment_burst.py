"""Twenty people booking passport appointments at the same moment through the gateway's pages,
then the appointment and salle des fêtes pages while the requests service is stopped.

Twenty on the same time: one booking, nineteen clear French answers (409), no error page.
Twenty on twenty different times: twenty bookings, one confirmation e-mail each. With the
requests service stopped, every page that needs it answers the French 503 page, and the
portal's home page still answers."""

from __future__ import annotations

import html
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from contracts.dates_fr import paris_today

BURST = 20
SLOT_LINK = re.compile(r'href="(/rendez-vous/passeport/reserver\?[^"]+)"')
MANAGE = re.compile(r"/rendez-vous/gerer/(RDV-\d{4}-\d{6})\?cle=([^&\s\"]+)")
TAKEN = "Ce créneau vient d'être réservé par quelqu'un d'autre"
CONFIRMED = re.compile(r"Votre rendez-vous Passeport du .* est confirmé")
UNAVAILABLE = "Le service est momentanément indisponible, réessayez dans quelques minutes."


def free_times(portal, helpers, wanted: int) -> list[str]:
    """The first ``wanted`` booking links of the passport day pages, day after day."""
    links: list[str] = []
    day = paris_today() + timedelta(days=1)
    while len(links) < wanted:
        page = portal.get(f"/rendez-vous/passeport?jour={day.isoformat()}", helpers.client())
        assert page.status_code == 200, page.text[:2000]
        links += [html.unescape(link) for link in SLOT_LINK.findall(page.text)]
        day += timedelta(days=1)
    return links[:wanted]


def book(portal, helpers, path: str, email: str):
    """One person's booking, as the form sends it; the gateway's answer (no redirect)."""
    query = parse_qs(urlsplit(path).query)
    fields = {
        "last_name": "Martin",
        "first_name": "Camille",
        "email": email,
        "ants_number": "AB12CD34EF",
        "poste": query["poste"][0],
        "debut": query["debut"][0],
    }
    return portal.post_form(helpers.client(), path.split("?")[0], fields, path)


def burst(portal, helpers, paths: list[str], emails: list[str]) -> list:
    with ThreadPoolExecutor(BURST) as pool:
        return list(
            pool.map(lambda pe: book(portal, helpers, *pe), zip(paths, emails, strict=True))
        )


def test_vingt_personnes_reservent_en_meme_temps(stack, portal, helpers, new_email):
    [first] = free_times(portal, helpers, 1)
    same = [new_email(f"meme-{n}") for n in range(BURST)]
    answers = burst(portal, helpers, [first] * BURST, same)
    assert sorted(a.status_code for a in answers) == [303] + [409] * (BURST - 1)
    assert all(TAKEN in html.unescape(a.text) for a in answers if a.status_code == 409)

    paths = free_times(portal, helpers, BURST)
    assert first not in paths
    emails = [new_email(f"chacun-{n}") for n in range(BURST)]
    answers = burst(portal, helpers, paths, emails)
    assert [a.status_code for a in answers] == [303] * BURST, [
        a.text[:500] for a in answers if a.status_code != 303
    ]
    references = {MANAGE.search(a.headers["Location"]).group(1) for a in answers}
    assert len(references) == BURST
    for email in emails:
        confirmations(stack, email, wait=90)
    for email in emails:  # tomorrow's appointments also get their reminder: not counted here
        assert len(confirmations(stack, email)) == 1, f"more than one confirmation to {email}"


def confirmations(stack, email: str, wait: float = 0) -> list[dict]:
    """The confirmation e-mails ``email`` received; with ``wait``, at least one (polled)."""
    deadline = time.monotonic() + wait
    while True:
        found = [m for m in stack.messages(email) if CONFIRMED.fullmatch(m["subject"])]
        if found or time.monotonic() >= deadline:
            assert found or not wait, f"no confirmation to {email} after {wait:.0f} s"
            return found
        time.sleep(0.5)


@pytest.fixture
def requests_stopped(stack):
    """The requests service stopped for the test; started again even if the test fails."""
    with stack.service_stopped("requests"):
        yield


def test_pages_en_503_quand_le_service_des_demarches_est_arrete(
    stack, portal, helpers, requests_stopped
):
    citizen = helpers.client()
    for path in (
        "/rendez-vous",
        "/rendez-vous/passeport",
        "/rendez-vous/gerer/RDV-2027-000001?cle=inconnue",
        "/salle-des-fetes",
    ):
        answer = portal.get(path, citizen)
        assert answer.status_code == 503, (path, answer.status_code, answer.text[:500])
        assert UNAVAILABLE in html.unescape(answer.text), path
    assert portal.get("/", citizen).status_code == 200
