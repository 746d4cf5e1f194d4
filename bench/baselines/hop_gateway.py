"""The gateway as deployed, plus two pages that each make one RPC doing no I/O.

    gunicorn -k gthread --threads 4 -w 2 --pythonpath gateway:bench/baselines \
        "hop_gateway:create_app()"

``/bench/bare`` asks the bare baseline service's ``ping``; ``/bench/categories`` asks
``requests.list_report_categories`` with a signed anonymous caller, which the service
verifies. Both go through the gateway's real request pipeline and pooled RPC client, so their
cost over ``/healthz`` is what one service hop adds to a page.
"""

from flask import Flask, current_app, jsonify

from contracts.identity import ANONYMOUS
from gateway import create_app as create_gateway


def create_app() -> Flask:
    app = create_gateway()

    @app.get("/bench/bare")
    def bare_ping():
        return jsonify(current_app.extensions["rpc"].call("bare", "ping"))

    @app.get("/bench/categories")
    def categories():
        rpc = current_app.extensions["rpc"]
        return jsonify(rpc.call("requests", "list_report_categories", ANONYMOUS))

    return app
