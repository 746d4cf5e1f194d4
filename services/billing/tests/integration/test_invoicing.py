"""The monthly run through real RabbitMQ and PostgreSQL: ``family.attendance_changed`` in,
one invoice per family and ``invoice_issued`` out; re-runs, corrections, two replicas."""

from __future__ import annotations

import base64
import itertools
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from billing import books, domain, invoicing, pricing
from billing.invoicing_repository import Attendance, month_bounds
from billing.models import (
    AttendanceDay,
    Base,
    BilledDay,
    CreditNote,
    Invoice,
    InvoicingRun,
    Payment,
)
from billing.repository import Access, Invoices
from billing.tariffs import TARIFFS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chassis import tables
from chassis.database import Sessions
from chassis.outbox import OutboxWriter
from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from chassis.types import utcnow
from contracts import family_activities, family_dossier
from contracts.base import example
from contracts.errors import NotFound

JANUARY = "2027-01"
T0 = datetime(2027, 1, 4, 8, tzinfo=UTC)


def parent(account_id: str) -> dict:
    return {"account_id": account_id, "roles": [], "family_id": None}


def jan(day: int) -> str:
    return f"2027-01-{day:02d}"


def attendance(family_id: str, child_id: str, activity: str, at: datetime, **days) -> dict:
    """An ``attendance_changed`` of the family service, ``days`` its lists (dates as text)."""
    event = {**example("attendance_changed"), "event_id": str(uuid.uuid4())}
    labels = {"restauration_scolaire": "Restauration scolaire", "garderie_soir": "Garderie du soir"}
    event.update(
        family_id=family_id,
        child_id=child_id,
        activity=activity,
        activity_label=labels.get(activity, activity.replace("_", " ").capitalize()),
        added=[],
        removed=[],
        absences=[],
        unbooked_presences=[],
        changed_at=at.isoformat(),
        account_ids=[],
    )
    event.update(days)
    return event


def quotient(family_id: str, value: int | None, resident: bool) -> dict:
    event = {**example("quotient_changed"), "event_id": str(uuid.uuid4())}
    event.update(family_id=family_id, quotient_familial=value, resident=resident)
    return event


def run_cli(database_url: str, month: str, module: str = "billing.invoicing") -> str:
    """``python -m billing.invoicing MONTH`` (or another command of the régie) as the régie
    runs it; its summary line."""
    env = {**os.environ, "BILLING_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", module, month],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "familles" in done.stderr  # the progress bar
    return done.stdout.strip()


def invoices_of(db, family_id: str) -> list[Invoice]:
    with Session(db) as session:
        found = Invoices(session).of(domain.Debtor(None, frozenset({family_id})))
        return sorted(found, key=lambda invoice: invoice.number)


def issued_for(events, family_ids: set[str]) -> dict[str, list[dict]]:
    """The ``invoice_issued`` events of these families, until each one has had one."""
    found: dict[str, list[dict]] = {}
    while set(found) != family_ids:
        issued = events.next_of("invoice_issued")
        if issued["family_id"] in family_ids:
            found.setdefault(issued["family_id"], []).append(issued)
    return found


@pytest.fixture(scope="module")
def january(container, dispatch, handled, link):
    """Three families' January through events: the rules of the town in each of them."""
    lea = [
        attendance(
            "7001", "31", "restauration_scolaire", T0, added=[jan(d) for d in (5, 7, 8, 11, 12)]
        ),
        attendance(
            "7001", "31", "restauration_scolaire", T0 + timedelta(hours=1), removed=[jan(7)]
        ),
        attendance(
            "7001",
            "31",
            "restauration_scolaire",
            T0 + timedelta(days=5),
            absences=[{"date": jan(8), "justified": True}, {"date": jan(11), "justified": False}],
        ),
        attendance(
            "7001",
            "31",
            "restauration_scolaire",
            T0 + timedelta(days=10),
            unbooked_presences=[jan(14)],
            changed_by="agent",
        ),
        attendance("7001", "31", "garderie_soir", T0, added=[jan(5)]),
        attendance("7001", "32", "accueil_matin", T0, added=[jan(5)], child_first_name="Noé"),
    ]
    # family 7002: no quotient known; a stale removal, older than the booking, changes nothing
    late = attendance("7002", "41", "restauration_scolaire", T0 - timedelta(days=1))
    late["removed"] = [jan(5)]
    others = [
        attendance("7002", "41", "restauration_scolaire", T0, added=[jan(5)]),
        late,
        attendance("7003", "51", "centre_loisirs", T0, added=[jan(6), jan(13)]),
    ]
    quotients = [quotient("7001", 430, True), quotient("7003", 2000, False)]
    for event in quotients:
        dispatch(family_dossier.SERVICE, family_dossier.QUOTIENT_CHANGED, event)
    for event in [*lea, lea[0], *others]:  # lea[0] redelivered
        dispatch(family_activities.SERVICE, family_activities.ATTENDANCE_CHANGED, event)
    wait_until(lambda: handled(*quotients, *lea, *others), message="attendance projected")
    account_id = str(uuid.uuid4())
    link("7001", account_id)
    return account_id


