"""Entrypoints of the ``accounts`` service: load, authorize, decide, store with its events, dump.

The RPC methods are those listed in :mod:`contracts.accounts`; the rules live in
:mod:`accounts.domain`, :mod:`accounts.credentials`, :mod:`accounts.franceconnect` and
:mod:`accounts.agents`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nameko.rpc import rpc

from accounts import agents, credentials, domain, franceconnect, purges, sessions, tokens
from accounts.events import emitter
from accounts.models import Base
from accounts.repository import Accounts
from accounts.views import account_view, display_name, identity_view
from chassis import health, identity, retention
from chassis.database import Database
from chassis.logging import Correlation
from chassis.outbox import Outbox
from chassis.types import utcnow
from contracts import accounts, paging
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED

ADMIN = ("admin",)
SESSION_IDENTITY = accounts.SessionIdentity()
"""Built once: ``resolve_session`` answers on every page a logged-in person opens."""


class AccountsService(health.Health, retention.Retention):
    """Citizen and agent accounts, their sessions and FranceConnect links."""

    name = accounts.SERVICE
    retention_rules = purges.RULES

    db = Database(Base)
    outbox = Outbox()
    correlation = Correlation()
    callers = identity.CallerVerification()

    # anonymous citizens

    @rpc(expected_exceptions=EXPECTED)
    def register(self, caller, payload):
        """Create an account (contracts.accounts.Register); the answer never tells it existed."""
        identity.load(caller)
        data = load_or_invalid(accounts.Register(), payload)
        with self.db.session() as session:
            registered = domain.register(
                Accounts(session), emitter(self.outbox, session), data, utcnow()
            )
        return accounts.Registered().dump(registered)

    @rpc(expected_exceptions=EXPECTED)
    def verify_email(self, caller, token, client_ip=""):
        """Confirm an address from its e-mailed link; wrong links are counted per IP."""
        identity.load(caller)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            outcome = domain.verify_email(store, emit, token, str(client_ip or ""), utcnow())
        return accounts.Account().dump(outcome.unwrap())

    @rpc(expected_exceptions=EXPECTED)
    def login(self, caller, payload):
        """Open a session with e-mail and password (contracts.accounts.Login)."""
        identity.load(caller)
        data = load_or_invalid(accounts.Login(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            outcome = credentials.login(store, emit, data, utcnow())
        return accounts.SessionOpened().dump(outcome.unwrap())

    @rpc(expected_exceptions=EXPECTED)
    def request_password_reset(self, caller, payload):
        """E-mail a reset link if the account exists; always answers ``{}``."""
        identity.load(caller)
        data = load_or_invalid(accounts.RequestPasswordReset(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            return credentials.request_password_reset(store, emit, data, utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def reset_password(self, caller, payload):
        """Set a new password from a reset link; every session of the account ends."""
        identity.load(caller)
        data = load_or_invalid(accounts.ResetPassword(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            return credentials.reset_password(store, emit, data, utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def franceconnect_login(self, caller, payload):
        """Open a session for a FranceConnect identity the gateway has verified."""
        identity.load(caller)
        data = load_or_invalid(accounts.FranceConnectLogin(), payload)
        with self.db.session() as session:
            opened = franceconnect.login(
                Accounts(session), data["identity"], data["client_ip"], utcnow()
            )
        return accounts.SessionOpened().dump(opened)

    @rpc(expected_exceptions=EXPECTED)
    def resolve_session(self, caller, session_token):
        """Who the session cookie belongs to (SessionIdentity); NotFound once it has ended."""
        identity.load(caller)
        with self.db.session() as session:
            row = sessions.resolve(Accounts(session), session_token, utcnow())
            view = identity_view(row.account, row.via_franceconnect)
        return SESSION_IDENTITY.dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def logout(self, caller, session_token):
        """End the session of this token, if it is one."""
        identity.load(caller)
        with self.db.session() as session:
            if isinstance(session_token, str):
                found = Accounts(session).find_session(tokens.token_hash(session_token))
                sessions.revoke(found, utcnow())
        return {}

    # logged-in citizens and agents

    @rpc(expected_exceptions=EXPECTED)
    def get_account(self, caller):
        who = identity.load(caller)
        with self.db.session() as session:
            account = domain.caller_account(Accounts(session), who)
            return accounts.Account().dump(account_view(account))

    @rpc(expected_exceptions=EXPECTED)
    def update_profile(self, caller, payload):
        """Household details that prefill every form (contracts.accounts.Profile)."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.Profile(), payload)
        with self.db.session() as session:
            account = domain.caller_account(Accounts(session), who)
            domain.update_profile(account, data)
            return accounts.Account().dump(account_view(account))

    @rpc(expected_exceptions=EXPECTED)
    def update_preferences(self, caller, payload):
        """Whether the citizen gets progress e-mails (contracts.accounts.Preferences)."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.Preferences(), payload)
        with self.db.session() as session:
            account = domain.caller_account(Accounts(session), who)
            domain.update_preferences(emitter(self.outbox, session), account, data)
            return accounts.Account().dump(account_view(account))

    @rpc(expected_exceptions=EXPECTED)
    def change_password(self, caller, payload):
        """New password; every other session ends and the caller gets a new one."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.ChangePassword(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            outcome = credentials.change_password(store, emit, who, data, utcnow())
        return accounts.SessionOpened().dump(outcome.unwrap())

    @rpc(expected_exceptions=EXPECTED)
    def change_email(self, caller, payload):
        """Send a confirmation link to the new address; it changes when the link is followed."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.ChangeEmail(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            account = domain.caller_account(store, who)
            outcome = domain.change_email(store, emit, account, data, utcnow())
        outcome.unwrap()
        return {}

    @rpc(expected_exceptions=EXPECTED)
    def link_franceconnect(self, caller, payload):
        """Tie a verified FranceConnect identity to the logged-in account."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.FranceConnectLogin(), payload)
        with self.db.session() as session:
            store = Accounts(session)
            account = domain.caller_account(store, who)
            franceconnect.link(store, account, data["identity"], utcnow())
            return accounts.Account().dump(account_view(account))

    @rpc(expected_exceptions=EXPECTED)
    def confirm_reauthentication(self, caller, payload):
        """Record on the session a FranceConnect re-authentication (Reauthentication)."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.Reauthentication(), payload)
        auth_time = datetime.fromtimestamp(data["auth_time"], UTC)
        with self.db.session() as session:
            store = Accounts(session)
            account = domain.caller_account(store, who)
            sub, token = data["identity"]["sub"], data["session_token"]
            sessions.record_reauthentication(store, account, token, sub, auth_time, utcnow())
        return {}

    @rpc(expected_exceptions=EXPECTED)
    def unlink_franceconnect(self, caller):
        """Remove the FranceConnect link, unless it is the only way in."""
        who = identity.load(caller)
        with self.db.session() as session:
            store = Accounts(session)
            account = domain.caller_account(store, who)
            franceconnect.unlink(store, account)
            return accounts.Account().dump(account_view(account))

    @rpc(expected_exceptions=EXPECTED)
    def export_data(self, caller):
        """Everything kept about the account, for the citizen to download (AccountExport)."""
        who = identity.load(caller)
        with self.db.session() as session:
            store = Accounts(session)
            export = domain.export_data(store, domain.caller_account(store, who), utcnow())
            return accounts.AccountExport().dump(export)

    @rpc(expected_exceptions=EXPECTED)
    def close_account(self, caller, payload):
        """Anonymize the account and end its sessions (contracts.accounts.CloseAccount)."""
        who = identity.load(caller)
        data = load_or_invalid(accounts.CloseAccount(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            account = domain.caller_account(store, who)
            outcome = domain.close_account(store, emit, account, data, utcnow())
        outcome.unwrap()
        return {}

    # administrators

    @rpc(expected_exceptions=EXPECTED)
    def create_agent(self, caller, payload):
        """An agent account with roles; the agent is invited by e-mail (CreateAgent)."""
        identity.require_role(caller, ADMIN)
        data = load_or_invalid(accounts.CreateAgent(), payload)
        with self.db.session() as session:
            store, emit = Accounts(session), emitter(self.outbox, session)
            agent = agents.create_agent(store, emit, data, utcnow())
            return accounts.Account().dump(account_view(agent))

    @rpc(expected_exceptions=EXPECTED)
    def list_agents(self, caller, page=None, size=None):
        """One page of agent accounts, by name (contracts.accounts.AccountPage)."""
        identity.require_role(caller, ADMIN)
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            found, total = Accounts(session).agents(page, size)
            views = [account_view(agent) for agent in found]
        return accounts.AccountPage().dump(paging.page_view(views, page, size, total))

    @rpc(expected_exceptions=EXPECTED)
    def list_agents_with_role(self, caller, role):
        """The enabled agents of ``role``, id and name only (AgentName), for its agents and
        administrators."""
        agents.require_colleague(caller, role)
        with self.db.session() as session:
            found = Accounts(session).agents_with_role(role, accounts.AGENTS_WITH_ROLE_LIMIT)
            names = [{"account_id": a.id, "display_name": display_name(a)} for a in found]
        return accounts.AgentName(many=True).dump(names)

    @rpc(expected_exceptions=EXPECTED)
    def set_agent_roles(self, caller, account_id, payload):
        """Replace an agent's roles (contracts.accounts.AgentRoles)."""
        admin = identity.require_role(caller, ADMIN)
        data = load_or_invalid(accounts.AgentRoles(), payload)
        with self.db.session() as session:
            agent = agents.set_roles(Accounts(session), admin, account_id, data["roles"])
            return accounts.Account().dump(account_view(agent))

    @rpc(expected_exceptions=EXPECTED)
    def set_agent_disabled(self, caller, account_id, payload):
        """Disable an agent, ending their sessions, or enable them again (AgentStatus)."""
        admin = identity.require_role(caller, ADMIN)
        data = load_or_invalid(accounts.AgentStatus(), payload)
        with self.db.session() as session:
            store = Accounts(session)
            agent = agents.set_disabled(store, admin, account_id, data["disabled"], utcnow())
            return accounts.Account().dump(account_view(agent))
