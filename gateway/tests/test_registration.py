"""Creating an account, confirming the e-mail, resetting a forgotten password."""

from __future__ import annotations

import pytest

from contracts.errors import Conflict, Invalid, NotFound, TooManyRequests
from contracts.identity import ANONYMOUS

from .conftest import session_cookie

PASSWORD = "Tilleul-Platane-Saône-2026"
REGISTRATION = {
    "email": "camille.martin@example.org",
    "password": PASSWORD,
    "password_confirmation": PASSWORD,
    "civility": "madame",
    "given_name": "Camille",
    "family_name": "Martin",
    "street": "12 avenue Général de Gaulle",
    "postal_code": "69300",
    "city": "Caluire-et-Cuire",
    "phone": "04 78 98 88 00",
    "email_notifications": "1",
}


@pytest.mark.parametrize(
    "path",
    ["/compte/creer", "/connexion", "/mot-de-passe-oublie", "/mot-de-passe/nouveau?jeton=abc"],
)
def test_anonymous_pages_render_in_the_accessible_layout(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html and '<main id="contenu"' in html
    assert "style=" not in html and "<script" not in html
    assert response.headers["Cache-Control"] == "no-store"
    for field in ("email", "password", "password_confirmation", "given_name"):
        if f'name="{field}"' in html:
            assert f'<label for="field-{field}">' in html


def test_registration_form_asks_for_notifications_ticked_by_default(client):
    html = client.get("/compte/creer").get_data(as_text=True)
    assert "Je souhaite être informé(e) par e-mail de l&#39;avancement de mes demandes" in html
    assert 'name="email_notifications" type="checkbox" value="1" checked' in html
    for name in ("civility", "given_name", "family_name", "street", "postal_code", "city"):
        assert f'name="{name}"' in html
    assert 'type="tel"' in html and 'autocomplete="new-password"' in html


def test_registration_goes_to_the_service_then_to_the_mailbox_page(client, rpc):
    response = client.post("/compte/creer", data=REGISTRATION)
    assert response.status_code == 200
    assert "Vérifiez votre boîte aux lettres" in response.get_data(as_text=True)
    caller, payload = rpc.last("register")["args"]
    assert caller == ANONYMOUS
    assert payload["password"] == PASSWORD and payload["email_notifications"] is True
    assert payload["civility"] == "madame" and "password_confirmation" not in payload
    assert payload["client_ip"] == "127.0.0.1"


def test_registration_limit_is_a_429_with_its_french_message(client, rpc):
    rpc.answer("register", TooManyRequests("Trop de demandes : réessayez dans une heure."))
    response = client.post("/compte/creer", data=REGISTRATION)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Trop de demandes : réessayez dans une heure." in html
    assert 'value="camille.martin@example.org"' in html and PASSWORD not in html


def test_registration_429_says_when_to_try_again(client, rpc):
    rpc.answer("register", TooManyRequests("Trop de demandes : réessayez dans une heure.", 1800))
    response = client.post("/compte/creer", data=REGISTRATION)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1800")


def test_forgotten_password_429_says_when_to_try_again(client, rpc):
    rpc.answer("request_password_reset", TooManyRequests("Trop de demandes.", 3600))
    response = client.post("/mot-de-passe-oublie", data={"email": "qui@example.org"})
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3600")


def test_unticked_notifications_are_sent_as_false(client, rpc):
    form = {k: v for k, v in REGISTRATION.items() if k != "email_notifications"}
    client.post("/compte/creer", data=form)
    assert rpc.last("register")["args"][1]["email_notifications"] is False


def test_different_confirmation_is_caught_by_the_gateway(client, rpc):
    response = client.post("/compte/creer", data={**REGISTRATION, "password_confirmation": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Confirmation du mot de passe : Les deux mots de passe ne sont pas identiques." in html
    assert 'value="Camille"' in html and PASSWORD not in html
    assert "register" not in rpc.methods()


def test_a_weak_password_is_reported_with_the_other_fields_in_one_answer(client, rpc):
    form = {
        **REGISTRATION,
        "email": "cam@example.org",
        "password": "cam1234",
        "password_confirmation": "cam123",
        "postal_code": "693",
    }
    html = client.post("/compte/creer", data=form).get_data(as_text=True)
    assert "Code postal : Code postal à 5 chiffres." in html
    assert "Mot de passe : Au moins 13 caractères" in html
    assert "Mot de passe : Le mot de passe ne doit pas contenir votre adresse e-mail." in html
    assert "Confirmation du mot de passe : Les deux mots de passe ne sont pas identiques." in html
    assert "register" not in rpc.methods()


def test_a_weak_new_password_is_refused_before_the_link_is_used(client, rpc):
    response = client.post(
        "/mot-de-passe/nouveau?jeton=abc",
        data={"password": "court", "password_confirmation": "court"},
    )
    assert response.status_code == 422
    assert "Au moins 13 caractères" in response.get_data(as_text=True)
    assert "reset_password" not in rpc.methods()


def test_service_messages_are_shown_next_to_their_fields(client, rpc):
    weak = "Au moins 13 caractères mêlant majuscules, minuscules, chiffres."
    rpc.answer("register", Invalid("Erreurs", {"password": [weak]}))
    html = client.post("/compte/creer", data=REGISTRATION).get_data(as_text=True)
    assert (
        f'<p class="field-error" id="field-password-error"><span class="visually-hidden">Erreur : </span>{weak}</p>'
        in html
    )
    assert 'aria-describedby="field-password-hint field-password-error" aria-invalid="true"' in html
    assert f'<a href="#field-password">Mot de passe : {weak}</a>' in html


def test_email_confirmation_link(client, rpc):
    html = client.get("/compte/confirmation?jeton=jeton-de-verif").get_data(as_text=True)
    assert rpc.last("verify_email")["args"][:2] == (ANONYMOUS, "jeton-de-verif")
    assert rpc.last("verify_email")["args"][2]  # the client IP, for the per-IP limit
    assert "Votre adresse e-mail camille.martin@example.org est confirmée." in html


def test_used_or_expired_confirmation_link_is_a_clear_error(client, rpc):
    rpc.answer("verify_email", NotFound("Ce lien a expiré ou a déjà servi."))
    response = client.get("/compte/confirmation?jeton=vieux")
    assert response.status_code == 404
    assert "Ce lien a expiré ou a déjà servi." in response.get_data(as_text=True)
    assert client.get("/compte/confirmation").status_code == 400


def test_confirming_an_address_taken_meanwhile_is_a_clear_error(client, rpc):
    rpc.answer("verify_email", Conflict("Cette adresse e-mail est déjà utilisée."))
    response = client.get("/compte/confirmation?jeton=pris")
    assert response.status_code == 409
    assert "Cette adresse e-mail est déjà utilisée." in response.get_data(as_text=True)


def test_forgotten_password_always_gives_the_same_answer(client, rpc):
    response = client.post("/mot-de-passe-oublie", data={"email": "qui@example.org"})
    html = response.get_data(as_text=True)
    assert "Si un compte existe pour cette adresse, un e-mail vient d&#39;être envoyé." in html
    assert rpc.last("request_password_reset")["args"] == (
        ANONYMOUS,
        {"email": "qui@example.org", "client_ip": "127.0.0.1"},
    )


def test_forgotten_password_rate_limit_message_is_shown(client, rpc):
    rpc.answer("request_password_reset", TooManyRequests("Trop de demandes : réessayez plus tard."))
    response = client.post("/mot-de-passe-oublie", data={"email": "qui@example.org"})
    assert response.status_code == 429
    assert "Trop de demandes : réessayez plus tard." in response.get_data(as_text=True)


def test_reset_password_then_log_in_without_automatic_login(client, rpc):
    response = client.post(
        "/mot-de-passe/nouveau?jeton=jeton-reset",
        data={"password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    assert session_cookie(response) is None
    assert rpc.last("reset_password")["args"] == (
        ANONYMOUS,
        {"token": "jeton-reset", "password": PASSWORD},
    )
    html = client.get("/connexion").get_data(as_text=True)
    assert "Mot de passe modifié : connectez-vous." in html


def test_reset_with_a_dead_link_says_so(client, rpc):
    rpc.answer("reset_password", NotFound("Ce lien n'est plus valable."))
    response = client.post(
        "/mot-de-passe/nouveau?jeton=vieux",
        data={"password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert response.status_code == 404
    assert "Ce lien n&#39;est plus valable." in response.get_data(as_text=True)


def test_login_page_links_the_forgotten_password_and_franceconnect(client):
    html = client.get("/connexion").get_data(as_text=True)
    assert 'href="/mot-de-passe-oublie"' in html and "Mot de passe oublié ?" in html
    assert 'class="franceconnect__button" href="/auth/franceconnect/login"' in html
    assert "S’identifier avec" in html and "FranceConnect</span>" in html
    assert "Qu’est-ce que FranceConnect ?" in html


def test_login_page_hides_franceconnect_when_it_is_not_configured(client, franceconnect):
    franceconnect.enabled = False
    assert "franceconnect__button" not in client.get("/connexion").get_data(as_text=True)
