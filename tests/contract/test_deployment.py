"""The deployment files agree with the code and with each other.

Static checks, offline, in a few seconds: docker-compose.yml (read with PyYAML), the
Dockerfiles (read as text) and the Kubernetes manifests in k8s/ (validated with
kubernetes-validate in strict mode, then checked for probes, limits and non-root pods).
Nothing is built or started.

A service is every folder services/<name>/ with a pyproject.toml, plus the services that
exist already (so that the checks never pass on an empty list).
"""

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "k8s"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init.sql"

KNOWN_SERVICES = {"accounts", "requests", "notifications"}
# Python packages whose name differs from their folder (docs/design.md, "Layout and names").
PACKAGES = {"requests": "requests_service"}

# The oldest Kubernetes minor a managed cluster still commonly runs, and the newest one
# kubernetes-validate knows: manifests must be valid on both.
K8S_VERSIONS = ("1.33.0", "1.37.0")
# Custom resources of the operators (k8s/backing-services.yaml) and kustomize's own file:
# no schema in kubernetes-validate, so they are the only documents not validated.
NOT_VALIDATED = {
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
}
# Applied on its own, after the operators are installed (k8s/README.md).
OPERATOR_FILES = {"backing-services.yaml"}

# Distribution names of the packages that live in this repository, and their folders.
LOCAL_PACKAGES = {"portail-contracts": "contracts", "portail-chassis": "chassis"}

# The gateway's FranceConnect client: optional as a whole (disabled while all are empty).
FRANCECONNECT_SETTINGS = ("FRANCECONNECT_ISSUER", "FRANCECONNECT_CLIENT_ID")
FRANCECONNECT_SECRET = "FRANCECONNECT_CLIENT_SECRET"
# Settings of issue 2 that must not come back (agents have accounts since issue 3).
REMOVED_SETTINGS = ("GATEWAY_AGENT_PASSWORD", "agent-password")
DEPLOYMENT_FILES = [
    COMPOSE,
    ROOT / "docs" / "deploy.md",
    K8S / "README.md",
    *sorted(K8S.glob("*.yaml")),
]

INTERPOLATION = re.compile(r"\$\{[^}]*\}")
REQUIRED_INTERPOLATION = re.compile(r"^\$\{(?P<name>\w+):\?[^}]+\}$")


def discovered_services() -> list[str]:
    found = {path.parent.name for path in ROOT.glob("services/*/pyproject.toml")}
    return sorted(found | KNOWN_SERVICES)


SERVICES = discovered_services()


def local_dependencies(folder: str) -> set[str]:
    """Folders of the repository's packages that the package in `folder` needs, itself included."""
    needed, pending = set(), [folder]
    while pending:
        current = pending.pop()
        needed.add(current)
        pyproject = tomllib.loads((ROOT / current / "pyproject.toml").read_text(encoding="utf-8"))
        for requirement in pyproject["project"].get("dependencies", []):
            name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()
            if name in LOCAL_PACKAGES and LOCAL_PACKAGES[name] not in needed:
                pending.append(LOCAL_PACKAGES[name])
    return needed


