"""docker-compose.yml agrees with the code: one image per component, one database per service.

Read with PyYAML; nothing is built or started. Shared ground (services, components, ports)
comes from conftest.py through the ``helpers`` fixture and the ``service``/``component``
arguments.
"""

import re
from urllib.parse import urlsplit

import pytest
import yaml

INTERPOLATION = re.compile(r"\$\{[^}]*\}")
REQUIRED_INTERPOLATION = re.compile(r"^\$\{(?P<name>\w+):\?[^}]+\}$")


@pytest.fixture(scope="module")
def compose(helpers) -> dict:
    return yaml.safe_load(helpers.COMPOSE.read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def uninterpolated(value: str) -> str:
    """The value with each ${...} replaced by a plain word, so that it parses as a URL."""
    return INTERPOLATION.sub("x", value)


def test_compose_builds_each_component_from_its_dockerfile(compose, helpers, component):
    dockerfile, _ = helpers.COMPONENTS[component]
    service = compose["services"].get(component)
    assert service, f"docker-compose.yml has no service {component!r}"
    assert service.get("build") == {"context": ".", "dockerfile": dockerfile}


def test_service_gets_the_broker_and_its_own_database(compose, helpers, service):
    env = environment(compose["services"][service])
    assert env.get("PORTAL_ENV") == "production"
    amqp = urlsplit(uninterpolated(env["AMQP_URI"]))
    assert (amqp.scheme, amqp.hostname, amqp.port) == ("amqp", "rabbitmq", 5672)

    url = urlsplit(uninterpolated(env[helpers.database_url_name(service)]))
    assert url.scheme == "postgresql+psycopg2"
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, f"/{service}")
    assert url.username == service, "each service logs in with its own role"
    others = [key for key in env if key.endswith("_DATABASE_URL")]
    assert others == [helpers.database_url_name(service)], "a service gets no other database"


def test_service_waits_for_broker_database_and_its_migration(compose, service):
    depends_on = compose["services"][service].get("depends_on", {})
    assert depends_on.get("postgres", {}).get("condition") == "service_healthy"
    assert depends_on.get("rabbitmq", {}).get("condition") == "service_healthy"
    migrate = depends_on.get(f"{service}-migrate", {})
    assert migrate.get("condition") == "service_completed_successfully"


def test_migration_job_runs_alembic_once_with_the_service_image(compose, helpers, service):
    definition = compose["services"][service]
    job = compose["services"][f"{service}-migrate"]
    assert job["command"] == ["alembic", "-c", "alembic.ini", "upgrade", "head"]
    assert job["build"] == definition["build"]
    assert job["image"] == definition["image"]
    assert job.get("restart") == "no"
    assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
    key = helpers.database_url_name(service)
    assert environment(job)[key] == environment(definition)[key]
    assert "command" not in definition, "the service runs the image's CMD, not its migrations"


def test_no_two_services_share_a_database_or_a_role(compose):
    databases, roles = {}, {}
    for compose_name, service in compose["services"].items():
        if compose_name.endswith("-migrate"):
            continue
        for key, value in environment(service).items():
            if key.endswith("_DATABASE_URL"):
                url = urlsplit(uninterpolated(value))
                databases.setdefault(url.path, []).append(compose_name)
                roles.setdefault(url.username, []).append(compose_name)
    assert databases, "no service has a database"
    assert {db: users for db, users in databases.items() if len(users) > 1} == {}
    assert {role: users for role, users in roles.items() if len(users) > 1} == {}


