"""The accounts projection keeps the newest facts, and drives the progress e-mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from notifications import contacts

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
STATUS_CHANGED = {"email": "camille.martin@example.org", "account_id": "compte-1"}


def new_contact() -> SimpleNamespace:
    return SimpleNamespace(**contacts.new_contact_fields("compte-1"))


def registration(email_notifications: bool = True, at: datetime = T0) -> dict:
    return {
        "email": "camille.martin@example.org",
        "email_notifications": email_notifications,
        "occurred_at": at,
    }


def test_inscription_renseigne_adresse_et_preference():
    contact = new_contact()
    contacts.record_registration(contact, registration(email_notifications=False))
    assert (contact.email, contact.email_notifications) == ("camille.martin@example.org", False)


def test_preference_arrivee_avant_l_inscription_n_est_pas_ecrasee():
    contact = new_contact()
    contacts.record_preference(contact, False, LATER)
    contacts.record_registration(contact, registration(email_notifications=True, at=T0))
    assert contact.email_notifications is False
    assert contact.email == "camille.martin@example.org"


def test_ancienne_adresse_arrivee_en_retard_n_est_pas_retenue():
    contact = new_contact()
    contacts.record_email(contact, "nouvelle@example.org", LATER)
    contacts.record_registration(contact, registration(at=T0))
    assert contact.email == "nouvelle@example.org"


def test_compte_ferme_oublie_l_adresse_et_ne_rouvre_pas():
    contact = new_contact()
    contacts.record_registration(contact, registration())
    contacts.record_closure(contact)
    contacts.record_email(contact, "autre@example.org", LATER)
    contacts.record_preference(contact, True, LATER)
    assert (contact.closed, contact.email) == (True, None)
    assert not contacts.progress_email_wanted(STATUS_CHANGED, contact)


@pytest.mark.parametrize(("wanted", "sent"), [(True, True), (False, False)])
def test_suivi_par_e_mail_selon_la_preference_du_compte(wanted, sent):
    contact = new_contact()
    contacts.record_preference(contact, wanted, T0)
    assert contacts.progress_email_wanted(STATUS_CHANGED, contact) is sent


def test_compte_inconnu_recoit_le_suivi():
    assert contacts.progress_email_wanted(STATUS_CHANGED, None)


def test_signalement_sans_compte_recoit_le_suivi():
    assert contacts.progress_email_wanted({**STATUS_CHANGED, "account_id": None}, None)


def test_signalement_anonymise_ne_donne_aucun_e_mail():
    assert not contacts.progress_email_wanted({"email": "", "account_id": None}, None)
