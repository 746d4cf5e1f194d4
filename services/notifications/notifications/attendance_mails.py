"""E-mails about a child's attendance (``family.attendance_changed``): the confirmation of
each change, listing the days added, removed, the absences declared and the days the child
was present without a booking, and the news that a
place freed for days the family was waiting for; and (``family.school_year_published``) the
news that the enrolments of a new school year are online.

They go to every account linked to the family (``account_ids``) whose address the accounts
projection knows and that is open: both parents, when both linked their accounts.
"""

from __future__ import annotations

from contracts.dates_fr import french_date
from notifications.domain import Mail, paris_time

CONFIRMATION_TEMPLATE = "attendance_changed"
PROMOTION_TEMPLATE = "waiting_list_promoted"
SCHOOL_YEAR_TEMPLATE = "school_year_published"
PLANNING_PATH = "/famille/activites"


def attendance_mail(event: dict, recipient: str, public_url: str) -> Mail:
    """The confirmation, or the promotion news when the days came off the waiting list."""
    context = {
        "child_first_name": event["child_first_name"],
        "activity_label": event["activity_label"],
        "added": [french_date(day) for day in event["added"]],
        "removed": [french_date(day) for day in event["removed"]],
        "absences": [
            {"day": french_date(a["date"]), "justified": a["justified"]} for a in event["absences"]
        ],
        "unbooked": [french_date(day) for day in event["unbooked_presences"]],
        "changed_at": paris_time(event["changed_at"]),
        "by_agent": event["changed_by"] == "agent",
        "closure_reason": event.get("closure_reason"),
        "planning_link": f"{public_url.rstrip('/')}{PLANNING_PATH}",
    }
    template = PROMOTION_TEMPLATE if event["waiting_list_promotion"] else CONFIRMATION_TEMPLATE
    return Mail(template, recipient, context)


def school_year_mail(event: dict, recipient: str, public_url: str) -> Mail:
    """The town published a school year: the family sees its enrolments for it online."""
    context = {
        "school_year": event["school_year"].replace("-", "–"),
        "planning_link": f"{public_url.rstrip('/')}{PLANNING_PATH}",
    }
    return Mail(SCHOOL_YEAR_TEMPLATE, recipient, context)
