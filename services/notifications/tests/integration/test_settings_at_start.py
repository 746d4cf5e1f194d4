"""In production the service does not start without its mail relay and sender."""

from __future__ import annotations

import pytest

from chassis.config import MissingSetting
from chassis.testing.services import service_config
from notifications.service import NotificationsService


@pytest.mark.parametrize("missing", ["SMTP_HOST", "SMTP_PORT", "MAIL_FROM"])
def test_notifications_ne_demarre_pas_en_production_sans_relais(
    service_container, amqp_uri, database_url, monkeypatch, missing
):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    relay = {"SMTP_HOST": "relais.ville-caluire.fr", "SMTP_PORT": "587"}
    relay["MAIL_FROM"] = "ne-pas-repondre@ville-caluire.fr"
    for name in (*relay, "SMTP_STARTTLS", "SMTP_SSL", "SMTP_USERNAME", "SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    del relay[missing]
    config = service_config(amqp_uri, database_url, GATEWAY_PUBLIC_URL="https://portail.example")
    with pytest.raises(MissingSetting, match=missing):
        service_container(NotificationsService, {**config, **relay})