def web_server_ports() -> dict[str, int]:
    """Health ports of the services, from the settings table of docs/design.md."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `WEB_SERVER_ADDRESS`"))
    return {name: int(port) for name, port in re.findall(r"(\w+) `0\.0\.0\.0:(\d+)`", row)}


# Each built component: compose service name -> (Dockerfile, component folder).
COMPONENTS = {
    **{name: (f"services/{name}/Dockerfile", f"services/{name}") for name in SERVICES},
    "gateway": ("gateway/Dockerfile", "gateway"),
    "smtp-sink": ("devstack/Dockerfile", "devstack"),
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def uninterpolated(value: str) -> str:
    """The value with each ${...} replaced by a plain word, so that it parses as a URL."""
    return INTERPOLATION.sub("x", value)


def database_url_name(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"


# --- docker-compose.yml -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_compose_builds_each_component_from_its_dockerfile(compose, name):
    dockerfile, _ = COMPONENTS[name]
    service = compose["services"].get(name)
    assert service, f"docker-compose.yml has no service {name!r}"
    assert service.get("build") == {"context": ".", "dockerfile": dockerfile}


@pytest.mark.parametrize("name", SERVICES)
def test_service_gets_the_broker_and_its_own_database(compose, name):
    env = environment(compose["services"][name])
    assert env.get("PORTAL_ENV") == "production"
    amqp = urlsplit(uninterpolated(env["AMQP_URI"]))
    assert (amqp.scheme, amqp.hostname, amqp.port) == ("amqp", "rabbitmq", 5672)

    url = urlsplit(uninterpolated(env[database_url_name(name)]))
    assert url.scheme == "postgresql+psycopg2"
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, f"/{name}")
    assert url.username == name, "each service logs in with its own role"
    others = [key for key in env if key.endswith("_DATABASE_URL")]
    assert others == [database_url_name(name)], "a service gets no other database"


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_broker_database_and_its_migration(compose, name):
    depends_on = compose["services"][name].get("depends_on", {})
    assert depends_on.get("postgres", {}).get("condition") == "service_healthy"
    assert depends_on.get("rabbitmq", {}).get("condition") == "service_healthy"
    migrate = depends_on.get(f"{name}-migrate", {})
    assert migrate.get("condition") == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVICES)
def test_migration_job_runs_alembic_once_with_the_service_image(compose, name):
    service = compose["services"][name]
    job = compose["services"][f"{name}-migrate"]
    assert job["command"] == ["alembic", "-c", "alembic.ini", "upgrade", "head"]
    assert job["build"] == service["build"]
    assert job["image"] == service["image"]
    assert job.get("restart") == "no"
    assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
    key = database_url_name(name)
    assert environment(job)[key] == environment(service)[key]
    assert "command" not in service, "the service runs the image's CMD, not its migrations"


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


def test_postgres_init_creates_each_service_database_with_its_own_role(compose):
    sql = POSTGRES_INIT.read_text(encoding="utf-8")
    owners = dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+);", sql))
    postgres = compose["services"]["postgres"]
    mount = "./deploy/postgres-init.sql:/docker-entrypoint-initdb.d/"
    assert any(volume.startswith(mount) for volume in postgres["volumes"])
    postgres_env = environment(postgres)
    for name in SERVICES:
        assert owners.get(name) == name, f"postgres-init.sql does not create database {name}"
        assert re.search(rf"CREATE ROLE {name} LOGIN PASSWORD :'(\w+)';", sql)
        assert re.search(rf"REVOKE ALL ON DATABASE {name} FROM PUBLIC;", sql)
        password = f"{name.upper()}_DB_PASSWORD"
        assert f"\\getenv {name}_password {password}" in sql
        assert REQUIRED_INTERPOLATION.match(postgres_env[password])


def test_secrets_are_required_not_defaulted(compose):
    env = environment(compose["services"]["gateway"])
    match = REQUIRED_INTERPOLATION.match(env["GATEWAY_SECRET_KEY"])
    assert match and match["name"] == "GATEWAY_SECRET_KEY", "GATEWAY_SECRET_KEY must be required"
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            for reference in INTERPOLATION.findall(value):
                if reference == f"${{{FRANCECONNECT_SECRET}:-}}":
                    continue  # optional, and empty when absent: never a default value
                if re.search(r"PASSWORD|SECRET", reference):
                    assert ":?" in reference, f"{name}: {key} has a default secret"
            if re.search(r"PASSWORD|SECRET", key):
                assert INTERPOLATION.search(value), f"{name}: {key} is written in the file"


def test_gateway_waits_for_and_pings_every_service(compose):
    gateway = compose["services"]["gateway"]
    for name in SERVICES:
        assert gateway["depends_on"].get(name, {}).get("condition") == "service_healthy", name
    ready = environment(gateway)["GATEWAY_READY_SERVICES"].split(",")
    assert sorted(ready) == SERVICES


def test_gateway_franceconnect_settings_are_optional(compose):
    """All three from the environment, empty by default (FranceConnect disabled)."""
    env = environment(compose["services"]["gateway"])
    for key in (*FRANCECONNECT_SETTINGS, FRANCECONNECT_SECRET):
        assert env.get(key) == f"${{{key}:-}}", f"{key} must be ${{{key}:-}}"


@pytest.mark.parametrize("path", DEPLOYMENT_FILES, ids=lambda path: path.name)
def test_the_shared_agent_password_is_gone(path):
    text = path.read_text(encoding="utf-8")
    assert [word for word in REMOVED_SETTINGS if word in text] == []


def test_deploy_guide_makes_every_database_password():
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    recipe = text.split("cat > .env <<EOF", 1)[1].split("EOF", 1)[0]
    for name in SERVICES:
        assert f"{name.upper()}_DB_PASSWORD=$(secret)" in recipe, name


def test_healthy_conditions_wait_on_services_that_have_a_healthcheck(compose):
    for name, service in compose["services"].items():
        for target, rule in service.get("depends_on", {}).items():
            if rule.get("condition") != "service_healthy":
                continue
            check = compose["services"][target].get("healthcheck")
            if check is None:
                dockerfile = compose["services"][target]["build"]["dockerfile"]
                assert "\nHEALTHCHECK " in (ROOT / dockerfile).read_text(encoding="utf-8")
            else:
                assert not check.get("disable"), f"{name} waits on {target}, never healthy"


def test_published_ports(compose):
    services = compose["services"]
    assert "8000:8000" in services["gateway"]["ports"]
    sink_ports = {port.rsplit(":", 2)[-1] for port in services["smtp-sink"]["ports"]}
    assert sink_ports == {"1025", "1080"}
    ports = web_server_ports()
    for name in SERVICES:
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
        expected = "no" if name.endswith("-migrate") else "unless-stopped"
        assert service.get("restart") == expected, name


# --- Dockerfiles --------------------------------------------------------------------------


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    start = max(index for index, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[start:]


def exec_form(arguments: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list) and command, 'use the exec form: ["program", ...]'
    return command


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_dockerfile_runs_as_non_root_with_healthcheck(name):
    dockerfile = ROOT / COMPONENTS[name][0]
    assert dockerfile.is_file(), f"{dockerfile.relative_to(ROOT)} is missing"
    steps = final_stage(instructions(dockerfile))
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [arguments for keyword, arguments in steps if keyword == "USER"]
    assert users, "the image must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [keyword for keyword, _ in steps]
    assert {"CMD", "HEALTHCHECK", "EXPOSE"} <= set(keywords)
    assert "ENTRYPOINT" not in keywords, "one process, started by CMD"
    assert ("STOPSIGNAL", "SIGTERM") in steps
    cmd = exec_form(dict(steps)["CMD"])
    assert "alembic" not in cmd and "sh" not in cmd


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_dockerfile_installs_pinned_packages_from_the_repository_root(name):
    dockerfile, folder = COMPONENTS[name]
    steps = instructions(ROOT / dockerfile)
    installs = [arguments for keyword, arguments in steps if "pip install" in arguments]
    assert installs, "no pip install"
    for command in installs:
        assert "--no-cache-dir" in command and "-c constraints.txt" in command
        assert f"./{folder}" in command
    sources = [
        part
        for keyword, arguments in steps
        if keyword == "COPY" and "--from=" not in arguments
        for part in arguments.split()[:-1]
        if not part.startswith("--")
    ]
    if not (ROOT / folder / "pyproject.toml").is_file():
        pytest.skip(f"{folder}/ is not written yet: its build inputs cannot be checked")
    missing = [source for source in sources if not (ROOT / source).exists()]
    assert missing == [], "COPY sources missing from the repository (the build context)"
    packages = {source.rstrip("/") for source in sources if source != "constraints.txt"}
    assert packages == local_dependencies(folder), "copy exactly the packages the image needs"
    for command in installs:
        assert set(re.findall(r"\./([\w/-]+)", command)) == packages


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_runs_nameko_on_its_health_port(name):
    steps = final_stage(instructions(ROOT / COMPONENTS[name][0]))
    package = PACKAGES.get(name, name)
    cmd = exec_form(dict(steps)["CMD"])
    assert cmd == ["nameko", "run", "--config", "config.yml", f"{package}.service"]
    port = web_server_ports()[name]
    assert ("EXPOSE", str(port)) in steps
    env = " ".join(arguments for keyword, arguments in steps if keyword == "ENV")
    assert f"WEB_SERVER_ADDRESS=0.0.0.0:{port}" in env.split()


def test_gateway_and_sink_commands():
    gateway = dict(final_stage(instructions(ROOT / "gateway/Dockerfile")))
    assert exec_form(gateway["CMD"])[:1] == ["gunicorn"]
    assert "gateway:create_app()" in exec_form(gateway["CMD"])
    assert "0.0.0.0:8000" in exec_form(gateway["CMD"])
    assert gateway["EXPOSE"] == "8000"
    sink = dict(final_stage(instructions(ROOT / "devstack/Dockerfile")))
    sink_cmd = exec_form(sink["CMD"])
    assert sink_cmd[:3] == ["python", "-m", "devstack.smtp_sink"]
    assert "--host" in sink_cmd and sink_cmd[sink_cmd.index("--host") + 1] == "0.0.0.0"
    assert set(sink["EXPOSE"].split()) == {"1025", "1080"}


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", "test-results", "**/__pycache__"} <= ignored


# --- Kubernetes ------------------------------------------------------------------------


def load_manifests() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                documents.append((path.name, document))
    return documents


MANIFESTS = load_manifests()


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in MANIFESTS if doc["kind"] == kind}


def manifest_id(item: tuple[str, dict]) -> str:
    filename, doc = item
    return f"{filename}:{doc['kind']}/{doc['metadata']['name']}"


def pod_spec(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def all_containers(deployment: dict) -> list[dict]:
    spec = pod_spec(deployment)
    return spec.get("initContainers", []) + spec["containers"]


def test_custom_resources_stay_out_of_the_kustomization():
    assert MANIFESTS, "k8s/ has no manifest"
    for filename, doc in MANIFESTS:
        if (doc["apiVersion"], doc["kind"]) in NOT_VALIDATED:
            assert filename in OPERATOR_FILES | {"kustomization.yaml"}, manifest_id((filename, doc))


@pytest.mark.parametrize(
    "item",
    [item for item in MANIFESTS if (item[1]["apiVersion"], item[1]["kind"]) not in NOT_VALIDATED],
    ids=manifest_id,
)
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifest_is_valid_kubernetes(item, version):
    _, doc = item
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{path}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:
        pytest.fail(f"{error.message} (a custom resource? list it in NOT_VALIDATED)")


def test_every_namespaced_object_is_in_portail():
    for filename, doc in MANIFESTS:
        if doc["kind"] in {"Namespace", "Kustomization"}:
            continue
        assert doc["metadata"].get("namespace") == "portail", f"{filename}: {doc['kind']}"
    assert "portail" in of_kind("Namespace")


def test_kustomization_lists_every_manifest_but_the_operator_resources():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    expected = {path.name for path in K8S.glob("*.yaml")} - OPERATOR_FILES
    assert set(kustomization["resources"]) == expected - {"kustomization.yaml"}
    images = {image["name"] for image in kustomization.get("images", [])}
    used = {c["image"] for d in of_kind("Deployment").values() for c in all_containers(d)}
    assert used <= images, "every image is set by the kustomization"


def test_no_secret_is_committed():
    assert of_kind("Secret") == {}, "Secrets are created by the operator (k8s/README.md)"


@pytest.mark.parametrize("name", sorted(of_kind("Deployment")))
def test_deployment_is_hardened_and_bounded(name):
    deployment = of_kind("Deployment")[name]
    spec = pod_spec(deployment)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"].get("runAsUser", 0) != 0
    assert spec.get("terminationGracePeriodSeconds", 0) >= 30
    assert spec.get("automountServiceAccountToken") is False
    for container in all_containers(deployment):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), container["name"]
    for container in spec["containers"]:
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["path"], f"{container['name']} has no {probe}"


def env_is_resolvable(deployment: dict):
    """Each $(VAR) in an env value names a variable defined before it or in a ConfigMap."""
    config_maps = of_kind("ConfigMap")
    for container in all_containers(deployment):
        known = set()
        for source in container.get("envFrom", []):
            known |= set(config_maps[source["configMapRef"]["name"]]["data"])
        for variable in container.get("env", []):
            for reference in re.findall(r"\$\((\w+)\)", variable.get("value", "")):
                assert reference in known, f"{container['name']}: $({reference}) is undefined"
            if re.search(r"PASSWORD|SECRET", variable["name"]):
                assert "secretKeyRef" in variable.get("valueFrom", {}), variable["name"]
            known.add(variable["name"])


@pytest.mark.parametrize("name", sorted(of_kind("Deployment")))
def test_deployment_env_references_resolve(name):
    env_is_resolvable(of_kind("Deployment")[name])


def container_env(container: dict) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container.get("env", [])}


def probe_port(container: dict, probe: dict) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p["name"] == port)


@pytest.mark.parametrize("name", SERVICES)
def test_service_has_a_deployment_with_migrations_and_health_probes(name):
    deployment = of_kind("Deployment").get(name)
    assert deployment, f"k8s/ has no Deployment for services/{name}"
    spec = pod_spec(deployment)
    (container,) = [c for c in spec["containers"] if c["name"] == name]
    port = web_server_ports()[name]
    assert container_env(container)["WEB_SERVER_ADDRESS"] == f"0.0.0.0:{port}"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
        assert probe_port(container, container[probe]) == port
    url = urlsplit(re.sub(r"\$\(\w+\)", "x", container_env(container)[database_url_name(name)]))
    assert (url.scheme, url.username, url.path) == ("postgresql+psycopg2", name, f"/{name}")
    assert "AMQP_URI" in container_env(container)

    (migrate,) = spec["initContainers"]
    assert migrate["image"] == container["image"]
    assert migrate["command"] == ["alembic", "-c", "alembic.ini", "upgrade", "head"]
    key = database_url_name(name)
    assert container_env(migrate)[key] == container_env(container)[key]


def test_gateway_deployment_probes_and_secrets():
    deployment = of_kind("Deployment")["gateway"]
    (container,) = pod_spec(deployment)["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert probe_port(container, container["readinessProbe"]) == 8000
    secrets = {
        item["name"]: item["valueFrom"]["secretKeyRef"]
        for item in container["env"]
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert "optional" not in secrets["GATEWAY_SECRET_KEY"], "the session key is required"
    assert secrets[FRANCECONNECT_SECRET].get("optional") is True, "FranceConnect is optional"


def test_gateway_settings_in_the_config_map():
    data = of_kind("ConfigMap")["portail-config"]["data"]
    assert sorted(data["GATEWAY_READY_SERVICES"].split(",")) == SERVICES
    for key in FRANCECONNECT_SETTINGS:  # plain settings, empty until the town is registered
        assert key in data and not re.search(r"PASSWORD|SECRET", key)


@pytest.mark.parametrize("name", SERVICES)
def test_backing_services_give_each_service_its_database_and_role(name):
    (cluster,) = of_kind("Cluster").values()
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    assert name in roles, f"backing-services.yaml: no role {name}"
    assert roles[name]["login"] is True
    assert roles[name]["passwordSecret"]["name"] == f"portail-postgres-{name}"
    databases = {doc["spec"]["name"]: doc for doc in of_kind("Database").values()}
    assert databases.get(name, {}).get("spec", {}).get("owner") == name


def test_k8s_readme_creates_the_secret_of_every_service():
    text = (K8S / "README.md").read_text(encoding="utf-8")
    loop = re.search(r"for service in ([\w ]+); do", text)
    assert loop, "k8s/README.md: no loop creating the database Secrets"
    assert sorted(loop.group(1).split()) == SERVICES


def selects(selector: dict, labels: dict) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("name", sorted(of_kind("Deployment")))
def test_deployment_has_a_service_and_a_disruption_budget(name):
    deployment = of_kind("Deployment")[name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"]["matchLabels"], labels)
    service = of_kind("Service")[name]
    assert selects(service["spec"]["selector"], labels)
    port_names = {p["name"] for c in pod_spec(deployment)["containers"] for p in c["ports"]}
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in port_names
    budget = of_kind("PodDisruptionBudget")[name]
    assert selects(budget["spec"]["selector"]["matchLabels"], labels)


@pytest.mark.parametrize("name", ["gateway", "requests"])
def test_autoscaler_drives_an_existing_deployment(name):
    autoscaler = of_kind("HorizontalPodAutoscaler")[name]
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    target = autoscaler["spec"]["scaleTargetRef"]
    deployment = of_kind("Deployment")[target["name"]]
    assert target["kind"] == "Deployment"
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert autoscaler["spec"]["minReplicas"] >= 2
    for container in pod_spec(deployment)["containers"]:
        assert "cpu" in container["resources"]["requests"], "CPU utilization needs a request"


def test_ingress_routes_to_the_gateway_service():
    (ingress,) = of_kind("Ingress").values()
    service = of_kind("Service")["gateway"]
    port_names = {port["name"] for port in service["spec"]["ports"]}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "gateway"
            assert backend["port"]["name"] in port_names
    public_url = of_kind("ConfigMap")["portail-config"]["data"]["GATEWAY_PUBLIC_URL"]
    assert urlsplit(public_url).hostname in {rule["host"] for rule in ingress["spec"]["rules"]}
