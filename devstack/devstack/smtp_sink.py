"""Local SMTP sink: keeps every message it receives and shows them on a web page.

Run it with ``python -m devstack.smtp_sink`` (SMTP on 127.0.0.1:1025, web page on
http://127.0.0.1:1080, messages kept as ``.eml`` files in ``var/mail``).

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
"""

from __future__ import annotations

import argparse
import email.utils
import html
import json
import logging
import os
import re
import signal
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from aiosmtpd.controller import Controller

log = logging.getLogger("devstack.smtp_sink")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_SMTP_PORT = 1025
DEFAULT_HTTP_PORT = 1080
DEFAULT_MAILDIR = "var/mail"
MAX_MESSAGE_SIZE = 64 * 1024 * 1024

ENVELOPE_FROM = "X-Sink-Envelope-From"
ENVELOPE_TO = "X-Sink-Envelope-To"
MESSAGE_ID_RE = re.compile(r"^[0-9]{8}T[0-9]{6}[0-9]{6}Z-[0-9a-f]{12}$")

try:
    from zoneinfo import ZoneInfo

    PARIS = ZoneInfo("Europe/Paris")
except Exception:  # no tz database: show UTC
    PARIS = UTC


class Maildir:
    """A folder of ``<id>.eml`` files; ids sort in the order messages were received."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._last_id = ""

    def _new_id(self) -> str:
        with self._lock:
            while True:
                now = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                message_id = f"{now}-{uuid.uuid4().hex[:12]}"
                if message_id > self._last_id:
                    self._last_id = message_id
                    return message_id

    def add(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        """Store one message (envelope kept as two extra headers); return its id."""
        message_id = self._new_id()
        header = (
            f"{ENVELOPE_FROM}: {_header_safe(mail_from)}\r\n"
            f"{ENVELOPE_TO}: {', '.join(_header_safe(r) for r in rcpt_tos)}\r\n"
        ).encode()
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header + raw)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path / f"{message_id}.eml")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return message_id

    def ids(self) -> list[str]:
        return sorted(
            p.stem for p in self.path.glob("*.eml") if MESSAGE_ID_RE.match(p.stem) is not None
        )

    def _file(self, message_id: str) -> Path | None:
        if MESSAGE_ID_RE.match(message_id) is None:
            return None
        return self.path / f"{message_id}.eml"

    def raw(self, message_id: str) -> bytes | None:
        path = self._file(message_id)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def get(self, message_id: str) -> dict | None:
        raw = self.raw(message_id)
        return None if raw is None else parse_message(message_id, raw)

    def all(self) -> list[dict]:
        messages = []
        for message_id in self.ids():
            message = self.get(message_id)
            if message is not None:  # deleted meanwhile
                messages.append(message)
        return messages

    def delete(self, message_id: str) -> bool:
        path = self._file(message_id)
        if path is None:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def clear(self) -> int:
        return sum(1 for message_id in self.ids() if self.delete(message_id))


def _header_safe(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", value or "")


def _addresses(header) -> list[str]:
    if header is None:
        return []
    try:
        return [a.addr_spec for a in header.addresses if a.addr_spec]
    except (AttributeError, TypeError, ValueError):
        return [a.strip() for a in str(header).split(",") if a.strip()]


def _part_content(message: EmailMessage, subtype: str) -> str | None:
    """The decoded text of the body part of that subtype, with ``\n`` line ends."""
    text = _raw_part_content(message, subtype)
    return None if text is None else text.replace("\r\n", "\n")


def _raw_part_content(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    if part.get_content_charset() is None:  # 8-bit text sent without a charset: try UTF-8
        payload = part.get_payload(decode=True) or b""
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return part.get_content()
    except (LookupError, ValueError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def parse_message(message_id: str, raw: bytes) -> dict:
    """Decode a stored message into what the JSON API returns."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    received_at = datetime.strptime(message_id.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(
        tzinfo=UTC
    )
    date = received_at
    if message["Date"] is not None:
        try:
            parsed = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            date = parsed
    envelope_to = [a.strip() for a in str(message.get(ENVELOPE_TO, "")).split(",") if a.strip()]
    return {
        "id": message_id,
        "from": str(message.get("From", "")),
        "to": envelope_to or _addresses(message.get("To")),
        "to_header": _addresses(message.get("To")),
        "cc": _addresses(message.get("Cc")),
        "envelope_from": str(message.get(ENVELOPE_FROM, "")),
        "subject": str(message.get("Subject", "")),
        "date": date.isoformat(),
        "received_at": received_at.isoformat(),
        "message_id": str(message.get("Message-ID", "")),
        "text": _part_content(message, "plain"),
        "html": _part_content(message, "html"),
        "attachments": [
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(part.get_payload(decode=True) or b""),
            }
            for part in message.iter_attachments()
        ],
    }


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


