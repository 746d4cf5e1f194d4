"""The import command as the SimpliCité office runs it, on a real PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

HEADER = (
    "numero_famille;nom;adresse;quotient_familial;resident;"
    "responsable1_prenom;responsable1_nom;responsable1_lien;responsable1_email;responsable1_telephone;"
    "responsable2_prenom;responsable2_nom;responsable2_lien;responsable2_email;responsable2_telephone;"
    "enfant1_prenom;enfant1_nom;enfant1_naissance;enfant1_ecole;enfant1_classe"
)
GOOD = [
    "4217;Müller;12 rue Jean Moulin;850;oui;Hélène;Müller;Mère;helene@exemple.fr;06 12 34 56 78;"
    "Jean-Pierre;Müller;Père;;;Léa;;02/04/2018;École élémentaire Jean Moulin;CE2",
    "518;Dupré;3 montée des Forts;;non;Éloïse;Dupré;tutrice;;;;;;;;;;;;",
]
BAD = [
    "4217;Müller;autre adresse;;oui;Hélène;Müller;Mère;;;;;;;;;;;;",
    "99;Petit;1 rue X;;oui;Luc;Petit;père;;;;;;;;;;;;",
    "7001;Roux;1 rue Y;;oui;Anne;Roux;mère;;;;;;;;Tom;;2019-01-01;;",
]


@pytest.fixture(scope="module")
def database_url(module_database_url):
    return module_database_url


@pytest.fixture(scope="module")
def engine(module_engine):
    return module_engine


def run_import(database_url: str, path: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FAMILY_DATABASE_URL": database_url}
    command = [sys.executable, "-P", "-m", "family.importer", str(path), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def rows(engine, sql: str) -> list:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_l_import_cree_rejette_puis_ne_refait_rien(database_url, engine, tmp_path):
    export = tmp_path / "familles.csv"
    export.write_bytes("\r\n".join([HEADER, *GOOD, *BAD, ""]).encode("cp1252"))
    rejections = tmp_path / "rejets.csv"

    first = run_import(database_url, export, "--rejets", str(rejections))
    assert first.returncode == 0, first.stderr
    assert "Encodage Windows-1252 : 2 familles créées, 0 mises à jour" in first.stdout
    assert "3 lignes rejetées" in first.stdout
    assert rejections.read_text("utf-8").splitlines() == [
        "ligne;numero_famille;motif",
        "4;4217;Numéro de famille 4217 déjà vu plus haut.",
        "5;99;Numéro de famille « 99 » invalide (3 à 5 chiffres).",
        "6;7001;Enfant 1 : date invalide « 2019-01-01 » (attendu jj/mm/aaaa).",
    ]
    assert rows(
        engine, "select identifier, name, quotient_familial, resident from families order by 1"
    ) == [
        ("4217", "Müller", 850, True),
        ("518", "Dupré", None, False),
    ]
    assert rows(
        engine, "select first_name, kinship, position from adults order by family_id, position"
    ) == [
        ("Hélène", "mere", 1),
        ("Jean-Pierre", "pere", 2),
        ("Éloïse", "tuteur", 1),
    ]
    assert rows(
        engine, "select first_name, last_name, birth_date::text, class_name from children"
    ) == [("Léa", "Müller", "2018-04-02", "CE2")]
    events = "select payload->>'family_id', payload->>'quotient_familial' from outbox_events"
    assert rows(engine, events) == [("4217", "850")]

    again = run_import(database_url, export)
    assert "0 familles créées, 0 mises à jour, 2 inchangées, 3 lignes rejetées" in again.stdout
    assert len(rows(engine, "select id from children")) == 1
    assert len(rows(engine, "select id from outbox_events")) == 1


def test_un_export_corrige_met_a_jour_en_utf8(database_url, engine, tmp_path):
    export = tmp_path / "corrige.csv"
    corrected = GOOD[0].replace(";850;", ";910;").replace(";CE2", ";CM1")
    export.write_text("\n".join([HEADER, corrected, ""]), encoding="utf-8-sig")
    result = run_import(database_url, export)
    assert "Encodage UTF-8 : 0 familles créées, 1 mises à jour" in result.stdout
    assert rows(engine, "select class_name from children") == [("CM1",)]
    announced = "select payload->>'quotient_familial' from outbox_events order by id"
    assert rows(engine, announced)[-1] == ("910",)


def test_un_fichier_illisible_ne_touche_a_rien(database_url, tmp_path):
    export = tmp_path / "autre.csv"
    export.write_text("id;name\n1;A\n", encoding="utf-8")
    result = run_import(database_url, export)
    assert result.returncode == 2
    assert "Fichier refusé : Colonnes manquantes : numero_famille" in result.stderr
