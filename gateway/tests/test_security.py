"""CSRF on forms, security headers, cookie flags, correlation ids and access logs."""

from __future__ import annotations

import json
import logging
import sys
import uuid

from gateway.logs import JsonFormatter

GOOD = {
    "category": "voirie",
    "address": "3 rue Pasteur",
    "description": "Nid-de-poule profond devant l'école.",
    "email": "camille.martin@example.org",
}


def test_form_post_without_csrf_token_is_refused_in_french(make_app, rpc):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/signalements/nouveau", data=GOOD)
    assert response.status_code == 400
    assert "Le formulaire a expiré ou n&#39;est pas valide" in response.get_data(as_text=True)
    assert rpc.calls == []


def test_form_post_with_the_page_token_is_accepted(make_app, rpc, csrf_token_in):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = csrf_token_in(client.get("/signalements/nouveau").get_data(as_text=True))
    response = client.post("/signalements/nouveau", data={**GOOD, "csrf_token": token})
    assert response.status_code == 303
    assert rpc.methods() == ["submit_report"]


def test_login_needs_the_csrf_token_too(make_app, rpc):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    for path in ("/connexion", "/agents/connexion", "/compte/creer", "/mot-de-passe-oublie"):
        assert client.post(path, data={"email": "a@b.fr", "password": "x"}).status_code == 400
    assert rpc.calls == []


def test_logout_needs_the_csrf_token(make_app, rpc):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.set_cookie("portail_session", "jeton")
    assert client.post("/deconnexion").status_code == 400
    assert "logout" not in rpc.methods()


def test_json_api_is_exempt_from_csrf(make_app, rpc):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/api/v1/reports", json=GOOD)
    assert response.status_code == 201


def test_security_headers_on_pages_errors_and_api(client):
    for path in ("/", "/nulle-part", "/api/v1/reports/categories", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "geolocation=(self)" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://portail.example.fr")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_flask_cookie_is_httponly_lax_and_secure_behind_https(client):
    response = client.get("/connexion", base_url="https://portail.example.fr")
    [cookie] = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("portail_etat=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_flask_cookie_not_secure_on_a_plain_http_portal(make_app):
    client = make_app(PUBLIC_URL="http://localhost:8000").test_client()
    response = client.get("/connexion")
    assert "Secure" not in response.headers["Set-Cookie"]


def test_sane_request_id_is_echoed_and_given_to_services(client, rpc):
    response = client.get("/suivi/ESP-2026-000123?cle=k", headers={"X-Request-ID": "abc-123.x"})
    assert response.headers["X-Request-ID"] == "abc-123.x"
    assert rpc.calls[0]["correlation_id"] == "abc-123.x"


def test_insane_request_id_is_replaced_by_a_uuid(client):
    response = client.get("/", headers={"X-Request-ID": "<script>" + "x" * 300})
    assert uuid.UUID(response.headers["X-Request-ID"])


def test_each_request_is_logged_once_with_its_correlation_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        client.get("/healthz", headers={"X-Request-ID": "req-42"})
    [record] = [r for r in caplog.records if r.name == "gateway.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["method"] == "GET" and line["path"] == "/healthz"
    assert line["status"] == 200 and line["correlation_id"] == "req-42"
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_json_formatter_keeps_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.makeLogRecord(
        {
            "name": "gateway.test",
            "levelname": "ERROR",
            "msg": "failed %s",
            "args": ("x",),
            "exc_info": exc_info,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed x"
    assert "ValueError: boom" in line["exception"]
