"""Démarches defined as data: the catalogue the requests service and the gateway share.

A :class:`Demarche` lists its fields (type, French label, validation), its statuses and the
transitions between them, the role that processes it, whether an account is required, its
expected processing time and the statuses that e-mail the citizen. The gateway builds the
form from it, the requests service validates and stores a submission with it; adding a
démarche is adding a definition to :data:`CATALOGUE`. Rules that span several fields are
named in ``rules`` and written once in :data:`contracts.demarche_rules.RULES`.

The public-space report (:data:`ESPACE_PUBLIC`) is one definition whose requests keep their
own tables and form (``contracts.requests``); the other démarches share the generic
``demarche_requests`` table with a JSON payload (see :mod:`contracts.demarche_requests`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts import requests


@dataclass(frozen=True)
class Field:
    """One form field. ``kind``: text, textarea, choice, date or email."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    max_length: int = 200
    choices: dict[str, str] = field(default_factory=dict)
    hint: str = ""


@dataclass(frozen=True)
class Demarche:
    code: str
    title: str
    area: str
    description: str
    prefix: str
    """Tracking numbers read ``<prefix>-<year>-<6 digits>``."""
    role: str
    statuses: dict[str, str]
    initial_status: str
    transitions: dict[str, frozenset[str]]
    notified_statuses: frozenset[str]
    expected_days: int
    account_required: bool = False
    fields: tuple[Field, ...] = ()
    rules: tuple[str, ...] = ()
    reason_required: frozenset[str] = frozenset()
    """Statuses an agent may set only with a public comment (the reason of a refusal)."""

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


ESPACE_PUBLIC = Demarche(
    code="espace_public",
    title="Signaler un problème dans l'espace public",
    area="Espace public",
    description="Voirie, éclairage, propreté, tags, espaces verts, voiture ventouse.",
    prefix="ESP",
    role="agent_espace_public",
    statuses=requests.STATUSES,
    initial_status="nouveau",
    transitions={
        "nouveau": frozenset({"en_cours", "resolu", "rejete"}),
        "en_cours": frozenset({"resolu", "rejete"}),
        "resolu": frozenset({"en_cours"}),
        "rejete": frozenset({"en_cours"}),
    },
    notified_statuses=frozenset({"en_cours", "resolu", "rejete"}),
    expected_days=15,
    fields=(
        Field("category", "Catégorie", "choice", choices=requests.CATEGORIES),
        Field("address", "Adresse ou lieu", max_length=300),
        Field("description", "Description", "textarea", max_length=5000),
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
)
"""Its requests keep the ``reports`` tables; ``resolu`` or ``rejete`` back to ``en_cours``
reopens a report."""

ACTES = {"naissance": "Acte de naissance", "mariage": "Acte de mariage", "deces": "Acte de décès"}
COPIES = {
    "integrale": "Copie intégrale",
    "extrait_avec_filiation": "Extrait avec filiation",
    "extrait_sans_filiation": "Extrait sans filiation",
}
RELATIONSHIPS = {
    "titulaire": "Je suis la personne concernée par l'acte",
    "ascendant": "Parent, grand-parent (ascendant)",
    "descendant": "Enfant, petit-enfant (descendant)",
    "conjoint": "Époux ou épouse",
    "representant_legal": "Représentant légal",
    "autre": "Autre (aucun de ces liens)",
}

ACTE_ETAT_CIVIL = Demarche(
    code="acte_etat_civil",
    title="Demander une copie d'acte d'état civil",
    area="État civil",
    description="Copie intégrale ou extrait d'un acte de naissance, de mariage ou de décès, "
    "envoyé par courrier.",
    prefix="ECV",
    role="agent_etat_civil",
    statuses={
        "nouvelle": "Nouvelle",
        "en_cours": "En cours de traitement",
        "envoyee": "Envoyée par courrier",
        "rejetee": "Rejetée",
    },
    initial_status="nouvelle",
    transitions={
        "nouvelle": frozenset({"en_cours", "rejetee"}),
        "en_cours": frozenset({"envoyee", "rejetee"}),
        "envoyee": frozenset(),
        "rejetee": frozenset(),
    },
    notified_statuses=frozenset({"nouvelle", "en_cours", "envoyee", "rejetee"}),
    reason_required=frozenset({"rejetee"}),
    expected_days=10,
    fields=(
        Field("acte", "Type d'acte", "choice", choices=ACTES),
        Field("copie", "Type de copie", "choice", choices=COPIES),
        Field("nom", "Nom de la personne concernée par l'acte", max_length=100),
        Field("prenoms", "Prénoms de la personne concernée", max_length=200),
        Field("date_acte", "Date de l'événement (naissance, mariage ou décès)", "date"),
        Field(
            "lien",
            "Votre lien avec la personne concernée",
            "choice",
            choices=RELATIONSHIPS,
            hint="Une copie intégrale ou un extrait avec filiation n'est délivré qu'à la "
            "personne, ses ascendants, descendants, son conjoint ou son représentant légal.",
        ),
        Field("demandeur", "Vos nom et prénom", max_length=200),
        Field("adresse", "Adresse d'envoi (numéro et rue)", max_length=300),
        Field("code_postal", "Code postal", max_length=10),
        Field("commune", "Commune", max_length=100),
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
    rules=("filiation_eligibility",),
)

CATALOGUE: dict[str, Demarche] = {d.code: d for d in (ESPACE_PUBLIC, ACTE_ETAT_CIVIL)}
"""Every démarche the portal offers, in display order."""

GENERIC: dict[str, Demarche] = {code: d for code, d in CATALOGUE.items() if d is not ESPACE_PUBLIC}
"""The démarches stored in ``demarche_requests``."""
