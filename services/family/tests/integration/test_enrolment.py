"""Enrolment with a typical week, changes before the deadline, absences after it, the waiting
list and its promotion, each with its ``attendance_changed`` event; the planning and its
private ``.ics`` feed. The service's clock is Monday 4 January 2027, 10:00 in Paris."""

from __future__ import annotations

import base64
import uuid
from datetime import date

import pytest
from sqlalchemy import text

from chassis.testing.services import call
from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.family_activities import AttendanceChanged

CANTEEN = "restauration_scolaire"


def citizen() -> dict:
    return {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}


@pytest.fixture(scope="module")
def lea(activity_service, linked_family):
    """A parent of a family of its own and their child, schooled at Jean Moulin."""
    return linked_family("5101")


def enrol(service, parent, child_id, **fields):
    payload = {
        "family_id": fields.pop("family_id", "5101"),
        "child_id": child_id,
        "activity": CANTEEN,
        "weekdays": [0, 1, 3, 4],
        "start": "2027-01-04",
        "end": "2027-01-15",
        **fields,
    }
    return call(service, "enrol_child", parent, payload)


def change(service, parent, child_id, family_id="5101", **days):
    payload = {"family_id": family_id, "child_id": child_id, "activity": CANTEEN, **days}
    return call(service, "change_attendance", parent, payload)


def test_l_inscription_reserve_la_semaine_type_sauf_les_jours_dont_la_limite_est_passee(
    activity_service, activity_events, lea
):
    parent, child_id = lea
    result = enrol(activity_service, parent, child_id)
    # lundi 4 et mardi 5 janvier: limite passée (J-2, le 1er janvier férié non compté)
    assert result["past_deadline"] == ["2027-01-04", "2027-01-05"]
    expected = ["2027-01-07", "2027-01-08", "2027-01-11", "2027-01-12", "2027-01-14", "2027-01-15"]
    assert result["added"] == expected and result["waiting"] == []
    event = activity_events.next_of("attendance_changed")
    assert AttendanceChanged().validate(event) == {}
    assert event["family_id"] == "5101" and event["child_id"] == str(child_id)
    assert (event["activity"], event["activity_label"]) == (CANTEEN, "Restauration scolaire")
    assert event["added"] == expected and event["removed"] == [] and event["absences"] == []
    assert event["changed_by"] == "famille" and event["account_ids"] == [parent["account_id"]]
    assert event["child_first_name"] == "Léa" and event["waiting_list_promotion"] is False
    assert event["child_birth_date"] == "2018-04-02"  # billing's childcare certificate


def test_changer_un_jour_avant_la_limite_puis_une_absence_apres(
    activity_service, activity_events, lea
):
    parent, child_id = lea
    result = change(activity_service, parent, child_id, add=["2027-01-18"], remove=["2027-01-11"])
    assert (result["added"], result["removed"]) == (["2027-01-18"], ["2027-01-11"])
    event = activity_events.next_of("attendance_changed")
    assert (event["added"], event["removed"]) == (["2027-01-18"], ["2027-01-11"])
    # vendredi 8: limite mercredi 6 à 23:59, encore ouverte: une absence devient une annulation
    result = change(activity_service, parent, child_id, absent=["2027-01-08"])
    assert result["removed"] == ["2027-01-08"] and result["absent"] == []
    activity_events.next_of("attendance_changed")
    with pytest.raises(Invalid) as refused:
        change(activity_service, parent, child_id, remove=["2027-01-05"], add=["2027-01-06"])
    assert refused.value.fields == {"add": ["mercredi 6 janvier 2027 : pas d'activité ce jour"]}


