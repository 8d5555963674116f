"""Errors the agent's connectors raise, split by what the caller should do about them.

- `RetryableError`: the service was unreachable, overloaded (429) or failing (5xx) and the
  connector's own retries are used up. Trying the same thing later may work.
- `PermanentError`: the service refused the request (4xx other than 429) or answered something
  unusable. Trying again unchanged will fail again; the record or the configuration must change.

`str(error)` is always one sentence a person can act on; `status` is the HTTP status (None for
network errors) and `code` the service's own error code when it sent one (Sage's `error.code`).
"""

from __future__ import annotations


class ConnectorError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


class RetryableError(ConnectorError):
    """429, 5xx, network errors and timeouts, raised once the connector's retries are exhausted."""


class OutcomeUnknownError(RetryableError):
    """A write whose request may have reached the server before the connection failed.

    The connector does not repeat such a write blindly; see the client method for how it
    resolves the doubt (Sage 300 creates re-read the record by its key).
    """


class PermanentError(ConnectorError):
    """4xx other than 429, or a response the connector cannot use."""


class AuthenticationError(PermanentError):
    """401/403: the credentials or their rights are wrong; the message says what to check."""


class RecordNotFound(PermanentError):
    """The record addressed by key does not exist (Sage `RecordNotFound`, Shopify 404)."""


class RecordDuplicate(PermanentError):
    """An insert with a key that already exists (Sage `RecordDuplicate`)."""
