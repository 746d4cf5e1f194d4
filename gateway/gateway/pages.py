"""Helpers shared by the account pages: form pages, checkboxes, access checks.

A form page gets the values typed (never a password), the French messages of each field next
to it and the error summary at the top; ``Invalid`` from a service or from the contracts ends
there with status 422, ``Forbidden`` with its message and status 403.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from contracts import password_policy
from contracts.base import load_or_invalid
from contracts.errors import Invalid, TooManyRequests
from gateway import forms, sessions
from gateway.views import no_store

FORM_MESSAGE = "Le formulaire contient des erreurs."
PASSWORDS_DIFFER = "Les deux mots de passe ne sont pas identiques."


def form_page(
    template: str,
    labels: Mapping[str, str],
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    message: str | None = None,
    status: int | None = None,
    **context: Any,
) -> Response:
    """Render a form page, not cached; 422 when it shows errors unless ``status`` says."""
    shown = forms.by_form_field(errors or {})
    summary = forms.error_summary(shown, labels)
    if message:
        summary.insert(0, (None, message))
    if status is None:
        status = 422 if summary else 200
    page = render_template(template, values=values, errors=shown, summary=summary, **context)
    return no_store(make_response(page, status))


def invalid_page(template: str, labels: Mapping[str, str], values: Mapping, exc: Invalid, **ctx):
    """The form again with the field messages of ``exc`` (its message alone if it has none)."""
    message = None if exc.fields else (exc.message or FORM_MESSAGE)
    return form_page(template, labels, values, exc.fields, message, **ctx)


def text_values(form: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The typed text of ``names``, trimmed (never pass password fields here)."""
    return {name: (form.get(name) or "").strip() for name in names}


def checked(form: Mapping[str, str], name: str) -> bool:
    """An HTML checkbox is sent only when ticked."""
    return name in form


def validate(
    schema: Any, raw: Mapping[str, Any], extra: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """Load ``raw`` with a contracts schema; its messages and ``extra`` come back together."""
    errors: dict[str, list[str]] = {}
    payload: dict[str, Any] = {}
    try:
        payload = load_or_invalid(schema, dict(raw), FORM_MESSAGE)
    except Invalid as exc:
        errors.update(exc.fields)
    for name, messages in (extra or {}).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise Invalid(FORM_MESSAGE, errors)
    return payload


def new_password_errors(
    form: Mapping[str, str], name: str, repeat: str, email: str = ""
) -> dict[str, list[str]]:
    """What is wrong with a new password, shown with the form's other errors in one answer:
    what it lacks under the portal's policy (the accounts service enforces the same rule) and
    whether it was typed twice the same."""
    errors: dict[str, list[str]] = {}
    typed = form.get(name, "")
    if typed and (weak := password_policy.policy_errors(typed, email)):
        errors[name] = weak
    if typed != form.get(repeat, ""):
        errors[repeat] = [PASSWORDS_DIFFER]
    return errors


def refusal_status(exc: Exception) -> int:
    """429 for a rate limit reached, 403 for any other refusal."""
    return 429 if isinstance(exc, TooManyRequests) else 403


def back_here() -> str | None:
    """Where to come back after logging in: this page, for a GET."""
    return request.full_path.rstrip("?") if request.method == "GET" else None


def login_required(view: Callable) -> Callable:
    """Account pages need a session; the others are sent to the login page and back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if sessions.current_identity() is None:
            return redirect(url_for("auth.login", suite=back_here()))
        return view(*args, **kwargs)

    return wrapper


def private_area(bp: Blueprint) -> Blueprint:
    """Every page of ``bp`` needs a session and is never cached (personal data)."""
    bp.before_request(login_required(lambda: None))
    bp.after_request(no_store)
    return bp
