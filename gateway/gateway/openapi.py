"""The OpenAPI 3 document of ``/api/v1``, generated from the contracts' marshmallow schemas.

Payload shapes come from :mod:`contracts.requests` through apispec's marshmallow plugin, so
the document cannot drift from what the services accept and return. Only the error body,
which the gateway alone produces, is described here.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from contracts.requests import Category, PhotoUpload, Report, SubmitReport, SubmittedReport


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"example": "INVALID"})
    message = fields.String(required=True, metadata={"description": "En français"})
    field_messages = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        data_key="fields",
        metadata={"description": "Messages par champ (« photo », « latitude »…)"},
    )


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": "Error"}}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


MULTIPART_REPORT = {
    "type": "object",
    "required": ["category", "address", "description", "email"],
    "properties": {
        **{name: {"type": "string"} for name in ("category", "address", "description", "email")},
        "latitude": {"type": "number"},
        "longitude": {"type": "number"},
        "photo": {
            "type": "string",
            "format": "binary",
            "description": "JPEG, PNG ou WebP, 10 Mo au plus",
        },
    },
}

KEY = {"name": "key", "in": "query", "required": True, "schema": {"type": "string"}}
NUMBER = {"name": "tracking_number", "in": "path", "required": True, "schema": {"type": "string"}}


def build(config: dict[str, Any]) -> dict[str, Any]:
    """The document as a dict, with the gateway's public address as the server."""
    spec = APISpec(
        title=f"Portail citoyen de {config['TOWN_NAME']} – API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": config["PUBLIC_URL"] or "/"}],
        info={"description": "Signalements sur l'espace public. Messages d'erreur en français."},
    )
    for name, schema in (
        ("Category", Category),
        ("PhotoUpload", PhotoUpload),
        ("SubmitReport", SubmitReport),
        ("Report", Report),
        ("SubmittedReport", SubmittedReport),
        ("Error", Error),
    ):
        spec.components.schema(name, schema=schema)
    _paths(spec)
    return spec.to_dict()


def _paths(spec: APISpec) -> None:
    spec.path(
        path="/api/v1/reports/categories",
        operations={"get": {"summary": "Catégories de signalement", "responses": {
            "200": {"description": "Catégories", "content": {"application/json": {
                "schema": {"type": "array", "items": "Category"}}}},
        }}},
    )  # fmt: skip
    spec.path(
        path="/api/v1/reports",
        operations={"post": {
            "summary": "Signaler un problème sur l'espace public",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": "SubmitReport"},
                "multipart/form-data": {"schema": MULTIPART_REPORT},
            }},
            "responses": {
                "201": _json("SubmittedReport", "Signalement enregistré (Location : son suivi)"),
                "413": _error("Envoi de plus de 40 Mo"),
                "415": _error("Ni JSON ni formulaire"),
                "422": _error("Données non valides (détail par champ)"),
                "503": _error("Service momentanément indisponible"),
            },
        }},
    )  # fmt: skip
    spec.path(
        path="/api/v1/reports/{tracking_number}",
        operations={"get": {
            "summary": "Suivre un signalement",
            "parameters": [NUMBER, KEY],
            "responses": {
                "200": _json("Report", "Le signalement et son historique"),
                "404": _error("Numéro ou clé inconnus"),
                "422": _error("Clé manquante"),
                "503": _error("Service momentanément indisponible"),
            },
        }},
    )  # fmt: skip
