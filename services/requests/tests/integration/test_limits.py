"""Reports are limited per client address and per e-mail address, shared through the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chassis.testing.services import call
from contracts.base import example
from contracts.errors import TooManyRequests

CITIZEN = example("caller")


def submit(container, **changes):
    return call(container, "submit_report", CITIZEN, {**example("submit_report"), **changes})


def reports(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM reports")).scalar_one()


def test_vingt_signalements_par_heure_pour_une_meme_adresse_e_mail(container, engine):
    for n in range(20):
        submit(container, client_ip=f"198.51.100.{n}", email="Cible@Example.org")
    with pytest.raises(TooManyRequests, match="Trop de signalements") as refused:
        submit(container, client_ip="198.51.100.99", email="cible@example.org")
    assert refused.value.retry_after == 3600
    assert reports(engine) == 20
    submit(container, client_ip="198.51.100.99", email="autre@example.org")
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT key FROM throttles")).scalars().all()
    assert not [key for key in keys if "example.org" in key]


def test_trente_signalements_par_heure_depuis_une_meme_adresse_ip(container, engine):
    for n in range(30):
        submit(container, client_ip="203.0.113.5", email=f"personne{n}@example.org")
    with pytest.raises(TooManyRequests):
        submit(container, client_ip="203.0.113.5", email="encore@example.org")
    assert reports(engine) == 30
    with engine.begin() as connection:
        connection.execute(text("UPDATE throttles SET blocked_until = now() - interval '1 s'"))
    submit(container, client_ip="203.0.113.5", email="encore@example.org")
