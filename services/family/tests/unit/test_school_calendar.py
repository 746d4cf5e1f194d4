"""The school calendar (zone A, public holidays from ``holidays``) and where activities run."""

from __future__ import annotations

from datetime import date

import pytest

from family import school_calendar
from family.activities import ACTIVITIES, age_on, place_of


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 1), True),  # rentrée, mardi
        (date(2026, 8, 31), False),  # veille de la rentrée
        (date(2026, 9, 2), False),  # mercredi
        (date(2026, 9, 5), False),  # samedi
        (date(2026, 10, 19), False),  # Toussaint
        (date(2026, 11, 2), True),  # reprise
        (date(2026, 11, 11), False),  # mercredi férié de toute façon
        (date(2027, 2, 15), False),  # vacances d'hiver, zone A
        (date(2027, 3, 29), False),  # lundi de Pâques (férié, d'après holidays)
        (date(2027, 5, 6), False),  # Ascension
        (date(2027, 5, 7), False),  # pont de l'Ascension
        (date(2027, 7, 2), True),  # dernier jour de classe
        (date(2027, 7, 5), False),  # vacances d'été
        (date(2027, 9, 2), True),  # 2027-2028: jeudi
        (date(2025, 9, 2), False),  # année scolaire inconnue
    ],
)
def test_jours_de_classe(day, expected):
    assert school_calendar.is_school_day(day) is expected


def test_les_jours_feries_viennent_de_la_bibliotheque_holidays():
    assert school_calendar.public_holiday(date(2027, 5, 8)) is not None
    assert school_calendar.public_holiday(date(2027, 7, 14)) is not None
    assert school_calendar.public_holiday(date(2027, 7, 13)) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 2), True),  # mercredi
        (date(2026, 9, 3), False),  # jeudi de classe
        (date(2026, 10, 19), True),  # Toussaint, lundi
        (date(2026, 10, 24), False),  # samedi
        (date(2026, 12, 25), False),  # Noël férié
        (date(2027, 7, 13), True),  # été
        (date(2027, 7, 14), False),  # fête nationale
    ],
)
def test_jours_du_centre_de_loisirs(day, expected):
    assert school_calendar.is_leisure_day(day) is expected
    assert ACTIVITIES["centre_loisirs"].runs_on(day) is expected


def test_les_vacances_portent_leur_nom():
    assert school_calendar.break_of(date(2026, 12, 24)).label == "Vacances de Noël"
    assert school_calendar.break_of(date(2027, 8, 2)).label == "Vacances d'été"
    assert school_calendar.break_of(date(2027, 1, 4)) is None


def test_le_lieu_est_l_ecole_ou_le_groupe_d_age_du_jour():
    canteen, leisure = ACTIVITIES["restauration_scolaire"], ACTIVITIES["centre_loisirs"]
    born = date(2021, 3, 10)
    assert place_of(canteen, "École Jean Moulin", born, date(2027, 1, 4)) == "École Jean Moulin"
    assert place_of(canteen, None, born, date(2027, 1, 4)) is None
    assert age_on(born, date(2027, 3, 9)) == 5
    assert place_of(leisure, None, born, date(2027, 3, 9)) == "3-5 ans"
    assert place_of(leisure, None, born, date(2027, 3, 10)) == "6-11 ans"
    assert place_of(leisure, None, date(2025, 1, 1), date(2027, 3, 10)) is None


def test_le_calendrier_des_agents_dit_ce_qu_est_chaque_jour():
    assert school_calendar.day_kind(date(2027, 1, 4)) == ("ecole", "Jour d'école")
    assert school_calendar.day_kind(date(2027, 1, 6)) == ("loisirs", "Mercredi : centre de loisirs")
    assert school_calendar.day_kind(date(2027, 1, 9)) == ("week-end", "Week-end")
    assert school_calendar.day_kind(date(2026, 12, 22)) == ("vacances", "Vacances de Noël")
    assert school_calendar.day_kind(date(2026, 12, 25))[0] == "ferie"
    assert school_calendar.day_kind(date(2027, 5, 7)) == ("pont", "Pont (pas de classe)")
    assert school_calendar.day_kind(date(2027, 7, 20)) == ("vacances", "Vacances d'été")
    assert school_calendar.day_kind(date(2030, 1, 7)) == ("hors", "Hors année scolaire")
