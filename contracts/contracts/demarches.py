"""Démarches defined as data: the catalogue the requests service and the gateway share.

A :class:`Demarche` lists its fields (type, French label, validation), its statuses and the
transitions between them, the role that processes it, whether an account is required, its
expected processing time and the statuses that e-mail the citizen. The gateway builds the
form from it, the requests service validates and stores a submission with it; adding a
démarche is adding a definition to :data:`CATALOGUE`. Rules that span several fields are
named in ``rules`` and written once in :data:`contracts.demarche_rules.RULES`.

Every request is stored the same way, in the requests service's ``demarche_requests`` table
(number, key, author, status, dates, assignment), with its history and its number series.
The public-space report (:data:`ESPACE_PUBLIC`) keeps its own form and contract
(``contracts.requests``): its answers (category, place, description) have columns of their own
beside that row, with its photos and followers, instead of the JSON payload the other démarches
use (see :mod:`contracts.demarche_requests`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts import requests


@dataclass(frozen=True)
class Field:
    """One form field. ``kind``: text, textarea, choice, date, email, number (an integer
    between ``low`` and ``high``), plate (a French registration number, ``AB-123-CD``) or
    file (a PDF or an image, sent beside the answers; the answer keeps its file name)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    max_length: int = 200
    choices: dict[str, str] = field(default_factory=dict)
    hint: str = ""
    low: int = 0
    high: int = 0


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
    log_views: bool = False
    """Every agent's opening of a request is logged (état civil: who, when)."""
    done_statuses: frozenset[str] = frozenset()
    """Statuses where the town's work is done although a transition leaves them (a resolved
    report that its author reopens): never open, never late."""

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def open_statuses(self) -> frozenset[str]:
        """Statuses of a request still to process: those that lead somewhere but closing
        (and are not ``done_statuses``)."""
        leading = {s for s, targets in self.transitions.items() if targets - {"close"}}
        return frozenset(leading - self.done_statuses)


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
    done_statuses=frozenset({"resolu", "rejete"}),
    expected_days=15,
    fields=(
        Field("category", "Catégorie", "choice", choices=requests.CATEGORIES),
        Field("address", "Adresse ou lieu", max_length=300),
        Field("description", "Description", "textarea", max_length=5000),
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
)
"""Its requests are reports (their answers in the ``reports`` table, beside their
``demarche_requests`` row); ``resolu`` or ``rejete`` back to ``en_cours`` reopens a report."""

WORKFLOW_TRANSITIONS = {
    "deposee": frozenset({"recue", "en_cours", "en_attente", "rejetee"}),
    "recue": frozenset({"en_cours", "en_attente", "rejetee"}),
    "en_cours": frozenset({"en_attente", "delivree", "rejetee"}),
    "en_attente": frozenset({"en_cours", "rejetee"}),
    "delivree": frozenset({"close"}),
    "rejetee": frozenset({"close"}),
    "close": frozenset(),
}
"""The workflow of every démarche but the public-space report: déposée, reçue, en cours, en
attente du demandeur (the agent says what is missing), délivrée or rejetée (with a reason),
close. Each definition names its statuses in its own words."""


WORKFLOW_NOTIFIED = frozenset({"deposee", "en_cours", "en_attente", "delivree", "rejetee"})
WORKFLOW_REASONS = frozenset({"en_attente", "rejetee"})
"""The agent says what is missing, or why the request is refused: the citizen reads it."""


def workflow(delivered: str) -> dict:
    """The workflow arguments of a :class:`Demarche`, ``delivree`` read as ``delivered``."""
    return {
        "statuses": {
            "deposee": "Déposée",
            "recue": "Reçue par le service",
            "en_cours": "En cours de traitement",
            "en_attente": "En attente de votre réponse",
            "delivree": delivered,
            "rejetee": "Rejetée",
            "close": "Close",
        },
        "initial_status": "deposee",
        "transitions": WORKFLOW_TRANSITIONS,
        "notified_statuses": WORKFLOW_NOTIFIED,
        "reason_required": WORKFLOW_REASONS,
    }


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

POSTAL_FIELDS = (
    Field("demandeur", "Vos nom et prénom", max_length=200),
    Field("adresse", "Adresse d'envoi (numéro et rue)", max_length=300),
    Field("code_postal", "Code postal", max_length=10),
    Field("commune", "Commune", max_length=100),
)

ACTE_ETAT_CIVIL = Demarche(
    code="acte_etat_civil",
    title="Demander une copie d'acte d'état civil",
    area="État civil",
    description="Copie intégrale ou extrait d'un acte de naissance, de mariage ou de décès, "
    "envoyé par courrier.",
    prefix="ECV",
    role="agent_etat_civil",
    **workflow("Copie envoyée par courrier"),
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
        *POSTAL_FIELDS,
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
    rules=("filiation_eligibility",),
    log_views=True,
)

LIVRET_REASONS = {
    "perte": "Perte",
    "vol": "Vol",
    "deterioration": "Détérioration",
    "separation": "Séparation ou divorce (un livret pour chaque parent)",
    "exemplaire_supplementaire": "Exemplaire supplémentaire",
}

