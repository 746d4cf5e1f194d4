"""Rate limits of the accounts service, counted with :mod:`chassis.throttle` in ``login_throttle``.

Login failures count under two keys: the account seen from one address
(``account:<id>@<ip>``, 5 in 15 minutes) and the account from anywhere (``account:<id>``, 20 in
15 minutes). The second one does not apply to an address from which the account already opened
a session: a stranger can slow down the guessing of a password but cannot lock its owner out
from home; every block ends after 15 minutes, and a successful password reset lifts them all.
A failed login on an e-mail without an account counts under ``email:<sha256>`` the same way,
so the limit reveals nothing. Other keys: ``ip:`` (login failures per address), ``reset-ip:``
and ``reset-email:`` (reset links), ``register-ip:`` and ``register-email:`` (registrations,
that is e-mails sent to an address nobody has confirmed yet), ``verify-ip:`` (wrong
confirmation links) and ``current-password:<id>`` (wrong current passwords before a change).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chassis.throttle import Limit, allow, clear, count, hashed_key, ip_key, is_blocked

__all__ = ["allow", "clear", "count", "hashed_key", "ip_key", "is_blocked"]

TOO_MANY = "Trop de tentatives : réessayez dans 15 minutes."
TOO_MANY_MAILS = "Trop de demandes : réessayez dans une heure."

LOGIN_PER_ACCOUNT_AND_IP = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
LOGIN_PER_ACCOUNT = Limit(20, timedelta(minutes=15), timedelta(minutes=15))
LOGIN_PER_IP = Limit(20, timedelta(minutes=15), timedelta(minutes=15))
RESET_PER_EMAIL = Limit(3, timedelta(hours=1), timedelta(hours=1))
RESET_PER_IP = Limit(5, timedelta(hours=1), timedelta(hours=1))
REGISTER_PER_EMAIL = Limit(3, timedelta(hours=1), timedelta(hours=1))
REGISTER_PER_IP = Limit(20, timedelta(hours=1), timedelta(hours=1))
VERIFY_PER_IP = Limit(20, timedelta(minutes=15), timedelta(minutes=15))
CURRENT_PASSWORD = Limit(5, timedelta(minutes=15), timedelta(minutes=15))


def account_key(account: Any, email: str) -> str:
    """The per-account login key, also for an e-mail that has no account."""
    if account is not None:
        return f"account:{account.id}"
    return hashed_key("email", email)


def account_ip_key(account: Any, email: str, client_ip: str) -> str:
    """The per-account key seen from one address."""
    return f"{account_key(account, email)}@{client_ip}"