def test_postgres_init_creates_each_service_database_with_its_own_role(compose, helpers):
    sql = (helpers.ROOT / "deploy" / "postgres-init.sql").read_text(encoding="utf-8")
    owners = dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+);", sql))
    postgres = compose["services"]["postgres"]
    mount = "./deploy/postgres-init.sql:/docker-entrypoint-initdb.d/"
    assert any(volume.startswith(mount) for volume in postgres["volumes"])
    postgres_env = environment(postgres)
    for name in helpers.SERVICES:
        assert owners.get(name) == name, f"postgres-init.sql does not create database {name}"
        assert re.search(rf"CREATE ROLE {name} LOGIN PASSWORD :'(\w+)';", sql)
        assert re.search(rf"REVOKE ALL ON DATABASE {name} FROM PUBLIC;", sql)
        password = f"{name.upper()}_DB_PASSWORD"
        assert f"\\getenv {name}_password {password}" in sql
        assert REQUIRED_INTERPOLATION.match(postgres_env[password])


def test_secrets_are_required_not_defaulted(compose, helpers):
    env = environment(compose["services"]["gateway"])
    match = REQUIRED_INTERPOLATION.match(env["GATEWAY_SECRET_KEY"])
    assert match and match["name"] == "GATEWAY_SECRET_KEY", "GATEWAY_SECRET_KEY must be required"
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            for reference in INTERPOLATION.findall(value):
                if reference in optional_secrets(helpers):
                    continue  # optional, and empty when absent: never a default value
                if re.search(r"PASSWORD|SECRET", reference):
                    assert ":?" in reference, f"{name}: {key} has a default secret"
            if re.search(r"PASSWORD|SECRET", key):
                assert INTERPOLATION.search(value), f"{name}: {key} is written in the file"


def optional_secrets(helpers) -> set[str]:
    """Secrets a deployment may not have at all: empty when absent, never defaulted."""
    return {f"${{{name}:-}}" for name in (helpers.FRANCECONNECT_SECRET, "SMTP_PASSWORD")}


def test_the_smtp_sink_runs_only_in_the_development_profile(compose):
    services = compose["services"]
    assert services["smtp-sink"].get("profiles") == ["dev"]
    for name, service in services.items():
        if "profiles" in service:
            continue  # started by default: must not need what only `dev` starts
        needed = set(service.get("depends_on", {}))
        assert not needed & {n for n, s in services.items() if "profiles" in s}, name
        for key, value in environment(service).items():
            assert "smtp-sink" not in value, f"{name}: {key} defaults to the development sink"


def test_notifications_requires_its_relay_and_sender(compose):
    env = environment(compose["services"]["notifications"])
    for key in ("SMTP_HOST", "MAIL_FROM"):
        match = REQUIRED_INTERPOLATION.match(env[key])
        assert match and match["name"] == key, f"{key} must be required"
    assert env["SMTP_STARTTLS"] == "${SMTP_STARTTLS:-true}", "STARTTLS unless said otherwise"


def test_gateway_waits_for_every_service_at_start(compose, helpers):
    """Started after them; ready afterwards on its own broker link (no service is pinged)."""
    gateway = compose["services"]["gateway"]
    for name in helpers.SERVICES:
        assert gateway["depends_on"].get(name, {}).get("condition") == "service_healthy", name
    assert "GATEWAY_READY_SERVICES" not in environment(gateway)


def test_gateway_franceconnect_settings_are_optional(compose, helpers):
    """All three from the environment, empty by default (FranceConnect disabled)."""
    env = environment(compose["services"]["gateway"])
    for key in (*helpers.FRANCECONNECT_SETTINGS, helpers.FRANCECONNECT_SECRET):
        assert env.get(key) == f"${{{key}:-}}", f"{key} must be ${{{key}:-}}"


def test_healthy_conditions_wait_on_services_that_have_a_healthcheck(compose, helpers):
    for name, service in compose["services"].items():
        for target, rule in service.get("depends_on", {}).items():
            if rule.get("condition") != "service_healthy":
                continue
            check = compose["services"][target].get("healthcheck")
            if check is None:
                dockerfile = compose["services"][target]["build"]["dockerfile"]
                assert "\nHEALTHCHECK " in (helpers.ROOT / dockerfile).read_text(encoding="utf-8")
            else:
                assert not check.get("disable"), f"{name} waits on {target}, never healthy"


