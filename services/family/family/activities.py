"""The activities a child may be enrolled in, as data: days, hours, places, capacity, deadline.

The four school-time activities (accueil du matin, restauration scolaire, garderie and étude
du soir) run in each school on school days, one capacity per school and day. The centre de
loisirs Caluire Juniors runs on Wednesdays and school holidays, booked by day or by week,
with places per age group. Every activity has its deadline rule (:mod:`family.deadlines`) and
says what happens after it, so that the page shows both before the click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from family import school_calendar
from family.deadlines import DeadlineRule

WORKING_J2 = DeadlineRule(days=2, at=time(23, 59), working_days_only=True)
WORKING_J1_NOON = DeadlineRule(days=1, at=time(12, 0), working_days_only=True)
ONE_WEEK = DeadlineRule(days=8, at=time(23, 59), working_days_only=False)

AGE_GROUPS = (("3-5 ans", 3, 5), ("6-11 ans", 6, 11))
"""Age groups of the centre de loisirs: label, youngest and oldest age (on the day)."""


@dataclass(frozen=True)
class Activity:
    code: str
    label: str
    starts: time
    ends: time
    on_school_days: bool
    """True: school days, one place per school; False: leisure days, per age group."""
    capacity: int
    """Places per school (or per age group) and day, unless an agent set another."""
    deadline: DeadlineRule
    after_deadline: str
    """What a late change costs, shown beside each deadline."""
    by_week: bool = False

    def runs_on(self, day: date) -> bool:
        if self.on_school_days:
            return school_calendar.is_school_day(day)
        return school_calendar.is_leisure_day(day)


LATE_ABSENCE = (
    "Après la date limite, le jour réservé reste facturé, sauf absence justifiée par un "
    "certificat médical ; un jour pris sans réservation est facturé au tarif majoré."
)

ACTIVITIES: dict[str, Activity] = {
    activity.code: activity
    for activity in (
        Activity(
            "accueil_matin",
            "Accueil du matin",
            time(7, 30),
            time(8, 20),
            True,
            60,
            WORKING_J2,
            LATE_ABSENCE,
        ),
        Activity(
            "restauration_scolaire",
            "Restauration scolaire",
            time(11, 30),
            time(13, 20),
            True,
            150,
            WORKING_J2,
            "Après la date limite, le repas réservé reste facturé, sauf absence justifiée par un "
            "certificat médical ; un repas pris sans réservation est facturé au tarif majoré.",
        ),
        Activity(
            "garderie_soir",
            "Garderie du soir",
            time(16, 30),
            time(18, 30),
            True,
            80,
            WORKING_J1_NOON,
            LATE_ABSENCE,
        ),
        Activity(
            "etude_soir",
            "Étude du soir",
            time(16, 30),
            time(18, 0),
            True,
            40,
            WORKING_J1_NOON,
            LATE_ABSENCE,
        ),
        Activity(
            "centre_loisirs",
            "Centre de loisirs Caluire Juniors",
            time(8, 0),
            time(18, 0),
            False,
            40,
            ONE_WEEK,
            "Après la date limite, la journée réservée reste facturée, sauf absence justifiée "
            "par un certificat médical.",
            by_week=True,
        ),
    )
}


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def place_of(activity: Activity, school: str | None, birth_date: date, day: date) -> str | None:
    """Where the child takes ``activity`` on ``day``: its school, or its age group at the
    centre de loisirs; None when the child cannot attend (not schooled, too young or old)."""
    if activity.on_school_days:
        return school or None
    age = age_on(birth_date, day)
    return next((label for label, low, high in AGE_GROUPS if low <= age <= high), None)
