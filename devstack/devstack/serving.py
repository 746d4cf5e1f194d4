"""Serve a stand-in's Flask app until SIGTERM or Ctrl+C (payment simulator, map stand-ins)."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

from flask import Flask
from werkzeug.serving import make_server


def serve(app: Flask, host: str, port: int, what: str) -> None:
    """Answer on ``host:port`` with threads; SIGTERM stops the server cleanly."""
    logging.basicConfig(level=logging.INFO)
    server = make_server(host, port, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    logging.getLogger("devstack").info("%s on http://%s:%s", what, host, port)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
