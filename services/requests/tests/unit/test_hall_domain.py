"""Prices, periods and the payment date of the salle des fêtes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

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
