"""Reports of an account: its "Mon espace" timeline, and forgetting it once it is closed."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from contracts.base import example
from contracts.errors import Forbidden
from contracts.timeline import TimelineEntry
from requests_service import authors

SUBMITTED = datetime(2026, 11, 26, 8, 15, tzinfo=UTC)


def report(**changes) -> SimpleNamespace:
    fields = {
        "tracking_number": "ESP-2026-000123",
        "tracking_key": "q9Jw3nM2xZ7pK1vR5tY8uB4cD6eF0gHs",
        "category": "eclairage_public",
        "address": "12 avenue Général de Gaulle, 69300 Caluire-et-Cuire",
        "status": "en_cours",
        "submitted_at": SUBMITTED,
        "updated_at": datetime(2026, 11, 26, 9, 2, tzinfo=UTC),
        "email": "camille.martin@example.org",
        "account_id": "compte-1",
    }
    return SimpleNamespace(**{**fields, **changes})


class AccountReports:
    """An in-memory ``authors.AccountReports``, already newest first."""

    def __init__(self, *reports: SimpleNamespace) -> None:
        self.reports = list(reports)

    def list_by_account(self, account_id):
        return [r for r in self.reports if r.account_id == account_id]


def test_entree_de_l_espace_suit_le_contrat_et_l_exemple():
    [entry] = authors.account_timeline(AccountReports(report()), "compte-1")
    assert TimelineEntry().dump(entry) == example("timeline_entry")


@pytest.mark.parametrize("caller", [{"account_id": None}, {"account_id": ""}, {}])
def test_espace_refuse_sans_compte(caller):
    with pytest.raises(Forbidden):
        authors.account_of(caller)


def test_compte_ferme_perd_adresse_et_compte_une_seule_fois():
    mine, other = report(), report(account_id="compte-2", email="dominique@example.org")
    reports = AccountReports(mine, other)
    assert authors.forget_author(reports, "compte-1") == {"camille.martin@example.org"}
    assert (mine.email, mine.account_id) == ("", None)
    assert (other.email, other.account_id) == ("dominique@example.org", "compte-2")
    assert authors.forget_author(reports, "compte-1") == set()
