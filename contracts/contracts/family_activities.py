"""Contracts of the ``family`` service's activities: enrolment, attendance and planning.

RPC (service ``family``), each taking ``caller`` first; a family is seen only by the accounts
linked to it and by SimpliCité agents (anyone else gets ``NotFound``, as ``get_family``):

- ``list_child_activities(caller, family_id, child_id)`` -> ``ChildActivities``: what the
  child may be enrolled in, with each rule and the next bookable days with their deadlines
- ``enrol_child(caller, payload: EnrolChild)`` -> ``AttendanceResult``: book every day of a
  typical week over a period (days past their deadline are left out; full days go to the
  waiting list, in arrival order)
- ``change_attendance(caller, payload: ChangeAttendance)`` -> ``AttendanceResult``: add or
  remove days before their deadline, or declare an absence after it (``Invalid`` otherwise)
- ``get_planning(caller, family_id, child_id, start, end)`` -> ``Planning``
- ``get_calendar_feed(caller, family_id, child_id)`` / ``renew_calendar_feed(...)`` ->
  ``CalendarFeed`` (the secret of the private ``.ics`` feed; renewing revokes the old one)
- ``calendar_feed(secret)`` -> the ``.ics`` text of that child's planning, or ``NotFound``
- ``list_attendance(caller, activity, day)`` -> ``AttendanceList``: SimpliCité agents only
  (``Forbidden`` otherwise), the children expected per place, absences marked
- ``record_unbooked_presence(caller, payload: RecordPresence)`` -> ``AttendanceResult``:
  SimpliCité agents only; a child seen at an activity on a day it was not booked for (named
  by its family and first name, as on the sign-in sheet), announced in ``unbooked_presences``
- ``justify_absence(caller, payload: JustifyAbsence)`` -> ``JustifiedAbsence``: SimpliCité
  agents only; a booked day (past or to come) becomes a justified absence, announced in
  ``attendance_changed.absences`` with ``justified`` true, which billing does not bill
- ``get_absence_certificate(caller, family_id, child_id, activity, day)`` ->
  ``contracts.family_dossier.Certificate``: SimpliCité agents only (each read recorded as a
  read of the family's health data); the medical certificate of a justified absence
- ``get_school_calendar(caller, school_year)`` -> ``SchoolCalendar``: SimpliCité agents only;
  every day of the school year with what it is (school day, holidays, closure...)
- ``close_day(caller, payload: CloseDay)`` -> ``ClosureResult``: SimpliCité agents only; the
  bookings of the day are removed (``attendance_changed`` with ``closure_reason`` per child
  and activity, so nothing is billed and the family is e-mailed); ``reopen_day(caller, day)``
  lifts the closure (nothing is booked again)
- ``open_school_year(caller, school_year)`` -> ``Rollover``: SimpliCité agents only; a year
  to come is opened: every schooled child moves up a class, and the year's days are hidden
  from families (planning, offer, feed, changes) until ``publish_school_year(caller,
  school_year)`` -> ``Publication``, which announces ``school_year_published`` per family
- ``set_capacity(caller, payload: SetCapacity)`` -> ``Capacity``: SimpliCité agents only; never
  below the places booked; new places go to the waiting list at once (promotions)

Events (exchange ``family.events``): ``attendance_changed``, once per change, consumed by
billing (it prices the days) and notifications (the confirmation e-mail, and the e-mail of
a waiting-list promotion); ``school_year_published``, consumed by notifications (an e-mail
to each linked account).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts import fields_fr as fr
from contracts.base import Event

SERVICE = "family"

ATTENDANCE_CHANGED = "attendance_changed"
SCHOOL_YEAR_PUBLISHED = "school_year_published"

ACTIVITY_CODES = (
    "accueil_matin",
    "restauration_scolaire",
    "garderie_soir",
    "etude_soir",
    "centre_loisirs",
)
CHANGED_BY = ("famille", "agent")
MAX_DAYS = 366


def _dates(**kw) -> fields.List:
    return fields.List(
        fields.Date(error_messages=fr.MESSAGES),
        validate=validate.Length(max=MAX_DAYS),
        error_messages=fr.MESSAGES,
        **kw,
    )


class _ChildTarget(Schema):
    class Meta:
        unknown = EXCLUDE

    family_id = fr.TrimmedString(required=True, error_messages=fr.MESSAGES)
    child_id = fields.Integer(required=True, strict=False, error_messages=fr.MESSAGES)
    activity = fr.choice(ACTIVITY_CODES)


class EnrolChild(_ChildTarget):
    """A typical week (Python weekdays, 0 = Monday) booked from ``start`` to ``end``; the
    centre de loisirs books whole weeks when ``whole_weeks`` is true."""

    weekdays = fields.List(
        fields.Integer(validate=validate.Range(0, 4), error_messages=fr.MESSAGES),
        required=True,
        validate=validate.Length(min=1, max=5, error="Choisissez au moins un jour."),
        error_messages=fr.MESSAGES,
    )
    start = fields.Date(required=True, error_messages=fr.MESSAGES)
    end = fields.Date(required=True, error_messages=fr.MESSAGES)
    whole_weeks = fields.Boolean(load_default=False)


class ChangeAttendance(_ChildTarget):
    add = _dates(load_default=list)
    remove = _dates(load_default=list)
    absent = _dates(load_default=list)


class DayRule(Schema):
    """A day of an activity as the page shows it before the click."""

    date = fields.Date(required=True)
    status = fields.String(required=True, metadata={"description": "libre, reserve, attente"})
    deadline = fields.AwareDateTime(required=True)
    deadline_label = fields.String(required=True)
    open = fields.Boolean(required=True)
    places_left = fields.Integer(required=True)


class ActivityOffer(Schema):
    activity = fields.String(required=True)
    label = fields.String(required=True)
    hours = fields.String(required=True)
    place = fields.String(allow_none=True)
    rule = fields.String(required=True)
    after_deadline = fields.String(required=True)
    by_week = fields.Boolean(required=True)
    days = fields.List(fields.Nested(DayRule), required=True)


class ChildActivities(Schema):
    family_id = fields.String(required=True)
    child_id = fields.Integer(required=True)
    child_first_name = fields.String(required=True)
    activities = fields.List(fields.Nested(ActivityOffer), required=True)


class AttendanceResult(Schema):
    added = fields.List(fields.Date(), required=True)
    removed = fields.List(fields.Date(), required=True)
    absent = fields.List(fields.Date(), required=True)
    waiting = fields.List(fields.Date(), required=True)
    waiting_positions = fields.List(fields.Integer(), required=True)
    past_deadline = fields.List(fields.Date(), required=True)
    withdrawn = fields.List(fields.Date(), load_default=list)
    unbooked_presences = fields.List(fields.Date(), load_default=list)


class PlannedDay(Schema):
    date = fields.Date(required=True)
    activity = fields.String(required=True)
    label = fields.String(required=True)
    starts = fields.String(required=True)
    ends = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "reserve, absent, attente"})
    deadline = fields.AwareDateTime(required=True)
    open = fields.Boolean(required=True)


class Planning(Schema):
    child_id = fields.Integer(required=True)
    child_first_name = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    days = fields.List(fields.Nested(PlannedDay), required=True)


class CalendarFeed(Schema):
    secret = fields.String(required=True)


class AttendanceQuery(Schema):
    activity = fr.choice(ACTIVITY_CODES)
    day = fields.Date(required=True, error_messages=fr.MESSAGES)


class RecordPresence(Schema):
    """What an agent notes on the day: the family number and the child's first name."""

    class Meta:
        unknown = EXCLUDE

    family_id = fr.TrimmedString(required=True, error_messages=fr.MESSAGES)
    child_first_name = fr.text(max_length=100)
    activity = fr.choice(ACTIVITY_CODES)
    day = fields.Date(required=True, error_messages=fr.MESSAGES)


