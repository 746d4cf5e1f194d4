"""E-mails are written in French, with the tracking number and the private link."""

from __future__ import annotations

from contracts.base import example
from contracts.family_activities import AttendanceChanged
from contracts.requests import ReportStatusChanged, ReportSubmitted
from notifications.attendance_mails import attendance_mail
from notifications.rendering import MailComposer, make_environment

PUBLIC_URL = "https://portail.ville-caluire.fr/"
LINK = "https://portail.ville-caluire.fr/suivi/ESP-2026-000123?cle=q9Jw3nM2xZ7pK1vR5tY8uB4cD6eF0gHs"


def composer() -> MailComposer:
    return MailComposer(make_environment(), PUBLIC_URL)


def test_confirmation_contient_numero_et_lien_prive():
    mail = composer().report_submitted(ReportSubmitted().load(example("report_submitted")))
    assert mail.template == "report_submitted"
    assert mail.recipient == "camille.martin@example.org"
    assert mail.subject == "Votre signalement ESP-2026-000123 a bien été reçu"
    for body in (mail.text, mail.html):
        assert "ESP-2026-000123" in body
        assert "Éclairage public" in body
    assert LINK in mail.text
    assert f'href="{LINK}"' in mail.html
    assert "26/11/2026 à 09 h 15" in mail.text


def test_confirmation_ne_reprend_rien_de_ce_qu_a_ecrit_l_auteur():
    event = ReportSubmitted().load(example("report_submitted"))
    event["description"] = "Gagnez 1000 euros sur https://arnaque.example/"
    event["address"] = "Appelez le 08 99 00 00 00"
    mail = composer().report_submitted(event)
    for written in ("arnaque", "Gagnez", "08 99"):
        assert written not in mail.text and written not in mail.html and written not in mail.subject


def test_changement_de_statut_donne_le_libelle_et_le_commentaire():
    mail = composer().report_status_changed(
        ReportStatusChanged().load(example("report_status_changed"))
    )
    assert mail.subject == "Votre signalement ESP-2026-000123 : En cours"
    assert "Nouveau statut : En cours" in mail.text
    assert "Une équipe passe demain matin." in mail.text
    assert "Une équipe passe demain matin." in mail.html
    assert LINK in mail.text


def test_html_echappe_le_texte_saisi():
    event = ReportStatusChanged().load(example("report_status_changed"))
    event["comment"] = '<script>alert("x")</script>'
    mail = composer().report_status_changed(event)
    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert '<script>alert("x")</script>' in mail.text


def test_une_fermeture_dit_pourquoi_le_jour_est_annule_et_non_facture():
    event = AttendanceChanged().load(example("attendance_changed"))
    event |= {"added": [], "absences": [], "changed_by": "agent", "closure_reason": "Grève"}
    rendered = composer().render(attendance_mail(event, "parent@example.org", PUBLIC_URL))
    for body in (rendered.text, rendered.html):
        assert "La Ville ferme ce jour-là (Grève)" in body and "ne sera pas facturée" in body


def test_la_publication_de_l_annee_scolaire_annonce_les_inscriptions_en_ligne():
    event = {
        "family_id": "4217",
        "school_year": "2027-2028",
        "account_ids": ["a"],
        "published_at": "2027-07-10T08:00:00+00:00",
    }
    rendered = composer().school_year_mail(event, "parent@example.org")
    assert rendered.subject == (
        "Année scolaire 2027–2028 : les inscriptions de vos enfants sont en ligne"
    )
    for body in (rendered.text, rendered.html):
        assert "https://portail.ville-caluire.fr/famille/activites" in body