def test_une_absence_apres_la_limite_reste_reservee_et_est_annoncee(
    activity_service, activity_events, activity_engine, linked_family
):
    parent, child_id = linked_family("5102")
    with activity_engine.begin() as connection:  # réservé avant la limite, par l'agent
        connection.execute(
            text(
                "insert into bookings (child_id, activity, place, day, booked_at) values "
                "(:child, 'restauration_scolaire', 'École élémentaire Jean Moulin', "
                "'2027-01-05', now())"
            ),
            {"child": child_id},
        )
    with pytest.raises(Invalid) as refused:
        change(activity_service, parent, child_id, family_id="5102", remove=["2027-01-05"])
    assert refused.value.fields["remove"] == [
        "mardi 5 janvier 2027 : date limite passée, signalez plutôt une absence"
    ]
    result = change(activity_service, parent, child_id, family_id="5102", absent=["2027-01-05"])
    assert result["absent"] == ["2027-01-05"] and result["removed"] == []
    event = activity_events.next_of("attendance_changed")
    assert event["absences"] == [{"date": "2027-01-05", "justified": False}]
    planning = call(
        activity_service, "get_planning", parent, "5102", child_id, "2027-01-04", "2027-01-10"
    )
    assert [(d["date"], d["status"], d["open"]) for d in planning["days"]] == [
        ("2027-01-05", "absent", False)
    ]


def test_complet_liste_d_attente_puis_promotion_quand_une_place_se_libere(
    activity_service, activity_events, activity_engine, linked_family
):
    first, first_child = linked_family("5201")
    second, second_child = linked_family("5202")
    with activity_engine.begin() as connection:
        connection.execute(
            text(
                "insert into activity_slots (activity, place, day, capacity, booked) values "
                "('restauration_scolaire', 'École élémentaire Jean Moulin', '2027-01-21', 1, 0)"
            )
        )
    day = {"start": "2027-01-21", "end": "2027-01-21", "weekdays": [3]}
    assert enrol(activity_service, first, first_child, family_id="5201", **day)["added"] == [
        "2027-01-21"
    ]
    activity_events.next_of("attendance_changed")
    waiting = enrol(activity_service, second, second_child, family_id="5202", **day)
    assert (waiting["added"], waiting["waiting"], waiting["waiting_positions"]) == (
        [],
        ["2027-01-21"],
        [1],
    )
    change(activity_service, first, first_child, family_id="5201", remove=["2027-01-21"])
    removal = activity_events.next_of("attendance_changed")
    promotion = activity_events.next_of("attendance_changed")
    assert removal["family_id"] == "5201" and removal["removed"] == ["2027-01-21"]
    assert promotion["family_id"] == "5202" and promotion["added"] == ["2027-01-21"]
    assert promotion["waiting_list_promotion"] is True
    assert promotion["account_ids"] == [second["account_id"]]
    with activity_engine.connect() as connection:
        booked = connection.scalar(
            text("select booked from activity_slots where day = '2027-01-21'")
        )
    assert booked == 1


def test_les_activites_montrent_chaque_limite_et_le_planning_les_jours_reserves(
    activity_service, lea
):
    parent, child_id = lea
    offer = call(activity_service, "list_child_activities", parent, "5101", child_id)
    canteen = next(a for a in offer["activities"] if a["activity"] == CANTEEN)
    assert canteen["rule"] == "J-2 à 23:59, week-ends et jours fériés non comptés"
    assert "certificat médical" in canteen["after_deadline"]
    thursday = next(d for d in canteen["days"] if d["date"] == "2027-01-07")
    assert thursday["deadline_label"] == "mardi 5 janvier 2027 à 23:59"
    assert thursday["status"] == "reserve" and thursday["open"] is True
    leisure = next(a for a in offer["activities"] if a["activity"] == "centre_loisirs")
    assert leisure["place"] == "6-11 ans" and leisure["days"][0]["date"] == "2027-01-06"
    planning = call(
        activity_service, "get_planning", parent, "5101", child_id, "2027-01-04", "2027-01-31"
    )
    assert [d["date"] for d in planning["days"]][:3] == ["2027-01-07", "2027-01-12", "2027-01-14"]


def test_le_flux_ics_prive_se_renouvelle(activity_service, lea):
    parent, child_id = lea
    secret = call(activity_service, "get_calendar_feed", parent, "5101", child_id)["secret"]
    assert call(activity_service, "get_calendar_feed", parent, "5101", child_id)["secret"] == secret
    feed = call(activity_service, "calendar_feed", {"account_id": None, "roles": []}, secret)
    assert feed.startswith("BEGIN:VCALENDAR") and "SUMMARY:Restauration scolaire (Léa)" in feed
    assert "DTSTART;TZID=Europe/Paris:20270107T113000" in feed
    renewed = call(activity_service, "renew_calendar_feed", parent, "5101", child_id)["secret"]
    assert renewed != secret
    with pytest.raises(NotFound):
        call(activity_service, "calendar_feed", {"account_id": None, "roles": []}, secret)


