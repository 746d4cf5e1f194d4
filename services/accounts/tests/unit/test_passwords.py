"""Password policy (CNIL deliberation 2022-100, 80 bits) and argon2id hashing."""

from __future__ import annotations

import pytest
from accounts import passwords
from accounts.passwords import Passwords
from argon2 import PasswordHasher

from contracts.password_policy import CONTAINS_EMAIL, entropy_bits, policy_errors

WEAK_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.mark.parametrize(
    "password",
    [
        "Tilleul-Platane-Saône-2026",  # the golden example of register
        "Gx7#kQ2!mZ9@p",  # 13 characters of the 4 classes
        "Gx7kQ2mZ9pLr4W",  # 14 letters and digits (CNIL's second example)
        "tilleul platane saone",  # a passphrase
    ],
)
def test_mots_de_passe_assez_forts_acceptes(password):
    assert policy_errors(password, "camille.martin@example.org") == []


def test_entropie_selon_les_classes_utilisees():
    assert entropy_bits("abcdefghij") == pytest.approx(10 * 4.7004, abs=1e-3)
    assert entropy_bits("aB1!") == pytest.approx(4 * 6.5699, abs=1e-3)
    assert entropy_bits("") == 0


def test_mot_de_passe_court_dit_ce_qui_manque():
    errors = policy_errors("Camille2026!", "")
    assert errors[0] == (
        "Au moins 13 caractères mêlant majuscules, minuscules, chiffres et caractères "
        "spéciaux, ou une phrase de passe plus longue."
    )
    assert errors[1].startswith("Avec ces caractères (minuscules, majuscules, chiffres, caractères")
    letters = policy_errors("motdepasse", "")[1]
    assert "il en faut au moins 18" in letters
    assert letters.endswith(
        "ou mêlez-y aussi des majuscules, des chiffres ou des caractères spéciaux."
    )


def test_mot_de_passe_contenant_l_adresse_refuse():
    errors = policy_errors("Camille.Martin-Tilleul-2026!", "camille.martin@example.org")
    assert errors == [CONTAINS_EMAIL]


def test_hash_argon2id_et_verification():
    hashed = passwords.hasher.hash("Tilleul-Platane-Saône-2026")
    assert hashed.startswith("$argon2id$")
    assert passwords.hasher.verify(hashed, "Tilleul-Platane-Saône-2026")
    assert not passwords.hasher.verify(hashed, "Tilleul-Platane-Saône-2027")
    assert not passwords.hasher.verify("pas-un-hash", "x")


class CountingHasher(PasswordHasher):
    """argon2-cffi's hasher, remembering the hashes it verified against."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash, password):
        self.verified.append(hash)
        return super().verify(hash, password)


def test_sans_hash_la_verification_echoue_apres_le_meme_travail():
    counting = CountingHasher()
    assert not Passwords(counting).verify(None, "Tilleul-Platane-Saône-2026")
    assert len(counting.verified) == 1 and counting.verified[0].startswith("$argon2id$")


def test_rehash_quand_les_parametres_changent():
    old = Passwords(WEAK_HASHER).hash("Tilleul-Platane-Saône-2026")
    assert passwords.hasher.verify(old, "Tilleul-Platane-Saône-2026")
    assert passwords.hasher.needs_rehash(old)
    assert not passwords.hasher.needs_rehash(passwords.hasher.hash("x"))
