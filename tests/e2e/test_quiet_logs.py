"""The services' output holds their JSON logs, not the noise of the libraries under them.

The stack starts each service as the Procfile and the images do (``python -m chassis.run``):
eventlet's deprecation banner and amqp's "method ignored during closing channel" warnings,
one per publish of an event no queue takes, used to fill the terminal of ``make run``.
"""

from __future__ import annotations

NOISE = ("Eventlet is deprecated", "EventletDeprecationWarning", "during closing channel")
SERVICES = ("accounts", "requests", "notifications")


def test_les_journaux_des_services_restent_lisibles(stack, portal, helpers, new_email):
    email = new_email()
    answer = portal.submit_form(helpers.report_fields(email))
    assert answer.status_code == 303, answer.text[:1000]
    number = helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0)
    stack.wait_for_message(email, f"Votre signalement {number} a bien été reçu")
    # The message is recorded as sent, with what notifications publishes about it, in one
    # transaction: once that is committed, wait until the relay has tried every such event.
    sent = "recipient = :email AND status = 'sent'"
    helpers.poll(lambda: stack.count_rows("notifications", "outgoing_messages", sent, email=email),
                 30, "the message recorded as sent")  # fmt: skip
    untried = "payload->>'recipient' = :email AND published_at IS NULL AND attempts = 0"
    helpers.poll(
        lambda: stack.count_rows("notifications", "outbox_events", untried, email=email) == 0,
        30,
        "the relay tried the events about the message",
    )

    for service in SERVICES:
        output = stack.logs(service)
        assert "starting services" in output, f"{service} did not log its start"
        found = [line for line in output.splitlines() if any(word in line for word in NOISE)]
        assert found == [], f"{service}: {found[:5]}"