@pytest.mark.parametrize(
    ("caller", "refusal"),
    [
        (citizen(), Forbidden),
        ({"account_id": None, "roles": [], "family_ids": ["5101"]}, Forbidden),
        (citizen() | {"roles": ["admin"]}, Forbidden),
        (citizen() | {"family_ids": ["5101", "5100", "4217"]}, NotFound),
    ],
    ids=["autre-compte", "anonyme", "admin", "jeton-sans-lien"],
)
def test_un_inconnu_n_obtient_rien_meme_en_devinant(activity_service, lea, caller, refusal):
    _, child_id = lea
    for family_id, child in [("5101", child_id), ("5100", child_id), ("4217", 1), ("5101", "x")]:
        for method, args in [
            ("list_child_activities", (family_id, child)),
            ("get_planning", (family_id, child, "2027-01-04", "2027-01-31")),
            ("get_calendar_feed", (family_id, child)),
            ("renew_calendar_feed", (family_id, child)),
        ]:
            with pytest.raises(refusal):
                call(activity_service, method, caller, *args)
        if isinstance(child, int):  # a child id that is not a number is refused as invalid
            with pytest.raises(refusal):
                change(activity_service, caller, child, family_id=family_id, add=["2027-01-18"])


def test_un_parent_ne_touche_pas_l_enfant_d_une_autre_famille(activity_service, lea, linked_family):
    _, child_id = lea
    stranger, _ = linked_family("5301")
    with pytest.raises(NotFound) as refused:
        change(activity_service, stranger, child_id, family_id="5301", add=["2027-01-18"])
    assert refused.value.message == "Enfant introuvable."
    with pytest.raises(Forbidden):
        call(
            activity_service, "get_planning", stranger, "5101", child_id, "2027-01-04", "2027-01-31"
        )


def test_l_exemple_de_reference_suit_le_contrat():
    assert AttendanceChanged().validate(example("attendance_changed")) == {}


def test_l_agent_voit_la_liste_des_presences_d_un_jour(activity_service, lea):
    agent = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"], "family_id": None}
    found = call(activity_service, "list_attendance", agent, CANTEEN, "2027-01-07")
    [school] = found["places"]
    assert (found["label"], school["place"]) == (
        "Restauration scolaire",
        "École élémentaire Jean Moulin",
    )
    assert [(c["family_id"], c["first_name"], c["absent"]) for c in school["children"]] == [
        ("5101", "Léa", False)
    ]
    assert school["booked"] == 1 and school["capacity"] == 150
    parent, _ = lea
    for caller in (parent, citizen() | {"roles": ["admin"]}):
        with pytest.raises(Forbidden):
            call(activity_service, "list_attendance", caller, CANTEEN, "2027-01-07")


def test_un_jour_en_attente_ne_s_ajoute_pas_deux_fois_et_se_retire(
    activity_service, activity_engine, linked_family
):
    parent, child_id = linked_family("5203")
    with activity_engine.begin() as connection:
        connection.execute(
            text(
                "insert into activity_slots (activity, place, day, capacity, booked) values "
                "('restauration_scolaire', 'École élémentaire Jean Moulin', '2027-01-22', 0, 0)"
            )
        )
    first = change(activity_service, parent, child_id, family_id="5203", add=["2027-01-22"])
    again = change(activity_service, parent, child_id, family_id="5203", add=["2027-01-22"])
    assert (first["waiting"], again["waiting"], again["added"]) == (["2027-01-22"], [], [])
    left = change(activity_service, parent, child_id, family_id="5203", remove=["2027-01-22"])
    assert (left["removed"], left["withdrawn"]) == ([], ["2027-01-22"])
    with activity_engine.connect() as connection:
        statuses = (
            connection.execute(
                text("select status from waiting_entries where '2027-01-22' = any(days)")
            )
            .scalars()
            .all()
        )
    assert statuses == ["withdrawn"]


