"""`make run` tells where the Prometheus metrics are, and the Procfile serves them there."""

from __future__ import annotations

from devstack import run


def test_le_bandeau_donne_les_adresses_des_metriques():
    text = run.banner({"GATEWAY_PUBLIC_URL": "http://localhost:8000"}, [])
    for _, address in run.METRICS_URLS:
        assert address in text


def test_la_passerelle_sert_ses_metriques_sur_le_port_annonce():
    procfile = run.PROCFILE.read_text(encoding="utf-8")
    gateway = next(line for line in procfile.splitlines() if line.startswith("gateway:"))
    assert "GATEWAY_METRICS_ADDRESS=127.0.0.1:9100" in gateway
    assert "-c python:gateway.gunicorn_config" in gateway
    assert dict(run.METRICS_URLS)["passerelle / gateway"] == "http://localhost:9100/metrics"
