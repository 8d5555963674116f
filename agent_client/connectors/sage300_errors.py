"""Reading Sage 300 Web API error bodies and turning refusals into the agent's exceptions.

Sage answers `{"error": {"code", "message": {"lang", "value"}}}` and tells integrators to switch
on `code`, not on the HTTP status. Some servers send that body as `text/plain`, so the body is
parsed as JSON whatever the Content-Type says; a body that is not JSON is kept as a snippet.
"""

from __future__ import annotations

from typing import Any

import requests

from agent_client.connectors.http import ServerMessage, body_json, snippet
from agent_client.errors import AuthenticationError, PermanentError, RecordDuplicate, RecordNotFound

CONFIG_FILE = "ferry-agent.toml"


def sage_message(response: requests.Response) -> ServerMessage:
    data = body_json(response)
    error = _error_object(data)
    if error is None:
        return ServerMessage(None, snippet(response.text) or response.reason or "")
    code = error.get("code")
    return ServerMessage(
        str(code) if code else None, _message_text(error.get("message")) or snippet(response.text)
    )


def _error_object(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    # OData v4 writes "error"; OData v3 servers (older Sage builds) wrote "odata.error".
    error = data.get("error", data.get("odata.error"))
    return error if isinstance(error, dict) else None


def _message_text(message: Any) -> str:
    if isinstance(message, dict):
        return str(message.get("value") or "")
    return "" if message is None else str(message)


def sage_refusal(
    response: requests.Response, message: ServerMessage, what: str, *, user: str, company: str
) -> PermanentError:
    """The exception for a non-retryable answer, chosen by Sage's code first, then the status."""
    status = response.status_code
    said = f"Sage said: {message.text}" if message.text else f"HTTP {status}"
    if message.code == "RecordNotFound":
        return RecordNotFound(f"Sage 300 has no record at {what} ({said})", status=status, code=message.code)
    if message.code == "RecordDuplicate":
        return RecordDuplicate(
            f"Sage 300 already has this record ({what}: {said})", status=status, code=message.code
        )
    if status == 401:
        if "compan" in message.text.lower():
            return AuthenticationError(
                f"Sage 300 could not open company {company} for {user}: check [sage300] company "
                f"in {CONFIG_FILE} ({said})",
                status=status,
                code=message.code,
            )
        return AuthenticationError(
            f"Sage 300 refused the login for {user}: check [sage300] user and password "
            f"in {CONFIG_FILE} ({said})",
            status=status,
            code=message.code,
        )
    if status == 403:
        return AuthenticationError(
            f"Sage 300 does not let {user} do {what} in {company}: give the user the 'Sage 300 Web API' "
            f"security authorization and rights on A/R customers ({said})",
            status=status,
            code=message.code,
        )
    code = f" {message.code}" if message.code else ""
    return PermanentError(
        f"Sage 300 refused {what} ({status}{code}): {message.text}", status=status, code=message.code
    )
