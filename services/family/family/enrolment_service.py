"""Entrypoints of enrolment, attendance and planning (``contracts.family_activities``).

A mixin of :class:`family.service.FamilyService`, imported there as a module. Each RPC finds
the family as ``get_family`` does (an account linked to it, or a SimpliCité agent; anyone else
gets ``NotFound``), then the child in that family, then applies :mod:`family.enrolment` and
stores its ``attendance_changed`` events in the same transaction.
"""

from __future__ import annotations

import base64
import secrets
from datetime import date, timedelta

from nameko.rpc import rpc

from chassis import identity
from chassis.types import utcnow
from contracts import family
from contracts import family_activities as contract
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Conflict, Invalid, NotFound
from contracts.family_dossier import Certificate
from family import certificates, domain, enrolment, enrolment_views, rollover, school_calendar
from family.activities import ACTIVITIES
from family.deadlines import PARIS
from family.enrolment_repository import ChildAccess, Enrolments
from family.repository import Families

CHILD_NOT_FOUND = "Enfant introuvable."
CERTIFICATE_NOT_FOUND = "Aucun certificat n'est conservé pour cette absence."
FEED_NOT_FOUND = "Ce calendrier n'existe pas ou a été renouvelé."
MAX_PLANNING_DAYS = 62
YEAR_NOT_FOUND = "Cette date n'est dans aucune année scolaire connue."
CANNOT_OPEN = "Seule une année scolaire à venir, connue du calendrier, peut être ouverte."
ALREADY_OPENED = "Cette année scolaire est déjà ouverte : les enfants ont déjà changé de classe."
NOT_OPENED = "Cette année scolaire n'a pas été ouverte."
ALREADY_PUBLISHED = "Cette année scolaire est déjà publiée."

# Schemas of the attendance path, made once (a schema is reusable, and making one per call
# was a visible part of each attendance change's CPU time in bench/rush.py).
ENROL_CHILD = contract.EnrolChild()
CHANGE_ATTENDANCE = contract.ChangeAttendance()
ATTENDANCE_CHANGED_SCHEMA = contract.AttendanceChanged()
ATTENDANCE_RESULT = contract.AttendanceResult()


