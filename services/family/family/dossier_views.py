"""What the Dossier Unique shows: the whole dossier with its waiting changes, and history entries."""

from __future__ import annotations

from typing import Any

from contracts import family_dossier as contract
from family.dossier import contact_values


def change_view(change: Any, family_identifier: str) -> dict:
    return {
        "id": change.id,
        "family_id": family_identifier,
        "section": change.section,
        "section_label": contract.SECTIONS[change.section],
        "status": change.status,
        "status_label": contract.STATUSES[change.status],
        "proposed": change.proposed,
        "previous": change.previous,
        "requested_as": change.requested_as,
        "requested_by": change.requested_by,
        "requested_at": change.requested_at,
        "decided_at": change.decided_at,
        "reason": change.reason,
        "has_certificate": change.certificate_id is not None,
    }


def dossier_view(base: dict, dossiers: Any, family: Any) -> dict:
    """The Dossier Unique: ``base`` (``family.domain.family_view``) and the other sections."""
    for view, adult in zip(base["adults"], family.adults, strict=True):
        view["custody"] = adult.custody
        view["custody_label"] = contract.CUSTODY[adult.custody]
    return {
        **base,
        **{
            kind: [contact_values(c) for c in dossiers.contacts(family, kind)]
            for kind in contract.CONTACT_KINDS
        },
        "quotient": {
            "quotient_familial": family.quotient_familial,
            "valid_from": family.quotient_valid_from,
            "resident": family.resident,
        },
        "consents": {"photos": family.consent_photos, "outings": family.consent_outings},
        "pending": [change_view(c, family.identifier) for c in dossiers.pending_of(family)],
    }
