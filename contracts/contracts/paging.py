"""Pages of a long list: what an agent list RPC takes and returns.

    list_reports(caller, status=None, page=1, size=50) -> Page of AgentReport

``page`` counts from 1; ``size`` is at most ``MAX_SIZE``, so no list is ever read whole. The
answer says where the page sits (``page``, ``size``, ``total``, ``pages``) so a page can link
to the previous and next ones. A page past the last one is empty, not an error.
"""

from __future__ import annotations

import math
from typing import Any

from marshmallow import Schema, fields, validate

from contracts import fields_fr as fr
from contracts.base import load_or_invalid

DEFAULT_SIZE = 50
MAX_SIZE = 100


class PageRequest(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, error="Numéro de page à partir de 1."),
        error_messages={**fr.MESSAGES, "invalid": "Numéro de page attendu."},
    )
    size = fields.Integer(
        load_default=DEFAULT_SIZE,
        validate=validate.Range(
            min=1, max=MAX_SIZE, error=f"Entre 1 et {MAX_SIZE} éléments par page."
        ),
        error_messages={**fr.MESSAGES, "invalid": "Nombre d'éléments par page attendu."},
    )


def page_request(page: Any, size: Any) -> tuple[int, int]:
    """``(page, size)`` checked; :class:`contracts.errors.Invalid` in French otherwise."""
    given = {key: value for key, value in (("page", page), ("size", size)) if value is not None}
    loaded = load_or_invalid(PageRequest(), given, "La page demandée est invalide.")
    return loaded["page"], loaded["size"]


def page_view(items: list, page: int, size: int, total: int) -> dict:
    """What :func:`page_of` schemas dump."""
    return {
        "items": items,
        "page": page,
        "size": size,
        "total": total,
        "pages": max(1, math.ceil(total / size)),
    }


def page_of(item: type[Schema]) -> type[Schema]:
    """The schema of a page of ``item``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "page": fields.Integer(required=True),
            "size": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=f"{item.__name__}Page",
    )
