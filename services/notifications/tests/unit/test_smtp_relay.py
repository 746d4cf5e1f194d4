"""E-mail through a relay that demands STARTTLS (or implicit TLS) and a login.

The relay is a real SMTP server (aiosmtpd) on localhost with a certificate made for the
test; the mailer is configured as an operator would configure it, through the environment.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chassis import config
from notifications.mailer import DeliveryFailed, SmtpMailer
from notifications.smtp_settings import read_settings

USER, PASSWORD = "portail", "mot-de-passe-du-relais"
SMTP_VARIABLES = ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "SMTP_STARTTLS", "SMTP_SSL")
SMTP_VARIABLES += ("SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_CA_FILE", "PORTAL_ENV")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """(certificate, key) PEM files of a self-signed certificate for localhost."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


class Inbox:
    """What the relay accepted, with the login that sent it, and the connections made."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, bytes]] = []
        self.connections: set[tuple] = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections.add(tuple(session.peer))  # the client's address and port
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.auth_data else None
        self.received.append((login, envelope.content))
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)  # 535 when refused


def start_relay(
    certificate, implicit_tls: bool, port: int | None = None, inbox: Inbox | None = None
) -> tuple[Controller, Inbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    inbox = inbox or Inbox()
    tls = {"ssl_context": context} if implicit_tls else {"tls_context": context}
    relay = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port or free_port(),
        server_hostname="localhost",
        require_starttls=not implicit_tls,
        auth_required=True,
        auth_require_tls=not implicit_tls,  # aiosmtpd counts only STARTTLS as TLS
        authenticator=authenticate,
        **tls,
    )
    relay.start()
    return relay, inbox


@pytest.fixture
def starttls_relay(certificate):
    relay, inbox = start_relay(certificate, implicit_tls=False)
    yield relay, inbox
    relay.stop()


@pytest.fixture
def implicit_tls_relay(certificate):
    relay, inbox = start_relay(certificate, implicit_tls=True)
    yield relay, inbox
    relay.stop()


@pytest.fixture
def environ(monkeypatch):
    """Sets the SMTP settings as an operator does; nothing else leaks in."""
    for name in SMTP_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_all(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))

    return set_all


def outgoing() -> SimpleNamespace:
    return SimpleNamespace(
        id=7,
        recipient="camille.martin@example.org",
        subject="Votre signalement ESP-2026-000123 a bien été reçu",
        created_at=dt.datetime(2026, 11, 26, 8, 15, tzinfo=dt.UTC),
        text_body="Bonjour,\nVotre signalement a été reçu.",
        html_body="<p>Bonjour,</p>",
    )


def relay_settings(relay, certificate, **extra: object) -> dict[str, object]:
    return {
        "PORTAL_ENV": "production",
        "SMTP_HOST": "localhost",
        "SMTP_PORT": relay.port,
        "MAIL_FROM": "Ville de Caluire-et-Cuire <ne-pas-repondre@ville-caluire.fr>",
        "SMTP_CA_FILE": certificate[0],
        **extra,
    }


def test_le_courriel_part_par_starttls_avec_authentification(environ, starttls_relay, certificate):
    relay, inbox = starttls_relay
    environ(
        **relay_settings(
            relay, certificate, SMTP_STARTTLS="true", SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD
        )
    )
    SmtpMailer(read_settings()).send(outgoing())
    [(login, content)] = inbox.received
    assert login == USER
    received = message_from_bytes(content, policy=policy.default)
    assert received["Subject"] == outgoing().subject
    assert received["To"] == "camille.martin@example.org"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_le_courriel_part_en_tls_implicite(environ, implicit_tls_relay, certificate):
    relay, inbox = implicit_tls_relay
    environ(
        **relay_settings(
            relay, certificate, SMTP_SSL="oui", SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD
        )
    )
    SmtpMailer(read_settings()).send(outgoing())
    assert [login for login, _ in inbox.received] == [USER]


@pytest.mark.parametrize(
    "extra, error",
    [
        ({}, "Must issue a STARTTLS command first"),
        ({"SMTP_STARTTLS": "true"}, "Authentication required"),
        (
            {"SMTP_STARTTLS": "true", "SMTP_USERNAME": USER, "SMTP_PASSWORD": "pas-le-bon"},
            "SMTPAuthenticationError",
        ),
    ],
    ids=["sans-starttls", "sans-login", "mauvais-mot-de-passe"],
)
def test_le_relais_refuse_ce_qui_n_est_ni_chiffre_ni_authentifie(
    environ, starttls_relay, certificate, extra, error
):
    relay, inbox = starttls_relay
    environ(**relay_settings(relay, certificate, **extra))
    with pytest.raises(DeliveryFailed, match=error):
        SmtpMailer(read_settings()).send(outgoing())
    assert inbox.received == []


def test_un_certificat_inconnu_est_refuse(environ, starttls_relay, certificate):
    relay, inbox = starttls_relay
    environ(
        **relay_settings(
            relay, certificate, SMTP_STARTTLS="1", SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD
        )
    )
    environ(SMTP_CA_FILE="")  # the system's authorities do not know the relay
    with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpMailer(read_settings()).send(outgoing())
    assert inbox.received == []


@pytest.mark.parametrize("missing", ["SMTP_HOST", "SMTP_PORT", "MAIL_FROM"])
def test_la_production_exige_le_relais_et_l_expediteur(environ, missing):
    settings = {"PORTAL_ENV": "production", "SMTP_HOST": "relais.ville-caluire.fr"}
    settings |= {"SMTP_PORT": "587", "MAIL_FROM": "ne-pas-repondre@ville-caluire.fr"}
    del settings[missing]
    environ(**settings)
    with pytest.raises(config.MissingSetting, match=missing):
        read_settings()


@pytest.mark.parametrize(
    "values, error",
    [
        ({"SMTP_STARTTLS": "true", "SMTP_SSL": "true"}, "exclude each other"),
        ({"SMTP_USERNAME": USER, "SMTP_PASSWORD": PASSWORD}, "must not travel in clear"),
        ({"SMTP_STARTTLS": "true", "SMTP_USERNAME": USER}, "go together"),
        ({"SMTP_STARTTLS": "peut-être"}, "SMTP_STARTTLS must be true or false"),
        ({"SMTP_PORT": "vingt-cinq"}, "SMTP_PORT must be a port number"),
        ({"MAIL_FROM": "mairie"}, "MAIL_FROM must be an address"),
        ({"SMTP_CA_FILE": "/nulle/part/ca.pem"}, "SMTP_CA_FILE"),
    ],
)
def test_des_reglages_incoherents_empechent_le_demarrage(environ, values, error):
    environ(**values)
    with pytest.raises(config.SettingError, match=error):
        read_settings()


def test_le_developpement_garde_le_puits_local(environ):
    settings = read_settings()
    assert (settings.host, settings.port, settings.uses_tls) == ("localhost", 1025, False)


def test_une_rafale_de_courriels_passe_par_une_seule_session(environ, starttls_relay, certificate):
    relay, inbox = starttls_relay
    environ(
        **relay_settings(
            relay, certificate, SMTP_STARTTLS="true", SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD
        )
    )
    mailer = SmtpMailer(read_settings())
    already = len(inbox.connections)  # the controller's own check that the relay answers
    for _ in range(3):
        mailer.send(outgoing())
    mailer.close()
    assert [login for login, _ in inbox.received] == [USER] * 3
    assert len(inbox.connections) - already == 1  # one connection, one TLS handshake, one login


def test_une_session_fermee_par_le_relais_est_remplacee(environ, certificate):
    relay, inbox = start_relay(certificate, implicit_tls=False)
    environ(
        **relay_settings(
            relay, certificate, SMTP_STARTTLS="true", SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD
        )
    )
    mailer = SmtpMailer(read_settings())
    try:
        mailer.send(outgoing())
        relay.stop()  # the relay restarts: the kept session is gone
        relay, _ = start_relay(certificate, implicit_tls=False, port=relay.port, inbox=inbox)
        mailer.send(outgoing())
    finally:
        mailer.close()
        relay.stop()
    assert [login for login, _ in inbox.received] == [USER, USER]


def test_un_relais_injoignable_est_signale_puis_oublie_au_premier_envoi(
    environ, starttls_relay, certificate
):
    """A refused connection marks the relay unreachable (handlers then leave their e-mails
    to the delivery loop); a message refused by a reachable relay does not."""
    relay, _inbox = starttls_relay
    settings = relay_settings(
        relay, certificate, SMTP_STARTTLS="true", SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD
    )
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        free = closed.getsockname()[1]
    environ(**{**settings, "SMTP_PORT": free})
    down = SmtpMailer(read_settings())
    assert down.reachable_lately()
    with pytest.raises(DeliveryFailed):
        down.send(outgoing())
    assert not down.reachable_lately()

    environ(**settings)
    mailer = SmtpMailer(read_settings())
    mailer._unreachable_at = 0.0  # an outage long over: the next message is tried
    mailer.send(outgoing())
    assert mailer.reachable_lately()
    environ(**{**settings, "SMTP_PASSWORD": "pas-le-bon"})
    refused = SmtpMailer(read_settings())
    with pytest.raises(DeliveryFailed):
        refused.send(outgoing())
    assert refused.reachable_lately()
