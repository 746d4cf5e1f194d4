"""The town's tariffs, as data: one grid per activity, valid from a date.

A grid gives the price of a day per quotient-familial bracket, for residents and for
families living elsewhere, and the surcharge of a day attended without a booking. A new
council decision is a new grid with a later ``valid_from``: every day is priced with the
grid in force on that day, so a tariff change never reprices a month already past.

Prices in cents (EUR). Brackets are inclusive upper bounds of the quotient familial; the
last one (``None``) is the highest bracket, used too when the quotient is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bracket:
    up_to: int | None
    """Highest quotient familial of the bracket (inclusive); None: no upper bound."""
    resident_cents: int
    non_resident_cents: int


@dataclass(frozen=True)
class Tariff:
    activity: str
    valid_from: date
    brackets: tuple[Bracket, ...]
    unbooked_surcharge_cents: int = 0
    """Added to the day's price when the child came without a booking."""


def _grid(*rows: tuple[int | None, int, int]) -> tuple[Bracket, ...]:
    return tuple(Bracket(up_to, resident, other) for up_to, resident, other in rows)


SCHOOL_YEAR_2026 = date(2026, 9, 1)

TARIFFS: tuple[Tariff, ...] = (
    Tariff(
        "accueil_matin",
        SCHOOL_YEAR_2026,
        _grid((500, 60, 120), (800, 90, 150), (1100, 120, 180), (1500, 150, 210), (None, 180, 240)),
    ),
    Tariff(
        "restauration_scolaire",
        SCHOOL_YEAR_2026,
        _grid(
            (500, 150, 390), (800, 270, 450), (1100, 370, 520), (1500, 450, 590), (None, 520, 650)
        ),
        unbooked_surcharge_cents=200,
    ),
    Tariff(
        "garderie_soir",
        SCHOOL_YEAR_2026,
        _grid(
            (500, 90, 180), (800, 140, 230), (1100, 190, 280), (1500, 230, 320), (None, 270, 360)
        ),
    ),
    Tariff(
        "etude_soir",
        SCHOOL_YEAR_2026,
        _grid(
            (500, 110, 200), (800, 160, 250), (1100, 210, 300), (1500, 250, 340), (None, 290, 380)
        ),
    ),
    Tariff(
        "centre_loisirs",
        SCHOOL_YEAR_2026,
        _grid(
            (500, 500, 1800),
            (800, 900, 2100),
            (1100, 1300, 2400),
            (1500, 1700, 2700),
            (None, 2100, 3000),
        ),
    ),
)
"""Tariffs voted for the 2026-2027 school year."""
