"""The catalogue of démarches: definitions that hold together, and the état-civil rule."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError

from contracts.base import example
from contracts.demarche_requests import load_fields
from contracts.demarche_rules import NOT_ENTITLED, OUTSIDE_ZONE, RULES
from contracts.demarches import ACTE_ETAT_CIVIL, ARRETE_STATIONNEMENT, CATALOGUE, LIVRET_FAMILLE
from contracts.errors import Invalid
from contracts.fields_fr import BAD_PLATE, RegistrationNumber

FIELDS = example("submit_demarche")["fields"]
TODAY = date(2026, 12, 2)
MOVE = {
    "adresse": "3 place Jules Ferry",
    "date_debut": "2026-12-12",
    "date_fin": "2026-12-14",
    "longueur": "10",
    "vehicule": "camion",
    "demandeur": "Camille Martin",
    "email": "camille.martin@example.org",
}


@pytest.mark.parametrize("demarche", CATALOGUE.values(), ids=CATALOGUE)
def test_chaque_definition_est_coherente(demarche):
    assert set(demarche.transitions) == set(demarche.statuses)
    assert all(target in demarche.statuses for t in demarche.transitions.values() for target in t)
    assert demarche.initial_status in demarche.statuses
    assert demarche.notified_statuses <= set(demarche.statuses)
    assert all(rule in RULES for rule in demarche.rules)
    assert any(field.kind == "email" and field.name == "email" for field in demarche.fields)


@pytest.mark.parametrize(
    "lien", ["titulaire", "ascendant", "descendant", "conjoint", "representant_legal"]
)
@pytest.mark.parametrize("copie", ["integrale", "extrait_avec_filiation"])
def test_copie_avec_filiation_pour_la_personne_et_ses_proches(copie, lien):
    loaded = load_fields(ACTE_ETAT_CIVIL, {**FIELDS, "copie": copie, "lien": lien}, TODAY)
    assert (loaded["copie"], loaded["lien"]) == (copie, lien)


@pytest.mark.parametrize("copie", ["integrale", "extrait_avec_filiation"])
def test_copie_avec_filiation_refusee_sans_lien(copie):
    with pytest.raises(Invalid) as refused:
        load_fields(ACTE_ETAT_CIVIL, {**FIELDS, "copie": copie, "lien": "autre"}, TODAY)
    assert refused.value.fields == {"lien": [NOT_ENTITLED]}


def test_extrait_sans_filiation_pour_tous():
    data = {**FIELDS, "copie": "extrait_sans_filiation", "lien": "autre"}
    assert load_fields(ACTE_ETAT_CIVIL, data, TODAY)["date_acte"] == "1990-04-12"


def test_champs_manquants_ou_invalides_en_francais():
    data = {**FIELDS, "acte": "divorce", "date_acte": "12 avril", "nom": " "}
    with pytest.raises(Invalid) as refused:
        load_fields(ACTE_ETAT_CIVIL, {k: v for k, v in data.items() if k != "email"}, TODAY)
    assert refused.value.fields == {
        "acte": ["Choix inconnu."],
        "date_acte": ["Date attendue (jj/mm/aaaa)."],
        "nom": ["Ce champ est obligatoire."],
        "email": ["Ce champ est obligatoire."],
    }


def test_livret_de_famille_pour_chaque_motif():
    data = {**FIELDS, "titulaire_1": "Camille Martin"}
    for reason in ("perte", "vol", "deterioration", "separation", "exemplaire_supplementaire"):
        loaded = load_fields(LIVRET_FAMILLE, {**data, "motif": reason}, TODAY)
        assert (loaded["motif"], "titulaire_2" in loaded) == (reason, False)
    with pytest.raises(Invalid) as refused:
        load_fields(LIVRET_FAMILLE, {**data, "motif": "autre"}, TODAY)
    assert refused.value.fields == {"motif": ["Choix inconnu."]}


def test_arrete_de_stationnement_dix_jours_avant():
    loaded = load_fields(ARRETE_STATIONNEMENT, MOVE, TODAY)
    assert (loaded["date_debut"], loaded["longueur"]) == ("2026-12-12", 10)


def test_arrete_de_stationnement_refuse_a_moins_de_dix_jours():
    with pytest.raises(Invalid) as refused:
        load_fields(
            ARRETE_STATIONNEMENT,
            {**MOVE, "date_debut": "2026-12-11", "date_fin": "2026-12-11"},
            TODAY,
        )
    assert refused.value.fields == {
        "date_debut": [
            "Demandez l'arrêté au moins 10 jours avant le déménagement : "
            "premier jour possible le 12/12/2026."
        ]
    }


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-14", "2026-12-13", "Le dernier jour ne peut pas précéder le premier."),
        ("2026-12-12", "2026-12-15", "Un arrêté couvre 3 jours au plus."),
    ],
)
def test_arrete_de_stationnement_periode_invalide(start, end, message):
    with pytest.raises(Invalid) as refused:
        load_fields(ARRETE_STATIONNEMENT, {**MOVE, "date_debut": start, "date_fin": end}, TODAY)
    assert refused.value.fields == {"date_fin": [message]}


@pytest.mark.parametrize(
    ("longueur", "message"),
    [("3", "Nombre entre 5 et 30 attendu."), ("dix", "Nombre entier attendu (exemple : 12).")],
)
def test_arrete_de_stationnement_longueur_en_metres(longueur, message):
    with pytest.raises(Invalid) as refused:
        load_fields(ARRETE_STATIONNEMENT, {**MOVE, "longueur": longueur}, TODAY)
    assert refused.value.fields == {"longueur": [message]}


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [("ab-123-cd", "AB-123-CD"), ("AB 123 CD", "AB-123-CD"), ("123 abc 69", "123 ABC 69")],
)
def test_immatriculation_normalisee(typed, normalized):
    assert RegistrationNumber().deserialize(typed) == normalized


@pytest.mark.parametrize("typed", ["AI-123-CD", "A-123-CD", "12345", "ABC"])
def test_immatriculation_invalide(typed):
    with pytest.raises(ValidationError) as refused:
        RegistrationNumber().deserialize(typed)
    assert refused.value.messages == [BAD_PLATE]


@pytest.mark.parametrize(
    "adresse", ["14 montée des Forts", "3, MONTEE DES FORTS", "Bât. B, 2 place Jules-Ferry"]
)
def test_vignette_dans_la_zone_residentielle(adresse):
    assert RULES["resident_zone"]({"adresse": adresse}, TODAY) == {}


@pytest.mark.parametrize("adresse", ["14 rue des Forts", "2 place Jules Ferryville"])
def test_vignette_hors_zone(adresse):
    assert RULES["resident_zone"]({"adresse": adresse}, TODAY) == {"adresse": [OUTSIDE_ZONE]}


def test_vignette_pour_l_annee_en_cours_ou_la_suivante():
    assert RULES["validity_year"]({"annee": 2027}, TODAY) == {}
    assert RULES["validity_year"]({"annee": 2028}, TODAY) == {"annee": ["Choisissez 2026 ou 2027."]}
