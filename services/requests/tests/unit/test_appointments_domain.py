"""Booking rules of passport and identity-card appointments, with an in-memory store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from contracts.errors import Conflict, Invalid, NotFound
from requests_service import appointments_domain as domain
from requests_service.appointments_calendar import PARIS, Interval

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # Monday 1 March 2027, 10:00 in Paris
CITIZEN = {"account_id": "acc-1", "roles": [], "family_id": None}


def paris(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


class FakeStore:
    def __init__(self, blocks=()):
        self.rows, self.blocks, self.locked = [], list(blocks), []

    def add(self, **fields):
        row = SimpleNamespace(id=len(self.rows) + 1, **fields)
        self.rows.append(row)
        return row

    def save(self, appointment):
        pass

    def lock_person(self, email, kind):
        self.locked.append((email, kind))

    def upcoming_for(self, email, kind, now):
        found = [
            r
            for r in self.rows
            if (r.email, r.kind, r.status) == (email, kind, domain.BOOKED) and r.starts_at > now
        ]
        return found[0] if found else None

    def blocks_between(self, starts_at, ends_at):
        return self.blocks

    def get(self, appointment_id, for_change=False):
        return next((r for r in self.rows if r.id == appointment_id), None)


def booking(**changes):
    return {
        "type": "passeport",
        "desk": "station-1",
        "starts_at": paris(2027, 3, 2, 8, 30),
        "email": "Camille.Martin@example.org",
        "first_name": "Camille",
        "last_name": "Martin",
        "ants_number": "ab12 cd34ef",
        **changes,
    }


def test_reservation_d_un_passeport_avec_numero_ants_normalise():
    store = FakeStore()
    appointment = domain.book(store, CITIZEN, booking(), NOW)
    assert (appointment.ants_number, appointment.email) == (
        "AB12CD34EF",
        "camille.martin@example.org",
    )
    assert appointment.ends_at == paris(2027, 3, 2, 8, 50)
    assert (appointment.status, appointment.account_id) == ("reservee", "acc-1")
    assert domain.reference(appointment) == "RDV-2027-000001"
    assert store.locked == [("camille.martin@example.org", "passeport")]


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", domain.ANTS_REQUIRED), ("AB12", domain.ANTS_FORMAT), ("AB12CD34É!", domain.ANTS_FORMAT)],
)
def test_numero_ants_exige_et_verifie(typed, message):
    with pytest.raises(Invalid) as refused:
        domain.book(FakeStore(), CITIZEN, booking(ants_number=typed), NOW)
    assert refused.value.fields == {"ants_number": [message]}


def test_retrait_sans_numero_ants():
    appointment = domain.book(FakeStore(), CITIZEN, booking(type="retrait", ants_number=""), NOW)
    assert appointment.ants_number == ""


def test_pas_de_rendez_vous_le_jour_meme_ni_au_dela_de_trois_mois():
    with pytest.raises(Invalid) as today:
        domain.book(FakeStore(), CITIZEN, booking(starts_at=paris(2027, 3, 1, 16)), NOW)
    assert today.value.fields == {"starts_at": [domain.TOO_EARLY]}
    assert domain.booking_window(NOW) == (date(2027, 3, 2), date(2027, 6, 1))
    with pytest.raises(Invalid) as late:
        domain.book(FakeStore(), CITIZEN, booking(starts_at=paris(2027, 6, 2, 8, 30)), NOW)
    assert late.value.fields["starts_at"][0].endswith("(jusqu'au 01/06/2027).")
    assert domain.book(FakeStore(), CITIZEN, booking(starts_at=paris(2027, 6, 1, 8, 30)), NOW)


def test_un_agent_peut_reserver_pour_le_jour_meme():
    appointment = domain.book(
        FakeStore(), CITIZEN, booking(starts_at=paris(2027, 3, 1, 16, 10)), NOW, by_agent=True
    )
    assert (appointment.booked_by, appointment.account_id) == ("agent", None)


def test_trois_mois_a_partir_d_un_31_s_arretent_au_dernier_jour_du_mois():
    assert domain.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert domain.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_un_seul_rendez_vous_a_venir_par_personne_et_par_type():
    store = FakeStore()
    domain.book(store, CITIZEN, booking(), NOW)
    with pytest.raises(Conflict) as refused:
        domain.book(store, {}, booking(desk="station-2", email="camille.martin@example.org"), NOW)
    assert "déjà un rendez-vous « Passeport » à venir (le 02/03/2027 à 08 h 30)" in str(
        refused.value
    )
    assert domain.book(store, CITIZEN, booking(type="cni", desk="station-2"), NOW)


def test_horaire_hors_grille_ou_bloque_refuse():
    with pytest.raises(Invalid) as off_grid:
        domain.book(FakeStore(), CITIZEN, booking(starts_at=paris(2027, 3, 2, 8, 35)), NOW)
    assert off_grid.value.fields == {"starts_at": [domain.NOT_A_SLOT]}
    closed = FakeStore([Interval(None, paris(2027, 3, 2, 0), paris(2027, 3, 3, 0))])
    with pytest.raises(Conflict, match="pas ouvert aux rendez-vous"):
        domain.book(closed, CITIZEN, booking(), NOW)


def test_deplacer_garde_la_reference_et_incremente_la_sequence():
    store = FakeStore()
    appointment = domain.book(store, CITIZEN, booking(), NOW)
    previous = domain.move(store, appointment, "station-2", paris(2027, 3, 3, 14, 10), NOW)
    assert previous == paris(2027, 3, 2, 8, 30)
    assert (appointment.desk, appointment.sequence) == ("station-2", 1)
    assert appointment.ends_at == paris(2027, 3, 3, 14, 30)


def test_annule_ne_peut_plus_etre_deplace():
    store = FakeStore()
    appointment = domain.book(store, CITIZEN, booking(), NOW)
    domain.cancel(appointment, NOW)
    assert appointment.status == "annulee"
    with pytest.raises(Conflict):
        domain.move(store, appointment, "station-1", paris(2027, 3, 3, 8, 30), NOW)


def test_lien_de_gestion_avec_la_mauvaise_cle_introuvable():
    store = FakeStore()
    appointment = domain.book(store, CITIZEN, booking(), NOW)
    ref = domain.reference(appointment)
    assert domain.find_managed(store, ref, appointment.manage_key) is appointment
    for ref_, key in ((ref, "autre"), ("RDV-2026-000001", appointment.manage_key), ("x", None)):
        with pytest.raises(NotFound):
            domain.find_managed(store, ref_, key)


def test_le_rappel_vise_le_lendemain_a_paris():
    start, end = domain.reminder_window(datetime(2027, 3, 27, 23, 30, tzinfo=UTC))
    assert start == paris(2027, 3, 29, 0) and end == paris(2027, 3, 30, 0)
