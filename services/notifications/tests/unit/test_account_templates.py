"""Account e-mails are written in French, go to the right address and carry the right link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import accounts
from contracts.base import example
from contracts.catalogue import EVENTS
from notifications.account_mails import duration_fr
from notifications.rendering import MailComposer, make_environment

PUBLIC_URL = "https://portail.ville-caluire.fr/"
CONFIRMATION = "https://portail.ville-caluire.fr/compte/confirmation?jeton="
NEW_PASSWORD = "https://portail.ville-caluire.fr/mot-de-passe/nouveau?jeton="
SCHEMAS = EVENTS


def golden(event_type: str, **changes) -> dict:
    return SCHEMAS[event_type]().load({**example(event_type), **changes})


def render(event_type: str, **changes):
    composer = MailComposer(make_environment(), PUBLIC_URL)
    return composer.account_mail(event_type, golden(event_type, **changes))


def assert_link_in_both_bodies(mail, link: str) -> None:
    assert link in mail.text
    assert f'href="{link}"' in mail.html


def test_inscription_demande_de_confirmer_l_adresse_sous_24_heures():
    mail = render(accounts.ACCOUNT_REGISTERED)
    assert (mail.template, mail.recipient) == ("account_registered", "camille.martin@example.org")
    assert mail.subject == "Confirmez votre adresse e-mail"
    assert_link_in_both_bodies(mail, CONFIRMATION + "Zx8Qw2Lm5Np7Rt9Vb3Cd6Fg1Hj4Kk0Ss")
    assert "Bonjour," in mail.text
    for body in (mail.text, mail.html):
        assert "valable 24 heures, jusqu'au 27/11/2026 à 09 h 00" in body


def test_inscription_en_double_renvoie_vers_connexion_et_mot_de_passe_oublie():
    mail = render(accounts.DUPLICATE_REGISTRATION_ATTEMPTED)
    assert mail.subject == "Un compte existe déjà avec cette adresse"
    assert mail.recipient == "camille.martin@example.org"
    assert_link_in_both_bodies(mail, "https://portail.ville-caluire.fr/connexion")
    assert_link_in_both_bodies(mail, "https://portail.ville-caluire.fr/mot-de-passe-oublie")
    assert "jeton" not in mail.text


def test_mot_de_passe_oublie_donne_un_lien_valable_une_heure():
    mail = render(accounts.PASSWORD_RESET_REQUESTED)
    assert (mail.template, mail.subject) == ("password_reset", "Réinitialisez votre mot de passe")
    assert_link_in_both_bodies(mail, NEW_PASSWORD + "Pq7Wm3Zx9Lk2Vb5Nc8Rt1Yu4Hj6Gf0Ds")
    assert "valable 1 heure, jusqu'au 26/11/2026 à 10 h 00" in mail.text
    assert "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message" in mail.text


def test_invitation_d_un_agent_donne_un_lien_valable_72_heures():
    mail = render(
        accounts.PASSWORD_RESET_REQUESTED,
        reason="agent_invitation",
        expires_at="2026-11-29T08:00:00+00:00",
    )
    assert (mail.template, mail.subject) == ("agent_invitation", "Votre accès agent au portail")
    assert_link_in_both_bodies(mail, NEW_PASSWORD + "Pq7Wm3Zx9Lk2Vb5Nc8Rt1Yu4Hj6Gf0Ds")
    assert "valable 72 heures, jusqu'au 29/11/2026 à 09 h 00" in mail.text


def test_changement_de_mot_de_passe_previent_le_titulaire():
    mail = render(accounts.PASSWORD_CHANGED)
    assert (mail.recipient, mail.subject) == (
        "camille.martin@example.org",
        "Votre mot de passe a été modifié",
    )
    assert "modifié le 26/11/2026 à 09 h 00" in mail.text
    assert_link_in_both_bodies(mail, "https://portail.ville-caluire.fr/mot-de-passe-oublie")


def test_changement_d_adresse_envoie_le_lien_a_la_nouvelle_adresse():
    mail = render(accounts.EMAIL_CHANGE_REQUESTED)
    assert mail.recipient == "camille.martin@exemple.fr"
    assert mail.subject == "Confirmez votre nouvelle adresse e-mail"
    assert_link_in_both_bodies(mail, CONFIRMATION + "Mn4Bv6Cx8Za1Sd3Fg5Hj7Kl9Qw2Er0Ty")
    assert "valable 24 heures" in mail.text


def test_adresse_changee_previent_l_ancienne_adresse():
    mail = render(accounts.ACCOUNT_EMAIL_CHANGED)
    assert mail.recipient == "camille.martin@example.org"
    assert mail.subject == "Votre adresse e-mail a été modifiée"
    assert "camille.martin@exemple.fr" in mail.text
    assert "camille.martin@exemple.fr" in mail.html


def test_jeton_est_encode_dans_le_lien():
    mail = render(accounts.ACCOUNT_REGISTERED, verification_token="a/b+c")
    assert CONFIRMATION + "a%2Fb%2Bc" in mail.text


def test_inscription_ne_reprend_pas_le_nom_saisi():
    mail = render(accounts.ACCOUNT_REGISTERED, given_name="Gagnez 1000 euros sur arnaque.example")
    for body in (mail.text, mail.html, mail.subject):
        assert "arnaque" not in body and "Camille" not in body


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1), "1 heure"),
        (timedelta(hours=24), "24 heures"),
        (timedelta(hours=72), "72 heures"),
    ],
)
def test_duree_de_validite_en_francais(delta, label):
    assert duration_fr(delta) == label
