"""pytest plugin: the whole portal, started once per test session, as in production.

    pytest -p devstack.stack tests/e2e tests/browser

The session fixture ``stack`` makes a fresh RabbitMQ vhost and fresh PostgreSQL databases
(migrated with alembic), creates an administrator and a public-space agent with the accounts
CLI, then starts the SMTP sink, the FranceConnect test provider (with its test hooks), the
payment simulator, the map's tile server and geocoder (:mod:`devstack.geo`), every
service (``python -m chassis.run``, that is ``nameko run``) and the gateway (gunicorn,
``PORTAL_ENV=production``, one trusted proxy as behind the Ingress) on free ports, and waits
until every service's ``/readyz`` and the gateway's answer 200 (the gateway's readiness is only
its own broker link). The requests service's outbox relay reaches RabbitMQ through a TCP proxy
(``OUTBOX_AMQP_URI``), so a test can cut that link alone. Every process logs to a file under
the session's temporary folder; a startup failure raises with the tail of the logs.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from chassis.testing.fixtures import (
    AMQP_HOST,
    create_database,
    create_vhost,
    delete_vhost,
    drop_database,
    free_port,
)
from chassis.testing.proxy import ProxyProcess
from contracts import signed_caller
from devstack import franceconnect_state
from devstack.processes import Process, report, run_once, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVICES = {
    "accounts": "accounts.service",
    "requests": "requests_service.service",
    "notifications": "notifications.service",
    "family": "family.service",
    "billing": "billing.service",
}
STARTUP_SECONDS = 90.0
APPOINTMENT_TIMER_SECONDS = 5
"""The requests service's reminder and hold timers in the test stack (60 s in production):
the reminder test waits for two ticks, not two minutes."""
MAIL_FROM = "Ville de Caluire-et-Cuire <ne-pas-repondre@ville-caluire.fr>"
FRANCECONNECT_MODES = franceconnect_state.MODES


def _password(label: str) -> str:
    """A password the accounts policy accepts (13+ characters of four kinds)."""
    return f"{label}-Caluire-{secrets.token_hex(6)}-Zq9!"


class Stack:
    """The running portal and the helpers tests use to look at it and disturb it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.logdir = workdir / "logs"
        self.logdir.mkdir()
        self.processes: dict[str, Process] = {}
        self.database_urls: dict[str, str] = {}
        # (e-mail, password) of the accounts the CLI creates before the services start.
        self.admin_login = ("administrateur@exemple.fr", _password("Admin"))
        self.agent_login = ("agent-espace-public@exemple.fr", _password("Agent"))
        self.regie_login = ("agent-regie@exemple.fr", _password("Regie"))
        self.simplicite_login = ("agent-simplicite@exemple.fr", _password("SimpliCite"))
        self.etat_civil_login = ("agent-etat-civil@exemple.fr", _password("EtatCivil"))
        self.gateway_url = ""
        self.sink_url = ""
        self.franceconnect_url = ""  # the provider's issuer, e.g. http://127.0.0.1:<port>/api/v2
        self.franceconnect_client = (f"portail-e2e-{secrets.token_hex(4)}", secrets.token_hex(24))
        self.payments_url = ""  # the payment simulator (devstack.payments)
        self.geo_url = ""  # the map's tile server and geocoder (devstack.geo)
        self.payment_key = secrets.token_hex(16)  # the simulated shop's Systempay key
        # The gateway signs callers with it; the services get its public key only.
        self.caller_key = signed_caller.generate_key()
        self.health_urls: dict[str, str] = {}
        # Prometheus endpoints: each service's, and the gateway's own port (gunicorn master).
        self.metrics_urls: dict[str, str] = {}
        self.vhost: str | None = None
        self.proxy: ProxyProcess | None = None
        self._engines: dict = {}

    # -- mail (SMTP sink JSON API)
    def messages(self, to: str | None = None) -> list[dict]:
        params = {"to": to} if to else None
        response = requests.get(f"{self.sink_url}/api/messages", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def clear(self) -> None:
        requests.delete(f"{self.sink_url}/api/messages", timeout=10).raise_for_status()

    def wait_for_messages(
        self, count: int, to: str | None = None, timeout: float = 30.0
    ) -> list[dict]:
        """At least ``count`` messages (for ``to``), polled until ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                subjects = [m["subject"] for m in found]
                raise AssertionError(
                    f"{len(found)} message(s) for {to or 'anyone'} after {timeout:.0f} s, "
                    f"expected {count}: {subjects}\n{report(list(self.processes.values()))}"
                )
            time.sleep(0.25)

    def wait_for_message(self, to: str, subject: str, timeout: float = 30.0) -> dict:
        """The message ``subject`` sent to ``to``, polled until ``timeout``.

        Found by recipient and subject, never by its place among the others: e-mails are
        sent as their events are handled, and a retry or a replica may change their order.
        Two messages with the same recipient and subject are an error (a duplicate, or a
        test that does not tell its e-mails apart).
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to)
            matching = [m for m in found if m["subject"] == subject]
            if len(matching) > 1:
                raise AssertionError(f"{len(matching)} messages {subject!r} for {to}, expected one")
            if matching:
                return matching[0]
            if time.monotonic() > deadline:
                subjects = [m["subject"] for m in found]
                raise AssertionError(
                    f"no {subject!r} for {to} after {timeout:.0f} s, only {subjects}\n"
                    f"{report(list(self.processes.values()))}"
                )
            time.sleep(0.25)

    # -- payment simulator (its /_test hooks)
    def set_payment_switches(self, **switches) -> None:
        """Play the provider's misbehaviours (``devstack.payments``); none: behave again."""
        url = f"{self.payments_url}/_test/switches"
        requests.post(url, json=switches, timeout=10).raise_for_status()

    def use_payment_provider(self, provider: str) -> None:
        """Restart billing with ``provider`` (``systempay``, the default, or ``payfip``)."""
        billing = self.processes["billing"]
        if billing.env["PAYMENT_PROVIDER"] == provider:
            return
        self.stop_service("billing")
        billing.env = {**billing.env, "PAYMENT_PROVIDER": provider}
        self.start_service("billing")

    def payment_notifications(self) -> list[dict]:
        """Every notification the simulator sent, with the status the portal answered."""
        response = requests.get(f"{self.payments_url}/_test/notifications", timeout=10)
        response.raise_for_status()
        return response.json()

    # -- FranceConnect test provider (its /_test hooks)
    def _franceconnect_hooks(self) -> str:
        return self.franceconnect_url.split("/api/", 1)[0] + "/_test"

    def set_franceconnect_mode(self, mode: str) -> None:
        """How the provider answers next: ``normal`` or one of the failures it can play."""
        if mode not in FRANCECONNECT_MODES:
            raise ValueError(f"unknown FranceConnect mode {mode!r}")
        url = f"{self._franceconnect_hooks()}/mode"
        requests.post(url, json={"mode": mode}, timeout=10).raise_for_status()

    def last_franceconnect_logout(self) -> dict:
        """The provider's record of its last ``session/end`` call (``called``, ``accepted``...)."""
        url = f"{self._franceconnect_hooks()}/last-logout"
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        return response.json()

    # -- services
    def stop_service(self, name: str) -> None:
        self.processes[name].stop()

    def start_service(self, name: str) -> None:
        process = self.processes[name]
        process.start()
        url = self.health_urls[name]
        wait_until(lambda: _ok(url), STARTUP_SECONDS, f"{name} /readyz", [process])

    @contextmanager
    def service_stopped(self, name: str) -> Iterator[None]:
        """``name`` stopped inside the block; started again after it, even when it fails."""
        self.stop_service(name)
        try:
            yield
        finally:
            if not self.processes[name].running:
                self.start_service(name)

    def cut_relay_link(self) -> None:
        """Reset and refuse the requests relay's connections to RabbitMQ (RPC keeps going)."""
        self.proxy.cut()

    def restore_relay_link(self) -> None:
        self.proxy.restore()

    # -- databases and logs
    def count_rows(self, service: str, table: str, where: str = "", **params: object) -> int:
        """``SELECT count(*) FROM table [WHERE ...]`` in a service's database."""
        engine = self._engines.get(service)
        if engine is None:
            engine = self._engines[service] = create_engine(self.database_urls[service])
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        with engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar_one())

    def logs(self, name: str) -> str:
        return self.processes[name].log_path.read_text("utf-8", errors="replace")

    def close(self) -> None:
        """Stop every process (one SIGTERM each, in parallel), drop what was made."""
        for process in self.processes.values():
            process.terminate()
        steps = [process.wait_or_kill for process in self.processes.values()]
        steps += [engine.dispose for engine in self._engines.values()]
        steps += [partial(drop_database, url) for url in self.database_urls.values()]
        if self.vhost:
            steps.append(partial(delete_vhost, self.vhost))
        if self.proxy:
            steps.append(self.proxy.close)
        errors = []
        for step in steps:  # every step runs, even after one failed
            try:
                step()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]


