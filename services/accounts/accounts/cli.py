"""Command line of the accounts service, for operators and the local run.

    python -m accounts.cli create-agent --email E --given-name G --family-name F \
        --role admin [--role agent_regie] [--password P]

Without ``--password`` the agent is invited by e-mail (a 72-hour link), exactly as from the
admin page. With it, the password is set directly and the address counts as confirmed: this
is how the local run creates its demo administrator. The database is the service's own
(``ACCOUNTS_DATABASE_URL``); the account and its event are written in one transaction, and
the running service relays the event from the outbox.
"""

from __future__ import annotations

import argparse
import sys

from accounts import agents
from accounts.events import emitter
from accounts.models import Base
from accounts.repository import Accounts
from chassis import config, tables
from chassis.database import Sessions, make_engine
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from contracts import accounts
from contracts.base import load_or_invalid
from contracts.errors import PortalError
from contracts.identity import ROLES


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m accounts.cli", description=__doc__.split("\n")[0]
    )
    commands = root.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-agent", help="create an agent account with roles")
    create.add_argument("--email", required=True)
    create.add_argument("--given-name", required=True)
    create.add_argument("--family-name", required=True)
    create.add_argument("--role", dest="roles", action="append", required=True, choices=ROLES)
    create.add_argument("--password", help="set this password now instead of an invitation")
    return root


def create_agent(arguments: argparse.Namespace, database_url: str) -> dict:
    """Create the agent through the domain rules, with its event in the outbox."""
    payload = {
        "email": arguments.email,
        "given_name": arguments.given_name,
        "family_name": arguments.family_name,
        "roles": arguments.roles,
    }
    data = load_or_invalid(accounts.CreateAgent(), payload)
    sessions = Sessions(make_engine(database_url), Base.metadata)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    try:
        with sessions.session() as session:
            now = utcnow()
            emit = emitter(outbox, session)
            agent = agents.create_agent(
                Accounts(session), emit, data, now, password=arguments.password
            )
            return {"id": agent.id, "email": agent.email, "roles": agent.roles}
    finally:
        sessions.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        agent = create_agent(arguments, config.database_url("accounts"))
    except PortalError as error:
        details = getattr(error, "fields", {})
        lines = [str(error), *(f"  {name}: {m}" for name, ms in details.items() for m in ms)]
        print("\n".join(lines), file=sys.stderr)
        return 1
    print(f"Agent {agent['email']} créé ({', '.join(agent['roles'])}), id {agent['id']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
