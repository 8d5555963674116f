"""`ferry-agent register`: trade the portal's one-time registration code for this agent's token.

The contract (served by the portal): POST {portal}/api/agents/register/ with JSON
{"code", "hostname", "platform", "agent_version"[, "name"]} → 201 {"agent_id", "token",
"organization", "name"}; a refused code answers 400 or 404 with {"detail": "..."}.
"""

from __future__ import annotations

from typing import Any

import requests

from agent_client import __version__
from agent_client.config import AgentConfig
from agent_client.link.errors import LinkError
from agent_client.link.host import hostname, platform_name
from agent_client.link.transport import ws_url

REGISTER_PATH = "/api/agents/register/"
TIMEOUT_S = 30


class RegistrationError(LinkError):
    """The portal refused the code, or could not be reached; the message says which."""


def agent_register(*, portal_url: str, code: str, name: str | None = None) -> dict[str, Any]:
    ws_url(portal_url)  # refuses anything that is not an http(s) URL, before any request
    url = portal_url.rstrip("/") + REGISTER_PATH
    body = {"code": code, "hostname": hostname(), "platform": platform_name(), "agent_version": __version__}
    if name:
        body["name"] = name
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise RegistrationError(
            f"could not reach the portal at {portal_url} ({type(exc).__name__})"
        ) from None
    if response.status_code == 201:
        data = _json(response)
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str | int) for k in ("agent_id", "token")
        ):
            raise RegistrationError(
                "the portal accepted the code but sent no agent token: ask your Ferry administrator"
            )
        return data
    detail = _json(response)
    if response.status_code in (400, 404) and isinstance(detail, dict) and detail.get("detail"):
        raise RegistrationError(str(detail["detail"]).strip())
    raise RegistrationError(
        f"the portal answered HTTP {response.status_code} to the registration: try again, or ask your Ferry administrator"
    )


def registration_save(config: AgentConfig, *, portal_url: str, token: str) -> None:
    """Keep the portal URL and token in ferry-agent.toml (written 0600: the token is a secret)."""
    portal = dict(config.data.get("portal", {}))
    portal.update(url=portal_url.rstrip("/"), token=token)
    portal.setdefault("auto_update", False)
    config.data["portal"] = portal
    config.save()


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