class Enrolment:
    """Enrolment of children in activities, their attendance days and their planning."""

    @rpc(expected_exceptions=EXPECTED)
    def list_child_activities(self, caller, family_id, child_id, weeks=4):
        """Each activity with its rule and the coming days, their deadline and places left."""
        now = utcnow()
        window = enrolment.bookable_window(now.astimezone(PARIS).date(), min(int(weeks), 8))
        with self.db.session() as session:
            access, as_agent = _find_child(session, caller, family_id, child_id)
            child, repo = access.child, Enrolments(session)
            if not as_agent:
                hidden = set(rollover.hidden_days(window, access.unpublished_years))
                window = [day for day in window if day not in hidden]
            offers = [
                enrolment_views.offer(repo, child, activity, window, now)
                for activity in ACTIVITIES.values()
            ]
            view = {
                "family_id": child.family.identifier,
                "child_id": child.id,
                "child_first_name": child.first_name,
                "activities": offers,
            }
        return contract.ChildActivities().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def enrol_child(self, caller, payload):
        """Book a typical week over a period (contracts.family_activities.EnrolChild)."""
        data = load_or_invalid(ENROL_CHILD, payload)
        activity = ACTIVITIES[data["activity"]]
        units = enrolment.typical_week(
            activity, data["weekdays"], data["start"], data["end"], data["whole_weeks"]
        )
        return self._attendance(
            caller,
            data,
            lambda repo, child, now: enrolment.enrol(repo, child, activity, units, now),
        )

    @rpc(expected_exceptions=EXPECTED)
    def change_attendance(self, caller, payload):
        """Add or remove days, or declare absences (contracts.family_activities)."""
        data = load_or_invalid(CHANGE_ATTENDANCE, payload)
        activity = ACTIVITIES[data["activity"]]
        return self._attendance(
            caller,
            data,
            lambda repo, child, now: enrolment.change(repo, child, activity, data, now),
        )

    def _attendance(self, caller, data, apply):
        now = utcnow()
        activity = ACTIVITIES[data["activity"]]
        with self.db.session() as session:
            access, as_agent = _find_child(session, caller, data["family_id"], data["child_id"])
            if not as_agent:
                _refuse_unpublished(access.unpublished_years, data)
            repo = Enrolments(session)
            outcome = apply(repo, access.child, now)
            if outcome.changed:
                changed_by = "agent" if as_agent else "famille"
                event = enrolment_views.attendance_event(
                    access.family,
                    access.child,
                    activity,
                    outcome,
                    changed_by,
                    access.account_ids,
                    now,
                )
                self.outbox.add(
                    session, contract.ATTENDANCE_CHANGED, ATTENDANCE_CHANGED_SCHEMA, event
                )
            self._announce_promotions(session, repo, activity, outcome.promoted, now)
        return ATTENDANCE_RESULT.dump(outcome)

    def _announce_promotions(self, session, repo, activity, promoted, now) -> None:
        """One ``attendance_changed`` per waiting entry booked, for its family."""
        for entry in promoted:
            child = repo.child(entry.child_id)
            accounts = repo.account_ids(child.family_id)
            event = enrolment_views.promotion_event(child, activity, entry, accounts, now)
            self.outbox.add(session, contract.ATTENDANCE_CHANGED, ATTENDANCE_CHANGED_SCHEMA, event)

    @rpc(expected_exceptions=EXPECTED)
    def record_unbooked_presence(self, caller, payload):
        """A child seen without a booking, noted by a SimpliCité agent (billed as such)."""
        agent = identity.require_role(caller, family.AGENT_ROLES)
        data = load_or_invalid(contract.RecordPresence(), payload)
        activity, now = ACTIVITIES[data["activity"]], utcnow()
        with self.db.session() as session:
            repo = Enrolments(session)
            found, _ = repo.family_seen_by(data["family_id"], None)
            child = None
            if found is not None:
                child = repo.child_named(found, data["child_first_name"], domain.normalized_name)
            if child is None:
                raise NotFound(CHILD_NOT_FOUND)
            outcome = enrolment.record_presence(
                repo, child, activity, data["day"], agent["account_id"], now
            )
            if outcome.changed:
                event = enrolment_views.attendance_event(
                    found, child, activity, outcome, "agent", repo.account_ids(found.id), now
                )
                self.outbox.add(
                    session, contract.ATTENDANCE_CHANGED, ATTENDANCE_CHANGED_SCHEMA, event
                )
        return ATTENDANCE_RESULT.dump(outcome)

    @rpc(expected_exceptions=EXPECTED)
    def justify_absence(self, caller, payload):
        """An agent justifies a booked day's absence (contracts.family_activities.JustifyAbsence)."""
        agent = identity.require_role(caller, family.AGENT_ROLES)
        data = load_or_invalid(contract.JustifyAbsence(), payload)
        why = enrolment.Justification(
            data["reason"], agent["account_id"], _medical_certificate(data["certificate"])
        )
        activity, now = ACTIVITIES[data["activity"]], utcnow()
        with self.db.session() as session:
            access, _ = _find_child(session, caller, data["family_id"], data["child_id"])
            absence, outcome = enrolment.justify_absence(
                Enrolments(session), access.child, activity, data["day"], why, now
            )
            event = enrolment_views.attendance_event(
                access.family, access.child, activity, outcome, "agent", access.account_ids, now
            )
            self.outbox.add(session, contract.ATTENDANCE_CHANGED, ATTENDANCE_CHANGED_SCHEMA, event)
            view = {
                "activity": activity.code,
                "day": absence.day,
                "reason": absence.reason,
                "has_certificate": absence.certificate_name is not None,
                "justified_at": absence.justified_at,
            }
        return contract.JustifiedAbsence().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_absence_certificate(self, caller, family_id, child_id, activity, day):
        """The medical certificate of a justified absence (agents), base64; the read is
        recorded as a read of the family's health data."""
        agent = identity.require_role(caller, family.AGENT_ROLES)
        with self.db.session() as session:
            access, _ = _find_child(session, caller, family_id, child_id)
            wanted = _iso_day(day)
            found = None
            if activity in ACTIVITIES and wanted is not None:
                found = Enrolments(session).absence_certificate(access.child.id, activity, wanted)
            if found is None:
                raise NotFound(CERTIFICATE_NOT_FOUND)
            Families(session).record_health_read(access.family, agent["account_id"], utcnow())
            data = base64.b64encode(found.certificate).decode("ascii")
            view = {
                "filename": found.certificate_name,
                "content_type": found.certificate_type,
                "data": data,
            }
        return Certificate().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_school_calendar(self, caller, school_year):
        """Every day of a school year, with what it is and the town's closures."""
        identity.require_role(caller, family.AGENT_ROLES)
        year = school_calendar.SCHOOL_YEARS.get(str(school_year))
        if year is None:
            raise NotFound(YEAR_NOT_FOUND)
        with self.db.session() as session:
            closed = Enrolments(session).closed_days(year.first_day, year.last_day)
        days = []
        for day in school_calendar.days_between(year.first_day, year.last_day):
            kind, label = school_calendar.day_kind(day)
            if day in closed:
                kind, label = "fermeture", f"Fermeture : {closed[day].reason}"
            days.append({"date": day, "kind": kind, "label": label})
            opening = Enrolments(session).opening(year.code)
        view = {
            "school_year": year.code,
            "school_years": list(school_calendar.SCHOOL_YEARS),
            "days": days,
            "opened_at": opening.opened_at if opening else None,
            "published_at": opening.published_at if opening else None,
            "can_open": opening is None and rollover.can_open(year.code, _paris_today()),
        }
        return contract.SchoolCalendar().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def open_school_year(self, caller, school_year):
        """The rollover: a year to come is opened, every schooled child moves up a class."""
        agent = identity.require_role(caller, family.AGENT_ROLES)
        code = str(school_year)
        if not rollover.can_open(code, _paris_today()):
            raise Invalid(CANNOT_OPEN, {"school_year": [CANNOT_OPEN]})
        with self.db.session() as session:
            repo = Enrolments(session)
            if not repo.open_year(code, agent["account_id"], utcnow()):
                raise Conflict(ALREADY_OPENED)
            moves = rollover.move_up(repo.schooled_children())
            view = {
                "school_year": code,
                "moved": moves.moved,
                "left": moves.left,
                "unknown": [
                    {
                        "family_id": child.family.identifier,
                        "first_name": child.first_name,
                        "class_name": child.class_name,
                    }
                    for child in moves.unknown
                ],
            }
        return contract.Rollover().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def publish_school_year(self, caller, school_year):
        """Families see the opened year from now on; each family with accounts is told."""
        agent = identity.require_role(caller, family.AGENT_ROLES)
        now = utcnow()
        with self.db.session() as session:
            repo = Enrolments(session)
            opening = repo.opening(str(school_year), lock=True)
            if opening is None:
                raise NotFound(NOT_OPENED)
            if opening.published_at is not None:
                raise Conflict(ALREADY_PUBLISHED)
            opening.published_at, opening.published_by = now, agent["account_id"]
            told = repo.linked_families()
            for identifier, accounts in told:
                event = {
                    "family_id": identifier,
                    "school_year": opening.school_year,
                    "account_ids": accounts,
                    "published_at": now,
                }
                self.outbox.add(
                    session,
                    contract.SCHOOL_YEAR_PUBLISHED,
                    contract.SchoolYearPublished(),
                    event,
                )
        return contract.Publication().dump({"school_year": str(school_year), "families": len(told)})

    @rpc(expected_exceptions=EXPECTED)
    def close_day(self, caller, payload):
        """Close every activity on a day (contracts.family_activities.CloseDay)."""
        agent = identity.require_role(caller, family.AGENT_ROLES)
        data = load_or_invalid(contract.CloseDay(), payload)
        day, now = data["day"], utcnow()
        if school_calendar.school_year_of(day) is None:
            raise Invalid(YEAR_NOT_FOUND, {"day": [YEAR_NOT_FOUND]})
        with self.db.session() as session:
            repo = Enrolments(session)
            closure = enrolment.close_day(repo, day, data["reason"], agent["account_id"], now)
            accounts: dict[int, list[str]] = {}
            for (child_id, code), days in closure.removed.items():
                child = repo.child(child_id)
                if child.family_id not in accounts:
                    accounts[child.family_id] = repo.account_ids(child.family_id)
                outcome = enrolment.Outcome(removed=days)
                event = enrolment_views.attendance_event(
                    child.family,
                    child,
                    ACTIVITIES[code],
                    outcome,
                    "agent",
                    accounts[child.family_id],
                    now,
                )
                event["closure_reason"] = data["reason"]
                self.outbox.add(
                    session, contract.ATTENDANCE_CHANGED, ATTENDANCE_CHANGED_SCHEMA, event
                )
        view = {"day": day, "removed": len(closure.removed), "withdrawn": closure.withdrawn}
        return contract.ClosureResult().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def reopen_day(self, caller, day):
        """Lift a closure; families book the day again themselves."""
        identity.require_role(caller, family.AGENT_ROLES)
        try:
            wanted = date.fromisoformat(str(day))
        except ValueError:
            raise Invalid("Date invalide.", {"day": ["Date invalide."]}) from None
        with self.db.session() as session:
            if not Enrolments(session).remove_closure(wanted):
                raise NotFound("Ce jour n'est pas fermé.")
        return {"day": wanted.isoformat()}

    @rpc(expected_exceptions=EXPECTED)
    def set_capacity(self, caller, payload):
        """An agent's number of places for a day (contracts.family_activities.SetCapacity)."""
        identity.require_role(caller, family.AGENT_ROLES)
        data = load_or_invalid(contract.SetCapacity(), payload)
        activity, now = ACTIVITIES[data["activity"]], utcnow()
        with self.db.session() as session:
            repo = Enrolments(session)
            counter, promoted = enrolment.set_capacity(
                repo, activity, data["place"], data["day"], data["capacity"], now
            )
            self._announce_promotions(session, repo, activity, promoted, now)
            view = {
                "activity": activity.code,
                "place": counter.place,
                "day": counter.day,
                "capacity": counter.capacity,
                "booked": counter.booked,
            }
        return contract.Capacity().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_planning(self, caller, family_id, child_id, start, end):
        """The child's booked, absent and waiting days between two dates (two months at most)."""
        first, last = _period(start, end)
        with self.db.session() as session:
            access, as_agent = _find_child(session, caller, family_id, child_id)
            view = enrolment_views.planning(
                Enrolments(session), access.child, first, last, utcnow()
            )
            if not as_agent:
                hidden = set(
                    rollover.hidden_days(
                        [d["date"] for d in view["days"]], access.unpublished_years
                    )
                )
                view["days"] = [d for d in view["days"] if d["date"] not in hidden]
        return contract.Planning().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_attendance(self, caller, activity, day):
        """The children expected at an activity on a day, per place (SimpliCité agents)."""
        identity.require_role(caller, family.AGENT_ROLES)
        data = load_or_invalid(contract.AttendanceQuery(), {"activity": activity, "day": day})
        with self.db.session() as session:
            view = enrolment_views.attendance_list(
                Enrolments(session), ACTIVITIES[data["activity"]], data["day"]
            )
        return contract.AttendanceList().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_calendar_feed(self, caller, family_id, child_id):
        """The secret of the child's private ``.ics`` feed, made on first ask."""
        return self._feed(caller, family_id, child_id, renew=False)

    @rpc(expected_exceptions=EXPECTED)
    def renew_calendar_feed(self, caller, family_id, child_id):
        """A new secret for the child's feed; the previous address stops answering."""
        return self._feed(caller, family_id, child_id, renew=True)

    def _feed(self, caller, family_id, child_id, renew):
        with self.db.session() as session:
            child = _find_child(session, caller, family_id, child_id)[0].child
            repo = Enrolments(session)
            feed = repo.feed(child.id)
            secret = feed.secret if feed is not None and not renew else secrets.token_urlsafe(32)
            if feed is None or renew:
                repo.save_feed(child.id, secret, utcnow())
        return contract.CalendarFeed().dump({"secret": secret})

    @rpc(expected_exceptions=EXPECTED)
    def calendar_feed(self, caller, secret):
        """The ``.ics`` text of the child whose feed has this secret; the secret is the key."""
        identity.load(caller)
        if not isinstance(secret, str) or not 20 <= len(secret) <= 64:
            raise NotFound(FEED_NOT_FOUND)
        with self.db.session() as session:
            repo = Enrolments(session)
            child = repo.child_by_feed(secret)
            if child is None:
                raise NotFound(FEED_NOT_FOUND)
            return enrolment_views.ics_feed(repo, child, utcnow(), repo.unpublished_years())


