"""Sage 300 Web API error bodies and the exception that carries one to the response.

Sage answers every failure with `{"error": {"code", "message": {"lang", "value"}}}` and tells
integrators to switch on `code`, not on the HTTP status. Codes and statuses follow the
reference notes §1.7; the statuses Sage does not document are the notes' inferred ones.
"""

from __future__ import annotations

import json

UNAUTHORIZED_MESSAGE = "Authorization has been denied for this request."
NOT_FOUND_MESSAGE = "A Record cannot be found for the specified entity key"
DUPLICATE_MESSAGE = "Record already exists."
TOO_MANY_REQUESTS_MESSAGE = "Server was flooded with too many concurrent requests."
CONTENT_TYPE_MESSAGE = (
    "An error has occurred. The request entity's media type is not supported; "
    "set the Content-Type header to application/json."
)
SERVER_ERROR_MESSAGE = "An error has occurred."


class SageError(Exception):
    """A failure answered with Sage's error body; raise anywhere below a request handler."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body(code: str, message: str) -> bytes:
    return json.dumps(
        {"error": {"code": code, "message": {"lang": "en-US", "value": message}}},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def not_found() -> SageError:
    return SageError(404, "RecordNotFound", NOT_FOUND_MESSAGE)


def duplicate() -> SageError:
    return SageError(409, "RecordDuplicate", DUPLICATE_MESSAGE)


def invalid_payload(message: str) -> SageError:
    return SageError(400, "InvalidPayload", message)


def invalid_parameters(message: str) -> SageError:
    return SageError(400, "InvalidParameters", message)


def invalid_key(message: str) -> SageError:
    return SageError(400, "InvalidEntityKey", message)


def field_invalid(message: str) -> SageError:
    return SageError(409, "FieldInvalid", message)


def record_invalid(message: str) -> SageError:
    return SageError(409, "RecordInvalid", message)


def general(message: str) -> SageError:
    return SageError(409, "General", message)


def resource_not_found(resource: str) -> SageError:
    return SageError(404, "ResourceNotFound", f"The resource '{resource}' cannot be found.")


def method_not_allowed(method: str) -> SageError:
    return SageError(
        405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'."
    )
