"""The operators' custom resources of the example overlay follow their operators' schemas.

kubernetes-validate knows only Kubernetes' own kinds; the CloudNativePG, Barman Cloud,
RabbitMQ, Prometheus Operator and Gateway API kinds are checked here against the schemas of
their CustomResourceDefinitions (``crd_schemas/``), strictly: a field the schema does not
know is an error, as with ``kubectl apply --validate=strict``, so a typo cannot be silently
pruned by the API server.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

SCHEMAS = Path(__file__).resolve().parent / "crd_schemas"


def strict(schema: object) -> object:
    """The schema with unknown fields refused wherever Kubernetes would prune them."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in schema and "additionalProperties" not in schema and not keeps_unknown:
        result["additionalProperties"] = False
    return result


def schema_for(doc: dict) -> dict:
    group, version = doc["apiVersion"].split("/")
    path = SCHEMAS / f"{group}_{doc['kind']}_{version}.json"
    assert path.exists(), f"no schema for {doc['apiVersion']} {doc['kind']} in crd_schemas/"
    schema = strict(json.loads(path.read_text(encoding="utf-8")))
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


def custom_resources(helpers) -> list[dict]:
    kustomize = ("kustomize.config.k8s.io/v1beta1", "Kustomization")
    return [
        doc
        for _, doc in helpers.MANIFESTS
        if (doc["apiVersion"], doc["kind"]) in helpers.NOT_VALIDATED - {kustomize}
    ]


def test_every_custom_resource_kind_is_known(helpers):
    kinds = {(doc["apiVersion"], doc["kind"]) for doc in custom_resources(helpers)}
    assert len(kinds) >= 12, kinds
    for doc in custom_resources(helpers):
        schema_for(doc)


def test_custom_resources_follow_their_schema(helpers):
    errors = []
    for doc in custom_resources(helpers):
        validator = jsonschema.Draft7Validator(schema_for(doc))
        for error in validator.iter_errors(doc):
            where = ".".join(str(part) for part in error.absolute_path)
            errors.append(f"{doc['kind']}/{doc['metadata']['name']} {where}: {error.message}")
    assert errors == []


@pytest.mark.parametrize(
    "mistake",
    [
        ("Pooler", ["spec", "pgbouncer", "poolMod"], "transaction"),
        ("RabbitmqCluster", ["spec", "replica"], 3),
        ("ScheduledBackup", ["spec", "method"], "tape"),
    ],
)
def test_a_mistake_in_a_custom_resource_is_caught(helpers, mistake):
    kind, path, value = mistake
    doc = json.loads(json.dumps(next(iter(helpers.of_kind(kind).values()))))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    assert list(jsonschema.Draft7Validator(schema_for(doc)).iter_errors(doc))
