"""Local SMTP sink: keeps every message it receives and shows them on a web page.

Run it with ``python -m devstack.smtp_sink`` (SMTP on 127.0.0.1:1025, web page on
http://127.0.0.1:1080, messages kept as ``.eml`` files in ``var/mail``). The local stack,
the Procfile and the smtp-sink image all start it that way.

This module is the command line and the SMTP side; the messages are kept by
``devstack.mail_store`` and shown by ``devstack.mail_web`` (web page and JSON API for
tests, documented there).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

from devstack.mail_store import Maildir
from devstack.mail_web import make_web_server

log = logging.getLogger("devstack.smtp_sink")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_SMTP_PORT = 1025
DEFAULT_HTTP_PORT = 1080
DEFAULT_MAILDIR = "var/mail"
MAX_MESSAGE_SIZE = 64 * 1024 * 1024


class SinkHandler:
    """aiosmtpd handler: accepts every recipient and keeps every message."""

    def __init__(self, maildir: Maildir):
        self.maildir = maildir

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message_id = self.maildir.add(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        log.info("Courriel reçu / mail received: %s -> %s", message_id, envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class SmtpSink:
    """The SMTP server and the web server together; ``start()`` then ``stop()``."""

    def __init__(
        self,
        maildir: str | os.PathLike[str] = DEFAULT_MAILDIR,
        host: str = DEFAULT_HOST,
        smtp_port: int = DEFAULT_SMTP_PORT,
        http_port: int = DEFAULT_HTTP_PORT,
    ):
        self.maildir = Maildir(maildir)
        self.host = host
        self.smtp_port = smtp_port
        self.http_port = http_port
        self._controller: Controller | None = None
        self._web: ThreadingHTTPServer | None = None
        self._web_thread: threading.Thread | None = None

    def start(self) -> None:
        self._controller = Controller(
            SinkHandler(self.maildir),
            hostname=self.host,
            port=self.smtp_port,
            data_size_limit=MAX_MESSAGE_SIZE,
            enable_SMTPUTF8=True,
        )
        self._controller.start()
        try:
            self._web = make_web_server(self.maildir, self.host, self.http_port)
        except BaseException:
            self._controller.stop()
            raise
        self.http_port = self._web.server_address[1]
        self._web_thread = threading.Thread(
            target=self._web.serve_forever, name="smtp-sink-web", daemon=True
        )
        self._web_thread.start()

    def stop(self) -> None:
        if self._web is not None:
            self._web.shutdown()
            self._web.server_close()
            self._web = None
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"


def main(argv: list[str] | None = None) -> None:
    """The command line: run the sink until SIGTERM or SIGINT (Ctrl+C)."""
    parser = argparse.ArgumentParser(
        prog="python -m devstack.smtp_sink",
        description="Local SMTP sink with a web page listing received mail.",
    )
    parser.add_argument("--host", default=os.environ.get("SMTP_SINK_HOST", DEFAULT_HOST))
    parser.add_argument("--smtp-port", type=int, default=DEFAULT_SMTP_PORT)
    parser.add_argument("--http-port", type=int, default=DEFAULT_HTTP_PORT)
    parser.add_argument("--maildir", default=DEFAULT_MAILDIR)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    log.setLevel(logging.INFO)
    sink = SmtpSink(args.maildir, args.host, args.smtp_port, args.http_port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sink.start()
    log.info(
        "SMTP %s:%d ; courriels reçus / received mail: %s (dossier %s)",
        args.host,
        sink.smtp_port,
        sink.url,
        Path(args.maildir).resolve(),
    )
    try:
        while not stop.wait(1):
            pass
    finally:
        sink.stop()
        log.info("Arrêt / stopped")


if __name__ == "__main__":
    main()
