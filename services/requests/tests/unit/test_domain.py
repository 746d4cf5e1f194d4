"""Rules of reports, checked with plain objects and an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from contracts.errors import Conflict, Invalid, NotFound
from requests_service import domain

CITIZEN = {"account_id": None, "roles": [], "family_id": None}
AGENT = {"account_id": "agent-7", "roles": ["agent_espace_public"], "family_id": None}
REPORT_DATA = {
    "category": "tags",
    "address": "3 place de la Mairie, Caluire-et-Cuire",
    "description": "Un tag sur la façade.",
    "email": "camille@example.org",
}


class FakeReports:
    """An in-memory ``domain.Reports`` with one counter per year."""

    def __init__(self) -> None:
        self.counters: dict[int, int] = {}
        self.reports: list[SimpleNamespace] = []

    def next_sequence(self, year):
        self.counters[year] = self.counters.get(year, 0) + 1
        return self.counters[year]

    def add(self, **fields):
        report = SimpleNamespace(
            id=len(self.reports) + 1, history=[], assigned_to=None, assigned_name="", **fields
        )
        self.reports.append(report)
        return report

    def add_status_change(self, report, **fields):
        report.history.append(SimpleNamespace(**fields))

    def get(self, report_id):
        return next((r for r in self.reports if r.id == report_id), None)

    lock = get

    def find_by_number(self, number):
        return next((r for r in self.reports if r.tracking_number == number), None)


def submit(reports, now=datetime(2026, 3, 2, 10, 0, tzinfo=UTC)):
    return domain.submit_report(reports, CITIZEN, REPORT_DATA, [], now)


def test_numero_de_suivi_suit_un_compteur_par_annee():
    reports = FakeReports()
    first, second = submit(reports), submit(reports)
    next_year = submit(reports, datetime(2027, 1, 5, tzinfo=UTC))
    assert (first.tracking_number, second.tracking_number) == ("ESP-2026-000001", "ESP-2026-000002")
    assert next_year.tracking_number == "ESP-2027-000001"


def test_annee_du_numero_est_celle_de_paris():
    new_year_in_paris = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert submit(FakeReports(), new_year_in_paris).tracking_number == "ESP-2027-000001"


def test_nouveau_signalement_a_une_cle_et_un_historique():
    report = submit(FakeReports())
    assert report.status == "nouveau"
    assert len(report.tracking_key) == 32
    assert [change.status for change in report.history] == ["nouveau"]


def test_mauvaise_cle_ressemble_a_un_numero_inconnu():
    reports = FakeReports()
    report = submit(reports)
    with pytest.raises(NotFound) as wrong_key:
        domain.find_tracked_report(reports, report.tracking_number, "mauvaise-clé")
    with pytest.raises(NotFound) as unknown:
        domain.find_tracked_report(reports, "ESP-2026-999999", report.tracking_key)
    assert wrong_key.value.message == unknown.value.message
    assert (
        domain.find_tracked_report(reports, report.tracking_number, report.tracking_key) is report
    )


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["en_cours", "resolu"], "resolu"),
        (["rejete", "en_cours"], "en_cours"),
        (["resolu", "en_cours", "rejete"], "rejete"),
    ],
)
def test_transitions_autorisees_ajoutent_l_historique(path, final):
    reports = FakeReports()
    report = submit(reports)
    for status in path:
        domain.change_status(
            reports, report, AGENT, {"status": status, "comment": "ok"}, datetime.now(UTC)
        )
    assert report.status == final
    assert [change.status for change in report.history] == ["nouveau", *path]
    assert report.history[-1].changed_by == "agent-7"


@pytest.mark.parametrize(
    ("current", "new"), [("nouveau", "nouveau"), ("en_cours", "nouveau"), ("resolu", "rejete")]
)
def test_transition_impossible_est_refusee_en_francais(current, new):
    with pytest.raises(Conflict) as caught:
        domain.check_transition(current, new)
    assert "signalement" in caught.value.message


def test_changement_renvoie_le_statut_precedent():
    reports = FakeReports()
    report = submit(reports)
    assert (
        domain.change_status(reports, report, AGENT, {"status": "en_cours"}, datetime.now(UTC))
        == "nouveau"
    )


def test_identifiant_mal_forme_est_introuvable():
    with pytest.raises(NotFound):
        domain.get_report(FakeReports(), "1; drop table reports")


def test_filtre_de_statut_inconnu_est_invalide():
    assert domain.status_filter(None) is None
    with pytest.raises(Invalid) as caught:
        domain.status_filter("archive")
    assert caught.value.fields == {"status": ["Choix inconnu."]}


def test_signalement_connecte_garde_le_compte_et_l_annonce():
    citizen = {**CITIZEN, "account_id": "compte-1"}
    report = domain.submit_report(
        FakeReports(), citizen, REPORT_DATA, [], datetime(2026, 3, 2, tzinfo=UTC)
    )
    assert report.account_id == "compte-1"
    assert domain.submitted_event(report)["account_id"] == "compte-1"


def test_photos_d_un_signalement_la_photo_unique_d_abord_trois_au_plus():
    one, two, three = ({"filename": f"{n}.jpg", "data": "x"} for n in "abc")
    assert domain.uploads_of({"photo": one, "photos": [two, three]}) == [one, two, three]
    assert domain.uploads_of({"photo": None, "photos": []}) == []
    with pytest.raises(Invalid) as caught:
        domain.uploads_of({"photo": one, "photos": [two, three, one]})
    assert caught.value.fields == {"photos": ["3 photos au plus par signalement."]}


def test_photo_demandee_par_sa_place():
    report = SimpleNamespace(photos=[SimpleNamespace(position=1), SimpleNamespace(position=2)])
    assert domain.photo_at(report, 2) is report.photos[1]
    for position in (0, 3, "1", True, None):
        with pytest.raises(NotFound):
            domain.photo_at(report, position)


def test_open311_sans_adresse_la_position_en_tient_lieu_sans_nom_ni_telephone():
    from requests_service import open311_keys

    sent = {"service_code": "tags", "lat": 45.79, "long": 4.8467, "description": "Tag.",
            "email": "a@example.org", "first_name": "Camille", "phone": "0612345678"}  # fmt: skip
    fields = open311_keys.report_fields(sent)
    assert fields["address"] == "Position GPS : 45,79000 ; 4,84670"
    assert "Camille" not in str(fields) and "0612345678" not in str(fields)
    with_address = open311_keys.report_fields({**sent, "address_string": "3 place de la Mairie"})
    assert with_address["address"] == "3 place de la Mairie"
    assert open311_keys.digest("x") != "x" and len(open311_keys.digest("x")) == 64