def test_l_agent_ajoute_des_places_et_la_liste_d_attente_avance(
    activity_service, activity_events, activity_engine, linked_family
):
    agent = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"], "family_id": None}
    first, first_child = linked_family("5204")
    second, second_child = linked_family("5205")
    capacity = {
        "activity": CANTEEN,
        "place": "École élémentaire Jean Moulin",
        "day": "2027-01-25",
        "capacity": 1,
    }
    assert call(activity_service, "set_capacity", agent, capacity)["capacity"] == 1
    change(activity_service, first, first_child, family_id="5204", add=["2027-01-25"])
    activity_events.next_of("attendance_changed")
    waiting = change(activity_service, second, second_child, family_id="5205", add=["2027-01-25"])
    assert waiting["waiting_positions"] == [1]
    with pytest.raises(Invalid) as refused:
        call(activity_service, "set_capacity", agent, capacity | {"capacity": 0})
    assert refused.value.fields == {
        "capacity": ["Déjà 1 place(s) réservée(s) ce jour : pas moins de places."]
    }
    with pytest.raises(Forbidden):
        call(activity_service, "set_capacity", first, capacity | {"capacity": 2})
    raised = call(activity_service, "set_capacity", agent, capacity | {"capacity": 2})
    assert (raised["capacity"], raised["booked"]) == (2, 2)
    promotion = activity_events.next_of("attendance_changed")
    assert (promotion["family_id"], promotion["waiting_list_promotion"]) == ("5205", True)


def test_l_agent_note_un_enfant_present_sans_reservation(activity_service, activity_events, lea):
    agent = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"], "family_id": None}
    seen = {
        "family_id": "5101",
        "child_first_name": "LEA",
        "activity": CANTEEN,
        "day": "2027-01-19",
    }
    assert call(activity_service, "record_unbooked_presence", agent, seen)[
        "unbooked_presences"
    ] == ["2027-01-19"]
    event = activity_events.next_of("attendance_changed")
    assert (event["unbooked_presences"], event["added"], event["changed_by"]) == (
        ["2027-01-19"],
        [],
        "agent",
    )
    again = call(activity_service, "record_unbooked_presence", agent, seen)
    assert again["unbooked_presences"] == []
    found = call(activity_service, "list_attendance", agent, CANTEEN, "2027-01-19")
    [child] = found["places"][0]["children"]
    assert (child["first_name"], child["unbooked"]) == ("Léa", True)
    with pytest.raises(Invalid):
        call(activity_service, "record_unbooked_presence", agent, seen | {"day": "2027-01-07"})
    with pytest.raises(NotFound):
        call(
            activity_service, "record_unbooked_presence", agent, seen | {"child_first_name": "Zoé"}
        )
    parent, _ = lea
    with pytest.raises(Forbidden):
        call(activity_service, "record_unbooked_presence", parent, seen)