def test_published_ports(compose, helpers):
    services = compose["services"]
    assert "8000:8000" in services["gateway"]["ports"]
    sink_ports = {port.rsplit(":", 2)[-1] for port in services["smtp-sink"]["ports"]}
    assert sink_ports == {"1025", "1080"}
    ports = helpers.web_server_ports()
    for name in helpers.SERVICES:
        address = environment(services[name])["WEB_SERVER_ADDRESS"]
        assert address == f"0.0.0.0:{ports[name]}"


def test_named_volumes_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = {
        volume.split(":", 1)[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used <= declared
    assert {"postgres-data", "rabbitmq-data"} <= used


def test_long_running_services_restart(compose):
    for name, service in compose["services"].items():
        one_shot = name.endswith("-migrate") or name == "rabbitmq-users"
        expected = "no" if one_shot else "unless-stopped"
        assert service.get("restart") == expected, name


def test_each_component_logs_in_to_rabbitmq_as_itself(compose, helpers):
    """Not the administrator: a user per component, created by the rabbitmq-users job."""
    services = compose["services"]
    users = {}
    for name in [*helpers.SERVICES, "gateway"]:
        amqp = urlsplit(uninterpolated(environment(services[name])["AMQP_URI"]))
        users[name] = amqp.username
        assert services[name]["depends_on"]["rabbitmq-users"] == {
            "condition": "service_completed_successfully"
        }, name
    assert users == {name: name for name in users}
    admin = environment(services["rabbitmq"])["RABBITMQ_DEFAULT_USER"]
    assert admin not in users.values()
    job = services["rabbitmq-users"]
    assert job["command"][:3] == ["python", "-m", "chassis.broker_access"]
    job_env = environment(job)
    assert job_env["RABBITMQ_ADMIN_USER"] == admin
    for name in users:
        password = f"{name.upper()}_RABBITMQ_PASSWORD"
        assert REQUIRED_INTERPOLATION.match(job_env[password]), password
        assert f"${{{password}:?" in environment(services[name])["AMQP_URI"], name


def test_only_the_gateway_gets_the_private_caller_key(compose, helpers):
    services = compose["services"]
    gateway = environment(services["gateway"])
    assert REQUIRED_INTERPOLATION.match(gateway["CALLER_SIGNING_KEY"])
    assert "CALLER_VERIFY_KEY" not in gateway
    for name, service in services.items():
        env = environment(service)
        if name in helpers.SERVICES:
            match = REQUIRED_INTERPOLATION.match(env["CALLER_VERIFY_KEY"])
            assert match and match["name"] == "CALLER_VERIFY_KEY", name
        if name != "gateway":
            assert "CALLER_SIGNING_KEY" not in env, name


def test_backup_dumps_every_service_database_nightly_to_its_volume(compose, helpers, service):
    backup = compose["services"]["backup"]
    assert backup["command"] == ["sh", "/usr/local/bin/portail-backup", "--nightly"]
    assert "./deploy/backup.sh:/usr/local/bin/portail-backup:ro" in backup["volumes"]
    assert "backups:/backups" in backup["volumes"]
    env = environment(backup)
    assert service in env["BACKUP_DATABASES"].split()
    assert env["PGHOST"] == "postgres" and env["BACKUP_DIR"] == "/backups"
    assert backup["image"] == compose["services"]["postgres"]["image"], "pg_dump = server"
    migrate = backup["depends_on"].get(f"{service}-migrate", {})
    assert migrate.get("condition") == "service_completed_successfully"
    assert "last-success" in " ".join(backup["healthcheck"]["test"])


def test_every_dollar_is_an_interpolation_or_escaped(helpers):
    """Compose refuses a `$` that starts no variable (`$(...)` in a healthcheck): use `$$`."""
    text = helpers.COMPOSE.read_text(encoding="utf-8")
    bare = re.findall(r"\$(?!\$|\{|[A-Za-z_])", text.replace("$$", ""))
    assert bare == []
