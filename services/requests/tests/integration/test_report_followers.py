"""Similar reports and followers through the real service, PostgreSQL and RabbitMQ: an open
report of the same category within 50 m is found (not farther, not another category, not a
resolved one), following it adds the address once, and its status change names the
followers in ``report_status_changed``; closing an account removes its follows."""

from __future__ import annotations

import uuid

import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine, text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call, service_config
from contracts.base import example
from contracts.errors import Conflict, Invalid, NotFound
from contracts.geodesy import distance_metres
from requests_service.service import RequestsService

CITIZEN = example("caller")
AGENT = {"account_id": "agent-1", "roles": ["agent_espace_public"], "family_id": None}
NEIGHBOUR = {"account_id": "acc-voisin", "roles": [], "family_id": None}
# A point of its own, so that the reports of other tests of this module are far away.
LAT, LON = 45.8101, 4.8312
METRES_NORTH = 1 / 111_320


@pytest.fixture(scope="module")
def container(amqp_uri, module_database_url, module_events):
    started = ServiceContainer(RequestsService, service_config(amqp_uri, module_database_url))
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def engine(module_database_url):
    engine = create_engine(module_database_url)
    yield engine
    engine.dispose()


def submit(container, category="voirie", lat=LAT, lon=LON, email="auteur@example.org"):
    report = {**example("submit_report"), "category": category, "email": email}
    return call(container, "submit_report", CITIZEN, {**report, "latitude": lat, "longitude": lon})


def similar(container, category="voirie", lat=LAT, lon=LON):
    place = {"category": category, "latitude": lat, "longitude": lon}
    return call(container, "find_similar_reports", CITIZEN, place)


def test_un_signalement_ouvert_a_moins_de_50_m_est_propose(container):
    report = submit(container)
    far = submit(container, lat=LAT + 90 * METRES_NORTH)  # 60 m from the point asked
    other = submit(container, category="tags", lat=LAT + 10 * METRES_NORTH)

    found = similar(container, lat=LAT + 30 * METRES_NORTH)

    numbers = [item["tracking_number"] for item in found]
    assert report["tracking_number"] in numbers
    assert far["tracking_number"] not in numbers and other["tracking_number"] not in numbers
    mine = found[numbers.index(report["tracking_number"])]
    assert mine["distance_metres"] == round(distance_metres(LON, LAT + 30 * METRES_NORTH, LON, LAT))
    assert set(mine) == {
        "tracking_number",
        "category_label",
        "address",
        "status_label",
        "submitted_at",
        "distance_metres",
    }


def test_un_signalement_resolu_n_est_plus_propose_ni_suivi(container):
    lat = LAT + 500 * METRES_NORTH
    report = submit(container, lat=lat)
    call(container, "change_report_status", AGENT, report["id"], {"status": "resolu"})
    assert similar(container, lat=lat) == []
    follow = {"tracking_number": report["tracking_number"], "email": "voisin@example.org"}
    with pytest.raises(Conflict):
        call(container, "follow_report", CITIZEN, follow)


def test_le_suiveur_est_nomme_dans_report_status_changed(container, engine, module_events):
    lat = LAT + 1000 * METRES_NORTH
    report = submit(container, lat=lat)
    follow = {"tracking_number": report["tracking_number"].lower(), "email": "voisin@example.org"}
    followed = call(container, "follow_report", NEIGHBOUR, follow)
    call(container, "follow_report", NEIGHBOUR, follow)  # twice: still one follower
    call(container, "follow_report", CITIZEN, {**follow, "email": "auteur@example.org"})
    assert followed["tracking_number"] == report["tracking_number"]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email, account_id FROM report_followers")).all()
    assert ("voisin@example.org", "acc-voisin") in rows
    assert [email for email, _ in rows].count("voisin@example.org") == 1
    assert "auteur@example.org" not in [email for email, _ in rows]

    payload = {"status": "en_cours", "comment": "Une équipe passe demain."}
    call(container, "change_report_status", AGENT, report["id"], payload)

    while True:
        event = module_events.next_of("report_status_changed")
        if event["report_id"] == report["id"]:
            break
    assert event["followers"] == ["voisin@example.org"]
    assert event["email"] == "auteur@example.org"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"tracking_number": "ESP-2026-999999", "email": "voisin@example.org"}, NotFound),
        ({"tracking_number": "ESP-2026-000001", "email": "pas-une-adresse"}, Invalid),
    ],
)
def test_suivre_un_numero_inconnu_ou_une_adresse_invalide_est_refuse(container, payload, error):
    with pytest.raises(error):
        call(container, "follow_report", CITIZEN, payload)


def test_chercher_sans_coordonnees_est_refuse(container):
    with pytest.raises(Invalid):
        call(container, "find_similar_reports", CITIZEN, {"category": "voirie"})


def test_un_compte_ferme_ne_suit_plus_rien(container, engine, dispatch):
    report = submit(container, lat=LAT + 1500 * METRES_NORTH)
    follow = {"tracking_number": report["tracking_number"], "email": "ferme@example.org"}
    call(container, "follow_report", NEIGHBOUR, follow)
    closure = {**example("account_closed"), "event_id": str(uuid.uuid4())}
    closure.update(account_id=NEIGHBOUR["account_id"], email="ferme@example.org")

    dispatch("accounts", "account_closed", closure)

    query = text("SELECT count(*) FROM report_followers WHERE email = 'ferme@example.org'")

    def forgotten() -> bool:
        with engine.connect() as connection:
            return connection.execute(query).scalar_one() == 0

    wait_until(forgotten, message="the closure")


def test_le_suiveur_arrete_de_suivre_par_le_lien_de_ses_e_mails(container, engine, module_events):
    report = submit(container, lat=LAT + 2000 * METRES_NORTH)
    number = report["tracking_number"]
    for email in ("part@example.org", "reste@example.org"):
        call(container, "follow_report", CITIZEN, {"tracking_number": number, "email": email})
    call(container, "change_report_status", AGENT, report["id"], {"status": "en_cours"})
    while True:
        event = module_events.next_of("report_status_changed")
        if event["report_id"] == report["id"]:
            break
    keys = event["unsubscribe_keys"]
    assert set(keys) == {"part@example.org", "reste@example.org"}
    assert (
        len(keys["part@example.org"]) >= 32
        and keys["part@example.org"] != keys["reste@example.org"]
    )

    key = keys["part@example.org"]
    for wrong in (key[:-1] + ("y" if key.endswith("x") else "x"), "", report["tracking_key"]):
        with pytest.raises(NotFound):
            call(container, "unfollow_report", CITIZEN, {"tracking_number": number, "key": wrong})
    other = submit(container, lat=LAT + 2500 * METRES_NORTH)["tracking_number"]
    with pytest.raises(NotFound):  # a key opens only its own report
        call(
            container,
            "unfollow_report",
            CITIZEN,
            {"tracking_number": other, "key": keys["part@example.org"]},
        )

    left = call(
        container,
        "unfollow_report",
        CITIZEN,
        {"tracking_number": number.lower(), "key": keys["part@example.org"]},
    )
    assert left["tracking_number"] == number
    with pytest.raises(NotFound):
        call(
            container,
            "unfollow_report",
            CITIZEN,
            {"tracking_number": number, "key": keys["part@example.org"]},
        )
    query = text("SELECT email FROM report_followers WHERE report_id = :id")
    with engine.connect() as connection:
        assert connection.execute(query, {"id": report["id"]}).scalars().all() == [
            "reste@example.org"
        ]
