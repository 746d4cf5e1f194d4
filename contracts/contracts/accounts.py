"""Contracts of the ``accounts`` service: citizen and agent accounts, sessions, FranceConnect.

RPC (service ``accounts``), each taking ``caller`` (contracts.identity.Caller) first:

Citizens, anonymous caller:
- ``register(caller, Register)`` -> ``Registered`` (same answer whether the e-mail is new or not)
- ``verify_email(caller, token, client_ip="")`` -> ``Account`` (NotFound for an unknown, used or
  expired token; Conflict when a new address was taken meanwhile)
- ``login(caller, Login)`` -> ``SessionOpened`` (Forbidden with one generic message otherwise)
- ``request_password_reset(caller, RequestPasswordReset)`` -> ``{}`` (always)
- ``reset_password(caller, ResetPassword)`` -> ``{}`` (every session of the account ends)
- ``franceconnect_login(caller, FranceConnectLogin)`` -> ``SessionOpened``
- ``resolve_session(caller, session_token)`` -> ``SessionIdentity`` (NotFound when revoked/expired)
- ``logout(caller, session_token)`` -> ``{}``

A logged-in citizen (caller.account_id set by the gateway from ``resolve_session``):
- ``get_account(caller)`` -> ``Account``
- ``update_profile(caller, Profile)`` -> ``Account``
- ``update_preferences(caller, Preferences)`` -> ``Account``
- ``change_password(caller, ChangePassword)`` -> ``SessionOpened`` (new session, others end)
- ``change_email(caller, ChangeEmail)`` -> ``{}`` (a link is sent to the new address; an account
  without password must have re-authenticated with FranceConnect in the last 5 minutes)
- ``confirm_reauthentication(caller, Reauthentication)`` -> ``{}`` (the session's FranceConnect
  re-authentication, as the gateway verified it)
- ``link_franceconnect(caller, FranceConnectLogin)`` -> ``Account``
- ``unlink_franceconnect(caller)`` -> ``Account`` (Conflict when it is the only way in)
- ``export_data(caller)`` -> ``AccountExport``
- ``close_account(caller, CloseAccount)`` -> ``{}`` (same re-authentication rule as change_email)

Administrators (role ``admin``):
- ``create_agent(caller, CreateAgent)`` -> ``Account`` (an invitation link is e-mailed)
- ``list_agents(caller, page=1, size=50)`` -> ``AccountPage`` (a page of ``Account``, see
  :mod:`contracts.paging`)
- ``set_agent_roles(caller, account_id, AgentRoles)`` -> ``Account``
- ``set_agent_disabled(caller, account_id, AgentStatus)`` -> ``Account`` (disabling ends the
  agent's sessions and refuses their logins until re-enabled)

Agents of a role, and administrators:
- ``list_agents_with_role(caller, role)`` -> ``AgentName`` many: the enabled agents holding
  ``role``, by name, redacted to id and display name (to hand a request to a colleague);
  Forbidden to a caller who holds neither ``role`` nor ``admin``, Invalid for an unknown role

Events (exchange ``accounts.events``): see the constants below.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts import fields_fr as fr
from contracts.base import Event
from contracts.identity import ROLES
from contracts.paging import page_of

SERVICE = "accounts"

ACCOUNT_REGISTERED = "account_registered"
DUPLICATE_REGISTRATION_ATTEMPTED = "duplicate_registration_attempted"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_CHANGED = "password_changed"
EMAIL_CHANGE_REQUESTED = "email_change_requested"
ACCOUNT_EMAIL_CHANGED = "account_email_changed"
NOTIFICATION_PREFERENCES_CHANGED = "notification_preferences_changed"
ACCOUNT_CLOSED = "account_closed"

CIVILITIES = {"madame": "Madame", "monsieur": "Monsieur"}
ACCOUNT_KINDS = ("citizen", "agent")
RESET_REASONS = ("forgotten_password", "agent_invitation")


class _Input(Schema):
    class Meta:
        unknown = EXCLUDE


def password(**kw) -> fields.String:
    """A password as typed: never trimmed; its strength: contracts.password_policy."""
    return fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=256, error="Mot de passe obligatoire (256 caractères au plus)."
        ),
        error_messages=fr.MESSAGES,
        **kw,
    )


class Profile(_Input):
    """Household details that prefill every form."""

    civility = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([*CIVILITIES, ""], error="Choix inconnu."),
    )
    given_name = fr.text(max_length=100, required=False, load_default="")
    family_name = fr.text(max_length=100, required=False, load_default="")
    street = fr.text(max_length=200, required=False, load_default="")
    postal_code = fields.String(
        load_default="",
        validate=validate.Regexp(r"^(\d{5})?$", error="Code postal à 5 chiffres."),
    )
    city = fr.text(max_length=100, required=False, load_default="")
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^(\+?[\d .-]{10,20})?$",
            error="Numéro de téléphone invalide (exemple : 04 78 98 88 00).",
        ),
    )


class Preferences(_Input):
    email_notifications = fields.Boolean(required=True, error_messages=fr.MESSAGES)


class Register(Profile):
    email = fr.email()
    password = password()
    email_notifications = fields.Boolean(load_default=True)
    client_ip = fields.String(load_default="")


class Registered(Schema):
    """Always the same answer, so registration does not reveal which e-mails have accounts."""

    email = fields.String(required=True)


class Login(_Input):
    email = fr.email()
    password = password()
    client_ip = fields.String(load_default="")


class RequestPasswordReset(_Input):
    email = fr.email()
    client_ip = fields.String(load_default="")


class ResetPassword(_Input):
    token = fields.String(required=True, error_messages=fr.MESSAGES)
    password = password()


class ChangePassword(_Input):
    current_password = fields.String(load_default="")
    new_password = password()
    session_token = fields.String(required=True)


class ChangeEmail(_Input):
    new_email = fr.email()
    current_password = fields.String(load_default="")
    session_token = fields.String(load_default="")
    """The caller's session, where a FranceConnect re-authentication is recorded."""


