"""The Kubernetes manifests in k8s/ are valid, hardened and agree with the code.

Each manifest is validated with kubernetes-validate in strict mode on the oldest and newest
supported versions, then checked for probes, limits, non-root pods, one database and role
per service, and Services, budgets and autoscalers that match their Deployment. The
manifests are loaded once, in conftest.py, which also runs a test per ``deployment_name``,
``manifest`` and ``k8s_version``. Nothing is applied.
"""

import json
import re
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml


def pod_spec(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def all_containers(deployment: dict) -> list[dict]:
    spec = pod_spec(deployment)
    return spec.get("initContainers", []) + spec["containers"]


def env_is_resolvable(deployment: dict, config_maps: dict[str, dict], generated_name):
    """Each $(VAR) in an env value names a variable defined before it or in a ConfigMap."""
    for container in all_containers(deployment):
        known = set()
        for source in container.get("envFrom", []):
            name = generated_name(source["configMapRef"]["name"])
            known |= set(config_maps[name]["data"])
        for variable in container.get("env", []):
            for reference in re.findall(r"\$\((\w+)\)", variable.get("value", "")):
                assert reference in known, f"{container['name']}: $({reference}) is undefined"
            if re.search(r"PASSWORD|SECRET", variable["name"]):
                assert "secretKeyRef" in variable.get("valueFrom", {}), variable["name"]
            known.add(variable["name"])


def container_env(container: dict) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container.get("env", [])}


def probe_port(container: dict, probe: dict) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p["name"] == port)


def selects(selector: dict, labels: dict) -> bool:
    return selector.items() <= labels.items()


