"""Nothing is lost and nothing is sent twice, whether notifications is down or the requests
service's relay has lost its link to RabbitMQ."""

from __future__ import annotations

import pytest

DUPLICATE_WATCH_SECONDS = 4
MAIL_TIMEOUT = 90  # the relay's backoff after a cut link is up to a minute


def submit_reports(portal, helpers, email: str, count: int) -> list[str]:
    numbers = []
    for index in range(count):
        fields = helpers.report_fields(email, {"description": f"Tag sur un mur, n° {index}."})
        answer = portal.submit_form({**fields, "category": "tags"})
        assert answer.status_code == 303, answer.text[:1000]
        numbers.append(helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0))
    return numbers


def confirmed_numbers(stack, helpers, email: str) -> list[str]:
    """The tracking number of each confirmation received for ``email``."""
    return [
        helpers.TRACKING_NUMBER.search(message["subject"]).group(0)
        for message in stack.messages(email)
    ]


def assert_each_confirmed_once(stack, helpers, email: str, numbers: list[str]) -> None:
    stack.wait_for_messages(len(numbers), to=email, timeout=MAIL_TIMEOUT)
    assert sorted(confirmed_numbers(stack, helpers, email)) == sorted(numbers)
    helpers.assert_stays(
        lambda: len(stack.messages(email)), len(numbers), DUPLICATE_WATCH_SECONDS, "e-mails"
    )


@pytest.fixture
def notifications_stopped(stack):
    """Notifications stopped for the test; started again even if the test fails."""
    with stack.service_stopped("notifications"):
        yield


def test_rien_n_est_perdu_quand_notifications_est_arrete(
    stack, portal, helpers, new_email, notifications_stopped
):
    email = new_email()
    numbers = submit_reports(portal, helpers, email, 20)
    assert len(set(numbers)) == 20
    assert stack.messages(email) == [], "mail sent while notifications was stopped"

    stack.start_service("notifications")

    assert_each_confirmed_once(stack, helpers, email, numbers)


@pytest.fixture
def relay_cut(stack):
    stack.cut_relay_link()
    yield
    stack.restore_relay_link()


def pending_events(stack, email: str, tried: bool = False) -> int:
    where = "published_at IS NULL AND payload->>'email' = :email"
    if tried:
        where += " AND attempts > 0"
    return stack.count_rows("requests", "outbox_events", where, email=email)


def test_le_relais_coupe_publie_tout_une_fois_le_lien_revenu(
    stack, portal, helpers, new_email, relay_cut
):
    email = new_email()
    numbers = submit_reports(portal, helpers, email, 5)  # RPC does not go through the proxy

    helpers.poll(lambda: pending_events(stack, email, tried=True), 30, "a failed relay attempt")
    assert pending_events(stack, email) == 5
    assert stack.messages(email) == [], "mail sent while the relay link was cut"

    stack.restore_relay_link()

    assert_each_confirmed_once(stack, helpers, email, numbers)
    assert pending_events(stack, email) == 0


def test_le_portail_reste_pret_quand_notifications_est_arrete(
    stack, portal, helpers, new_email, notifications_stopped
):
    """The gateway stays ready, other services' pages work, the stopped one's page says so."""
    assert portal.get("/readyz").status_code == 200
    email = new_email()
    [number] = submit_reports(portal, helpers, email, 1)
    assert portal.get("/agents/signalements", portal.agent_session()).status_code == 200
    admin = portal.agent_session(stack.admin_login)
    unavailable = portal.get("/admin/messages", admin)
    assert unavailable.status_code == 503
    assert "momentanément indisponible" in unavailable.text
    assert unavailable.headers["Content-Type"].startswith("text/html")

    stack.start_service("notifications")

    assert_each_confirmed_once(stack, helpers, email, [number])
    listed = portal.get(f"/admin/messages?destinataire={email}", admin)
    assert listed.status_code == 200 and number in listed.text
