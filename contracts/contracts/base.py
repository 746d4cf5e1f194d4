"""Building blocks shared by every contract module: event envelope and schema loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from contracts.errors import Invalid


class Event(Schema):
    """Fields every event carries. Consumers ignore fields they do not know.

    ``redacted_once_published`` names the fields (tokens, free text, addresses, names) that the
    producer's stored copy of the event loses once it is published: consumers got them, the
    outbox row kept for operators needs only ids, types and times.
    """

    class Meta:
        unknown = EXCLUDE

    redacted_once_published: tuple[str, ...] = ()

    event_id = fields.UUID(required=True)
    occurred_at = fields.AwareDateTime(required=True, format="iso")


def load_or_invalid(
    schema: Schema, data: Any, message: str = "Le formulaire contient des erreurs."
) -> Any:
    """Load ``data`` with ``schema``; turn a ValidationError into :class:`Invalid`."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Invalid(message, flatten_messages(exc.messages)) from None


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"field.sub": [..]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(flatten_messages(value, name))
            else:
                flat[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    else:
        flat[prefix or "_schema"] = [str(v) for v in messages]
    return flat


EXAMPLES_DIR = Path(__file__).with_name("examples")


def example(name: str) -> dict:
    """The golden example ``examples/<name>.json``."""
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text("utf-8"))
