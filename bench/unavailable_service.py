"""Benchmark: how fast the gateway answers when the service behind a page is stopped.

    .venv/bin/python -P bench/unavailable_service.py [--seconds N]

Starts the whole portal once (``devstack.stack.start_stack``), logs in as the stack's
administrator, and measures with 1 client, beside the ``GET /healthz`` baseline of the same
run: ``GET /readyz``, the admin e-mails page (one RPC to ``notifications``) with the service
running, then with it stopped. Before the gateway asked RabbitMQ whether anyone consumes the
service's queue, a page of a stopped service waited ``RPC_TIMEOUT`` (10 s) and the gateway's
``/readyz`` answered 503.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench modules (see report_path)

import requests
from loadgen import run_load
from tables import print_load

from devstack.stack import start_stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per scenario")
    parser.add_argument("--max-requests", type=int, default=500, help="per scenario")
    args = parser.parse_args(argv)
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="bench-unavailable-") as folder:
        stack = start_stack(Path(folder))
        try:
            base = stack.gateway_url
            cookies = admin_cookies(base, stack.admin_login)

            def get(path: str):
                return lambda session: session.get(f"{base}{path}", cookies=cookies, timeout=30)

            def measure(name: str, path: str, status: int) -> dict:
                result = run_load(name, get(path), status, 1, args.seconds, args.max_requests, stop)
                return result.summary()

            rows = [
                measure("GET /healthz", "/healthz", 200),
                measure("GET /readyz", "/readyz", 200),
                measure("page, up", "/admin/messages", 200),
            ]
            stack.stop_service("notifications")
            rows.append(measure("page, stopped", "/admin/messages", 503))
            rows.append(measure("readyz, stopped", "/readyz", 200))
            stack.start_service("notifications")
        finally:
            stack.close()
    print_load(rows)
    return 0


def admin_cookies(base: str, login: tuple[str, str]) -> dict:
    """The session cookies of the administrator, logged in through the agent login form."""
    with requests.Session() as session:
        page = session.get(f"{base}/agents/connexion", timeout=30).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"email": login[0], "password": login[1], "csrf_token": token}
        answer = session.post(
            f"{base}/agents/connexion", data=form, allow_redirects=False, timeout=30
        )
        assert answer.status_code == 303, answer.status_code
        return session.cookies.get_dict()


if __name__ == "__main__":
    sys.exit(main())