class AbsenceCertificate(Schema):
    """A medical certificate: a PDF or an image (JPEG, PNG, WebP), base64, at most 5 Mo."""

    class Meta:
        unknown = EXCLUDE

    filename = fr.text(max_length=255)
    data = fields.String(required=True, error_messages=fr.MESSAGES)


class JustifyAbsence(_ChildTarget):
    """An agent marks a booked day's absence justified (declared or not yet), with its reason
    and, when the family brought one, the medical certificate."""

    day = fields.Date(required=True, error_messages=fr.MESSAGES)
    reason = fr.text(max_length=500)
    certificate = fields.Nested(AbsenceCertificate, allow_none=True, load_default=None)


class JustifiedAbsence(Schema):
    activity = fields.String(required=True)
    day = fields.Date(required=True)
    reason = fields.String(required=True)
    has_certificate = fields.Boolean(required=True)
    justified_at = fields.AwareDateTime(required=True)


class CloseDay(Schema):
    """An agent closes every activity on a day (a "pont", a strike), saying why."""

    class Meta:
        unknown = EXCLUDE

    day = fields.Date(required=True, error_messages=fr.MESSAGES)
    reason = fr.text(max_length=200)


class ClosureResult(Schema):
    day = fields.Date(required=True)
    removed = fields.Integer(required=True, metadata={"description": "booked days removed"})
    withdrawn = fields.Integer(required=True, metadata={"description": "waiting entries"})