def test_la_projection_garde_le_dernier_etat_de_chaque_jour(db, january):
    with Session(db) as session:
        rows = session.scalars(
            select(AttendanceDay).where(AttendanceDay.child_id.in_(["31", "41"]))
        ).all()
        statuses = {(row.child_id, row.day.day): row.status for row in rows}
    assert statuses == {
        ("31", 5): "booked",
        ("31", 7): "removed",
        ("31", 8): "absent_justified",
        ("31", 11): "absent_unjustified",
        ("31", 12): "booked",
        ("31", 14): "unbooked",
        ("41", 5): "booked",
    }


def test_le_mois_devient_une_facture_par_famille_avec_ses_evenements(
    container, db, database_url, events, january
):
    summary = run_cli(database_url, JANUARY)
    assert summary.startswith("janvier 2027 : 3 familles, 3 factures")
    issued = issued_for(events, {"7001", "7002", "7003"})
    # Léa: 3 meals at 1,50 € and an unjustified absence billed, a meal without booking 3,50 €,
    # a garderie 0,90 €; Noé: an accueil du matin 0,60 €. 7002: highest bracket 5,20 €.
    # 7003 lives elsewhere, quotient 2000: two days of centre de loisirs at 30 €.
    amounts = {family: [e["amount_cents"] for e in found] for family, found in issued.items()}
    assert amounts == {"7001": [950], "7002": [520], "7003": [6000]}
    assert issued["7001"][0]["account_ids"] == [january]

    ledger = lambda: call(container, "list_invoices", parent(january))["invoices"]  # noqa: E731
    wait_until(ledger, message="the parent's account linked to the family")
    invoice = call(container, "get_invoice", parent(january), issued["7001"][0]["invoice_id"])
    assert invoice["reference"].startswith("PERI-7001-")
    assert invoice["label"] == "Activités périscolaires et restauration – janvier 2027"
    assert [line["label"] for line in invoice["lines"]] == [
        "Léa – Restauration scolaire – 05/01/2027",
        "Léa – Restauration scolaire – 11/01/2027 (absence non justifiée)",
        "Léa – Restauration scolaire – 12/01/2027",
        "Léa – Restauration scolaire – 14/01/2027 (présence sans réservation, majorée)",
        "Léa – Garderie du soir – 05/01/2027",
        "Noé – Accueil matin – 05/01/2027",
    ]
    assert invoice["total_cents"] == sum(line["amount_cents"] for line in invoice["lines"])


def test_relancer_le_mois_ne_facture_rien_de_plus(db, database_url, january):
    before = {family: len(invoices_of(db, family)) for family in ("7001", "7002", "7003")}
    assert run_cli(database_url, JANUARY).startswith("janvier 2027 : 3 familles, 0 factures")
    assert {family: len(invoices_of(db, family)) for family in before} == before


