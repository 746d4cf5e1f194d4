"""Pricing rules of the monthly invoices: brackets, residency, the town's rules per day,
tariffs valid from a date, and corrections after issue (hypothesis properties)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from billing import pricing
from billing.books import Line
from billing.pricing import AttendanceDay, Household, QuotientHistory
from billing.tariffs import TARIFFS, Bracket, Tariff
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.family_activities import ACTIVITY_CODES

CANTEEN = Tariff(
    "restauration_scolaire",
    date(2026, 9, 1),
    (Bracket(500, 150, 390), Bracket(1000, 300, 450), Bracket(None, 500, 650)),
    unbooked_surcharge_cents=200,
)


def day(status: str, when: date = date(2027, 1, 5), child: str = "31") -> AttendanceDay:
    return AttendanceDay(
        child, "Léa", "restauration_scolaire", "Restauration scolaire", when, status
    )


LOW_BRACKET = Household(430, True)


def cents(status: str, household: Household = LOW_BRACKET) -> int:
    return sum(p.cents for p in pricing.price([day(status)], household, [CANTEEN]))


def test_le_quotient_familial_choisit_la_tranche():
    assert cents("booked", Household(430, True)) == 150
    assert cents("booked", Household(500, True)) == 150
    assert cents("booked", Household(501, True)) == 300
    assert cents("booked", Household(5000, True)) == 500


def test_un_quotient_inconnu_paie_la_tranche_la_plus_haute():
    assert cents("booked", Household(None, True)) == 500


def test_une_famille_non_residente_paie_le_tarif_exterieur():
    assert cents("booked", Household(430, False)) == 390


def test_absence_justifiee_non_facturee_absence_non_justifiee_facturee():
    assert cents("absent_justified") == 0
    assert cents("absent_unjustified") == 150


def test_un_jour_retire_avant_le_delai_n_est_pas_facture():
    assert cents("removed") == 0


def test_un_repas_non_reserve_est_majore():
    assert cents("unbooked") == 150 + 200


def test_une_activite_sans_tarif_voté_ce_jour_est_refusee():
    with pytest.raises(pricing.NoTariff):
        pricing.price([day("booked", date(2026, 8, 31))], Household(), [CANTEEN])


def test_chaque_activite_a_un_tarif_pour_l_annee_scolaire():
    for activity in ACTIVITY_CODES:
        assert pricing.tariff_on(TARIFFS, activity, date(2027, 1, 4)).activity == activity


statuses = st.sampled_from(pricing.STATUSES)
days_of_january = st.integers(1, 31).map(lambda n: date(2027, 1, n))
attendance = st.lists(
    st.builds(day, statuses, days_of_january, st.sampled_from(["31", "32", "40"])),
    max_size=40,
    unique_by=lambda d: d.key,
)
households = st.builds(Household, st.one_of(st.none(), st.integers(0, 3000)), st.booleans())
later_grid = st.builds(
    lambda start, price: Tariff(
        "restauration_scolaire",
        start,
        (Bracket(None, price, price),),
        unbooked_surcharge_cents=price,
    ),
    st.integers(0, 400).map(lambda n: date(2027, 2, 1) + timedelta(days=n)),
    st.integers(0, 10_000),
)


def invoice_lines(priced: list[pricing.PricedDay]) -> list[Line]:
    return [Line(p.label, 1, p.cents) for p in priced]


@settings(max_examples=200, deadline=None)
@given(attendance, households)
def test_le_total_de_la_facture_est_la_somme_de_ses_lignes(days, household):
    priced = pricing.price(days, household, [CANTEEN])
    lines = invoice_lines(priced)
    assert sum(line.quantity * line.unit_cents for line in lines) == sum(p.cents for p in priced)
    billed = {d.key for d in days if d.status in pricing.BILLED_STATUSES}
    assert sorted(p.attendance.key for p in priced) == sorted(billed)


@settings(max_examples=200, deadline=None)
@given(attendance, households, later_grid)
def test_un_changement_de_tarif_apres_le_mois_ne_le_change_jamais(days, household, grid):
    before = pricing.price(days, household, [CANTEEN])
    after = pricing.price(days, household, [CANTEEN, grid])
    assert before == after


@settings(max_examples=200, deadline=None)
@given(attendance, attendance, households)
def test_une_correction_ramene_le_mois_a_ce_qui_est_du(first, then, household):
    """Invoiced once, then corrected: what was billed plus the supplement minus the credit is
    exactly what the month costs now; a second correction finds nothing to do."""
    billed: dict = {}
    for p in pricing.price(first, household, [CANTEEN]):
        billed[p.attendance.key] = p.cents
    now = pricing.price(then, household, [CANTEEN])
    fix = pricing.correction(now, billed)
    for p in fix.to_invoice:
        billed[p.attendance.key] = billed.get(p.attendance.key, 0) + p.cents
    for key, cents in fix.to_credit:
        billed[key] -= cents
    assert {k: c for k, c in billed.items() if c} == {p.attendance.key: p.cents for p in now}
    again = pricing.correction(now, billed)
    assert (again.to_invoice, again.to_credit) == ([], [])
    assert all(p.cents > 0 for p in fix.to_invoice) and all(c > 0 for _, c in fix.to_credit)


history_changes = st.lists(
    st.tuples(st.dates(date(2026, 9, 1), date(2027, 8, 31)), households), max_size=5
).map(lambda found: QuotientHistory(tuple(sorted(dict(found).items()))))


@given(attendance, history_changes, households, st.integers(1, 400))
def test_un_changement_de_quotient_ulterieur_ne_reprice_jamais_un_mois_passe(
    days, history, later, after
):
    """A quotient valid from a day after the month leaves every day of the month as it was."""
    last = max((d.day for d in days), default=date(2027, 1, 31))
    changed = QuotientHistory((*history.changes, (last + timedelta(days=after), later)))
    assert pricing.price(days, history, [CANTEEN]) == pricing.price(days, changed, [CANTEEN])


@given(attendance, history_changes)
def test_chaque_jour_est_facture_au_quotient_valable_ce_jour(days, history):
    for p in pricing.price(days, history, [CANTEEN]):
        household = history.on(p.attendance.day)
        expected = pricing.day_cents(CANTEEN, household, p.attendance.status == "unbooked")
        assert p.cents == expected


def test_avant_le_premier_quotient_connu_la_tranche_la_plus_haute():
    history = QuotientHistory(((date(2027, 1, 10), Household(430, True)),))
    assert history.on(date(2027, 1, 9)) == Household()
    assert history.on(date(2027, 1, 10)) == history.on(date(2027, 6, 1)) == Household(430, True)
