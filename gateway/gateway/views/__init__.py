"""One blueprint per area; shared helpers for the views."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app


def rpc() -> Any:
    """The app's RPC client (``gateway.rpc.RpcClient``, or a fake in tests)."""
    return current_app.extensions["rpc"]


def no_store(response: Response) -> Response:
    """Pages with personal data must not stay in shared caches or the back-forward cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def public_url(path: str) -> str:
    """An absolute address on the portal, for links people keep or receive by e-mail."""
    return current_app.config["PUBLIC_URL"] + path