# ---------------------------------------------------------------------------------------
# Web page and JSON API

PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f6}
header{background:#00567a;color:#fff;padding:1rem 1.5rem}
header h1{margin:0;font-size:1.5rem}
header a{color:#fff}
main{padding:1rem 1.5rem;max-width:70rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ccc;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #ccc;
padding:1rem}
iframe{width:100%;min-height:30rem;border:1px solid #ccc;background:#fff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:bold}
dd{margin:0}
button{font:inherit;padding:.4rem .8rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""


def _format_date(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def _page(title: str, body: str) -> bytes:
    e = html.escape
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} – Courriels reçus</title>\n"
        f"<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        '<header><h1><a href="/">Courriels reçus</a></h1>'
        "<p>Boîte de réception locale du portail (développement et tests) : "
        "aucun courriel ne part vraiment.</p></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    ).encode()


def render_index(messages: list[dict]) -> bytes:
    e = html.escape
    if not messages:
        body = "<p>Aucun courriel reçu pour l’instant.</p>"
    else:
        rows = "\n".join(
            "<tr>"
            f'<td><time datetime="{e(m["date"])}">{e(_format_date(m["date"]))}</time></td>'
            f"<td>{e(', '.join(m['to']))}</td>"
            f'<td><a href="/messages/{quote(m["id"])}">{e(m["subject"] or "(sans objet)")}</a></td>'
            "</tr>"
            for m in reversed(messages)
        )
        count = len(messages)
        label = "courriel" if count == 1 else "courriels"
        body = (
            f"<p>{count} {label}, du plus récent au plus ancien.</p>\n"
            "<table>\n<caption class='visually-hidden'>Courriels reçus</caption>\n"
            '<thead><tr><th scope="col">Date</th><th scope="col">Destinataires</th>'
            '<th scope="col">Objet</th></tr></thead>\n'
            f"<tbody>\n{rows}\n</tbody>\n</table>\n"
            '<form method="post" action="/vider">'
            '<p><button type="submit">Vider la boîte</button></p></form>'
        )
    return _page("Liste", body)


def render_message(message: dict) -> bytes:
    e = html.escape
    parts = []
    if message["text"] is not None:
        parts.append(f"<h2>Texte</h2>\n<pre>{e(message['text'])}</pre>")
    if message["html"] is not None:
        parts.append(
            "<h2>HTML</h2>\n"
            '<iframe sandbox="" referrerpolicy="no-referrer" title="Contenu HTML du courriel" '
            f'srcdoc="{e(message["html"], quote=True)}"></iframe>\n'
            "<details><summary>Code source HTML</summary>\n"
            f"<pre>{e(message['html'])}</pre></details>"
        )
    if not parts:
        parts.append("<p>Ce courriel n’a ni texte ni HTML.</p>")
    if message["attachments"]:
        items = "".join(
            f"<li>{e(a['filename'] or '(sans nom)')} ({e(a['content_type'])}, {a['size']} octets)</li>"
            for a in message["attachments"]
        )
        parts.append(f"<h2>Pièces jointes</h2>\n<ul>{items}</ul>")
    body = (
        f"<h2>{e(message['subject'] or '(sans objet)')}</h2>\n<dl>"
        f"<dt>Date</dt><dd>{e(_format_date(message['date']))}</dd>"
        f"<dt>De</dt><dd>{e(message['from'])}</dd>"
        f"<dt>À</dt><dd>{e(', '.join(message['to']))}</dd>"
        f"<dt>Objet</dt><dd>{e(message['subject'])}</dd>"
        "</dl>\n"
        f'<p><a href="/messages/{quote(message["id"])}.eml">Message brut (.eml)</a> · '
        '<a href="/">Retour à la liste</a></p>\n' + "\n".join(parts)
    )
    return _page(message["subject"] or "(sans objet)", body)


class WebHandler(BaseHTTPRequestHandler):
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
            self._html(HTTPStatus.NOT_FOUND, _page("Introuvable", "<p>Page introuvable.</p>"))

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
    handler = type("BoundWebHandler", (WebHandler,), {"maildir": maildir})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


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