class CloseAccount(_Input):
    current_password = fields.String(load_default="")
    session_token = fields.String(load_default="")
    confirm = fields.Boolean(
        required=True,
        validate=validate.Equal(True, error="Cochez la case pour confirmer."),
        error_messages=fr.MESSAGES,
    )


class FranceConnectIdentity(_Input):
    """The identité pivot as FranceConnect's userinfo gives it."""

    sub = fields.String(required=True, validate=validate.Length(min=1, max=255))
    given_name = fields.String(load_default="")
    family_name = fields.String(load_default="")
    birthdate = fields.String(load_default="")
    gender = fields.String(load_default="")
    birthplace = fields.String(load_default="")
    birthcountry = fields.String(load_default="")
    email = fields.String(load_default="")


class FranceConnectLogin(_Input):
    identity = fields.Nested(FranceConnectIdentity, required=True)
    client_ip = fields.String(load_default="")


class Reauthentication(_Input):
    """A FranceConnect re-authentication (``prompt=login``) the gateway verified."""

    session_token = fields.String(required=True)
    identity = fields.Nested(FranceConnectIdentity, required=True)
    auth_time = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=2**33)
    )


class CreateAgent(_Input):
    email = fr.email()
    given_name = fr.text(max_length=100)
    family_name = fr.text(max_length=100)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES, error="Rôle inconnu.")),
        required=True,
        validate=validate.Length(min=1, error="Choisissez au moins un rôle."),
        error_messages=fr.MESSAGES,
    )


class AgentRoles(_Input):
    roles = CreateAgent._declared_fields["roles"]


class AgentStatus(_Input):
    disabled = fields.Boolean(required=True, error_messages=fr.MESSAGES)


class Account(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    email = fields.String(required=True)
    email_verified = fields.Boolean(required=True)
    civility = fields.String(allow_none=True)
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    street = fields.String(required=True)
    postal_code = fields.String(required=True)
    city = fields.String(required=True)
    phone = fields.String(required=True)
    email_notifications = fields.Boolean(required=True)
    has_password = fields.Boolean(required=True)
    franceconnect_linked = fields.Boolean(required=True)
    roles = fields.List(fields.String(), required=True)
    created_at = fields.AwareDateTime(required=True, format="iso")
    disabled = fields.Boolean(load_default=False)


AccountPage = page_of(Account)


AGENTS_WITH_ROLE_LIMIT = 500
"""At most this many agents in a role's list (a town's team is far smaller)."""


class AgentName(Schema):
    """An agent as a colleague sees them: nothing but who they are."""

    account_id = fields.String(required=True)
    display_name = fields.String(required=True)


class SessionIdentity(Schema):
    """Who a session belongs to: the gateway builds the RPC caller from it."""

    account_id = fields.String(required=True)
    kind = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    family_id = fields.String(allow_none=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    via_franceconnect = fields.Boolean(required=True)


class SessionOpened(Schema):
    """A new server-side session: the token goes in the cookie, only its hash is stored."""

    session_token = fields.String(required=True)
    identity = fields.Nested(SessionIdentity, required=True)


class AccountExport(Schema):
    account = fields.Nested(Account, required=True)
    franceconnect = fields.Dict(allow_none=True)
    sessions = fields.List(fields.Dict(), required=True)
    exported_at = fields.AwareDateTime(required=True, format="iso")


class AccountRegistered(Event):
    redacted_once_published = ("email", "given_name", "verification_token")

    account_id = fields.String(required=True)
    email = fields.String(required=True)
    given_name = fields.String(required=True)
    verification_token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True, format="iso")
    email_notifications = fields.Boolean(required=True)


class DuplicateRegistrationAttempted(Event):
    redacted_once_published = ("email",)

    account_id = fields.String(required=True)
    email = fields.String(required=True)


class PasswordResetRequested(Event):
    redacted_once_published = ("email", "reset_token")

    account_id = fields.String(required=True)
    email = fields.String(required=True)
    reset_token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True, format="iso")
    reason = fields.String(required=True, validate=validate.OneOf(RESET_REASONS))


class PasswordChanged(Event):
    redacted_once_published = ("email",)

    account_id = fields.String(required=True)
    email = fields.String(required=True)


class EmailChangeRequested(Event):
    redacted_once_published = ("new_email", "verification_token")

    account_id = fields.String(required=True)
    new_email = fields.String(required=True)
    verification_token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True, format="iso")


class AccountEmailChanged(Event):
    redacted_once_published = ("previous_email", "email")

    account_id = fields.String(required=True)
    previous_email = fields.String(required=True)
    email = fields.String(required=True)


class NotificationPreferencesChanged(Event):
    account_id = fields.String(required=True)
    email_notifications = fields.Boolean(required=True)


class AccountClosed(Event):
    """``email``: the address the account had, so that each service forgets its copies of it."""

    redacted_once_published = ("email",)

    account_id = fields.String(required=True)
    email = fields.String(load_default="")
