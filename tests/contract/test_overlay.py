"""A town's overlay on a real kustomize build: an upgrade touches one service, a setting rolls.

Each test writes a small overlay on top of the example town (``k8s/overlays/caluire``), as
a town's own repository does, renders both with ``kubectl kustomize`` and compares.
"""

from __future__ import annotations

import os
from pathlib import Path


def key(doc: dict) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def on_top(helpers, folder: Path, body: str) -> dict[tuple[str, str], dict]:
    folder.mkdir()
    (folder / "kustomization.yaml").write_text(
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n  - {os.path.relpath(helpers.OVERLAY, folder)}\n{body}",
        encoding="utf-8",
    )
    return {key(doc): doc for doc in helpers.render(folder)}


def test_upgrading_one_service_changes_nothing_else(helpers, tmp_path):
    before = {key(doc): doc for _, doc in helpers.MANIFESTS}
    image = pod_image(before[("Deployment", "requests")])
    after = on_top(
        helpers,
        tmp_path / "upgrade",
        f"images:\n  - name: {image.rsplit(':', 1)[0]}\n    newTag: 0.2.0\n",
    )
    assert after.keys() == before.keys()
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [("Deployment", "requests")]
    assert pod_image(after[("Deployment", "requests")]).endswith(":0.2.0")


def test_a_changed_setting_rolls_every_pod_that_reads_it(helpers, tmp_path):
    before = {key(doc): doc for _, doc in helpers.MANIFESTS}
    after = on_top(
        helpers,
        tmp_path / "setting",
        "configMapGenerator:\n  - name: portail-config\n    behavior: merge\n"
        "    literals:\n      - SMTP_PORT=465\n",
    )
    old = config_map_name(before)
    new = config_map_name(after)
    assert old != new, "the ConfigMap's name follows its content"
    for name, doc in after.items():
        if name[0] == "Deployment":
            assert reads(doc, new) and not reads(doc, old), name
            assert reads(before[name], old)


def pod_image(deployment: dict) -> str:
    return deployment["spec"]["template"]["spec"]["containers"][0]["image"]


def config_map_name(docs: dict) -> str:
    (name,) = [n for kind, n in docs if kind == "ConfigMap" and n.startswith("portail-config-")]
    return name


def reads(deployment: dict, config_map: str) -> bool:
    spec = deployment["spec"]["template"]["spec"]
    containers = spec.get("initContainers", []) + spec["containers"]
    return any(
        source.get("configMapRef", {}).get("name") == config_map
        for container in containers
        for source in container.get("envFrom", [])
    )