def test_une_correction_apres_emission_fait_un_avoir_et_un_complement(
    db, database_url, dispatch, events, handled, january
):
    (first,) = invoices_of(db, "7001")
    justified = attendance(
        "7001",
        "31",
        "restauration_scolaire",
        T0 + timedelta(days=20),
        absences=[{"date": jan(11), "justified": True}],
    )
    presence = attendance(
        "7002", "41", "restauration_scolaire", T0 + timedelta(days=20), unbooked_presences=[jan(19)]
    )
    for event in (justified, presence):
        dispatch(family_activities.SERVICE, family_activities.ATTENDANCE_CHANGED, event)
    wait_until(lambda: handled(justified, presence), message="corrections projected")

    summary = run_cli(database_url, JANUARY)
    assert summary.startswith("janvier 2027 : 3 familles, 1 factures (7.20 €), 1 avoirs (1.50 €)")
    (supplement,) = issued_for(events, {"7002"})["7002"]
    assert supplement["amount_cents"] == 520 + 200
    assert supplement["label"] == "Régularisation – janvier 2027"

    (again,) = invoices_of(db, "7001")
    assert (again.id, again.total_cents) == (first.id, 950)  # never edited
    assert domain.paid_cents(again) == 150
    with Session(db) as session:
        note = session.scalars(select(CreditNote).where(CreditNote.family_id == "7001")).one()
        assert (note.amount_cents, note.invoice_id) == (150, None)


def test_le_minuteur_facture_le_mois_ecoule_une_seule_fois_avec_deux_replicas(
    container, second_replica, db, dispatch, handled
):
    month = invoicing.previous_month(domain.paris_today(utcnow()))
    first, _ = month_bounds(month)
    families = [str(7100 + n) for n in range(12)]
    booked = [
        attendance(f, f"c{f}", "garderie_soir", T0, added=[(first + timedelta(days=d)).isoformat()])
        for f in families
        for d in (1, 2)
    ]
    for event in booked:
        dispatch(family_activities.SERVICE, family_activities.ATTENDANCE_CHANGED, event)
    wait_until(lambda: handled(*booked), message="attendance projected")

    replicas = [container, second_replica] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda replica: call(replica, "invoice_last_month", timeout=60), replicas))

    with Session(db) as session:
        counted = session.execute(
            select(Invoice.family_id, func.count())
            .where(Invoice.family_id.in_(families))
            .group_by(Invoice.family_id)
        ).all()
        assert dict(counted) == {family: 1 for family in families}
        assert session.get(InvoicingRun, month).families >= len(families)
    assert call(second_replica, "invoice_last_month") is None  # finished: nothing more


family_numbers = itertools.count(80000)
months = itertools.count(2)
statuses = st.sampled_from(["booked", "removed", "absent_justified", "absent_unjustified"])
family_month = st.lists(st.tuples(st.integers(1, 28), statuses), min_size=1, max_size=8)
generated = st.lists(
    st.tuples(family_month, st.integers(0, 3000), family_month), min_size=1, max_size=25
)


def record(session, family_id: str, month: str, days, at: datetime) -> None:
    first, _ = month_bounds(month)
    lists = {"added": [], "removed": [], "absences": []}
    for day, status in dict(days).items():
        when = first.replace(day=day)
        if status == "booked":
            lists["added"].append(when)
        elif status == "removed":
            lists["removed"].append(when)
        else:
            lists["absences"].append({"date": when, "justified": status == "absent_justified"})
    event = {
        "family_id": family_id,
        "child_id": f"g{family_id}",
        "child_first_name": "Inès",
        "activity": "restauration_scolaire",
        "activity_label": "Restauration scolaire",
        "unbooked_presences": [],
        "changed_at": at,
        **lists,
    }
    Attendance(session).record(event)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(generated)
def test_grand_livre_egal_factures_moins_paiements_moins_avoirs_sur_un_mois_genere(db, families):
    """Generated families: invoiced, partly paid at the counter, corrected, invoiced again;
    each family's ledger is its invoices minus its payments minus its credit notes."""
    number = next(months)
    month = f"{2027 + number // 12}-{number % 12 + 1:02d}"
    sessions = Sessions(db, Base.metadata)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    numbers = [str(next(family_numbers)) for _ in families]
    with sessions.session() as session:
        for family_id, (days, _, _) in zip(numbers, families, strict=True):
            record(session, family_id, month, days, T0)
    invoicing.run(sessions, outbox, month)
    with sessions.session() as session:
        for family_id, (_, paid, _) in zip(numbers, families, strict=True):
            for invoice in Invoices(session).of(domain.Debtor(None, frozenset({family_id}))):
                payment = Payment(
                    id=domain.new_id(),
                    family_id=family_id,
                    amount_cents=paid + 1,
                    method="especes",
                    paid_at=utcnow(),
                )
                books.receive(session, Invoices(session).lock(invoice.id), payment, "especes")
        for family_id, (_, _, later) in zip(numbers, families, strict=True):
            record(session, family_id, month, later, T0 + timedelta(days=40))
    invoicing.run(sessions, outbox, month)

    with sessions.session() as session:
        for family_id in numbers:
            debtor = domain.Debtor(None, frozenset({family_id}))
            found = Invoices(session).of(debtor)
            invoiced = sum(invoice.total_cents for invoice in found)
            paid = session.scalar(
                select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                    Payment.family_id == family_id
                )
            )
            credited = session.scalar(
                select(func.coalesce(func.sum(CreditNote.amount_cents), 0)).where(
                    CreditNote.family_id == family_id
                )
            )
            views = [domain.invoice_view(invoice, date(2027, 1, 1)) for invoice in found]
            ledger = domain.ledger(views, Invoices(session).credit_cents(debtor))
            assert ledger["to_pay_cents"] - ledger["credit_cents"] == invoiced - paid - credited