LIVRET_FAMILLE = Demarche(
    code="livret_famille",
    title="Demander un nouveau livret de famille",
    area="État civil",
    description="Ré-édition après une perte, un vol, une détérioration, une séparation, ou un "
    "exemplaire supplémentaire, envoyée par courrier.",
    prefix="LVF",
    role="agent_etat_civil",
    **workflow("Livret envoyé par courrier"),
    expected_days=30,
    log_views=True,
    fields=(
        Field("motif", "Motif de la demande", "choice", choices=LIVRET_REASONS),
        Field("titulaire_1", "Nom et prénoms du premier titulaire du livret", max_length=200),
        Field(
            "titulaire_2",
            "Nom et prénoms du second titulaire",
            required=False,
            max_length=200,
            hint="L'autre époux ou parent, s'il y en a un.",
        ),
        Field(
            "date_mariage",
            "Date du mariage",
            "date",
            required=False,
            hint="Si le livret a été remis lors d'un mariage.",
        ),
        *POSTAL_FIELDS,
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
)

VEHICLES = {
    "voiture": "Voiture",
    "utilitaire": "Utilitaire de moins de 3,5 tonnes",
    "camion": "Camion de 3,5 tonnes ou plus",
    "remorque": "Véhicule avec remorque",
}

ARRETE_STATIONNEMENT = Demarche(
    code="arrete_stationnement",
    title="Réserver une place pour un déménagement (arrêté de stationnement)",
    area="Vie pratique",
    description="Un arrêté réserve l'emplacement devant votre adresse le jour du "
    "déménagement. Demandez-le au moins 10 jours avant.",
    prefix="STA",
    role="agent_vie_pratique",
    **workflow("Arrêté délivré"),
    expected_days=7,
    fields=(
        Field("adresse", "Adresse du déménagement (numéro et rue)", max_length=300),
        Field(
            "date_debut",
            "Premier jour de stationnement",
            "date",
            hint="Au moins 10 jours après aujourd'hui.",
        ),
        Field("date_fin", "Dernier jour de stationnement", "date", hint="3 jours au plus."),
        Field(
            "longueur",
            "Longueur à réserver, en mètres",
            "number",
            low=5,
            high=30,
            hint="Entre 5 et 30 mètres : comptez 5 mètres par voiture, 10 par camion.",
        ),
        Field("vehicule", "Type de véhicule", "choice", choices=VEHICLES),
        Field("demandeur", "Vos nom et prénom", max_length=200),
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
    rules=("move_notice",),
)

RESIDENT_ZONE_STREETS = (
    "Grande Rue de Saint-Clair",
    "Quai Clemenceau",
    "Rue Pasteur",
    "Avenue Général de Gaulle",
    "Place Jules Ferry",
    "Rue François Peissel",
    "Montée des Forts",
)
"""Streets where residents may get a vignette (the town's resident parking zone)."""

VIGNETTE_RESIDENT = Demarche(
    code="vignette_resident",
    title="Demander une vignette résident",
    area="Vie pratique",
    description="Stationnement à tarif résident dans votre rue, pour une année, sur "
    "justificatif de domicile.",
    prefix="VRE",
    role="agent_vie_pratique",
    **workflow("Vignette délivrée"),
    expected_days=15,
    fields=(
        Field(
            "adresse",
            "Votre adresse (numéro et rue)",
            max_length=300,
            hint="Dans la zone résidentielle : " + ", ".join(RESIDENT_ZONE_STREETS) + ".",
        ),
        Field(
            "justificatif",
            "Justificatif de domicile de moins de 3 mois",
            "file",
            hint="Facture d'énergie, quittance de loyer ou avis d'imposition : PDF ou photo "
            "(JPEG, PNG, WebP), 5 Mo au plus.",
        ),
        Field("immatriculation", "Immatriculation du véhicule", "plate"),
        Field(
            "annee",
            "Année de validité",
            "number",
            low=2000,
            high=2100,
            hint="L'année en cours ou la suivante.",
        ),
        Field("demandeur", "Vos nom et prénom", max_length=200),
        Field("email", "Adresse e-mail", "email", max_length=254),
    ),
    rules=("resident_zone", "validity_year"),
)

CATALOGUE: dict[str, Demarche] = {
    d.code: d
    for d in (
        ESPACE_PUBLIC,
        ACTE_ETAT_CIVIL,
        LIVRET_FAMILLE,
        ARRETE_STATIONNEMENT,
        VIGNETTE_RESIDENT,
    )
}
"""Every démarche the portal offers, in display order."""

GENERIC: dict[str, Demarche] = {code: d for code, d in CATALOGUE.items() if d is not ESPACE_PUBLIC}
"""The démarches whose answers are a JSON payload, with the generic form and pages. Both dictionaries also hold the démarches of
the town's file, if ``DEMARCHES_FILE`` names one (see the end of this module)."""


# The town's own démarches (``DEMARCHES_FILE``), checked and added at start: the gateway and
# the requests service read the same file (``contracts.demarche_file``).
from contracts import demarche_file  # noqa: E402

demarche_file.install_from_setting()
