"""Errors keep their class and details when nameko serialises them across RPC."""

from __future__ import annotations

import pytest
from nameko.exceptions import deserialize, serialize

from contracts.base import load_or_invalid
from contracts.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from contracts.requests import SubmitReport


@pytest.mark.parametrize(
    "error", [NotFound("Introuvable."), Forbidden("Interdit."), Conflict("Déjà fait.")]
)
def test_error_crosses_rpc_as_same_class(error):
    back = deserialize(serialize(error))
    assert type(back) is type(error)
    assert back.message == error.message


def test_invalid_keeps_field_messages():
    back = deserialize(serialize(Invalid("Erreurs.", {"email": ["Adresse e-mail invalide."]})))
    assert isinstance(back, Invalid)
    assert back.fields == {"email": ["Adresse e-mail invalide."]}


@pytest.mark.parametrize("seconds", [900, None])
def test_rate_limit_keeps_its_retry_delay(seconds):
    back = deserialize(serialize(TooManyRequests("Trop de demandes.", seconds)))
    assert isinstance(back, TooManyRequests)
    assert (back.message, back.retry_after) == ("Trop de demandes.", seconds)


def test_bad_report_gets_french_field_messages():
    with pytest.raises(Invalid) as caught:
        load_or_invalid(
            SubmitReport(),
            {
                "category": "ovni",
                "address": "12 rue X",
                "description": "  ",
                "email": "pas-une-adresse",
            },
        )
    fields = caught.value.fields
    assert fields["category"] == ["Choix inconnu."]
    assert fields["description"] == ["Ce champ est obligatoire."]
    assert "invalide" in fields["email"][0]


def test_coordinates_come_in_pairs():
    with pytest.raises(Invalid) as caught:
        load_or_invalid(
            SubmitReport(),
            {
                "category": "tags",
                "address": "12 rue X",
                "description": "Tag",
                "email": "a@b.fr",
                "latitude": 45.8,
            },
        )
    assert "latitude" in caught.value.fields