def _iso_day(value: object) -> date | None:
    """The day an ISO text names; None for anything else."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _find_child(session, caller, family_id, child_id) -> tuple[ChildAccess, bool]:
    """The family (seen as ``get_family`` sees it: a linked account or a SimpliCité agent)
    with the child in it, and whether by an agent; ``NotFound`` otherwise, whatever was
    guessed."""
    who = identity.load(caller)
    domain.check_claim(who, family_id)
    as_agent = identity.has_role(who, family.AGENT_ROLES)
    try:
        number = int(child_id)
    except (TypeError, ValueError):
        number = 0
    access = None
    if isinstance(family_id, str):
        number = number if 0 < number < 2**31 else 0  # 0: no child has it
        access = Enrolments(session).child_access(family_id, number)
    linked = access is not None and who["account_id"] in access.account_ids
    if access is None or not (as_agent or (who["account_id"] is not None and linked)):
        raise NotFound(domain.NOT_FOUND)
    if access.child is None:
        raise NotFound(CHILD_NOT_FOUND)
    return access, as_agent


def _paris_today() -> date:
    return utcnow().astimezone(PARIS).date()


def _refuse_unpublished(unpublished: set[str], data: dict) -> None:
    """A family changes nothing in a school year the town has not published yet."""
    if not unpublished:
        return
    if "start" in data:
        asked = list(school_calendar.days_between(data["start"], data["end"]))
    else:
        asked = [*data["add"], *data["remove"], *data["absent"]]
    hidden = rollover.hidden_days(asked, unpublished)
    if hidden:
        message = rollover.NOT_PUBLISHED.format(year=rollover.year_code(hidden[0]))
        raise Invalid(message, {"start" if "start" in data else "add": [message]})


def _medical_certificate(upload: dict | None):
    """The certificate made safe as the quotient's is (PDF kept, image re-encoded), before
    any transaction; its refusals name the ``certificate`` field."""
    return None if upload is None else certificates.prepare_field(upload, "certificate")


def _period(start, end) -> tuple[date, date]:
    try:
        first, last = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    except ValueError:
        raise Invalid("Période invalide.", {"start": ["Date attendue (AAAA-MM-JJ)."]}) from None
    if last < first or last - first > timedelta(days=MAX_PLANNING_DAYS):
        raise Invalid("Période invalide.", {"end": ["Deux mois au plus."]})
    return first, last
