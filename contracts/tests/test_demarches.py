"""The catalogue of démarches: definitions that hold together, and the état-civil rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from marshmallow import ValidationError

from contracts import demarche_file, demarche_requests, demarches
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


# The town's own démarches, from a JSON file (contracts.demarche_file)

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "demarches.example.json"


def town_entry(**changes) -> dict:
    entry = json.loads(EXAMPLE.read_text(encoding="utf-8"))["demarches"][0]
    return {**entry, **changes}


def refusal(*entries, existing=None) -> str:
    with pytest.raises(demarche_file.DemarcheFileError) as refused:
        demarche_file.parse({"demarches": list(entries)}, existing or demarches.CATALOGUE)
    return str(refused.value)


def test_le_fichier_d_exemple_donne_une_demarche_du_parcours_commun():
    [accueil] = demarche_file.load(EXAMPLE)
    assert (accueil.code, accueil.prefix, accueil.role) == ("attestation_accueil", "ACC",
                                                           "agent_etat_civil")  # fmt: skip
    assert accueil.transitions == demarches.WORKFLOW_TRANSITIONS
    assert accueil.statuses["delivree"] == "Attestation validée"
    assert accueil.field_named("duree") == demarches.Field(
        "duree", "Durée du séjour, en jours", "number", hint="90 jours au plus.", low=1, high=90
    )
    assert accueil.field_named("lien").choices["ami"] == "Ami ou amie"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (town_entry(code="acte_etat_civil"),
         "démarche 1 (acte_etat_civil): code: 'acte_etat_civil' is already used by"),
        (town_entry(prefix="ECV"), "prefix: 'ECV' is already used by 'acte_etat_civil'"),
        (town_entry(role="agent_accueil"), "role: 'agent_accueil' is not a role"),
        (town_entry(couleur="bleu"), "couleur: unknown key"),
        (town_entry(expected_days="30"), "expected_days: expected a whole number from 1 to 365"),
        (town_entry(rules=["age_minimum"]), "rules: expected a list among"),
        (town_entry(workflow={"livree": "x"}), "workflow: expected {\"delivered\""),
        (town_entry(fields=town_entry()["fields"][:-1]), 'one field must be {"name": "email"'),
        (town_entry(fields=[*town_entry()["fields"], {"name": "photo", "label": "Photo",
                                                       "kind": "image"}]),
         "fields[11] (photo).kind: 'image' is not one of text, textarea"),
        (town_entry(fields=[{"name": "lien", "label": "Lien", "kind": "choice"},
                            *town_entry()["fields"]]),
         "fields[1] (lien).choices: expected an object of code to French label"),
        (town_entry(fields=[{"name": "Nom", "label": "Nom"}]), "fields[1] (Nom).name: 'Nom'"),
        (town_entry(fields=[{"name": "n", "label": "N", "kind": "number", "low": 5, "high": 1}]),
         "fields[1] (n).high: expected a whole number from 5 to"),
    ],
)  # fmt: skip
def test_une_entree_invalide_est_refusee_en_nommant_le_champ(entry, message):
    assert message in refusal(entry)


def test_le_fichier_connait_chaque_regle_ecrite_en_code():
    assert set(demarche_file.RULE_NAMES) == set(RULES)


def test_deux_entrees_du_fichier_ne_partagent_ni_code_ni_prefixe():
    second = town_entry(code="attestation_bis")
    assert "démarche 2 (attestation_bis): prefix: 'ACC'" in refusal(town_entry(), second)


def test_un_parcours_propre_a_la_demarche_est_verifie():
    own = {
        "statuses": {"deposee": "Déposée", "faite": "Faite"},
        "initial_status": "deposee",
        "transitions": {"deposee": ["faite"], "faite": []},
        "notified_statuses": ["faite"],
    }
    entry = {k: v for k, v in town_entry().items() if k != "workflow"}
    [made] = demarche_file.parse({"demarches": [{**entry, **own}]}, demarches.CATALOGUE)
    assert (made.initial_status, made.transitions["deposee"]) == ("deposee", {"faite"})
    broken = {**own, "transitions": {"deposee": ["envoyee"], "faite": []}}
    assert "transitions.deposee: expected a list of statuses" in refusal({**entry, **broken})
    assert "initial_status: missing" in refusal({**entry, "statuses": own["statuses"]})


def test_fichier_illisible_ou_mal_forme(tmp_path):
    broken = tmp_path / "demarches.json"
    broken.write_text('{"demarches": [', encoding="utf-8")
    with pytest.raises(demarche_file.DemarcheFileError, match="not valid JSON"):
        demarche_file.load(broken)
    with pytest.raises(demarche_file.DemarcheFileError, match="cannot be read"):
        demarche_file.load(tmp_path / "absent.json")
    broken.write_text("[]", encoding="utf-8")
    with pytest.raises(demarche_file.DemarcheFileError, match='one key, "demarches"'):
        demarche_file.load(broken)


def test_le_reglage_ajoute_les_demarches_au_catalogue_commun(monkeypatch):
    monkeypatch.setenv("DEMARCHES_FILE", str(EXAMPLE))
    added = demarche_file.install_from_setting()
    try:
        assert list(demarches.GENERIC)[-1] == "attestation_accueil"
        assert demarches.CATALOGUE["attestation_accueil"] is added[0]
        submitted = {"demarche": "attestation_accueil", "fields": {}}
        assert (
            demarche_requests.SubmitDemarche().load(submitted)["demarche"] == submitted["demarche"]
        )
    finally:
        demarche_file.uninstall(added)
    assert "attestation_accueil" not in demarches.GENERIC


def test_un_fichier_invalide_empeche_le_demarrage(tmp_path):
    broken = tmp_path / "demarches.json"
    broken.write_text(json.dumps({"demarches": [town_entry(prefix="acc")]}), encoding="utf-8")
    started = subprocess.run(
        [sys.executable, "-P", "-c", "import contracts.demarche_rules"],
        env={**os.environ, "DEMARCHES_FILE": str(broken)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode == 1
    assert "démarche 1 (attestation_accueil): prefix: 'acc' is not valid" in started.stderr
