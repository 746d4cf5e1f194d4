"""Error types that cross RPC as the same classes.

Services raise these and declare them in ``expected_exceptions``; nameko serialises them and,
because each class is registered with :func:`nameko.exceptions.deserialize_to_instance`, the
caller gets an instance of the same class back (not a generic ``RemoteError``). The gateway maps
each class to an HTTP status and a French message in one table.

    >>> raise Invalid("Le formulaire contient des erreurs.", {"email": ["Adresse invalide."]})
"""

from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


class PortalError(Exception):
    """Base class: a caller error, never a bug. ``message`` is French and safe to show."""

    code = "ERROR"

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:
        return self.message


@deserialize_to_instance
class NotFound(PortalError):
    code = "NOT_FOUND"


@deserialize_to_instance
class Forbidden(PortalError):
    code = "FORBIDDEN"


@deserialize_to_instance
class Conflict(PortalError):
    code = "CONFLICT"


@deserialize_to_instance
class Invalid(PortalError):
    """Bad input. ``fields`` maps a field name to its French messages."""

    code = "INVALID"

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, fields or {})
        self.fields: dict[str, list[str]] = dict(fields or {})


@deserialize_to_instance
class TooManyRequests(PortalError):
    """A rate limit is reached; ``message`` says when to try again and ``retry_after`` in how
    many seconds at most (None when the service does not know)."""

    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str = "", retry_after: int | str | None = None) -> None:
        seconds = "" if retry_after is None else str(retry_after)
        super().__init__(message, seconds)  # nameko turns arguments other than str into text
        self.retry_after: int | None = int(seconds) if seconds.isdigit() else None


EXPECTED = (Invalid, NotFound, Forbidden, Conflict, TooManyRequests)
"""What every RPC entrypoint declares as ``expected_exceptions``."""