def test_manifest_is_valid_kubernetes(manifest, k8s_version):
    _, doc = manifest
    try:
        kubernetes_validate.validate(doc, k8s_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{path}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:
        pytest.fail(f"{error.message} (a custom resource? list it in NOT_VALIDATED)")


def test_every_namespaced_object_is_in_portail(helpers):
    for filename, doc in helpers.MANIFESTS:
        if doc["kind"] in {"Namespace", "Kustomization"}:
            continue
        assert doc["metadata"].get("namespace") == "portail", f"{filename}: {doc['kind']}"
    assert "portail" in helpers.of_kind("Namespace")


def test_no_secret_is_committed(helpers):
    assert helpers.of_kind("Secret") == {}, "Secrets are created by the operator (k8s/README.md)"


def test_deployment_is_hardened_and_bounded(helpers, deployment_name):
    deployment = helpers.of_kind("Deployment")[deployment_name]
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


def test_deployment_env_references_resolve(helpers, deployment_name):
    deployment = helpers.of_kind("Deployment")[deployment_name]
    env_is_resolvable(deployment, helpers.of_kind("ConfigMap"), helpers.generated_name)


def test_service_has_a_deployment_with_migrations_and_health_probes(helpers, service):
    deployment = helpers.of_kind("Deployment").get(service)
    assert deployment, f"k8s/ has no Deployment for services/{service}"
    spec = pod_spec(deployment)
    (container,) = [c for c in spec["containers"] if c["name"] == service]
    port = helpers.web_server_ports()[service]
    assert container_env(container)["WEB_SERVER_ADDRESS"] == f"0.0.0.0:{port}"
    paths = {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe, path in paths.items():
        assert container[probe]["httpGet"]["path"] == path
        assert probe_port(container, container[probe]) == port
    key = helpers.database_url_name(service)
    url = urlsplit(re.sub(r"\$\(\w+\)", "x", container_env(container)[key]))
    assert (url.scheme, url.username, url.path) == ("postgresql+psycopg2", service, f"/{service}")
    assert "AMQP_URI" in container_env(container)

    (migrate,) = spec["initContainers"]
    assert migrate["image"] == container["image"]
    assert migrate["command"] == ["alembic", "-c", "alembic.ini", "upgrade", "head"]
    assert container_env(migrate)[key] == container_env(container)[key]


def test_gateway_deployment_probes_and_secrets(helpers):
    deployment = helpers.of_kind("Deployment")["gateway"]
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
    assert secrets[helpers.FRANCECONNECT_SECRET].get("optional") is True, (
        "FranceConnect is optional"
    )


def test_gateway_settings_in_the_config_map(helpers):
    data = helpers.of_kind("ConfigMap")["portail-config"]["data"]
    assert "GATEWAY_READY_SERVICES" not in data, "the gateway's readiness pings no service"
    for key in helpers.FRANCECONNECT_SETTINGS:  # plain settings, empty until the town is registered
        assert key in data and not re.search(r"PASSWORD|SECRET", key)


def test_backing_services_give_each_service_its_database_and_role(helpers, service):
    (cluster,) = helpers.of_kind("Cluster").values()
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    assert service in roles, f"backing-services.yaml: no role {service}"
    assert roles[service]["login"] is True
    assert roles[service]["passwordSecret"]["name"] == f"portail-postgres-{service}"
    databases = {doc["spec"]["name"]: doc for doc in helpers.of_kind("Database").values()}
    assert databases.get(service, {}).get("spec", {}).get("owner") == service


def test_k8s_readme_creates_the_secret_of_every_service(helpers):
    text = (helpers.K8S / "README.md").read_text(encoding="utf-8")
    loop = re.search(r"for service in ([\w ]+); do", text)
    assert loop, "k8s/README.md: no loop creating the database Secrets"
    assert sorted(loop.group(1).split()) == helpers.SERVICES


def test_deployment_has_a_service_and_a_disruption_budget(helpers, deployment_name):
    deployment = helpers.of_kind("Deployment")[deployment_name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"]["matchLabels"], labels)
    service = helpers.of_kind("Service")[deployment_name]
    assert selects(service["spec"]["selector"], labels)
    port_names = {p["name"] for c in pod_spec(deployment)["containers"] for p in c["ports"]}
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in port_names
    budget = helpers.of_kind("PodDisruptionBudget")[deployment_name]
    assert selects(budget["spec"]["selector"]["matchLabels"], labels)


@pytest.mark.parametrize("name", ["gateway", "requests"])
def test_autoscaler_drives_an_existing_deployment(helpers, name):
    autoscaler = helpers.of_kind("HorizontalPodAutoscaler")[name]
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    target = autoscaler["spec"]["scaleTargetRef"]
    deployment = helpers.of_kind("Deployment")[target["name"]]
    assert target["kind"] == "Deployment"
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert autoscaler["spec"]["minReplicas"] >= 2
    for container in pod_spec(deployment)["containers"]:
        assert "cpu" in container["resources"]["requests"], "CPU utilization needs a request"


def secret_refs(container: dict) -> dict[str, dict]:
    return {
        item["name"]: item["valueFrom"]["secretKeyRef"]
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }


def test_each_component_logs_in_to_rabbitmq_as_itself(helpers, deployment_name):
    """Its own Secret, whose user the topology operator creates with the grant of the code."""
    from chassis import broker_access

    deployment = helpers.of_kind("Deployment")[deployment_name]
    for container in all_containers(deployment):
        refs = secret_refs(container)
        if "AMQP_URI" not in container_env(container):
            continue
        for variable in ("AMQP_USERNAME", "AMQP_PASSWORD"):
            assert refs[variable]["name"] == f"portail-rabbitmq-{deployment_name}", variable
    name = f"portail-rabbitmq-{deployment_name}"
    user = helpers.of_kind("User")[name]
    assert user["spec"]["importCredentialsSecret"]["name"] == name
    grant = broker_access.grants()[deployment_name]
    permission = helpers.of_kind("Permission")[name]["spec"]
    assert permission["userReference"]["name"] == name
    assert permission["permissions"] == {
        "configure": grant.configure,
        "write": grant.write,
        "read": grant.read,
    }
    topic = helpers.of_kind("TopicPermission")[name]["spec"]
    assert topic["permissions"] == {
        "exchange": broker_access.RPC_EXCHANGE,
        "write": grant.rpc_write,
        "read": grant.rpc_read,
    }


def test_only_the_gateway_holds_the_private_caller_key(helpers, deployment_name):
    deployment = helpers.of_kind("Deployment")[deployment_name]
    for container in all_containers(deployment):
        refs = secret_refs(container)
        if deployment_name == "gateway":
            assert refs["CALLER_SIGNING_KEY"]["name"] == "portail-caller-signing-key"
            assert "CALLER_VERIFY_KEY" not in refs
        else:
            assert "CALLER_SIGNING_KEY" not in refs
            if container["name"] == deployment_name:
                assert refs["CALLER_VERIFY_KEY"]["name"] == "portail-caller-verify-key"


def test_postgres_is_backed_up_nightly_with_its_wal_archive(helpers):
    cluster = helpers.of_kind("Cluster")["portail-postgres"]
    stores = helpers.of_kind("ObjectStore")
    archivers = [p for p in cluster["spec"].get("plugins", []) if p.get("isWALArchiver")]
    assert len(archivers) == 1, "the cluster archives its WAL through one plugin"
    plugin = archivers[0]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io"
    assert plugin["parameters"]["barmanObjectName"] in stores
    store = stores[plugin["parameters"]["barmanObjectName"]]
    assert re.fullmatch(r"\d+[dwm]", store["spec"]["retentionPolicy"])
    assert store["spec"]["configuration"]["destinationPath"].startswith("s3://")

    (schedule,) = helpers.of_kind("ScheduledBackup").values()
    assert schedule["spec"]["cluster"]["name"] == "portail-postgres"
    assert schedule["spec"]["method"] == "plugin"
    assert schedule["spec"]["pluginConfiguration"]["name"] == plugin["name"]
    *_, hours, day, month, weekday = schedule["spec"]["schedule"].split()
    assert (day, month, weekday) == ("*", "*", "*") and hours.isdigit(), "once a day"


def test_the_recovery_example_restores_from_the_same_object_store(helpers):
    path = helpers.K8S / "restore" / "portail-postgres-pitr.yaml"
    restored = yaml.safe_load(path.read_text(encoding="utf-8"))
    cluster = helpers.of_kind("Cluster")["portail-postgres"]
    recovery = restored["spec"]["bootstrap"]["recovery"]
    (origin,) = restored["spec"]["externalClusters"]
    assert recovery["source"] == origin["name"] and recovery["recoveryTarget"]["targetTime"]
    parameters = origin["plugin"]["parameters"]
    assert parameters["serverName"] == cluster["metadata"]["name"]
    assert (
        parameters["barmanObjectName"]
        == cluster["spec"]["plugins"][0]["parameters"]["barmanObjectName"]
    )
    assert restored["metadata"]["name"] != cluster["metadata"]["name"], "never over the original"
    assert restored["spec"]["managed"] == cluster["spec"]["managed"]


def metric_names_in_code(helpers) -> set[str]:
    """Every ``portail_*`` series the code defines (histograms add _bucket, _count, _sum)."""
    sources = ["chassis/chassis/metrics.py", "gateway/gateway/metrics.py"]
    sources += [str(p.relative_to(helpers.ROOT)) for p in helpers.ROOT.glob("services/*/*/*.py")]
    names = set()
    for source in sources:
        text = (helpers.ROOT / source).read_text(encoding="utf-8")
        for name in re.findall(r'"(portail_[a-z_]+)"', text):
            names |= {name, f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return names


def monitoring(helpers) -> tuple[dict, list[str]]:
    """The alert rules and the dashboard's queries, as the overlay renders them."""
    rules = {}
    for rule_set in helpers.of_kind("PrometheusRule").values():
        for group in rule_set["spec"]["groups"]:
            rules |= {rule["alert"]: rule for rule in group["rules"]}
    dashboard_map = helpers.of_kind("ConfigMap")["portail-grafana-dashboard"]
    assert dashboard_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(dashboard_map["data"]["portail-dashboard.json"])
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return rules, queries


def test_alerts_and_dashboard_read_series_the_portal_exports(helpers):
    rules, queries = monitoring(helpers)
    exported = metric_names_in_code(helpers)
    for text in [rule["expr"] for rule in rules.values()] + queries:
        for name in re.findall(r"\b(portail_[a-z_]+)\b", text):
            assert name in exported, f"{name} is read but nothing exports it"
    wanted = {
        "PortailOutboxBacklogGrowing",
        "PortailDeadLetters",
        "PortailGateway5xx",
        "PortailServiceNotReady",
        "PortailBackupTooOld",
        "PortailCertificateExpiresSoon",
    }
    assert wanted <= set(rules)
    guide = (helpers.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", guide, re.M)}  # fmt: skip
    for name, rule in rules.items():
        assert rule["annotations"]["summary"], name
        runbook = rule["annotations"]["runbook"].split("#", 1)[1]
        assert runbook in anchors, f"{name}: no section {runbook} in docs/operations.md"


def test_pod_monitors_scrape_ports_the_pods_declare(helpers):
    deployments = helpers.of_kind("Deployment")
    monitors = list(helpers.of_kind("PodMonitor").values())
    portal = [m for m in monitors if "app.kubernetes.io/part-of" in str(m["spec"]["selector"])
              or m["metadata"]["name"] == "portail-gateway"]  # fmt: skip
    scraped = set()
    for monitor in portal:
        selector = monitor["spec"]["selector"]["matchLabels"]
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        for name, deployment in deployments.items():
            if selects(selector, deployment["spec"]["template"]["metadata"]["labels"]):
                ports = {p["name"] for c in pod_spec(deployment)["containers"] for p in c["ports"]}
                assert endpoint["port"] in ports, f"{name} has no port {endpoint['port']}"
                scraped.add(name)
    assert scraped == set(deployments), "every component is scraped"
    targets = {str(m["spec"]["selector"]["matchLabels"]) for m in monitors}
    assert any("cnpg.io/cluster" in t for t in targets) and any("rabbitmq" in t for t in targets)


def test_a_node_drain_never_takes_a_component_down(helpers, deployment_name):
    deployment = helpers.of_kind("Deployment")[deployment_name]
    autoscaler = helpers.of_kind("HorizontalPodAutoscaler").get(deployment_name)
    replicas = autoscaler["spec"]["minReplicas"] if autoscaler else deployment["spec"]["replicas"]
    assert replicas >= 2, "one replica would stop during a drain"
    assert helpers.of_kind("PodDisruptionBudget")[deployment_name]["spec"]["maxUnavailable"] == 1
    spread = pod_spec(deployment)["affinity"]["podAntiAffinity"]
    (term,) = spread["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    own = term["podAffinityTerm"]["labelSelector"]["matchLabels"]
    assert selects(own, deployment["spec"]["template"]["metadata"]["labels"])


def test_broker_and_database_survive_a_node(helpers):
    rabbitmq = helpers.of_kind("RabbitmqCluster")["portail-rabbitmq"]
    assert rabbitmq["spec"]["replicas"] == 3
    assert rabbitmq["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    broker_budget = helpers.of_kind("PodDisruptionBudget")["portail-rabbitmq"]
    assert broker_budget["spec"]["maxUnavailable"] == 1
    cluster = helpers.of_kind("Cluster")["portail-postgres"]
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["affinity"]["podAntiAffinityType"] == "required"


def sqlalchemy_pool_per_pod(helpers) -> int:
    """pool_size + max_overflow of the chassis's engine: a pod's most connections."""
    text = (helpers.ROOT / "chassis/chassis/database.py").read_text(encoding="utf-8")
    size = int(re.search(r"pool_size=(\d+)", text).group(1))
    overflow = int(re.search(r"max_overflow=(\d+)", text).group(1))
    return size + overflow


def test_the_pooler_is_sized_from_the_services_workers(helpers):
    (pooler,) = helpers.of_kind("Pooler").values()
    assert pooler["spec"]["cluster"]["name"] == "portail-postgres"
    assert pooler["spec"]["type"] == "rw" and pooler["spec"]["instances"] >= 2
    bouncer = pooler["spec"]["pgbouncer"]
    assert bouncer["poolMode"] == "transaction"
    parameters = {key: int(value) for key, value in bouncer["parameters"].items()}
    config = helpers.of_kind("ConfigMap")["portail-config"]["data"]
    assert config["POSTGRES_HOST"] == pooler["metadata"]["name"], "services go through it"

    most_pods = 0
    for service in helpers.SERVICES:
        autoscaler = helpers.of_kind("HorizontalPodAutoscaler").get(service)
        deployment = helpers.of_kind("Deployment")[service]
        most_pods += (
            autoscaler["spec"]["maxReplicas"] if autoscaler else deployment["spec"]["replicas"]
        )
    assert parameters["max_client_conn"] >= most_pods * sqlalchemy_pool_per_pod(helpers)

    workers = max(
        yaml.safe_load((helpers.ROOT / "services" / s / "config.yml").read_text())["max_workers"]
        for s in helpers.SERVICES
    )
    assert parameters["default_pool_size"] >= workers + 1, "one pod's workers and its relay"
    cluster = helpers.of_kind("Cluster")["portail-postgres"]
    server_side = (
        pooler["spec"]["instances"] * len(helpers.SERVICES) * parameters["max_db_connections"]
    )
    assert server_side < int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
