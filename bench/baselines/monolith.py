"""Baseline: the report read as a same-machine monolith would serve it.

    REQUESTS_DATABASE_URL=postgresql://... gunicorn -k gthread --threads 4 -w 2 \
        --pythonpath bench/baselines "monolith:create_app()"

One Flask + SQLAlchemy process (per gunicorn worker) reading the report and its history from
the requests database, checking the tracking key, and answering the same JSON as
``GET /api/v1/reports/<number>?key=`` of the gateway: the same query code, rule and schema,
with no broker, no RPC and no signed caller. Nothing else: no sessions, no CSRF, no logs.
"""

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from contracts.errors import NotFound
from contracts.requests import Report
from requests_service import domain
from requests_service.repository import Reports


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["REQUESTS_DATABASE_URL"], pool_size=10)
    sessions = sessionmaker(engine, expire_on_commit=False)
    schema = Report()

    @app.get("/api/v1/reports/<tracking_number>")
    def get_report(tracking_number: str):
        key = request.args.get("key", "").strip()
        if not key:
            return jsonify({"error": {"code": "INVALID", "fields": {"key": ["requis"]}}}), 422
        with sessions() as session:
            try:
                report = domain.find_tracked_report(Reports(session), tracking_number, key)
            except NotFound as exc:
                return jsonify({"error": {"code": "NOT_FOUND", "message": str(exc)}}), 404
            view = domain.report_view(report)
        response = jsonify(schema.dump(view))
        response.headers["Cache-Control"] = "no-store"
        return response

    return app
