"""How many reports and démarche requests one visitor may send: each e-mails the address
typed in it, so both count in one budget.

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
TOO_MANY_DEMARCHES = (
    "Trop de demandes (démarches et signalements) envoyées depuis cette connexion ou pour "
    "cette adresse e-mail : réessayez dans une heure."
)


def count_submission(
    lock: Callable[[str], Any],
    client_ip: str,
    email: str,
    now: datetime,
    refusal: str = TOO_MANY_REPORTS,
) -> None:
    """Count one report or request; ``TooManyRequests`` with ``refusal`` when its address or
    its e-mail is over the limit."""
    keys = {
        ip_key("report-ip", client_ip): REPORTS_PER_IP,
        hashed_key("report-email", email): REPORTS_PER_EMAIL,
    }
    for key, limit in keys.items():
        if not allow(lock, key, limit, now):
            raise TooManyRequests(refusal, limit.retry_after)