def test_l_agent_justifie_une_absence_avec_un_certificat_et_rien_n_est_facture(
    activity_service, activity_events, activity_engine, linked_family
):
    agent = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"]}
    parent, child_id = linked_family("5103")
    with activity_engine.begin() as connection:  # deux jours réservés, limites passées
        connection.execute(
            text(
                "insert into bookings (child_id, activity, place, day, booked_at) values "
                "(:child, 'restauration_scolaire', 'École élémentaire Jean Moulin', :day, now())"
            ),
            [{"child": child_id, "day": day} for day in ("2027-01-04", "2027-01-05")],
        )
    change(activity_service, parent, child_id, family_id="5103", absent=["2027-01-04"])
    activity_events.next_of("attendance_changed")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    justification = {
        "family_id": "5103",
        "child_id": child_id,
        "activity": CANTEEN,
        "day": "2027-01-04",
        "reason": "Varicelle, certificat du Dr Martin",
        "certificate": {"filename": "certificat.pdf", "data": base64.b64encode(pdf).decode()},
    }
    done = call(activity_service, "justify_absence", agent, justification)
    assert (done["day"], done["has_certificate"]) == ("2027-01-04", True)
    event = activity_events.next_of("attendance_changed")
    assert AttendanceChanged().validate(event) == {}
    assert event["absences"] == [{"date": "2027-01-04", "justified": True}]
    assert (event["changed_by"], event["added"], event["removed"]) == ("agent", [], [])
    # un jour réservé sans absence déclarée devient une absence justifiée, sans certificat
    plain = {**justification, "day": "2027-01-05", "certificate": None, "reason": "Grève"}
    assert call(activity_service, "justify_absence", agent, plain)["has_certificate"] is False
    assert activity_events.next_of("attendance_changed")["absences"] == [
        {"date": "2027-01-05", "justified": True}
    ]
    with activity_engine.connect() as connection:
        rows = connection.execute(
            text(
                "select day, justified, reason, certificate_type, length(certificate) "
                "from absences where child_id = :child order by day"
            ),
            {"child": child_id},
        ).all()
    assert [tuple(row) for row in rows] == [
        (date(2027, 1, 4), True, "Varicelle, certificat du Dr Martin", "application/pdf", len(pdf)),
        (date(2027, 1, 5), True, "Grève", None, None),
    ]
    found = call(activity_service, "list_attendance", agent, CANTEEN, "2027-01-04")
    [child] = [c for c in found["places"][0]["children"] if c["family_id"] == "5103"]
    assert (child["child_id"], child["absent"], child["justified"]) == (child_id, True, True)
    assert child["has_certificate"] is True
    kept = call(activity_service, "get_absence_certificate", agent, "5103", child_id, CANTEEN,
                "2027-01-04")  # fmt: skip
    assert (kept["filename"], kept["content_type"]) == ("certificat.pdf", "application/pdf")
    assert base64.b64decode(kept["data"]) == pdf
    with activity_engine.connect() as connection:
        reads = connection.scalar(
            text(
                "select count(*) from health_reads r join families f on f.id = r.family_id"
                " where f.identifier = '5103' and r.agent_account_id = 'agent-simplicite-1'"
            )
        )
    assert reads == 1
    for day in ("2027-01-05", "2027-01-06", "pas une date"):  # sans certificat, sans absence
        with pytest.raises(NotFound):
            call(activity_service, "get_absence_certificate", agent, "5103", child_id, CANTEEN,
                 day)  # fmt: skip
    with pytest.raises(Forbidden):  # the family's own parent does not read it back here
        call(activity_service, "get_absence_certificate", parent, "5103", child_id, CANTEEN,
             "2027-01-04")  # fmt: skip
    with pytest.raises(Invalid) as refused:  # pas réservé
        call(activity_service, "justify_absence", agent, {**plain, "day": "2027-01-07"})
    assert list(refused.value.fields) == ["day"]
    with pytest.raises(Invalid) as refused:  # pas un certificat
        bad = {"filename": "x.pdf", "data": base64.b64encode(b"pas un pdf").decode()}
        call(activity_service, "justify_absence", agent, {**justification, "certificate": bad})
    assert list(refused.value.fields) == ["certificate"]
    with pytest.raises(Invalid) as refused:  # un motif est demandé
        call(activity_service, "justify_absence", agent, {**plain, "reason": "  "})
    assert list(refused.value.fields) == ["reason"]
    with pytest.raises(Forbidden):
        call(activity_service, "justify_absence", parent, plain)


