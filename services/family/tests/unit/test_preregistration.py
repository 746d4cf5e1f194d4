"""The school pre-registration rule, the level from the birth year, the sector from the address."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from contracts.errors import Conflict, Forbidden, Invalid
from family import preregistration as rules
from family.town import parse

TOWN = parse(
    {
        "creches": {"saint-clair": "Crèche de Saint-Clair"},
        "schools": {
            "jm-mat": {"name": "École maternelle Jean Moulin", "kind": "maternelle"},
            "jm": {"name": "École élémentaire Jean Moulin", "kind": "elementaire"},
        },
        "sectors": {"rue Jean-Moulin": ["jm-mat", "jm"]},
    }
)


def family(address: str = "12 rue Jean Moulin, 69300 Caluire-et-Cuire", *schools):
    children = [SimpleNamespace(school=school) for school in schools]
    return SimpleNamespace(address=address, children=children)


@pytest.mark.parametrize(
    "schools",
    [("école élémentaire JEAN-MOULIN",), (None, "Ecole maternelle Jean Moulin")],
)
def test_la_preinscription_est_ouverte_si_un_enfant_est_deja_dans_une_ecole_publique(schools):
    assert rules.school_refusal(TOWN, family("12 rue Jean Moulin", *schools)) is None


@pytest.mark.parametrize(
    "schools",
    [(), (None,), ("Institution Saint-Joseph (privée)",), ("École Jean Moulin de Lyon",)],
    ids=["aucun-enfant", "non-scolarise", "ecole-privee", "autre-commune"],
)
def test_sinon_la_famille_est_envoyee_a_la_mairie(schools):
    refusal = rules.school_refusal(TOWN, family("12 rue Jean Moulin", *schools))
    assert refusal == rules.NOT_ALLOWED and "Hôtel de Ville" in refusal
    child = {"birth_date": date(2023, 5, 1)}
    with pytest.raises(Forbidden):
        rules.school_choice(TOWN, family("12 rue Jean Moulin", *schools), child, date(2027, 1, 5))


def test_une_adresse_hors_secteur_est_expliquee():
    outside = family("3 impasse Inconnue, 69300 Caluire", "École élémentaire Jean Moulin")
    assert rules.school_refusal(TOWN, outside) == rules.NO_SECTOR


@pytest.mark.parametrize(
    ("address", "sector"),
    [
        ("12 rue Jean Moulin, 69300 Caluire-et-Cuire", "jm"),
        ("12bis, RUE JEAN-MOULIN", "jm"),
        ("  4 ter rue  jean moulin", "jm"),
        ("rue Jean Moulin", "jm"),
        ("12 avenue Jean Moulin", None),
    ],
)
def test_le_secteur_vient_de_la_rue(address, sector):
    found = TOWN.sector_of(address)
    assert (found["elementaire"]["code"] if found else None) == sector


@pytest.mark.parametrize(
    ("birth", "level"),
    [
        (date(2024, 12, 31), "PS"),
        (date(2024, 1, 1), "PS"),
        (date(2023, 6, 1), "MS"),
        (date(2021, 12, 31), "CP"),
        (date(2017, 1, 1), "CM2"),
        (date(2025, 1, 1), None),
        (date(2016, 12, 31), None),
    ],
)
def test_le_niveau_vient_de_l_annee_de_naissance(birth, level):
    assert rules.level_for(birth, 2027) == level


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2027, 1, 5), "2027-2028"),
        (date(2027, 8, 31), "2027-2028"),
        (date(2027, 9, 1), "2028-2029"),
    ],
)
def test_la_rentree_visee(today, year):
    assert rules.school_year(today) == year


def test_le_choix_donne_l_ecole_du_secteur_selon_le_niveau():
    home = family("12 rue Jean Moulin", "École élémentaire Jean Moulin")
    school, level = rules.school_choice(
        TOWN, home, {"birth_date": date(2024, 3, 1)}, date(2027, 2, 1)
    )
    assert (school["code"], level) == ("jm-mat", "PS")
    school, level = rules.school_choice(
        TOWN, home, {"birth_date": date(2021, 3, 1)}, date(2027, 2, 1)
    )
    assert (school["code"], level) == ("jm", "CP")
    with pytest.raises(Invalid) as too_young:
        rules.school_choice(TOWN, home, {"birth_date": date(2025, 3, 1)}, date(2027, 2, 1))
    assert "rentrée 2027" in too_young.value.fields["birth_date"][0]


def test_les_choix_de_creche_sont_verifies():
    base = {"creches": ["saint-clair"], "desired_start": date(2027, 9, 1)}
    rules.check_creche_request(TOWN, base, date(2027, 1, 5))
    for changes, field in [
        ({"creches": ["inconnue"]}, "creches"),
        ({"creches": ["saint-clair", "saint-clair"]}, "creches"),
        ({"desired_start": date(2027, 1, 5)}, "desired_start"),
    ]:
        with pytest.raises(Invalid) as refused:
            rules.check_creche_request(TOWN, {**base, **changes}, date(2027, 1, 5))
        assert list(refused.value.fields) == [field]


def test_les_statuts_suivent_la_commission():
    rules.check_transition("creche", "deposee", "en_commission")
    rules.check_transition("creche", "place_proposee", "acceptee")
    for kind, current, wanted in [
        ("creche", "deposee", "acceptee"),
        ("creche", "refusee", "en_commission"),
        ("ecole", "deposee", "en_commission"),
    ]:
        with pytest.raises(Conflict):
            rules.check_transition(kind, current, wanted)
