"""What the deployment checks share: the services, the built components, the k8s manifests.

The checks are static and offline, a few seconds in all: docker-compose.yml
(``test_compose.py``), the Dockerfiles and the deployment guides
(``test_dockerfiles_and_docs.py``), the Kubernetes manifests in k8s/ (``test_kubernetes.py``).
Nothing is built or started.

A service is every folder services/<name>/ with a pyproject.toml, plus the services that
exist already (so that the checks never pass on an empty list).

pytest runs with ``--import-mode=importlib``, so test modules cannot import this file: they
get its constants and functions from the ``helpers`` fixture, and a test runs once per
service, component, manifest... by taking the matching argument (``PARAMETERS`` below).
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "k8s"
# The example town: what the tests check is what `kubectl apply -k` of it would create.
OVERLAY = K8S / "overlays" / "caluire"

KNOWN_SERVICES = {"accounts", "requests", "notifications", "family", "billing"}

# The oldest Kubernetes minor a managed cluster still commonly runs, and the newest one
# kubernetes-validate knows: manifests must be valid on both.
K8S_VERSIONS = ("1.33.0", "1.37.0")
# Custom resources of the operators and the Gateway API: kubernetes-validate has no schema
# for them; test_custom_resources.py validates them against their CRDs' schemas instead.
NOT_VALIDATED = {
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"),
    ("postgresql.cnpg.io/v1", "Pooler"),
    ("barmancloud.cnpg.io/v1", "ObjectStore"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("gateway.networking.k8s.io/v1", "Gateway"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("rabbitmq.com/v1beta1", "User"),
    ("rabbitmq.com/v1beta1", "Permission"),
    ("rabbitmq.com/v1beta1", "TopicPermission"),
}

# The gateway's FranceConnect client: optional as a whole (disabled while all are empty).
FRANCECONNECT_SETTINGS = ("FRANCECONNECT_ISSUER", "FRANCECONNECT_CLIENT_ID")
FRANCECONNECT_SECRET = "FRANCECONNECT_CLIENT_SECRET"

# Every file that tells how to deploy: compose, the guides and the manifests.
DEPLOYMENT_FILES = [
    COMPOSE,
    ROOT / "docs" / "deploy.md",
    K8S / "README.md",
    *sorted(K8S.rglob("*.yaml")),
    *sorted(K8S.rglob("*.env")),
]


def discovered_services() -> list[str]:
    found = {path.parent.name for path in ROOT.glob("services/*/pyproject.toml")}
    return sorted(found | KNOWN_SERVICES)


SERVICES = discovered_services()

# Each built component: compose service name -> (Dockerfile, component folder).
COMPONENTS = {
    **{name: (f"services/{name}/Dockerfile", f"services/{name}") for name in SERVICES},
    "gateway": ("gateway/Dockerfile", "gateway"),
    "smtp-sink": ("devstack/Dockerfile", "devstack"),
}


def web_server_ports() -> dict[str, int]:
    """Health ports of the services, from the settings table of docs/design.md."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `WEB_SERVER_ADDRESS`"))
    return {name: int(port) for name, port in re.findall(r"(\w+) `0\.0\.0\.0:(\d+)`", row)}


def database_url_name(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"


def render(folder: Path) -> list[dict]:
    """``kubectl kustomize folder``: the documents a town applies, as kustomize builds them."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is needed to render k8s/ overlays"
    built = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, f"kubectl kustomize {folder}: {built.stderr}"
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def load_manifests() -> list[tuple[str, dict]]:
    """(overlay, document) of every document the example town's overlay renders."""
    return [(OVERLAY.name, document) for document in render(OVERLAY)]


MANIFESTS = load_manifests()
GENERATED_SUFFIX = re.compile(r"-[bcdfghkmt2-9]{10}$")


def generated_name(name: str) -> str:
    """A configMapGenerator's name without the hash kustomize appends to it."""
    return GENERATED_SUFFIX.sub("", name)


def of_kind(kind: str) -> dict[str, dict]:
    """The manifests of that kind, by name (a generated ConfigMap by its name before hashing)."""
    rename = generated_name if kind == "ConfigMap" else str
    return {rename(doc["metadata"]["name"]): doc for _, doc in MANIFESTS if doc["kind"] == kind}


def manifest_id(item: tuple[str, dict]) -> str:
    filename, doc = item
    return f"{filename}:{doc['kind']}/{doc['metadata']['name']}"


# Argument name -> (values, ids): a test that takes the argument runs once per value. With
# two such arguments, the one listed first comes first in the test id.
PARAMETERS = {
    "service": (SERVICES, None),
    "component": (sorted(COMPONENTS), None),
    "deployment_name": (sorted(of_kind("Deployment")), None),
    "k8s_version": (K8S_VERSIONS, None),
    # (file name, document) of each manifest kubernetes-validate has a schema for
    "manifest": (
        [
            item
            for item in MANIFESTS
            if (item[1]["apiVersion"], item[1]["kind"]) not in NOT_VALIDATED
        ],
        manifest_id,
    ),
    "deployment_file": (DEPLOYMENT_FILES, lambda path: path.name),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test once per value of each PARAMETERS argument it takes."""
    for argument, (values, ids) in PARAMETERS.items():
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, values, ids=ids)


class HelperSet:
    """The module-level constants and functions above, as the ``helpers`` fixture gives them."""

    ROOT = ROOT
    COMPOSE = COMPOSE
    K8S = K8S
    SERVICES = SERVICES
    COMPONENTS = COMPONENTS
    NOT_VALIDATED = NOT_VALIDATED
    MANIFESTS = MANIFESTS
    FRANCECONNECT_SETTINGS = FRANCECONNECT_SETTINGS
    FRANCECONNECT_SECRET = FRANCECONNECT_SECRET
    web_server_ports = staticmethod(web_server_ports)
    database_url_name = staticmethod(database_url_name)
    of_kind = staticmethod(of_kind)
    render = staticmethod(render)
    generated_name = staticmethod(generated_name)
    OVERLAY = OVERLAY
    manifest_id = staticmethod(manifest_id)


@pytest.fixture(scope="session")
def helpers() -> type[HelperSet]:
    """The shared helpers, for test modules (conftest cannot be imported)."""
    return HelperSet
