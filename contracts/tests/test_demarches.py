"""The catalogue of démarches: definitions that hold together, and the état-civil rule."""

from __future__ import annotations

import pytest

from contracts.base import example
from contracts.demarche_requests import load_fields
from contracts.demarche_rules import NOT_ENTITLED, RULES
from contracts.demarches import ACTE_ETAT_CIVIL, CATALOGUE
from contracts.errors import Invalid

FIELDS = example("submit_demarche")["fields"]


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
    loaded = load_fields(ACTE_ETAT_CIVIL, {**FIELDS, "copie": copie, "lien": lien})
    assert (loaded["copie"], loaded["lien"]) == (copie, lien)


@pytest.mark.parametrize("copie", ["integrale", "extrait_avec_filiation"])
def test_copie_avec_filiation_refusee_sans_lien(copie):
    with pytest.raises(Invalid) as refused:
        load_fields(ACTE_ETAT_CIVIL, {**FIELDS, "copie": copie, "lien": "autre"})
    assert refused.value.fields == {"lien": [NOT_ENTITLED]}


def test_extrait_sans_filiation_pour_tous():
    data = {**FIELDS, "copie": "extrait_sans_filiation", "lien": "autre"}
    assert load_fields(ACTE_ETAT_CIVIL, data)["date_acte"] == "1990-04-12"


def test_champs_manquants_ou_invalides_en_francais():
    data = {**FIELDS, "acte": "divorce", "date_acte": "12 avril", "nom": " "}
    with pytest.raises(Invalid) as refused:
        load_fields(ACTE_ETAT_CIVIL, {k: v for k, v in data.items() if k != "email"})
    assert refused.value.fields == {
        "acte": ["Choix inconnu."],
        "date_acte": ["Date attendue (jj/mm/aaaa)."],
        "nom": ["Ce champ est obligatoire."],
        "email": ["Ce champ est obligatoire."],
    }
