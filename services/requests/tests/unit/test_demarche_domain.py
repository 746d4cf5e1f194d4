"""Rules of démarche requests, checked with plain objects and an in-memory store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from chassis.config import SettingError
from contracts.base import example
from contracts.demarches import ACTE_ETAT_CIVIL, ESPACE_PUBLIC
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.requests import EXPECTED_DAYS
from requests_service import demarche_domain as domain
from requests_service import demarche_office as office

CITIZEN = {"account_id": None, "roles": [], "family_id": None}
AGENT = {"account_id": "agent-ec", "roles": ["agent_etat_civil"], "family_id": None}
NOW = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Paris


class FakeRequests:
    def __init__(self) -> None:
        self.counters: dict[tuple[str, int], int] = {}
        self.requests: list[SimpleNamespace] = []

    def next_sequence(self, demarche, year):
        self.counters[demarche, year] = self.counters.get((demarche, year), 0) + 1
        return self.counters[demarche, year]

    def add(self, **fields):
        request = SimpleNamespace(id=len(self.requests) + 1, history=[], **fields)
        self.requests.append(request)
        return request

    def add_status_change(self, request, **fields):
        request.history.append(SimpleNamespace(**fields))

    def get(self, request_id, for_change=False):
        return next((r for r in self.requests if r.id == request_id), None)


def submitted(store: FakeRequests):
    fields = example("submit_demarche")["fields"]
    return domain.submit(store, CITIZEN, ACTE_ETAT_CIVIL, fields, NOW)


def test_numero_par_demarche_dans_l_annee_de_paris():
    store = FakeRequests()
    first, second = submitted(store), submitted(store)
    assert (first.tracking_number, second.tracking_number) == ("ECV-2027-000001", "ECV-2027-000002")
    assert domain.expected_by(ACTE_ETAT_CIVIL, NOW) == date(2027, 1, 11)
    assert [c.status for c in first.history] == ["deposee"]


def test_transitions_de_la_definition_seulement():
    store = FakeRequests()
    request = submitted(store)
    with pytest.raises(Conflict):
        domain.change_status(request, store, AGENT, {"status": "delivree"}, NOW)
    with pytest.raises(Invalid):
        domain.change_status(request, store, AGENT, {"status": "resolu"}, NOW)
    assert domain.change_status(request, store, AGENT, {"status": "en_cours"}, NOW) == "deposee"
    assert request.history[-1].changed_by == "agent-ec"


def test_rejet_sans_motif_refuse():
    store = FakeRequests()
    request = submitted(store)
    with pytest.raises(Invalid) as refused:
        domain.change_status(request, store, AGENT, {"status": "rejetee", "comment": ""}, NOW)
    assert refused.value.fields == {"comment": [domain.REASON_REQUIRED]}
    assert request.status == "deposee"


def test_seuls_les_agents_du_role_ou_l_admin_accedent():
    store = FakeRequests()
    request = submitted(store)
    admin = {**AGENT, "roles": ["admin"]}
    assert domain.get_for_agent(store, admin, request.id) is request
    other = {**AGENT, "roles": ["agent_espace_public"]}
    with pytest.raises(Forbidden):
        domain.get_for_agent(store, other, request.id)
    with pytest.raises(NotFound):
        domain.get_for_agent(store, AGENT, "1")
    with pytest.raises(Forbidden):
        domain.get_for_agent(store, CITIZEN, 999)
    with pytest.raises(NotFound):
        domain.definition("espace_public")


def test_jour_de_paris_pour_le_delai_de_stationnement():
    assert domain.paris_day(NOW) == date(2027, 1, 1)
    assert domain.paris_day(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == date(2026, 6, 30)
    assert domain.paris_day(datetime(2026, 6, 30, 22, 0, tzinfo=UTC)) == date(2026, 7, 1)


@pytest.mark.parametrize(("value", "days"), [("", 365), ("30", 30), ("730", 730)])
def test_duree_de_conservation_du_journal_des_consultations(monkeypatch, value, days):
    monkeypatch.setenv("DEMARCHE_VIEWS_KEPT_DAYS", value)
    assert office.view_log_kept() == timedelta(days=days)


@pytest.mark.parametrize("value", ["0", "-5", "un an", "1.5"])
def test_duree_de_conservation_invalide_refusee(monkeypatch, value):
    monkeypatch.setenv("DEMARCHE_VIEWS_KEPT_DAYS", value)
    with pytest.raises(SettingError, match="DEMARCHE_VIEWS_KEPT_DAYS"):
        office.view_log_kept()


def report(category: str, status: str, days_ago: int) -> SimpleNamespace:
    """A public-space report as the queue reads it (the shared row and its own columns)."""
    return SimpleNamespace(
        demarche="espace_public",
        category=category,
        address="1 rue Pasteur",
        description="Trou.",
        payload={},
        status=status,
        submitted_at=NOW - timedelta(days=days_ago),
    )


def test_un_signalement_est_en_retard_selon_sa_categorie_tant_qu_il_est_ouvert():
    assert domain.answers(report("voirie", "nouveau", 1)) == {
        "category": "voirie",
        "address": "1 rue Pasteur",
        "description": "Trou.",
    }
    assert domain.is_overdue(report("proprete", "nouveau", 5), NOW)  # 3 days expected
    assert not domain.is_overdue(report("voirie", "en_cours", 5), NOW)  # 15 days expected
    for done in ("resolu", "rejete"):  # reopenable, but the town's work is done
        assert not domain.is_overdue(report("proprete", done, 30), NOW)
    rules = office.overdue_rules(ESPACE_PUBLIC, date(2027, 1, 10))
    assert {(rule.category, rule.statuses) for rule in rules} == {
        (category, frozenset({"nouveau", "en_cours"})) for category in EXPECTED_DAYS
    }