def test_l_attestation_de_frais_de_garde_compte_la_garde_payee_des_moins_de_6_ans(
    container, db, database_url, dispatch, handled, link, events
):
    """Attendance with birth dates in, a month invoiced and paid in the year, the command run
    twice: one certificate for the child under 6, meals and the older child left out, told
    once to every linked parent, downloadable by them only."""
    year = domain.paris_today(utcnow()).year
    month = f"{year}-11"
    day = lambda n: f"{month}-{n:02d}"  # noqa: E731
    young, older = (
        {"child_birth_date": f"{year - 4}-05-01"},
        {"child_birth_date": f"{year - 7}-02-01"},
    )
    booked = [
        attendance("7201", "c7201a", "garderie_soir", T0, added=[day(3), day(5)], **young),
        attendance("7201", "c7201a", "accueil_matin", T0, added=[day(3)], **young),
        attendance("7201", "c7201a", "restauration_scolaire", T0, added=[day(3)], **young),
        attendance("7201", "c7201b", "garderie_soir", T0, added=[day(3)], **older),
    ]
    for event in booked:
        dispatch(family_activities.SERVICE, family_activities.ATTENDANCE_CHANGED, event)
    wait_until(lambda: handled(*booked), message="attendance projected")
    parents = [str(uuid.uuid4()), str(uuid.uuid4())]
    for account_id in parents:
        link("7201", account_id)

    def linked() -> bool:
        with Session(db) as session:
            return len(Access(session).accounts_of_family("7201")) == 2

    wait_until(linked, message="both parents linked")

    sessions = Sessions(db, Base.metadata)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    with sessions.session() as session:
        invoicing.invoice_family(session, outbox, "7201", month, utcnow(), invoicing.Summary(month))
    (invoice,) = invoices_of(db, "7201")
    with sessions.session() as session:
        payment = Payment(
            id=domain.new_id(),
            family_id="7201",
            amount_cents=invoice.total_cents,
            method="cheque",
            paid_at=utcnow(),
        )
        books.receive(session, Invoices(session).lock(invoice.id), payment, "cheque")
        childcare = session.scalar(
            select(func.sum(BilledDay.cents)).where(
                BilledDay.child_id == "c7201a",
                BilledDay.activity.in_(["garderie_soir", "accueil_matin"]),
            )
        )

    assert run_cli(database_url, str(year), "billing.certificates").startswith(
        f"Attestations {year} : "
    )
    assert run_cli(database_url, str(year), "billing.certificates").startswith(
        f"Attestations {year} : "
    )
    told = events.next_of("childcare_certificate_issued")
    while told["family_id"] != "7201":
        told = events.next_of("childcare_certificate_issued")
    # Both links are handled concurrently: their order is not the test's business.
    assert (told["year"], told["amount_cents"], sorted(told["account_ids"])) == (
        year,
        childcare,
        sorted(parents),
    )
    outbox_rows = tables.table(Base.metadata, tables.OUTBOX)
    with Session(db) as session:
        announced = session.scalars(
            select(outbox_rows.c.payload).where(
                outbox_rows.c.event_type == "childcare_certificate_issued"
            )
        ).all()
    assert [p["family_id"] for p in announced].count("7201") == 1  # the re-run told nobody

    (certificate,) = [
        c for c in call(container, "list_certificates", parent(parents[0])) if c["year"] == year
    ]
    assert certificate["family_id"] == "7201" and certificate["amount_cents"] == childcare
    assert [c["first_name"] for c in certificate["children"]] == ["Léa"]
    document = call(container, "certificate_pdf", parent(parents[1]), "7201", year)
    assert document["filename"] == f"attestation-frais-de-garde-{year}-7201.pdf"
    assert base64.b64decode(document["content_base64"]).startswith(b"%PDF")
    with pytest.raises(NotFound):
        call(container, "certificate_pdf", parent(str(uuid.uuid4())), "7201", year)


