"""The SMTP sink's HTTP side: the French web page for people and the JSON API for tests.

Web page (French, for people): ``GET /`` lists the messages, ``GET /messages/<id>`` shows
one (text part as text, HTML part in a sandboxed frame), ``GET /messages/<id>.eml`` gives
the raw message.

JSON API (for tests):

- ``GET /api/messages`` -> list of ``{id, from, to, subject, date, text, html, ...}`` in the
  order they were received (oldest first); ``?to=<address>`` keeps only the messages sent
  to that address. ``to`` lists the envelope recipients (``to_header`` the To header),
  ``text`` and ``html`` are decoded, with ``\n`` line ends (``null`` when absent).
- ``GET /api/messages/<id>`` -> one message.
- ``DELETE /api/messages`` -> empties the box; ``DELETE /api/messages/<id>`` -> one message.
- ``GET /healthz`` -> ``ok``.

The standard library's threading HTTP server is enough for one developer or one test run,
and keeps the sink free of a web framework.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from devstack.mail_pages import render_index, render_message, render_page
from devstack.mail_store import Maildir

# The sink's one logger: ``python -m devstack.smtp_sink`` sets its level.
log = logging.getLogger("devstack.smtp_sink")


class WebHandler(BaseHTTPRequestHandler):
    """Serves the pages and the API from the handler class's ``maildir``."""

    server_version = "portail-smtp-sink"
    maildir: Maildir  # set on the subclass made by make_web_server()

    def log_message(self, format, *args):
        log.debug("%s - %s", self.address_string(), format % args)

    # -- helpers
    def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _html(self, status: int, body: bytes) -> None:
        csp = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "frame-src 'self'; form-action 'self'; base-uri 'none'"
        )
        self._send(status, body, "text/html; charset=utf-8", {"Content-Security-Policy": csp})

    def _not_found(self, api: bool) -> None:
        if api:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        else:
            self._html(HTTPStatus.NOT_FOUND, render_page("Introuvable", "<p>Page introuvable.</p>"))

    # -- routes
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlsplit(self.path)
        path = url.path
        if path == "/healthz":
            self._send(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8")
        elif path == "/api/messages":
            messages = self.maildir.all()
            wanted = parse_qs(url.query).get("to")
            if wanted:
                wanted_set = {w.lower() for w in wanted}
                messages = [
                    m for m in messages if wanted_set & {a.lower() for a in m["to"] + m["cc"]}
                ]
            self._json(HTTPStatus.OK, messages)
        elif path.startswith("/api/messages/"):
            message = self.maildir.get(path.removeprefix("/api/messages/"))
            if message is None:
                self._not_found(api=True)
            else:
                self._json(HTTPStatus.OK, message)
        elif path in ("/", "/messages"):
            self._html(HTTPStatus.OK, render_index(self.maildir.all()))
        elif path.startswith("/messages/") and path.endswith(".eml"):
            raw = self.maildir.raw(path.removeprefix("/messages/").removesuffix(".eml"))
            if raw is None:
                self._not_found(api=False)
            else:
                self._send(HTTPStatus.OK, raw, "text/plain; charset=utf-8")
        elif path.startswith("/messages/"):
            message = self.maildir.get(path.removeprefix("/messages/"))
            if message is None:
                self._not_found(api=False)
            else:
                self._html(HTTPStatus.OK, render_message(message))
        else:
            self._not_found(api=path.startswith("/api/"))

    def do_DELETE(self):
        path = urlsplit(self.path).path
        if path == "/api/messages":
            self._json(HTTPStatus.OK, {"deleted": self.maildir.clear()})
        elif path.startswith("/api/messages/"):
            if self.maildir.delete(path.removeprefix("/api/messages/")):
                self._json(HTTPStatus.OK, {"deleted": 1})
            else:
                self._not_found(api=True)
        else:
            self._not_found(api=path.startswith("/api/"))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        if urlsplit(self.path).path == "/vider":
            self.maildir.clear()
            self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/"})
        else:
            self._not_found(api=False)


def make_web_server(maildir: Maildir, host: str, port: int) -> ThreadingHTTPServer:
    """A server on (host, port) for that box; port 0 picks a free one. Not started."""
    handler = type("BoundWebHandler", (WebHandler,), {"maildir": maildir})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
