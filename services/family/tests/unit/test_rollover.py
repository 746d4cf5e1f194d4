"""The school-year rollover: each child moves up a class, a CM2 leaves the primary school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from family import rollover


@dataclass
class Pupil:
    class_name: str | None
    school: str | None = "École Jean Moulin"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("PS", "MS"),
        ("MS", "GS"),
        ("GS", "CP"),
        ("CP", "CE1"),
        ("CE1", "CE2"),
        ("CE2", "CM1"),
        ("CM1", "CM2"),
        (" ce2 ", "CM1"),
    ],
)
def test_chaque_classe_monte_d_un_niveau(before, after):
    assert rollover.next_class(before) == (after, True)


def test_un_cm2_quitte_l_ecole_et_une_classe_inconnue_attend_un_agent():
    assert rollover.next_class("CM2") == (None, False)
    assert rollover.next_class("ULIS") == ("ULIS", True)
    pupils = [Pupil("GS"), Pupil("CM2"), Pupil("ULIS"), Pupil(None, None)]
    moves = rollover.move_up(pupils)
    assert (moves.moved, moves.left, moves.unknown) == (1, 1, [pupils[2]])
    assert (pupils[0].class_name, pupils[0].school) == ("CP", "École Jean Moulin")
    assert (pupils[1].class_name, pupils[1].school) == (None, None)
    assert pupils[3] == Pupil(None, None)


def test_seule_une_annee_a_venir_s_ouvre_et_ses_jours_restent_caches():
    assert rollover.can_open("2027-2028", date(2027, 7, 10))
    assert not rollover.can_open("2026-2027", date(2027, 7, 10))
    assert not rollover.can_open("2031-2032", date(2027, 7, 10))
    days = [date(2027, 6, 10), date(2027, 9, 2), date(2030, 1, 7)]
    assert rollover.hidden_days(days, {"2027-2028"}) == [date(2027, 9, 2)]
    assert rollover.hidden_days(days, set()) == []
