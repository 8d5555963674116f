"""One request to the portal outside `ferry-agent run`: connect, hello, ask, store, leave.

Used by `ferry-agent update-config` and `update-lookups`. Frames the portal pushes meanwhile
(pending run.start, heartbeat acks) are left alone: the portal keeps run.start until an agent
accepts it, so the next `ferry-agent run` connection receives it again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agent_client.config import AgentConfig, ConfigError
from agent_client.link.errors import LinkDropped, PortalRefused
from agent_client.link.session import hello_frame, receive, send_frame, welcome_wait
from agent_client.link.supervisor import Connect, log_to_stderr
from agent_client.link.transport import open_connection, ws_url
from agent_client.link.updates import UpdateResult, lookups_apply, plans_apply
from agent_client.protocol import PORTAL_TO_AGENT, Frame, ProtocolError, make_frame, parse_frame
from agent_client.state import AgentState

REPLY_TIMEOUT_S = 60.0


def portal_settings(config: AgentConfig) -> tuple[str, str]:
    if not config.portal_url or not config.portal_token:
        raise ConfigError(
            f"{config.path} names no registered portal: run `ferry-agent register --portal URL --code CODE` first"
        )
    return config.portal_url, config.portal_token


async def portal_request(
    *,
    portal_url: str,
    token: str,
    state: AgentState,
    frame: dict[str, Any],
    connect: Connect = open_connection,
) -> Frame:
    """Send `frame` after the hello and return the portal's answer to it."""
    ws = await connect(ws_url(portal_url), token)
    try:
        hello = hello_frame(state, running=[])
        await send_frame(ws, hello)
        await welcome_wait(ws, hello["id"], log_to_stderr)
        await send_frame(ws, frame)
        async with asyncio.timeout(REPLY_TIMEOUT_S):
            while True:
                try:
                    reply = parse_frame(await receive(ws), direction=PORTAL_TO_AGENT)
                except ProtocolError as exc:
                    raise LinkDropped(f"the portal answered with an invalid frame: {exc}") from None
                if reply.re != frame["id"]:
                    continue
                if reply.type == "error":
                    raise PortalRefused(f"the portal refused {frame['type']}: {reply.message}")
                return reply
    except TimeoutError:
        raise LinkDropped(
            f"the portal did not answer {frame['type']} within {REPLY_TIMEOUT_S:.0f} s"
        ) from None
    finally:
        await ws.close()


def config_update(
    config: AgentConfig, state: AgentState, *, connect: Connect = open_connection
) -> UpdateResult:
    """Update Configuration: install every plan the portal publishes for this agent, withdraw the rest."""
    url, token = portal_settings(config)
    reply = asyncio.run(
        portal_request(
            portal_url=url, token=token, state=state, frame=make_frame("config.get"), connect=connect
        )
    )
    return plans_apply(state, reply.plans, withdraw_from=list(state.plan_hashes_live()))


def lookups_update(
    config: AgentConfig, state: AgentState, *, connect: Connect = open_connection
) -> UpdateResult:
    """Update Lookup Tables: install the organization's current tables."""
    url, token = portal_settings(config)
    reply = asyncio.run(
        portal_request(
            portal_url=url, token=token, state=state, frame=make_frame("lookups.get"), connect=connect
        )
    )
    return lookups_apply(state, stated_hash=reply.hash, tables=reply.tables)
