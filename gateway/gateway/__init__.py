"""The citizen portal's web gateway: French pages, the JSON API, RPC to the services.

``create_app()`` reads the settings once from the environment and wires the extensions and
blueprints; nothing connects to the broker until the first RPC call. Run it with::

    gunicorn -k gthread --threads 4 -w 2 -b 0.0.0.0:8000 'gateway:create_app()'
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from gateway import errors, formatting, logs, metrics, security, sessions, settings
from gateway.franceconnect import FranceConnect
from gateway.geocoder import Geocoder
from gateway.rpc import RpcClient
from gateway.views import (
    account,
    account_security,  # noqa: F401 - adds the sensitive pages to the account blueprint
    admin,
    admin_open311,
    agent_appointments,  # noqa: F401 - adds the passport office's pages to the agents blueprint
    agent_attendance,  # noqa: F401 - adds the attendance lists to the agents blueprint
    agent_demarches,  # noqa: F401 - adds the démarche pages to the agents blueprint
    agent_family,  # noqa: F401 - adds the SimpliCité pages to the agents blueprint
    agent_hall,  # noqa: F401 - adds the salle des fêtes pages to the agents blueprint
    agent_queue,  # noqa: F401 - adds the démarche queue to the agents blueprint
    agent_regie,  # noqa: F401 - adds the régie's pages to the agents blueprint
    agents,
    api,
    appointments,
    auth,
    billing_pages,
    demarches,
    family,
    family_activities,
    family_dossier,  # noqa: F401 - adds the Dossier Unique pages to the family blueprint
    family_preregistration,  # noqa: F401 - pre-registration pages (family and agents)
    franceconnect_views,
    hall,
    health,
    home,
    open311,
    payment_callbacks,
    registration,
    report_map,
    reports,
)

BLUEPRINTS = (
    home.bp,
    health.bp,
    reports.bp,
    report_map.bp,
    demarches.bp,
    appointments.bp,
    hall.bp,
    auth.bp,
    registration.bp,
    account.bp,
    family.bp,
    billing_pages.bp,
    payment_callbacks.bp,
    family_activities.bp,
    family_activities.feeds,
    franceconnect_views.bp,
    agents.bp,
    admin.bp,
    api.bp,
    open311.bp,
    admin_open311.bp,
)

MAX_CONTENT_LENGTH = 40 * 1024 * 1024
"""A whole request (form with a photo, or JSON with a base64 photo) is capped at 40 Mio."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` overrides settings; its ``RPC_CLIENT`` replaces the pool."""
    logs.configure()
    overrides = dict(test_config or {})
    rpc_client = overrides.pop("RPC_CLIENT", None)
    config = {"MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH, **settings.from_environ(os.environ)}
    config.update(overrides)
    settings.check(config)

    app = Flask(__name__)
    app.config.update(config)
    app.json.ensure_ascii = False
    logs.init_app(app)
    metrics.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    sessions.init_app(app)
    FranceConnect().init_app(app)
    Geocoder(app.config["GEOCODER_URL"]).init_app(app)
    if rpc_client is None:
        RpcClient(app)
    else:
        app.extensions["rpc"] = rpc_client

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    security.csrf.exempt(api.bp)
    security.csrf.exempt(open311.bp)
    security.csrf.exempt(payment_callbacks.bp)
    return app