def _ok(url: str) -> bool:
    return requests.get(url, timeout=2).status_code == 200


def _base_env(stack: Stack, amqp_uri: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
        PORTAL_ENV="production",
        AMQP_URI=amqp_uri,
        GATEWAY_PUBLIC_URL=stack.gateway_url,
        # The town's own démarches: the example shipped in the repository.
        DEMARCHES_FILE=str(REPO_ROOT / "deploy" / "demarches.example.json"),
    )
    for service, url in stack.database_urls.items():
        env[f"{service.upper()}_DATABASE_URL"] = url
    return env


def _prepare(stack: Stack) -> str:
    """Vhost, migrated databases and relay proxy; returns the AMQP URI."""
    stack.vhost, amqp_uri = create_vhost("e2e")
    for service in SERVICES:
        stack.database_urls[service] = create_database(service)
    env = _base_env(stack, amqp_uri)
    for service in SERVICES:
        command = [str(BIN / "alembic"), "-c", "alembic.ini", "upgrade", "head"]
        log = stack.logdir / f"migrate-{service}.log"
        run_once(f"migrations of {service}", command, REPO_ROOT / "services" / service, env, log)
    _create_agents(stack, env)
    host, port = AMQP_HOST.rsplit(":", 1)
    stack.proxy = ProxyProcess((host, int(port)))
    return amqp_uri


