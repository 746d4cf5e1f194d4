"""Deadline rules in Europe/Paris: weekends, public holidays, time of day, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from family.activities import ACTIVITIES, ONE_WEEK, WORKING_J1_NOON, WORKING_J2
from family.deadlines import DeadlineRule, french_moment


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "deadline_day"),
    [
        (date(2027, 1, 14), date(2027, 1, 12)),  # jeudi -> mardi
        (date(2027, 1, 11), date(2027, 1, 7)),  # lundi -> jeudi, week-end non compté
        (date(2027, 1, 12), date(2027, 1, 8)),  # mardi -> vendredi
        (date(2026, 11, 12), date(2026, 11, 9)),  # le 11 novembre (mercredi) n'est pas compté
        (date(2027, 5, 18), date(2027, 5, 13)),  # lundi de Pentecôte 17 mai non compté
    ],
)
def test_j2_ne_compte_ni_les_week_ends_ni_les_jours_feries(day, deadline_day):
    assert WORKING_J2.deadline_day(day) == deadline_day


def test_j8_compte_tous_les_jours():
    assert ONE_WEEK.deadline_day(date(2027, 2, 15)) == date(2027, 2, 7)


def test_l_heure_limite_est_celle_de_paris_en_hiver():
    # 23:59 à Paris en janvier (UTC+1) = 22:59 UTC
    assert WORKING_J2.deadline(date(2027, 1, 11)) == utc(2027, 1, 7, 22, 59)


def test_l_heure_limite_est_celle_de_paris_en_ete():
    # 23:59 à Paris en juin (UTC+2) = 21:59 UTC
    assert WORKING_J2.deadline(date(2027, 6, 11)) == utc(2027, 6, 9, 21, 59)


def test_les_jours_de_changement_d_heure():
    # passage à l'heure d'été le dimanche 28 mars 2027, à l'heure d'hiver le 31 octobre 2027
    rule = DeadlineRule(days=1, at=time(23, 59), working_days_only=False)
    assert rule.deadline(date(2027, 3, 28)) == utc(2027, 3, 27, 22, 59)
    assert rule.deadline(date(2027, 3, 29)) == utc(2027, 3, 28, 21, 59)
    assert rule.deadline(date(2027, 11, 1)) == utc(2027, 10, 31, 22, 59)
    at_night = DeadlineRule(days=1, at=time(2, 30), working_days_only=False)
    # 02:30 n'existe pas le 28 mars 2027 à Paris: la limite tombe une heure plus tôt en UTC
    assert at_night.deadline(date(2027, 3, 29)) == utc(2027, 3, 28, 1, 30)


def test_une_modification_est_acceptee_jusqu_a_l_heure_dite_exclue():
    day = date(2027, 1, 11)
    assert WORKING_J2.is_open(day, utc(2027, 1, 7, 22, 58, 59))
    assert not WORKING_J2.is_open(day, utc(2027, 1, 7, 22, 59))
    assert not WORKING_J2.is_open(day, utc(2027, 1, 8, 8, 0))


def test_midi_la_veille_ouvree():
    # garderie du lundi 11 janvier 2027: vendredi 8 à 12:00 (11:00 UTC)
    assert WORKING_J1_NOON.deadline(date(2027, 1, 11)) == utc(2027, 1, 8, 11, 0)
    assert not WORKING_J1_NOON.is_open(date(2027, 1, 11), utc(2027, 1, 8, 11, 0))


def test_la_regle_et_la_limite_se_lisent_en_francais():
    assert WORKING_J2.label == "J-2 à 23:59, week-ends et jours fériés non comptés"
    moment = WORKING_J2.deadline(date(2027, 1, 11))
    assert french_moment(moment) == "jeudi 7 janvier 2027 à 23:59"
    assert all(activity.after_deadline for activity in ACTIVITIES.values())
