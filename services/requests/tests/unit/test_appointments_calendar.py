"""Slots of passport and identity-card appointments: opening hours, Thursday morning, public
holidays, closures and blocks, Europe/Paris across the daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from requests_service.appointments_calendar import (
    PARIS,
    TYPES,
    Interval,
    free_slots,
    is_slot,
    opening_periods,
    paris_day_bounds,
)

PASSPORT, BOTH, COLLECTION = TYPES["passeport"], TYPES["cni_passeport"], TYPES["retrait"]
MONDAY = date(2027, 3, 1)
THURSDAY = date(2027, 3, 4)


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def local_times(slots) -> list[str]:
    return sorted({f"{s.starts_at.astimezone(PARIS):%H:%M}" for s in slots})


def test_un_lundi_ouvre_de_8h30_a_12h15_et_de_13h30_a_17h():
    times = local_times(free_slots(MONDAY, PASSPORT, [], []))
    assert times[0] == "08:30" and times[-1] == "16:30"  # 16:50-17:10 would pass closing
    assert "11:50" in times and "12:10" not in times  # 11:50-12:10 fits, 12:10-12:30 does not
    assert "13:30" in times and "12:30" not in times


def test_chaque_creneau_est_propose_sur_chaque_station():
    slots = free_slots(MONDAY, PASSPORT, [], [])
    at_830 = [s.desk for s in slots if s.starts_at == paris(MONDAY, 8, 30)]
    assert at_830 == ["station-1", "station-2"]


def test_le_jeudi_ouvre_a_10h30():
    times = local_times(free_slots(THURSDAY, PASSPORT, [], []))
    assert times[0] == "10:30"
    assert not is_slot(PASSPORT, "station-1", paris(THURSDAY, 8, 30))
    assert is_slot(PASSPORT, "station-1", paris(THURSDAY, 10, 30))


def test_la_duree_du_type_regle_le_pas_des_creneaux():
    both = local_times(free_slots(MONDAY, BOTH, [], []))
    assert both[:3] == ["08:30", "09:00", "09:30"] and both[-1] == "16:30"
    collection = local_times(free_slots(MONDAY, COLLECTION, [], []))
    assert collection[:3] == ["08:30", "08:40", "08:50"] and collection[-1] == "16:50"


def test_ferme_le_week_end_et_les_jours_feries():
    assert opening_periods(date(2027, 3, 6)) == [] and opening_periods(date(2027, 3, 7)) == []
    assert opening_periods(date(2027, 5, 6)) == []  # Ascension 2027, a Thursday
    assert opening_periods(date(2027, 7, 14)) == []  # fête nationale, a Wednesday
    assert opening_periods(date(2027, 3, 29)) == []  # lundi de Pâques 2027
    assert free_slots(date(2027, 11, 11), PASSPORT, [], []) == []


def test_un_rendez_vous_pris_occupe_sa_station_quelle_que_soit_la_duree():
    taken = [Interval("station-1", paris(MONDAY, 9), paris(MONDAY, 9, 30))]
    slots = free_slots(MONDAY, PASSPORT, taken, [])
    on_one = local_times([s for s in slots if s.desk == "station-1"])
    assert "08:50" not in on_one and "09:10" not in on_one and "09:30" in on_one
    on_two = local_times([s for s in slots if s.desk == "station-2"])
    assert {"08:50", "09:10"} <= set(on_two)


def test_une_fermeture_de_la_journee_ferme_toutes_les_stations():
    closure = Interval(None, *paris_day_bounds(MONDAY))
    assert free_slots(MONDAY, PASSPORT, [], [closure]) == []


def test_un_creneau_bloque_sur_une_station_reste_libre_sur_l_autre():
    block = Interval("station-2", paris(MONDAY, 14), paris(MONDAY, 15))
    slots = free_slots(MONDAY, PASSPORT, [], [block])
    desks_at = {
        hour: [s.desk for s in slots if s.starts_at == paris(MONDAY, *hour)]
        for hour in ((13, 30), (13, 50), (14, 50), (15, 10))
    }
    assert desks_at == {
        (13, 30): ["station-1", "station-2"],
        (13, 50): ["station-1"],  # 13:50-14:10 overlaps the block from 14:00
        (14, 50): ["station-1"],
        (15, 10): ["station-1", "station-2"],
    }


def test_heure_d_ete_les_creneaux_restent_a_8h30_heure_de_paris():
    before, after = date(2027, 3, 26), date(2027, 3, 29 + 1)  # Friday before, Tuesday after
    assert opening_periods(before)[0][0] == datetime(2027, 3, 26, 7, 30, tzinfo=UTC)
    assert opening_periods(after)[0][0] == datetime(2027, 3, 30, 6, 30, tzinfo=UTC)
    start, end = paris_day_bounds(date(2027, 3, 28))  # the change day lasts 23 hours
    assert (end - start).total_seconds() == 23 * 3600


def test_heure_d_hiver_les_creneaux_restent_a_8h30_heure_de_paris():
    before, after = date(2027, 10, 29), date(2027, 11, 2)
    assert opening_periods(before)[0][0] == datetime(2027, 10, 29, 6, 30, tzinfo=UTC)
    assert opening_periods(after)[0][0] == datetime(2027, 11, 2, 7, 30, tzinfo=UTC)
    assert local_times(free_slots(after, PASSPORT, [], []))[0] == "08:30"
    start, end = paris_day_bounds(date(2027, 10, 31))  # the change day lasts 25 hours
    assert (end - start).total_seconds() == 25 * 3600


def test_un_horaire_hors_grille_ou_une_station_inconnue_n_est_pas_un_creneau():
    assert not is_slot(PASSPORT, "station-1", paris(MONDAY, 8, 35))
    assert not is_slot(PASSPORT, "station-9", paris(MONDAY, 8, 30))
    assert not is_slot(PASSPORT, "station-1", paris(MONDAY, 12, 10))