def _create_agents(stack: Stack, env: dict[str, str]) -> None:
    """The administrator, the public-space, SimpliCité, régie and état-civil agents, with their passwords
    (accounts CLI)."""
    accounts = [
        (stack.admin_login, "Camille", "Administratrice", ["admin"]),
        (stack.agent_login, "Dominique", "Agent", ["agent_espace_public"]),
        (stack.simplicite_login, "Claude", "SimpliCité", ["agent_simplicite"]),
        (stack.regie_login, "Sacha", "Régisseur", ["agent_regie"]),
        (stack.etat_civil_login, "Sacha", "Officier", ["agent_etat_civil"]),
    ]
    for (email, password), given_name, family_name, roles in accounts:
        command = [sys.executable, "-P", "-m", "accounts.cli", "create-agent", "--email", email]
        command += ["--given-name", given_name, "--family-name", family_name]
        command += [part for role in roles for part in ("--role", role)]
        command += ["--password", password]
        log = stack.logdir / "accounts-cli.log"
        run_once(f"creation of {email}", command, stack.workdir, env, log)


def _start_franceconnect(stack: Stack, env: dict[str, str]) -> None:
    """The FranceConnect-shaped provider, knowing only this gateway's URIs."""
    port = free_port()
    stack.franceconnect_url = f"http://127.0.0.1:{port}/api/v2"
    client_id, client_secret = stack.franceconnect_client
    command = [sys.executable, "-P", "-m", "devstack.franceconnect", "--port", str(port)]
    command += ["--issuer", stack.franceconnect_url, "--client-id", client_id]
    command += ["--client-secret", client_secret, "--test-hooks"]
    command += ["--redirect-uri", f"{stack.gateway_url}/auth/franceconnect/callback"]
    command += ["--post-logout-redirect-uri", f"{stack.gateway_url}/auth/franceconnect/logout"]
    _add(stack, "franceconnect", command, stack.workdir, env)


def _start_payments(stack: Stack, env: dict[str, str]) -> dict[str, str]:
    """The payment simulator, and the billing settings of a shop known to it."""
    port = free_port()
    stack.payments_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-P", "-m", "devstack.payments", "--port", str(port)]
    _add(stack, "payments", [*command, "--key", stack.payment_key], stack.workdir, env)
    return {
        "PAYMENT_PROVIDER": "systempay",
        "PAYMENT_SYSTEMPAY_SITE_ID": "12345678",
        "PAYMENT_SYSTEMPAY_KEY": stack.payment_key,
        "PAYMENT_SYSTEMPAY_MODE": "TEST",
        "PAYMENT_SYSTEMPAY_URL": f"{stack.payments_url}/vads-payment/",
        "PAYMENT_PAYFIP_NUMCLI": "123456",
        "PAYMENT_PAYFIP_SAISIE": "T",
        "PAYMENT_PAYFIP_WS_URL": f"{stack.payments_url}/payfip/ws",
        "PAYMENT_PAYFIP_PAGE_URL": f"{stack.payments_url}/payfip/paiementws.web",
    }


def _start_geo(stack: Stack, env: dict[str, str]) -> dict[str, str]:
    """The map's tile server and BAN geocoder stand-in, and the gateway settings that use it."""
    port = free_port()
    stack.geo_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-P", "-m", "devstack.geo", "--port", str(port)]
    _add(stack, "geo", command, stack.workdir, env)
    return {
        "MAP_TILE_URL": stack.geo_url + "/{z}/{x}/{y}.png",
        "MAP_ATTRIBUTION": "Fond de carte neutre (tests)",
        "GEOCODER_URL": stack.geo_url,
    }


def _add(stack: Stack, name: str, command: list[str], cwd: Path, env: dict) -> Process:
    process = Process(name, command, cwd, env, stack.logdir / f"{name}.log")
    stack.processes[name] = process
    process.start()
    return process


