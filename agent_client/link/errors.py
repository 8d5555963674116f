"""Why the link stopped or dropped, split the way the supervisor acts on it.

- `LinkStopped`: permanent; retrying cannot help until a person acts (bad token, detached,
  unsupported protocol). The message says what to do.
- `LinkDropped`: retryable; the network, the portal or a newer connection ended this one.
"""

from __future__ import annotations

from agent_client.protocol import (
    CLOSE_BAD_TOKEN,
    CLOSE_DETACHED,
    CLOSE_SUPERSEDED,
    CLOSE_UNSUPPORTED,
)


class LinkError(Exception):
    """Anything that ends a link or a request to the portal; `str()` is one sentence."""


class LinkStopped(LinkError):
    def __init__(self, message: str, *, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class LinkDropped(LinkError):
    def __init__(self, message: str, *, close_code: int | None = None):
        super().__init__(message)
        self.close_code = close_code


class PortalRefused(LinkError):
    """The portal answered a request with an `error` frame; the connection itself is fine."""


def closed_by_portal(code: int | None, reason: str = "") -> LinkError:
    """Turn a websocket close code into what the agent should do about it."""
    why = f" ({reason})" if reason else ""
    if code == CLOSE_BAD_TOKEN:
        return LinkStopped(
            f"the portal refused this agent's token{why}: register again with "
            "`ferry-agent register --portal URL --code CODE`"
        )
    if code == CLOSE_DETACHED:
        return LinkStopped(
            f"this agent was detached in the portal{why}: attach it there, then start `ferry-agent run` again",
            exit_code=0,
        )
    if code == CLOSE_UNSUPPORTED:
        return LinkStopped(
            f"the portal does not support this agent's protocol version{why}: update ferry-agent"
        )
    if code == CLOSE_SUPERSEDED:
        return LinkDropped(
            "a newer connection of this agent took over (is `ferry-agent run` running twice?)",
            close_code=code,
        )
    return LinkDropped(f"the connection to the portal closed (code {code or 1006}){why}", close_code=code)