def test_l_agent_ferme_un_jour_les_reservations_partent_sans_facture(
    activity_service, activity_events, activity_engine, linked_family
):
    agent = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"]}
    parent, child_id = linked_family("5104")
    enrol(
        activity_service, parent, child_id, family_id="5104", start="2027-02-01", end="2027-02-05"
    )
    activity_events.next_of("attendance_changed")
    closing = {"day": "2027-02-04", "reason": "Grève des agents"}
    done = call(activity_service, "close_day", agent, closing)
    assert (done["day"], done["removed"]) == ("2027-02-04", 1)
    event = activity_events.next_of("attendance_changed")
    assert AttendanceChanged().validate(event) == {}
    assert (event["family_id"], event["removed"], event["added"]) == ("5104", ["2027-02-04"], [])
    assert (event["changed_by"], event["closure_reason"]) == ("agent", "Grève des agents")
    assert event["account_ids"] == [parent["account_id"]]
    with pytest.raises(Conflict):
        call(activity_service, "close_day", agent, closing)
    with pytest.raises(Invalid) as refused:  # plus réservable
        change(activity_service, parent, child_id, family_id="5104", add=["2027-02-04"])
    assert refused.value.fields == {"add": ["jeudi 4 février 2027 : jour de fermeture"]}
    again = enrol(
        activity_service, parent, child_id, family_id="5104", start="2027-02-04", end="2027-02-04"
    )
    assert again["added"] == [] and again["waiting"] == []
    with activity_engine.connect() as connection:
        booked = connection.scalar(
            text("select booked from activity_slots where day = '2027-02-04' and activity = :a"),
            {"a": CANTEEN},
        )
    assert booked == 0
    calendar = call(activity_service, "get_school_calendar", agent, "2026-2027")
    kinds = {day["date"]: (day["kind"], day["label"]) for day in calendar["days"]}
    assert kinds["2027-02-04"] == ("fermeture", "Fermeture : Grève des agents")
    assert kinds["2027-02-03"][0] == "loisirs" and kinds["2027-05-07"][0] == "pont"
    assert calendar["school_years"] == ["2026-2027", "2027-2028"]
    assert call(activity_service, "reopen_day", agent, "2027-02-04") == {"day": "2027-02-04"}
    with pytest.raises(NotFound):
        call(activity_service, "reopen_day", agent, "2027-02-04")
    assert change(activity_service, parent, child_id, family_id="5104", add=["2027-02-04"])[
        "added"
    ] == ["2027-02-04"]
    for method, args in [
        ("close_day", (closing,)),
        ("reopen_day", ("2027-02-04",)),
        ("get_school_calendar", ("2026-2027",)),
    ]:
        with pytest.raises(Forbidden):
            call(activity_service, method, parent, *args)
    with pytest.raises(NotFound):
        call(activity_service, "get_school_calendar", agent, "1999-2000")


def test_la_rentree_les_enfants_montent_d_une_classe_et_l_annee_reste_cachee_jusqu_a_publication(
    activity_service, activity_events, linked_family
):
    """Last of the module: it moves every child of the module's database up a class."""
    agent = {"account_id": "agent-simplicite-1", "roles": ["agent_simplicite"]}
    parent, child_id = linked_family("5105")
    with pytest.raises(Invalid):
        call(activity_service, "open_school_year", agent, "2026-2027")
    opened = call(activity_service, "open_school_year", agent, "2027-2028")
    assert opened["moved"] >= 1 and opened["unknown"] == []
    with pytest.raises(Conflict):
        call(activity_service, "open_school_year", agent, "2027-2028")
    [lea] = call(activity_service, "get_family", parent, "5105")["children"]
    assert lea["class_name"] == "CM1"
    september = {"start": "2027-09-02", "end": "2027-09-03", "weekdays": [0, 1, 3, 4]}
    booked = enrol(activity_service, agent, child_id, family_id="5105", **september)
    assert booked["added"] == ["2027-09-02", "2027-09-03"]

    def planned(caller):
        found = call(
            activity_service, "get_planning", caller, "5105", child_id, "2027-09-01", "2027-09-30"
        )
        return [day["date"] for day in found["days"]]

    assert planned(agent) == ["2027-09-02", "2027-09-03"] and planned(parent) == []
    with pytest.raises(Invalid) as refused:
        change(activity_service, parent, child_id, family_id="5105", add=["2027-09-06"])
    assert "ne sont pas encore publiées" in refused.value.fields["add"][0]
    calendar = call(activity_service, "get_school_calendar", agent, "2027-2028")
    assert calendar["opened_at"] and calendar["published_at"] is None
    assert calendar["can_open"] is False

    published = call(activity_service, "publish_school_year", agent, "2027-2028")
    assert published["families"] >= 1
    told = [activity_events.next_of("school_year_published") for _ in range(published["families"])]
    [mine] = [event for event in told if event["family_id"] == "5105"]
    assert (mine["school_year"], mine["account_ids"]) == ("2027-2028", [parent["account_id"]])
    assert planned(parent) == ["2027-09-02", "2027-09-03"]
    with pytest.raises(Conflict):
        call(activity_service, "publish_school_year", agent, "2027-2028")
    with pytest.raises(Forbidden):
        call(activity_service, "open_school_year", parent, "2027-2028")