def _start_processes(stack: Stack, amqp_uri: str) -> None:
    smtp_port, http_port = free_port(), free_port()
    gateway_address = stack.gateway_url.removeprefix("http://")
    stack.sink_url = f"http://127.0.0.1:{http_port}"
    env = _base_env(stack, amqp_uri)
    env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), MAIL_FROM=MAIL_FROM)
    sink = [sys.executable, "-P", "-m", "devstack.smtp_sink", "--smtp-port", str(smtp_port)]
    sink += ["--http-port", str(http_port), "--maildir", str(stack.workdir / "mail")]
    _add(stack, "smtp", sink, stack.workdir, env)
    _start_franceconnect(stack, env)
    shop = _start_payments(stack, env)
    geo = _start_geo(stack, env)
    vhost = amqp_uri.rsplit("/", 1)[1]
    for service, module in SERVICES.items():
        port = free_port()
        stack.health_urls[service] = f"http://127.0.0.1:{port}/readyz"
        stack.metrics_urls[service] = f"http://127.0.0.1:{port}/metrics"
        service_env = {**env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}
        service_env["CALLER_VERIFY_KEY"] = signed_caller.public_pem(stack.caller_key)
        if service == "billing":
            service_env.update(shop)
        if service == "requests":
            service_env["APPOINTMENT_TIMER_SECONDS"] = str(APPOINTMENT_TIMER_SECONDS)
            service_env["OUTBOX_AMQP_URI"] = (
                f"amqp://guest:guest@127.0.0.1:{stack.proxy.port}/{vhost}"
            )
        command = [sys.executable, "-P", "-m", "chassis.run", "--config", "config.yml", module]
        _add(stack, service, command, REPO_ROOT / "services" / service, service_env)
    client_id, client_secret = stack.franceconnect_client
    metrics_port = free_port()
    gateway_env = {
        **env,
        "GATEWAY_SECRET_KEY": secrets.token_urlsafe(48),
        "CALLER_SIGNING_KEY": signed_caller.private_pem(stack.caller_key),
        # One reverse proxy in front, as behind the Ingress: each test client can then play
        # its own address (X-Forwarded-For), so per-IP rate limits do not add up across tests.
        "GATEWAY_TRUSTED_PROXIES": "1",
        "FRANCECONNECT_ISSUER": stack.franceconnect_url,
        "FRANCECONNECT_CLIENT_ID": client_id,
        "FRANCECONNECT_CLIENT_SECRET": client_secret,
        "GATEWAY_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
        **geo,
    }
    stack.metrics_urls["gateway"] = f"http://127.0.0.1:{metrics_port}/metrics"
    gunicorn = [str(BIN / "gunicorn"), "--no-control-socket"]
    gunicorn += ["-c", "python:gateway.gunicorn_config"]
    gunicorn += ["-k", "gthread", "--threads", "4", "-w", "2"]
    gunicorn += ["-b", gateway_address, "--timeout", "30", "--pythonpath", "gateway"]
    _add(stack, "gateway", [*gunicorn, "gateway:create_app()"], REPO_ROOT, gateway_env)


def start_stack(workdir: Path) -> Stack:
    """Everything up and ready, or a StartupError with the logs (and nothing left behind)."""
    stack = Stack(workdir)
    stack.gateway_url = f"http://127.0.0.1:{free_port()}"
    try:
        amqp_uri = _prepare(stack)
        _start_processes(stack, amqp_uri)
        processes = list(stack.processes.values())
        for service, url in stack.health_urls.items():
            wait_until(lambda url=url: _ok(url), STARTUP_SECONDS, f"{service} /readyz", processes)
        wait_until(
            lambda: _ok(f"{stack.gateway_url}/readyz"), STARTUP_SECONDS, "/readyz", processes
        )
        wait_until(lambda: _ok(f"{stack.sink_url}/healthz"), 10, "SMTP sink", processes)
        discovery = f"{stack.franceconnect_url}/.well-known/openid-configuration"
        wait_until(lambda: _ok(discovery), 10, "FranceConnect provider", processes)
        switches = f"{stack.payments_url}/_test/switches"
        wait_until(lambda: _ok(switches), 10, "payment simulator", processes)
        wait_until(lambda: _ok(f"{stack.geo_url}/healthz"), 10, "tiles and geocoder", processes)
    except BaseException:
        stack.close()
        raise
    return stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole portal, started once for the test session."""
    try:
        running = start_stack(tmp_path_factory.mktemp("stack"))
    except Exception as error:
        pytest.fail(f"the portal did not start: {type(error).__name__}: {error}", pytrace=False)
    yield running
    running.close()
