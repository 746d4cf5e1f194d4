"""How many reports one visitor may send: each report e-mails the address typed in it.

Counted per client address (``report-ip:``, 30 an hour) and per e-mail address
(``report-email:<sha256>``, 20 an hour: a resident walking the town with the form open may send
a dozen, a flood of someone's mailbox stops there) with :mod:`chassis.throttle`, in this service's
database so that every gateway replica shares the counts. Past a limit the report is refused
with ``TooManyRequests`` before its photo is even decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chassis.throttle import Limit, allow, hashed_key, ip_key
from contracts.errors import TooManyRequests

REPORTS_PER_IP = Limit(30, timedelta(hours=1), timedelta(hours=1))
REPORTS_PER_EMAIL = Limit(20, timedelta(hours=1), timedelta(hours=1))
TOO_MANY_REPORTS = (
    "Trop de signalements envoyés depuis cette connexion ou pour cette adresse e-mail : "
    "réessayez dans une heure."
)


def count_submission(lock: Callable[[str], Any], client_ip: str, email: str, now: datetime) -> None:
    """Count one report; ``TooManyRequests`` when its address or its e-mail is over the limit."""
    keys = {
        ip_key("report-ip", client_ip): REPORTS_PER_IP,
        hashed_key("report-email", email): REPORTS_PER_EMAIL,
    }
    for key, limit in keys.items():
        if not allow(lock, key, limit, now):
            raise TooManyRequests(TOO_MANY_REPORTS, limit.retry_after)
