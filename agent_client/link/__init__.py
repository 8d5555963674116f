"""The agent's live link to the portal (protocol v1, see `agent_client.protocol`).

- `transport`: portal URL → websocket URL, the authenticated handshake;
- `session`: one connection — hello/welcome, reading, heartbeats;
- `outbox`: delivering the outbox in order, deleting rows only on ack;
- `runs`: portal-started runs (accept once, pull the plan, execute in a thread, progress, cancel);
- `supervisor`: reconnecting with backoff, stopping on permanent close codes;
- `oneshot`: one request/reply for `update-config` / `update-lookups`;
- `register`: exchanging a registration code for a token.
"""

from agent_client.link.errors import LinkDropped, LinkError, LinkStopped, PortalRefused
from agent_client.link.runs import RunExecutor, runner_executor
from agent_client.link.supervisor import Link

__all__ = [
    "Link",
    "LinkDropped",
    "LinkError",
    "LinkStopped",
    "PortalRefused",
    "RunExecutor",
    "runner_executor",
]
