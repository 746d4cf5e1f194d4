"""Who may reach whom, computed from the network policies the example overlay renders.

A connection is allowed when some policy selecting the source allows it out (or none selects
it for egress) and some policy selecting the destination allows it in (or none selects it for
ingress), as Kubernetes does. Every pod of the namespace is under the default deny, so the
table below is the whole truth: each component reaches only what it needs.
"""

from __future__ import annotations

import ipaddress

import pytest

NAMESPACE = "portail"
PORTAL = {"app.kubernetes.io/part-of": "portail"}
SERVICE = {**PORTAL, "app.kubernetes.io/component": "service"}
PODS = {
    "gateway": {**PORTAL, "app.kubernetes.io/name": "gateway"},
    "accounts": {**SERVICE, "app.kubernetes.io/name": "accounts"},
    "requests": {**SERVICE, "app.kubernetes.io/name": "requests"},
    "notifications": {**SERVICE, "app.kubernetes.io/name": "notifications"},
    "family": {**SERVICE, "app.kubernetes.io/name": "family"},
    "billing": {**SERVICE, "app.kubernetes.io/name": "billing"},
    "rabbitmq": {"app.kubernetes.io/name": "portail-rabbitmq"},
    "postgres": {"cnpg.io/cluster": "portail-postgres"},
    "pooler": {"cnpg.io/poolerName": "portail-postgres-pooler-rw"},
}
# Peers outside the namespace: (namespace, pod labels) or an address.
OUTSIDE = {
    "gateway-data-plane": ("envoy-gateway-system", {}),
    "prometheus": ("monitoring", {}),
    "dns": ("kube-system", {"k8s-app": "kube-dns"}),
    "other-namespace": ("default", {"app": "autre"}),
    "internet": "51.15.0.10",
    "private-network": "10.1.2.3",
}
SERVICES = ("accounts", "requests", "notifications")


def selects(selector: dict, labels: dict) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items() and not selector.get(
        "matchExpressions"
    )


def peer_matches(peer: dict, where: tuple[str, dict] | str) -> bool:
    if "ipBlock" in peer:
        if not isinstance(where, str):
            return False
        address = ipaddress.ip_address(where)
        block = peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except", [])
        )
    if isinstance(where, str):
        return False
    namespace, labels = where
    if "namespaceSelector" in peer:
        names = {"kubernetes.io/metadata.name": namespace}
        if not selects(peer["namespaceSelector"], names):
            return False
    elif namespace != NAMESPACE:
        return False
    return selects(peer.get("podSelector", {}), labels)


def port_matches(rule: dict, port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") == port and p.get("protocol", "TCP") == "TCP"
                            for p in ports)  # fmt: skip


def allowed(policies, direction: str, pod: dict, peer, port: int) -> bool:
    """Whether the policies selecting ``pod`` let traffic with ``peer`` on ``port`` through."""
    key, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [p for p in policies if direction in p["spec"]["policyTypes"]
                 and selects(p["spec"]["podSelector"], pod)]  # fmt: skip
    if not selecting:
        return True
    return any(
        port_matches(rule, port)
        and (peers not in rule or any(peer_matches(x, peer) for x in rule[peers]))
        for policy in selecting
        for rule in policy["spec"].get(key, [])
    )


def reaches(policies, source: str, target: str, port: int) -> bool:
    src = (NAMESPACE, PODS[source]) if source in PODS else OUTSIDE[source]
    dst = (NAMESPACE, PODS[target]) if target in PODS else OUTSIDE[target]
    out = allowed(policies, "Egress", PODS[source], dst, port) if source in PODS else True
    inside = allowed(policies, "Ingress", PODS[target], src, port) if target in PODS else True
    return out and inside


@pytest.fixture(scope="module")
def policies(helpers):
    return list(helpers.of_kind("NetworkPolicy").values())


def test_everything_is_denied_by_default(policies):
    (deny,) = [p for p in policies if p["metadata"]["name"] == "default-deny"]
    assert deny["spec"]["podSelector"] == {}
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]


def test_the_gateway_takes_traffic_from_the_gateway_api_only(policies):
    assert reaches(policies, "gateway-data-plane", "gateway", 8000)
    for outsider in ("other-namespace", "internet", "prometheus"):
        assert not reaches(policies, outsider, "gateway", 8000), outsider
    for service in SERVICES:
        assert not reaches(policies, service, "gateway", 8000)
    assert reaches(policies, "prometheus", "gateway", 9100)


def test_a_service_reaches_the_broker_and_its_database_through_the_pooler(
    policies, helpers, service
):
    assert reaches(policies, service, "rabbitmq", 5672)
    assert reaches(policies, service, "pooler", 5432)
    assert not reaches(policies, service, "postgres", 5432), "only through the pooler"
    assert not reaches(policies, service, "internet", 443)
    for other in SERVICES:
        assert not reaches(policies, other, service, helpers.web_server_ports()[service])
    assert reaches(policies, service, "dns", 53)


def test_only_notifications_sends_mail_and_only_the_gateway_calls_franceconnect(policies):
    assert reaches(policies, "notifications", "internet", 587)
    assert reaches(policies, "notifications", "private-network", 587), "a relay in the town"
    assert not reaches(policies, "accounts", "internet", 587)
    assert not reaches(policies, "gateway", "internet", 587)
    assert reaches(policies, "gateway", "internet", 443)
    assert not reaches(policies, "gateway", "private-network", 443)


def test_the_gateway_has_no_database_and_outsiders_reach_no_backing_service(policies):
    assert reaches(policies, "gateway", "rabbitmq", 5672)
    assert not reaches(policies, "gateway", "pooler", 5432)
    assert not reaches(policies, "gateway", "postgres", 5432)
    for outsider in ("other-namespace", "internet"):
        for target, port in (("rabbitmq", 5672), ("pooler", 5432), ("postgres", 5432)):
            assert not reaches(policies, outsider, target, port), (outsider, target)


def test_backing_services_reach_their_peers(policies):
    assert reaches(policies, "pooler", "postgres", 5432)
    assert reaches(policies, "postgres", "postgres", 5432)
    assert reaches(policies, "rabbitmq", "rabbitmq", 25672)
    for target, port in (("rabbitmq", 15692), ("postgres", 9187), ("pooler", 9127)):
        assert reaches(policies, "prometheus", target, port), target
