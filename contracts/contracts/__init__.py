"""The shared language of the citizen portal.

Every payload that crosses a process boundary (RPC arguments and results, events) is defined
once here as a marshmallow schema, with a golden example under ``examples/`` that producer and
consumer tests both load. Error types live in :mod:`contracts.errors`.
"""

from marshmallow import validate as _validate

# marshmallow's validators speak English when a schema gives them no ``error=``; a citizen or
# an agent reads these messages on a page, so every validator of the portal defaults to French.
# Set here, before any schema of the package builds its validators.
_validate.Length.message_min = "{min} caractères au moins."
_validate.Length.message_max = "{max} caractères au plus."
_validate.Length.message_all = "Entre {min} et {max} caractères."
_validate.Length.message_equal = "{equal} caractères attendus."
_validate.Range.message_gte = "supérieur ou égal à"
_validate.Range.message_gt = "supérieur à"
_validate.Range.message_lte = "inférieur ou égal à"
_validate.Range.message_lt = "inférieur à"
_validate.Range.message_min = "Doit être {min_op} {{min}}."
_validate.Range.message_max = "Doit être {max_op} {{max}}."
_validate.Range.message_all = "Doit être {min_op} {{min}} et {max_op} {{max}}."
for _check in (_validate.OneOf, _validate.NoneOf, _validate.Regexp):
    _check.default_message = "Valeur invalide."
_validate.Email.default_message = "Adresse e-mail invalide."
_validate.URL.default_message = "Adresse web invalide."
_validate.Equal.default_message = "Valeur invalide."
