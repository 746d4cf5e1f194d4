"""What each ``accounts`` event says to the citizen or the agent, free of nameko and SMTP.

These are transactional e-mails: they are always sent, whatever the progress e-mail preference.
Links point at the gateway's pages:

- ``/compte/confirmation?jeton=<token>``: confirm an address (registration, change of e-mail);
- ``/mot-de-passe/nouveau?jeton=<token>``: choose a password (forgotten, agent invitation);
- ``/connexion`` and ``/mot-de-passe-oublie``: plain pages, without a token.

The validity shown comes from the event's ``expires_at``, in the town's time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

from contracts import accounts
from notifications.domain import Mail, paris_time

CONFIRMATION_PATH = "/compte/confirmation"
NEW_PASSWORD_PATH = "/mot-de-passe/nouveau"
LOGIN_PATH = "/connexion"
FORGOTTEN_PASSWORD_PATH = "/mot-de-passe-oublie"

AGENT_INVITATION_TEMPLATE = "agent_invitation"
PASSWORD_RESET_TEMPLATE = "password_reset"


def page_link(public_url: str, path: str) -> str:
    return f"{public_url.rstrip('/')}{path}"


def token_link(public_url: str, path: str, token: str) -> str:
    """A page of the gateway with a single-use token: ``{public_url}{path}?jeton=<token>``."""
    return f"{page_link(public_url, path)}?jeton={quote(token, safe='')}"


def duration_fr(delta: timedelta) -> str:
    """``1 heure``, ``24 heures``, ``30 minutes``: how long a link stays valid."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    hours = round(minutes / 60)
    return "1 heure" if hours == 1 else f"{hours} heures"


def validity(event: dict) -> dict:
    """``valid_for`` (a duration) and ``valid_until`` (a Paris time) of the event's link."""
    return {
        "valid_for": duration_fr(event["expires_at"] - event["occurred_at"]),
        "valid_until": paris_time(event["expires_at"]),
    }


def verification_mail(event: dict, public_url: str) -> Mail:
    """After registration: confirm the address with a link.

    The address is not confirmed yet, so nothing the registrant typed (such as a name) is
    echoed: a registration cannot carry someone's text to a stranger's mailbox.
    """
    link = token_link(public_url, CONFIRMATION_PATH, event["verification_token"])
    context = {"link": link, **validity(event)}
    return Mail(accounts.ACCOUNT_REGISTERED, event["email"], context)


def duplicate_registration_mail(event: dict, public_url: str) -> Mail:
    """Someone registered with an address that has an account: log in or reset the password."""
    context = {
        "login_link": page_link(public_url, LOGIN_PATH),
        "forgotten_link": page_link(public_url, FORGOTTEN_PASSWORD_PATH),
    }
    return Mail(accounts.DUPLICATE_REGISTRATION_ATTEMPTED, event["email"], context)


def password_reset_mail(event: dict, public_url: str) -> Mail:
    """A link to choose a password: after "mot de passe oublié", or to an invited agent."""
    invited = event["reason"] == "agent_invitation"
    template = AGENT_INVITATION_TEMPLATE if invited else PASSWORD_RESET_TEMPLATE
    link = token_link(public_url, NEW_PASSWORD_PATH, event["reset_token"])
    return Mail(template, event["email"], {"link": link, **validity(event)})


def password_changed_mail(event: dict, public_url: str) -> Mail:
    """Security notice: the password changed; what to do if it was not the account holder."""
    context = {
        "changed_at": paris_time(event["occurred_at"]),
        "forgotten_link": page_link(public_url, FORGOTTEN_PASSWORD_PATH),
    }
    return Mail(accounts.PASSWORD_CHANGED, event["email"], context)


def email_change_mail(event: dict, public_url: str) -> Mail:
    """To the new address: confirm it with a link before it replaces the old one."""
    link = token_link(public_url, CONFIRMATION_PATH, event["verification_token"])
    context = {"new_email": event["new_email"], "link": link, **validity(event)}
    return Mail(accounts.EMAIL_CHANGE_REQUESTED, event["new_email"], context)


def email_changed_mail(event: dict, public_url: str) -> Mail:
    """To the previous address: the account now uses another one."""
    context = {
        "new_email": event["email"],
        "changed_at": paris_time(event["occurred_at"]),
        "login_link": page_link(public_url, LOGIN_PATH),
    }
    return Mail(accounts.ACCOUNT_EMAIL_CHANGED, event["previous_email"], context)


BUILDERS: dict[str, Callable[[dict, str], Mail]] = {
    accounts.ACCOUNT_REGISTERED: verification_mail,
    accounts.DUPLICATE_REGISTRATION_ATTEMPTED: duplicate_registration_mail,
    accounts.PASSWORD_RESET_REQUESTED: password_reset_mail,
    accounts.PASSWORD_CHANGED: password_changed_mail,
    accounts.EMAIL_CHANGE_REQUESTED: email_change_mail,
    accounts.ACCOUNT_EMAIL_CHANGED: email_changed_mail,
}
"""The e-mail each ``accounts`` event gives (``account_closed`` and preferences give none)."""


def account_mail(event_type: str, event: dict, public_url: str) -> Mail:
    return BUILDERS[event_type](event, public_url)
