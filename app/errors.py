"""Domain errors: what a service raises when it refuses, and the one place that answers them in HTTP.

Services never speak HTTP. They raise one of the exceptions below; :func:`init_app` registers a
handler that turns each into the API's one error body (``{"code", "status", "message",
"errors"}``, see ``app.api.Api.handle_http_exception``), exactly as ``flask_smorest.abort``
would have. A view or a job may catch them like any other exception.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import abort
from werkzeug.exceptions import HTTPException


class PaymentRequired(HTTPException):
    """402: the plan's seat limit is reached or the subscription is unpaid."""

    code = 402
    description = "The plan does not allow this: a seat limit is reached or the subscription is unpaid."


class DomainError(Exception):
    """A refusal by a service. ``status`` is the HTTP status the shell answers it with.

    ``message`` is for humans; ``errors`` names fields by location
    (``{"json": {"email": ["Already a member."]}}``), as request validation does.
    """

    status = 400

    def __init__(self, message: str | None = None, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The keyword arguments of the error body (``message``, ``errors`` and any extras)."""
        body: dict[str, Any] = {}
        if self.message is not None:
            body["message"] = self.message
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class NotFound(DomainError):
    """404: no such object, or another tenant's (the two are never told apart)."""

    status = 404


class Forbidden(DomainError):
    """403: the caller may not do this to this object (the role's scope was already checked)."""

    status = 403


class PolicyViolation(Forbidden):
    """403: the tenant's governance policy forbids it; ``missing`` lists what still blocks the member."""

    def __init__(self, message: str | None = None, *, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.missing is not None:
            body["missing"] = list(self.missing)
        return body


class Conflict(DomainError):
    """409: the object's state or existing data does not allow it."""

    status = 409


class Gone(DomainError):
    """410: it existed and is no longer usable (a used or expired invitation)."""

    status = 410


class SeatLimitReached(DomainError):
    """402: the plan's seats are used up."""

    status = 402


class ValidationFailed(DomainError):
    """422: input that is well-formed but not acceptable; ``errors`` names the fields."""

    status = 422

    def __init__(self, errors: dict[str, Any], message: str | None = None) -> None:
        super().__init__(message, errors=errors)


def field_error(location: str, field: str, *messages: str, message: str | None = None) -> ValidationFailed:
    """A :class:`ValidationFailed` for one field: ``field_error("json", "email", "Already taken.")``."""
    return ValidationFailed({location: {field: list(messages)}}, message=message)


def answer(error: DomainError):
    """The HTTP answer to a domain error: the same body ``flask_smorest.abort`` produces."""
    try:
        abort(error.status, **error.body())
    except HTTPException as http_error:
        return current_app.extensions["cip_api"].handle_http_exception(http_error)


def init_app(app) -> None:
    app.aborter.mapping[402] = PaymentRequired
    app.register_error_handler(DomainError, answer)