def test_chaque_jour_est_facture_au_quotient_valable_ce_jour_meme_change_plus_tard(
    db, dispatch, handled
):
    """Two announcements valid from two days of March, then one valid from April: March is
    billed day by day with the quotient valid that day, and April's never reprices it."""
    march = [
        {**quotient("7301", 430, True), "valid_from": "2027-03-01"},
        {**quotient("7301", 2000, True), "valid_from": "2027-03-15"},
    ]
    meals = attendance(
        "7301", "c7301", "restauration_scolaire", T0, added=["2027-03-02", "2027-03-16"]
    )
    for event in march:
        dispatch(family_dossier.SERVICE, family_dossier.QUOTIENT_CHANGED, event)
    dispatch(family_activities.SERVICE, family_activities.ATTENDANCE_CHANGED, meals)
    wait_until(lambda: handled(*march, meals), message="quotients and days projected")

    sessions = Sessions(db, Base.metadata)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))

    def invoice_march() -> invoicing.Summary:
        summary = invoicing.Summary("2027-03")
        with sessions.session() as session:
            invoicing.invoice_family(session, outbox, "7301", "2027-03", utcnow(), summary)
        return summary

    assert invoice_march().invoices == 1
    (invoice,) = invoices_of(db, "7301")
    grid = pricing.tariff_on(TARIFFS, "restauration_scolaire", date(2027, 3, 16))
    high = pricing.day_cents(grid, pricing.Household(2000, True))
    assert [line.amount_cents for line in invoice.lines] == [150, high] and high > 150

    april = {**quotient("7301", 100, True), "valid_from": "2027-04-01"}
    dispatch(family_dossier.SERVICE, family_dossier.QUOTIENT_CHANGED, april)
    wait_until(lambda: handled(april), message="April's quotient projected")
    again = invoice_march()
    assert (again.invoices, again.credit_notes) == (0, 0)


def test_une_famille_en_echec_n_empeche_pas_les_autres_du_lot_et_est_signalee(db, caplog):
    """A batch whose one family cannot be priced (an activity with no tariff) is rolled back
    and its families invoiced one by one: the others get their invoice, numbered with no gap,
    and the family that failed is reported; the month is not marked finished."""
    month = "2029-09"  # a month no other test of the module invoices
    sessions = Sessions(db, Base.metadata)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    good, bad = ["7401", "7402", "7404"], "7403"
    with sessions.session() as session:
        for family_id in good:
            record(session, family_id, month, [(7, "booked"), (8, "booked")], T0)
        session.add(
            AttendanceDay(
                child_id=f"g{bad}",
                activity="activite_sans_tarif",
                day=date(2029, 9, 7),
                family_id=bad,
                child_first_name="Inès",
                activity_label="Activité sans tarif",
                status="booked",
                changed_at=T0,
            )
        )
    with Session(db) as session:
        year = domain.paris_today(utcnow()).year
        last = session.scalar(
            select(func.max(Invoice.number)).where(Invoice.regie == "PERI", Invoice.year == year)
        )

    summary = invoicing.run(sessions, outbox, month)

    assert (summary.families, summary.invoices, summary.failed) == (4, 3, [bad])
    assert "7403" in caplog.text
    assert [len(invoices_of(db, family_id)) for family_id in [*good, bad]] == [1, 1, 1, 0]
    numbers = sorted(invoices_of(db, f)[0].number for f in good)
    with Session(db) as session:
        assert numbers == [number for number in range((last or 0) + 1, (last or 0) + 4)]
        assert session.get(InvoicingRun, month) is None  # the timer tries the month again

    again = invoicing.run(sessions, outbox, month)  # the others are not invoiced twice
    assert (again.invoices, again.failed) == (0, [bad])
