"""Operator commands for a service's dead letters and set-aside events (``chassis.stranded``).

Run in the service's container, with its settings (database URL, broker login):

    python -m chassis.admin SERVICE dead-letters list
    python -m chassis.admin SERVICE dead-letters show ID
    python -m chassis.admin SERVICE dead-letters replay ID
    python -m chassis.admin SERVICE dead-letters discard ID
    python -m chassis.admin SERVICE set-aside list|show ID|discard ID
    python -m chassis.admin SERVICE set-aside replay ID [--accept-redacted]

``list`` prints one line per row (id, time, event type, handler or event id, error);
``show`` the whole row as JSON. Runbook: docs/operations.md, "Dead letters and set-aside
events". Exit status 0 on success, 1 when the row does not exist or the replay was refused,
2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from chassis import config
from chassis.database import make_engine
from chassis.stranded import KINDS, NotFound, Stranded


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chassis.admin", description=__doc__.split("\n")[0]
    )
    parser.add_argument("service", help="the service whose database holds the rows (requests...)")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("action", choices=("list", "show", "replay", "discard"))
    parser.add_argument("id", type=int, nargs="?", help="the row's id (all but list)")
    parser.add_argument(
        "--accept-redacted",
        action="store_true",
        help="replay a set-aside event even though some of its fields were emptied",
    )
    arguments = parser.parse_args(argv)
    if arguments.action != "list" and arguments.id is None:
        parser.error(f"{arguments.action} needs the row's id")
    return arguments


def line(kind: str, row: dict) -> str:
    if kind == "dead-letters":
        when, what = (
            row["failed_at"],
            f"{row['source_service']}.{row['event_type']} -> {row['handler']}",
        )
        error = row["error"]
    else:
        when, what, error = (
            row["created_at"],
            f"{row['event_type']} {row['event_id']}",
            row["last_error"],
        )
    first_line = (error or "").splitlines()[0] if error else ""
    return f"{row['id']}\t{when:%Y-%m-%d %H:%M:%S}\t{what}\t{first_line[:120]}"


def run(arguments: argparse.Namespace, out=sys.stdout) -> int:
    engine = make_engine(config.database_url(arguments.service))
    stranded = Stranded(engine, arguments.service)
    kind, row_id = arguments.kind, arguments.id
    try:
        if arguments.action == "list":
            rows = stranded.list(kind)
            for row in rows:
                print(line(kind, row), file=out)
            print(f"{len(rows)} {kind}", file=out)
        elif arguments.action == "show":
            print(
                json.dumps(stranded.get(kind, row_id), default=str, indent=2, ensure_ascii=False),
                file=out,
            )
        elif arguments.action == "discard":
            stranded.discard(kind, row_id)
            print(f"{kind} {row_id} discarded", file=out)
        elif kind == "dead-letters":
            queue = stranded.replay_dead_letter(row_id, config.amqp_uri())
            print(f"dead letter {row_id} replayed to {queue}", file=out)
        else:
            redacted = stranded.redacted_fields(row_id)
            if redacted and not arguments.accept_redacted:
                print(
                    f"set-aside event {row_id}: {', '.join(redacted)} were emptied when it was set "
                    "aside; replay with --accept-redacted to send it without them",
                    file=out,
                )
                return 1
            stranded.replay_set_aside(row_id)
            print(f"set-aside event {row_id} pending again: the relay publishes it", file=out)
    except NotFound as error:
        print(error, file=out)
        return 1
    finally:
        engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse(argv))


if __name__ == "__main__":
    sys.exit(main())
