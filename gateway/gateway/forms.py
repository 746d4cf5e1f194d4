"""Helpers for HTML forms: field messages per input and the error summary at the top."""

from __future__ import annotations

from collections.abc import Mapping


def by_form_field(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Field messages keyed by form input: ``photo.data`` is shown under ``photo``."""
    merged: dict[str, list[str]] = {}
    for name, messages in fields.items():
        shown = merged.setdefault(name.split(".", 1)[0], [])
        shown.extend(message for message in messages if message not in shown)
    return merged


def error_summary(
    errors: Mapping[str, list[str]], labels: Mapping[str, str]
) -> list[tuple[str | None, str]]:
    """(input name or None, text) pairs in screen order, each text naming its field.

    ``labels`` lists the form's inputs in screen order; a message about no known input
    (``_schema``) is shown without a link.
    """
    names = [name for name in labels if name in errors]
    names += [name for name in errors if name not in labels]
    return [
        (name, f"{labels[name]} : {message}") if name in labels else (None, message)
        for name in names
        for message in errors[name]
    ]
