"""Rules of the Espace famille, checked with plain objects and an in-memory store."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from contracts.errors import Forbidden, NotFound
from family import domain

MULLER = SimpleNamespace(
    id=1,
    identifier="1234",
    name="Müller",
    address="3 place de la Mairie, Caluire-et-Cuire",
    adults=[
        SimpleNamespace(
            first_name="Hélène",
            last_name="Müller",
            kinship="mere",
            email="helene@example.org",
            phone="06 12 34 56 78",
        ),
        SimpleNamespace(
            first_name="Jean-Pierre",
            last_name="Müller",
            kinship="pere",
            email="jp@example.org",
            phone="06 87 65 43 21",
        ),
    ],
    children=[
        SimpleNamespace(
            id=7,
            first_name="Léa",
            last_name="Müller",
            birth_date=date(2018, 4, 2),
            school="École Jean Moulin",
            class_name="CE2",
        )
    ],
)


class FakeFamilies:
    def __init__(self, *families, links=()):
        self.families = {f.identifier: f for f in families}
        self.links = set(links)

    def by_identifier(self, identifier):
        return self.families.get(identifier)

    def is_linked(self, family, account_id):
        return (family.identifier, account_id) in self.links

    def add_link(self, family, account_id, now):
        self.links.add((family.identifier, account_id))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("muller", "Müller"),
        ("HELENE", "Hélène"),
        ("jean pierre", "Jean-Pierre"),
        ("  Jean   Pierre ", "Jean-Pierre"),
        ("d'Aubigné", "D’AUBIGNE"),
        ("Zoé", "Zoe\u0301"),
    ],
)
def test_activation_ignore_accents_casse_tirets_et_espaces(typed, stored):
    assert domain.normalized_name(typed) == domain.normalized_name(stored)


@pytest.mark.parametrize(("typed", "stored"), [("Muler", "Müller"), ("Jean", "Jean-Pierre")])
def test_activation_distingue_les_noms_differents(typed, stored):
    assert domain.normalized_name(typed) != domain.normalized_name(stored)


def test_activation_accepte_le_prenom_de_l_un_ou_l_autre_responsable():
    assert domain.matches(MULLER, "MULLER", "helene")
    assert domain.matches(MULLER, "muller", "jean pierre")
    assert not domain.matches(MULLER, "muller", "Léa")
    assert not domain.matches(MULLER, "Martin", "Hélène")
    assert not domain.matches(None, "Müller", "Hélène")


def test_le_refus_d_activation_ne_dit_pas_quelle_partie_est_fausse():
    refused = domain.refuse_activation()
    assert refused.message == domain.ACTIVATION_REFUSED
    for word in ("numéro", "nom de famille", "prénom"):
        assert word in refused.message


def test_un_compte_se_lie_une_fois():
    families = FakeFamilies(MULLER)
    assert domain.link_account(families, MULLER, "compte-1", None)
    assert not domain.link_account(families, MULLER, "compte-1", None)
    assert domain.link_account(families, MULLER, "compte-2", None)


@pytest.mark.parametrize(
    "caller",
    [
        {"account_id": "intrus", "roles": []},
        {"account_id": "intrus", "roles": [], "family_ids": ["4217"]},
        {"account_id": None, "roles": [], "family_ids": ["1234", "9999", "12 34"]},
        {"account_id": "agent-etat-civil", "roles": ["agent_etat_civil", "admin"]},
    ],
)
@pytest.mark.parametrize("family_id", ["1234", "9999", None, "12 34"])
def test_un_appelant_sans_la_famille_dans_son_jeton_est_refuse_avant_toute_lecture(
    caller, family_id
):
    with pytest.raises(Forbidden) as refused:
        domain.find_visible_family(FakeFamilies(MULLER), caller, family_id)
    assert refused.value.message == domain.NOT_IN_SESSION


@pytest.mark.parametrize("family_id", ["1234", "9999", "12 34"])
def test_un_jeton_sans_lien_ne_voit_aucune_famille(family_id):
    caller = {"account_id": "intrus", "roles": [], "family_ids": ["1234", "9999", "12 34"]}
    with pytest.raises(NotFound) as refused:
        domain.find_visible_family(FakeFamilies(MULLER), caller, family_id)
    assert refused.value.message == domain.NOT_FOUND


def test_compte_lie_et_agent_simplicite_voient_le_dossier():
    families = FakeFamilies(MULLER, links={("1234", "parent")})
    parent = {"account_id": "parent", "roles": [], "family_ids": ["1234"]}
    agent = {"account_id": "agent-1", "roles": ["agent_simplicite"]}
    assert domain.find_visible_family(families, parent, "1234") == (MULLER, False)
    assert domain.find_visible_family(families, agent, "1234") == (MULLER, True)


def test_le_dossier_unique_porte_la_sante_seulement_si_elle_est_donnee():
    health = SimpleNamespace(allergies="Arachide", pai=True, doctor="Dr Martin")
    view = domain.family_view(MULLER, {7: health})
    assert view["adults"][0]["relationship_label"] == "Mère"
    assert view["children"][0]["health"] == {
        "allergies": "Arachide",
        "pai": True,
        "doctor": "Dr Martin",
    }
    assert domain.family_view(MULLER, {})["children"][0]["health"] is None
