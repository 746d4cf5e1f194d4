"""Reading the previous software's export: encodings, separators, French dates, rejections."""

from __future__ import annotations

from datetime import date

import pytest

from family import import_rows
from family.import_rows import FileRefused, RowRejected

HEADER = "numero_famille;nom;adresse;quotient_familial;responsable1_prenom;responsable1_nom;responsable1_lien;enfant1_prenom;enfant1_naissance;enfant2_prenom;enfant2_naissance"


def rows(text: str) -> list:
    columns, found = import_rows.read(text)
    numbers = import_rows.child_numbers(columns)
    return [import_rows.parse(line, values, numbers) for line, values in found]


def test_windows_1252_et_utf8_avec_bom_sont_reconnus():
    text = f"{HEADER}\n4217;Müller;12 rue Jean Moulin;850;Hélène;Müller;Mère;Léa;02/04/2018;;\n"
    assert import_rows.decode(text.encode("cp1252")) == (text, "Windows-1252")
    assert import_rows.decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "UTF-8")


def test_une_ligne_complete_donne_la_famille():
    [family] = rows(
        f"{HEADER}\n4217;Müller;12 rue Jean Moulin;850;Hélène;Müller;mère;Léa;02/04/2018;Noé;15/09/2022\n"
    )
    assert (family.identifier, family.quotient_familial, family.resident) == ("4217", 850, True)
    assert [(a.first_name, a.kinship) for a in family.adults] == [("Hélène", "mere")]
    assert [(c.first_name, c.last_name, c.birth_date) for c in family.children] == [
        ("Léa", "Müller", date(2018, 4, 2)),
        ("Noé", "Müller", date(2022, 9, 15)),
    ]


def test_les_virgules_servent_aussi_de_separateur():
    [family] = rows(HEADER.replace(";", ",") + "\n4217,Müller,12 rue X,,Hélène,Müller,Père,,,,\n")
    assert family.quotient_familial is None and family.children == []


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("42;Müller;1 rue X;;Hélène;Müller;mère;;;;", "Numéro de famille « 42 » invalide"),
        ("4217;;1 rue X;;Hélène;Müller;mère;;;;", "Nom de famille et adresse obligatoires."),
        ("4217;Müller;1 rue X;beaucoup;Hélène;Müller;mère;;;;", "Quotient familial « beaucoup »"),
        (
            "4217;Müller;1 rue X;;Hélène;Müller;cousine;;;;",
            "Responsable 1 : lien « cousine » inconnu.",
        ),
        ("4217;Müller;1 rue X;;;Müller;mère;;;;", "Responsable 1 : prénom et nom obligatoires."),
        ("4217;Müller;1 rue X;;Hélène;Müller;mère;Léa;2018-04-02;;", "Enfant 1 : date invalide"),
        ("4217;Müller;1 rue X;;Hélène;Müller;mère;Léa;31/02/2018;;", "Enfant 1 : date invalide"),
        ("4217;Müller;1 rue X;;Hélène;Müller;mère;;;Noé;", "Enfant 2 : prénom et date"),
        (f"4217;{'M' * 101};1 rue X;;Hélène;Müller;mère;;;;", "nom : 100 caractères au plus."),
    ],
)
def test_une_ligne_fausse_est_rejetee_avec_son_motif(line, reason):
    with pytest.raises(RowRejected) as rejected:
        rows(f"{HEADER}\n{line}\n")
    assert str(rejected.value).startswith(reason)


def test_un_fichier_sans_les_colonnes_obligatoires_est_refuse():
    with pytest.raises(FileRefused) as refused:
        import_rows.read("numero;nom\n1;A\n")
    assert "numero_famille" in str(refused.value)
