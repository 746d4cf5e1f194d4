"""Prices, periods and the payment date of the salle des fêtes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from contracts.errors import Conflict
from requests_service import hall_domain as domain
from requests_service.appointments_calendar import PARIS

NOW = datetime(2027, 5, 2, 9, tzinfo=UTC)


def test_tarifs_resident_ou_non_semaine_ou_week_end():
    day, night = domain.PERIODS["matin"], domain.PERIODS["journee"]
    assert domain.price_cents(date(2027, 6, 9), day, True) == 15_000  # a Wednesday
    assert domain.price_cents(date(2027, 6, 12), night, True) == 45_000  # a Saturday
    assert domain.price_cents(date(2027, 6, 12), night, False) == 90_000
    assert domain.price_cents(date(2027, 7, 14), day, False) == 50_000  # a holiday: weekend price


def test_la_journee_entiere_finit_a_2h_le_lendemain_heure_de_paris():
    start, end = domain.period_bounds(date(2027, 10, 30), domain.PERIODS["journee"])
    assert start == datetime(2027, 10, 30, 8, tzinfo=PARIS)
    # 2 h comes twice that night (clocks go back at 3 h): the first one, still summer time.
    assert end.astimezone(UTC) == datetime(2027, 10, 31, 0, tzinfo=UTC)
    start, end = domain.period_bounds(date(2027, 11, 6), domain.PERIODS["journee"])
    assert end.astimezone(UTC) == datetime(2027, 11, 7, 1, tzinfo=UTC)


def test_echeance_trente_jours_au_plus_et_quinze_jours_avant_l_evenement():
    assert domain.due_date(SimpleNamespace(day=date(2027, 12, 12)), NOW) == date(2027, 6, 1)
    assert domain.due_date(SimpleNamespace(day=date(2027, 5, 20)), NOW) == date(2027, 5, 6)
    assert domain.due_date(SimpleNamespace(day=date(2027, 5, 10)), NOW) == date(2027, 5, 3)


def test_fenetre_de_demande():
    assert domain.request_window(NOW) == (date(2027, 5, 17), date(2028, 5, 2))


def test_une_matinee_louee_laisse_l_apres_midi_mais_pas_la_journee():
    day = date(2027, 6, 12)
    taken = [domain.period_bounds(day, domain.PERIODS["matin"])]
    assert domain.free_periods(day, taken) == ["apres_midi"]
    night_before = [domain.period_bounds(date(2027, 6, 11), domain.PERIODS["journee"])]
    assert domain.free_periods(day, night_before) == ["matin", "apres_midi", "journee"]


def booking(status: str, paid_at=None) -> SimpleNamespace:
    return SimpleNamespace(status=status, paid_at=paid_at, updated_at=None)


def test_payee_une_fois_et_seulement_acceptee():
    accepted = booking(domain.ACCEPTED)
    assert domain.mark_paid(accepted, NOW) and accepted.paid_at == NOW
    assert domain.status_label(accepted) == domain.PAID_LABEL
    assert not domain.mark_paid(accepted, datetime(2027, 5, 3, tzinfo=UTC))
    assert accepted.paid_at == NOW
    for status in (domain.REQUESTED, domain.REFUSED, domain.CANCELLED):
        other = booking(status)
        assert not domain.mark_paid(other, NOW) and other.paid_at is None
    assert not domain.mark_paid(None, NOW)


def test_annulation_avant_la_reponse_seulement():
    waiting = booking(domain.REQUESTED)
    domain.cancel(waiting, NOW)
    assert (waiting.status, waiting.updated_at) == (domain.CANCELLED, NOW)
    for status in (domain.ACCEPTED, domain.REFUSED, domain.CANCELLED):
        with pytest.raises(Conflict, match="vie pratique"):
            domain.cancel(booking(status), NOW)
