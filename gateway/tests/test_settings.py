"""Settings: read once from the environment, strict in production, no connection at start."""

from __future__ import annotations

import json
import logging

import pytest

from contracts import signed_caller
from gateway import create_app
from gateway.rpc import RpcClient
from gateway.settings import SettingsError, contrast_with_white


@pytest.fixture
def production(monkeypatch):
    """PORTAL_ENV=production with a broker address; each test sets the rest."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("AMQP_URI", "amqp://gateway:secret@rabbitmq:5672/")


@pytest.mark.parametrize("portal_env", ["prod", "Production", "staging", "test"])
def test_an_unknown_portal_env_is_refused(monkeypatch, portal_env):
    monkeypatch.setenv("PORTAL_ENV", portal_env)
    with pytest.raises(SettingsError, match=f"PORTAL_ENV must be one of .*not {portal_env!r}"):
        create_app()


def test_production_refuses_to_start_without_the_broker_address(production, monkeypatch):
    monkeypatch.delenv("AMQP_URI")
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://portail.example.fr")
    with pytest.raises(SettingsError, match="AMQP_URI is required"):
        create_app()


def test_development_uses_the_local_broker(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", " ")
    assert create_app().config["AMQP_URI"] == "amqp://guest:guest@localhost:5672/"


def test_production_refuses_to_start_without_a_secret_key(production, monkeypatch):
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://portail.example.fr")
    with pytest.raises(SettingsError, match="GATEWAY_SECRET_KEY is required"):
        create_app()


def test_production_refuses_a_short_secret_key(production, monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "dev")
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://portail.example.fr")
    with pytest.raises(SettingsError, match="at least 32 characters"):
        create_app()


SIGNING_KEY = signed_caller.generate_key()


def test_production_refuses_to_start_without_the_caller_signing_key(production, monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://portail.example.fr")
    with pytest.raises(SettingsError, match="CALLER_SIGNING_KEY is required"):
        create_app()
    monkeypatch.setenv("CALLER_SIGNING_KEY", signed_caller.public_pem(SIGNING_KEY))
    with pytest.raises(SettingsError, match=r"CALLER_SIGNING_KEY cannot be used.*private"):
        create_app()


def test_production_needs_the_public_url(production, monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("CALLER_SIGNING_KEY", signed_caller.private_pem(SIGNING_KEY))
    with pytest.raises(SettingsError, match="GATEWAY_PUBLIC_URL"):
        create_app()


def test_production_starts_with_its_settings(production, monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://portail.example.fr/")
    monkeypatch.setenv("CALLER_SIGNING_KEY", json.dumps(SIGNING_KEY.as_dict(private=True)))
    app = create_app()
    assert app.config["SECRET_KEY"] == "s" * 48
    assert app.config["CALLER_SIGNING_KEY"].thumbprint() == SIGNING_KEY.thumbprint()
    assert app.config["PUBLIC_URL"] == "https://portail.example.fr"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_generates_a_key_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="gateway.settings"):
        app = create_app()
    assert len(app.config["SECRET_KEY"]) >= 32
    assert any("GATEWAY_SECRET_KEY is not set" in r.getMessage() for r in caplog.records)
    assert app.config["CALLER_SIGNING_KEY"].is_private
    assert any("CALLER_SIGNING_KEY is not set" in r.getMessage() for r in caplog.records)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RPC_TIMEOUT", "3.5")
    monkeypatch.setenv("RPC_POOL_SIZE", "4")
    monkeypatch.setenv("AMQP_URI", "amqp://u:p@broker:5672/portail")
    monkeypatch.setenv("TOWN_NAME", "Sathonay")
    monkeypatch.setenv("GATEWAY_READY_TIMEOUT", "1.5")
    app = create_app()
    assert app.config["RPC_TIMEOUT"] == 3.5 and app.config["RPC_POOL_SIZE"] == 4
    assert app.config["TOWN_NAME"] == "Sathonay"
    assert app.config["READY_TIMEOUT"] == 1.5
    assert app.config["MAX_CONTENT_LENGTH"] == 40 * 1024 * 1024


def test_map_defaults_are_plan_ign_tiles_and_the_ban_api(monkeypatch):
    for name in ("MAP_TILE_URL", "MAP_ATTRIBUTION", "GEOCODER_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert "data.geopf.fr/wmts" in app.config["MAP_TILE_URL"]
    assert "PLANIGNV2" in app.config["MAP_TILE_URL"]
    assert app.config["MAP_ATTRIBUTION"] == "© IGN – Plan IGN"
    assert app.config["GEOCODER_URL"] == "https://api-adresse.data.gouv.fr"


def test_map_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAP_TILE_URL", "http://127.0.0.1:8300/{z}/{x}/{y}.png")
    monkeypatch.setenv("MAP_ATTRIBUTION", "Fond neutre")
    monkeypatch.setenv("GEOCODER_URL", "http://127.0.0.1:8300/")
    app = create_app()
    assert app.config["MAP_TILE_URL"] == "http://127.0.0.1:8300/{z}/{x}/{y}.png"
    assert app.config["MAP_ATTRIBUTION"] == "Fond neutre"
    assert app.config["GEOCODER_URL"] == "http://127.0.0.1:8300"


def test_create_app_does_not_connect_to_the_broker(monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:1/")
    app = create_app()
    assert isinstance(app.extensions["rpc"], RpcClient)
    assert app.test_client().get("/").status_code == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RPC_TIMEOUT", "dix"),
        ("RPC_POOL_SIZE", "0"),
        ("TOWN_COLOR", "red;}"),
        ("PORTAL_ENV", "prod"),
        ("MAP_TILE_URL", "https://tiles.example.fr/{z}/{x}.png"),
        ("MAP_TILE_URL", "javascript:alert(1)//{z}/{x}/{y}"),
        ("GEOCODER_URL", "api-adresse.data.gouv.fr"),
    ],
)
def test_malformed_settings_stop_the_start(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        create_app()


def test_default_colours_pass_wcag_aa_with_white_text():
    assert contrast_with_white("#00567a") >= 4.5
    assert contrast_with_white("#003a52") >= 4.5
    assert contrast_with_white("#ffcc00") < 4.5