class CalendarDay(Schema):
    date = fields.Date(required=True)
    kind = fields.String(
        required=True,
        metadata={"description": "ecole, loisirs, vacances, ferie, pont, week-end, fermeture"},
    )
    label = fields.String(required=True)


class SchoolCalendar(Schema):
    school_year = fields.String(required=True)
    school_years = fields.List(fields.String(), required=True)
    days = fields.List(fields.Nested(CalendarDay), required=True)
    opened_at = fields.AwareDateTime(load_default=None, allow_none=True)
    published_at = fields.AwareDateTime(load_default=None, allow_none=True)
    can_open = fields.Boolean(load_default=False, metadata={"description": "a year to come"})


class UnmovedChild(Schema):
    family_id = fields.String(required=True)
    first_name = fields.String(required=True)
    class_name = fields.String(required=True)


class Rollover(Schema):
    school_year = fields.String(required=True)
    moved = fields.Integer(required=True, metadata={"description": "children one class up"})
    left = fields.Integer(required=True, metadata={"description": "CM2 leaving for collège"})
    unknown = fields.List(fields.Nested(UnmovedChild), required=True)


class Publication(Schema):
    school_year = fields.String(required=True)
    families = fields.Integer(required=True, metadata={"description": "families told"})


class SchoolYearPublished(Event):
    """The town published a school year's enrolments: one per family with linked accounts."""

    family_id = fields.String(required=True)
    school_year = fields.String(required=True)
    account_ids = fields.List(fields.String(), required=True)
    published_at = fields.AwareDateTime(required=True, format="iso")


class SetCapacity(Schema):
    """An agent's number of places for an activity at a place on a day."""

    class Meta:
        unknown = EXCLUDE

    activity = fr.choice(ACTIVITY_CODES)
    place = fr.text(max_length=100)
    day = fields.Date(required=True, error_messages=fr.MESSAGES)
    capacity = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(0, 1000, error="Entre 0 et 1000 places."),
        error_messages=fr.MESSAGES,
    )


class Capacity(Schema):
    activity = fields.String(required=True)
    place = fields.String(required=True)
    day = fields.Date(required=True)
    capacity = fields.Integer(required=True)
    booked = fields.Integer(required=True)


class ExpectedChild(Schema):
    family_id = fields.String(required=True)
    child_id = fields.Integer(load_default=None, allow_none=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    class_name = fields.String(allow_none=True)
    absent = fields.Boolean(required=True)
    justified = fields.Boolean(load_default=False, metadata={"description": "absence justified"})
    has_certificate = fields.Boolean(
        load_default=False, metadata={"description": "a medical certificate is kept"}
    )
    unbooked = fields.Boolean(load_default=False, metadata={"description": "present, not booked"})


class PlaceAttendance(Schema):
    place = fields.String(required=True)
    capacity = fields.Integer(required=True)
    booked = fields.Integer(required=True)
    children = fields.List(fields.Nested(ExpectedChild), required=True)


class AttendanceList(Schema):
    activity = fields.String(required=True)
    label = fields.String(required=True)
    day = fields.Date(required=True)
    places = fields.List(fields.Nested(PlaceAttendance), required=True)


class AbsenceDay(Schema):
    date = fields.Date(required=True)
    justified = fields.Boolean(required=True)


class AttendanceChanged(Event):
    """A child's attendance of one activity changed (enrolment, days, absences, promotion)."""

    redacted_once_published = ("child_first_name", "child_birth_date")

    family_id = fields.String(required=True)
    child_id = fields.String(required=True)
    child_first_name = fields.String(required=True)
    child_birth_date = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "for billing's childcare certificate (children under 6)"},
    )
    activity = fields.String(required=True, validate=validate.OneOf(ACTIVITY_CODES))
    activity_label = fields.String(required=True)
    added = fields.List(fields.Date(), required=True)
    removed = fields.List(fields.Date(), required=True)
    absences = fields.List(fields.Nested(AbsenceDay), required=True)
    unbooked_presences = fields.List(fields.Date(), required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")
    changed_by = fields.String(required=True, validate=validate.OneOf(CHANGED_BY))
    account_ids = fields.List(
        fields.String(),
        load_default=list,
        metadata={"description": "accounts linked to the family, who get the confirmation"},
    )
    waiting_list_promotion = fields.Boolean(
        load_default=False, metadata={"description": "the days came off the waiting list"}
    )
    closure_reason = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the days were removed because the town closed them (why)"},
    )
