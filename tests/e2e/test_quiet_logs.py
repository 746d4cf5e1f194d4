"""The services' output holds their JSON logs, not the noise of the libraries under them.

The stack starts each service as the Procfile and the images do (``python -m chassis.run``):
eventlet's deprecation banner and amqp's "method ignored during closing channel" warnings,
one per publish of an event no queue takes, used to fill the terminal of ``make run``, and
every caller's mistake (a wrong tracking key, a wrong password) came with a traceback.
"""

from __future__ import annotations

import json

NOISE = ("Eventlet is deprecated", "EventletDeprecationWarning", "during closing channel")
SERVICES = ("accounts", "requests", "notifications")


def test_les_journaux_des_services_restent_lisibles(stack, portal, helpers, new_email):
    email = new_email()
    answer = portal.submit_form(helpers.report_fields(email))
    assert answer.status_code == 303, answer.text[:1000]
    number = helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0)
    stack.wait_for_message(email, f"Votre signalement {number} a bien été reçu")
    wrong_key = portal.get(f"/suivi/{number}?cle=pas-la-bonne-cle")
    assert wrong_key.status_code == 404

    for service in SERVICES:
        output = stack.logs(service)
        assert "starting services" in output, f"{service} did not log its start"
        found = [line for line in output.splitlines() if any(word in line for word in NOISE)]
        assert found == [], f"{service}: {found[:5]}"
        expected = [json.loads(line) for line in output.splitlines() if "(expected)" in line]
        assert all("exception" not in record for record in expected), f"{service}: traceback"
        assert all(record["level"] == "INFO" for record in expected), service
    requests_log = stack.logs("requests")
    assert "(expected) error handling worker" in requests_log, "the wrong key left no line"
