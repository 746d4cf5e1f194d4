"""The SMTP sink, run as developers and the local stack run it: `python -m devstack.smtp_sink`."""

from __future__ import annotations

import json
import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

# Long enough to be folded into several RFC 2047 encoded words. (CPython 3.11's folder
# drops the space before an encoded word that starts right after "—": avoid that shape.)
SUBJECT = "Votre demande a été reçue : éclairage, allée des Érables, n° ESP-2026-000042 du 3 mars"
TEXT = "Bonjour Hélène,\n\nNous avons bien reçu votre signalement « lampadaire éteint ».\n"
# Lets the sink run from a checkout where devstack is not installed yet.
DEVSTACK_ROOT = Path(__file__).resolve().parents[1]

HTML = (
    "<p>Bonjour Hélène,</p><p>Nous avons bien reçu votre signalement "
    "<strong>« lampadaire éteint »</strong>.</p><script>alert('x')</script>"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self, maildir):
        self.maildir = maildir
        self.smtp_port = free_port()
        self.http_port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devstack.smtp_sink",
                "--smtp-port",
                str(self.smtp_port),
                "--http-port",
                str(self.http_port),
                "--maildir",
                str(self.maildir),
            ],
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(DEVSTACK_ROOT), os.environ.get("PYTHONPATH")) if p
                ),
            },
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                assert self.proc.wait(timeout=10) == 0
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()

    def get(self, path: str) -> tuple[int, str, str]:
        with urllib.request.urlopen(self.url + path, timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")

    def messages(self, query: str = "") -> list[dict]:
        status, content_type, body = self.get("/api/messages" + query)
        assert status == 200
        assert content_type.startswith("application/json")
        return json.loads(body)

    def delete_all(self) -> dict:
        request = urllib.request.Request(self.url + "/api/messages", method="DELETE")
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.loads(r.read())


@pytest.fixture
def sink(tmp_path):
    s = Sink(tmp_path / "mail")
    s.start()
    yield s
    s.stop()


def send_french_mail(port: int) -> None:
    msg = EmailMessage()
    msg["From"] = Address("Ville de Caluire-et-Cuire", "ne-pas-repondre", "ville-caluire.fr")
    msg["To"] = Address("Hélène Dupré", "helene.dupre", "example.org")
    msg["Subject"] = SUBJECT
    msg.set_content(TEXT)
    msg.add_alternative(HTML, subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg, to_addrs=["helene.dupre@example.org", "copie@example.org"])


def test_received_mail_is_listed_shown_kept_and_deleted(sink):
    assert sink.messages() == []
    send_french_mail(sink.smtp_port)

    [message] = sink.messages()
    assert message["subject"] == SUBJECT
    assert message["from"] == "Ville de Caluire-et-Cuire <ne-pas-repondre@ville-caluire.fr>"
    assert message["to"] == ["helene.dupre@example.org", "copie@example.org"]
    assert message["to_header"] == ["helene.dupre@example.org"]
    assert message["text"] == TEXT
    assert message["html"].strip() == HTML
    assert message["date"]
    assert sink.messages("?to=HELENE.DUPRE@example.org") == [message]
    assert sink.messages("?to=personne@example.org") == []
    status, _, one = sink.get(f"/api/messages/{message['id']}")
    assert json.loads(one) == message

    status, content_type, page = sink.get("/")
    assert status == 200 and content_type.startswith("text/html")
    assert "Courriels reçus" in page
    assert "a été reçue : éclairage, allée des Érables" in page
    assert f'href="/messages/{message["id"]}"' in page

    status, _, page = sink.get(f"/messages/{message['id']}")
    assert "Nous avons bien reçu votre signalement « lampadaire éteint »." in page
    assert 'sandbox=""' in page
    assert "<script>" not in page  # the HTML part is shown escaped, never run

    # Kept on disk: a restarted sink still has it.
    sink.stop()
    assert len(list(sink.maildir.glob("*.eml"))) == 1
    sink.start()
    assert sink.messages() == [message]

    assert sink.delete_all() == {"deleted": 1}
    assert sink.messages() == []
    assert list(sink.maildir.glob("*.eml")) == []
    _, _, page = sink.get("/")
    assert "Aucun courriel reçu" in page


def test_unknown_message_is_404(sink):
    for path in ("/api/messages/nope", "/messages/../../etc/passwd", "/messages/nope.eml"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            sink.get(path)
        assert caught.value.code == 404


def test_messages_keep_their_order(sink):
    for i in range(3):
        with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=10) as smtp:
            smtp.sendmail(
                "a@example.org", ["b@example.org"], f"Subject: n°{i}\r\n\r\ncorps é{i}\r\n".encode()
            )
    messages = sink.messages()
    assert [m["subject"] for m in messages] == ["n°0", "n°1", "n°2"]
    assert [m["text"].strip() for m in messages] == ["corps é0", "corps é1", "corps é2"]


def send_plain(port: int, to: str, subject: str) -> None:
    msg = EmailMessage()
    msg["From"] = "ne-pas-repondre@ville-caluire.fr"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(subject)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg)


def test_the_e2e_stack_finds_a_mail_by_recipient_and_subject_in_any_order(sink, tmp_path):
    from devstack.stack import Stack

    stack = Stack(tmp_path)
    stack.sink_url = sink.url
    citizen = "camille@example.org"
    # Sent in the reverse order of the steps, with someone else's mail in between.
    send_plain(sink.smtp_port, citizen, "Votre signalement ESP-2026-000001 : Résolu")
    send_plain(sink.smtp_port, "autre@example.org", "Votre signalement ESP-2026-000001 : En cours")
    send_plain(sink.smtp_port, citizen, "Votre signalement ESP-2026-000001 : En cours")

    for label in ("En cours", "Résolu"):
        subject = f"Votre signalement ESP-2026-000001 : {label}"
        mail = stack.wait_for_message(citizen, subject, timeout=5)
        assert mail["subject"] == subject and mail["to"] == [citizen]

    send_plain(sink.smtp_port, citizen, "Votre signalement ESP-2026-000001 : Résolu")
    with pytest.raises(AssertionError, match="2 messages"):
        stack.wait_for_message(citizen, "Votre signalement ESP-2026-000001 : Résolu", timeout=5)
