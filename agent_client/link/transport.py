"""The websocket itself: the portal URL → the agent endpoint, the handshake, and its failures."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from agent_client import __version__
from agent_client.config import ConfigError
from agent_client.link.errors import LinkDropped, LinkStopped
from agent_client.protocol import MAX_FRAME_BYTES

AGENT_PATH = "/ws/agent/v1/"
_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def ws_url(portal_url: str) -> str:
    """`https://portal.example.com[:port][/prefix]` → `wss://portal.example.com[:port][/prefix]/ws/agent/v1/`."""
    parts = urlsplit(portal_url.strip())
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ConfigError(f"the portal URL must look like https://portal.example.com, not {portal_url!r}")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + AGENT_PATH, "", ""))


async def open_connection(url: str, token: str, *, open_timeout: float = 20.0) -> ClientConnection:
    """Connect with the agent token; raise LinkStopped (auth refused) or LinkDropped (retry later)."""
    try:
        return await connect(
            url,
            additional_headers={"Authorization": f"Bearer {token}"},
            user_agent_header=f"ferry-agent/{__version__}",
            open_timeout=open_timeout,
            max_size=MAX_FRAME_BYTES,
            ping_interval=20,  # websocket pings find a dead TCP path long before any heartbeat would
            ping_timeout=20,
            close_timeout=5,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status in (401, 403):
            raise LinkStopped(
                f"the portal refused this agent's token (HTTP {status}): register again with "
                "`ferry-agent register --portal URL --code CODE`"
            ) from None
        raise LinkDropped(f"the portal answered HTTP {status} instead of opening the link") from None
    except InvalidURI:
        raise ConfigError(f"{url} is not a websocket URL: check [portal] url in ferry-agent.toml") from None
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise LinkDropped(f"could not reach the portal at {url} ({exc or type(exc).__name__})") from None
