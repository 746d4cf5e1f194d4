"""Unit tier: the rules with plain objects, an in-memory store and a list of events.

No database, no broker, no nameko: what is tested here is what ``domain``, ``credentials``,
``franceconnect``, ``agents``, ``sessions``, ``throttle`` and ``passwords`` decide.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


class FakeStore:
    """An in-memory ``domain.Store``: lists of plain objects."""

    def __init__(self) -> None:
        self.accounts: list[SimpleNamespace] = []
        self.links: list[SimpleNamespace] = []
        self.email_tokens: list[SimpleNamespace] = []
        self.login_sessions: list[SimpleNamespace] = []
        self.throttles: dict[str, SimpleNamespace] = {}
        self.forgotten: list[str] = []

    def add(self, **fields):
        account = SimpleNamespace(id=str(uuid.uuid4()), franceconnect=None, **fields)
        self.accounts.append(account)
        return account

    def get(self, account_id):
        return next((a for a in self.accounts if a.id == account_id), None)

    def find_by_email(self, email):
        return next((a for a in self.accounts if a.email == email and not a.closed_at), None)

    def agents(self):
        return [a for a in self.accounts if a.kind == "agent" and not a.closed_at]

    def find_link(self, sub):
        return next((a.franceconnect for a in self.accounts if self._sub(a) == sub), None)

    def link(self, account, *, sub, identity, now):
        account.franceconnect = SimpleNamespace(
            sub=sub, identity=identity, linked_at=now, account=account, account_id=account.id
        )

    def unlink(self, account):
        account.franceconnect = None

    def add_token(self, account, **fields):
        token = SimpleNamespace(account=account, account_id=account.id, **fields)
        self.email_tokens.append(token)
        return token

    def find_token(self, token_hash, purposes):
        return next(
            (t for t in self.email_tokens if t.token_hash == token_hash and t.purpose in purposes),
            None,
        )

    def tokens(self, account, purpose):
        return [t for t in self.email_tokens if t.account is account and t.purpose == purpose]

    def delete_tokens(self, account):
        self.email_tokens = [t for t in self.email_tokens if t.account is not account]

    def forget_in_event_copies(self, values):
        self.forgotten.extend(values)

    def add_session(self, account, **fields):
        row = SimpleNamespace(account=account, account_id=account.id, revoked_at=None, **fields)
        self.login_sessions.append(row)
        return row

    def find_session(self, token_hash):
        return next((s for s in self.login_sessions if s.token_hash == token_hash), None)

    def sessions(self, account):
        return [s for s in self.login_sessions if s.account is account]

    def find_throttle(self, key):
        return self.throttles.get(key)

    def throttle(self, key):
        return self.throttles.setdefault(
            key, SimpleNamespace(key=key, failures=0, window_start=None, blocked_until=None)
        )

    def account_throttles(self, account):
        key = f"account:{account.id}"
        return [row for name, row in self.throttles.items() if name.split("@")[0] == key]

    def known_ip(self, account, client_ip):
        return any(row.client_ip == client_ip for row in self.sessions(account)) and bool(client_ip)

    @staticmethod
    def _sub(account):
        return account.franceconnect.sub if account.franceconnect else None


class Events(list):
    """``emit`` for the rules: keeps (event type, data) in order."""

    def __call__(self, event_type, data):
        self.append((event_type, data))

    def of(self, event_type):
        return [data for kind, data in self if kind == event_type]


@pytest.fixture
def store():
    return FakeStore()


@pytest.fixture
def emit():
    return Events()
